/* SPDX-License-Identifier: GPL-3.0-or-later */
/* describe: one line for a failed request: what happened, what to do. */
#include "describe.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/sanitize.h"

static void describe_raw(const struct provider *p, const char *model, const char *url,
                         const struct wire_error *e, struct buf *b)
{
	struct buf msg;
	buf_init(&msg, 0);
	sanitize_append(&msg, e->message, strlen(e->message));
	const char *m = buf_str(&msg);
	const char *pn = p->name;
	char status[32] = "";
	if (e->http_status > 0)
		snprintf(status, sizeof(status), "HTTP %d: ", e->http_status);
	switch (e->kind) {
	case WIRE_ERR_AUTH:
		buf_printf(b, "%s rejected the API key (%s%s). Check %s.", pn, status, m,
		           *p->key_env ? p->key_env : "the key");
		break;
	case WIRE_ERR_BILLING:
		buf_printf(b, "%s says the account has no quota or credit left (%s%s). Check your "
		           "plan and billing.", pn, status, m);
		break;
	case WIRE_ERR_RATE_LIMIT:
		buf_printf(b, "%s is rate-limiting requests (%s%s). ", pn, status, m);
		if (e->retry_after_ms >= 0)
			buf_printf(b, "Try again in %.1f s.", (double)e->retry_after_ms / 1000.0);
		else
			buf_append_str(b, "Try again shortly.");
		break;
	case WIRE_ERR_OVERLOADED:
	case WIRE_ERR_SERVER:
		buf_printf(b, "%s %s (%s%s). Try again shortly, or another model with -m.", pn,
		           e->kind == WIRE_ERR_OVERLOADED ? "is overloaded" : "had a server error",
		           status, m);
		break;
	case WIRE_ERR_NOT_FOUND:
		buf_printf(b, "%s does not know model '%s' or the URL (%s%s). Check -m%s%s.", pn,
		           model, status, m, p->base_env ? " and " : "",
		           p->base_env ? p->base_env : "");
		break;
	case WIRE_ERR_BAD_REQUEST:
	case WIRE_ERR_TOO_LARGE:
		buf_printf(b, "%s refused the request (%s%s).", pn, status, m);
		break;
	case WIRE_ERR_BLOCKED:
		buf_printf(b, "%s blocked the prompt: %s.", pn, m);
		break;
	case WIRE_ERR_CONNECT:
		buf_printf(b, "%s: %s (%s). Check the network%s%s.", pn, m, url ? url : "",
		           p->base_env ? " or " : "", p->base_env ? p->base_env : "");
		break;
	case WIRE_ERR_TIMEOUT:
		buf_printf(b, "%s: %s. Try again.", pn, m);
		break;
	case WIRE_ERR_TRUNCATED:
	case WIRE_ERR_NETWORK:
	case WIRE_ERR_TOO_BIG:
		buf_printf(b, "the reply from %s was cut short: %s. The text so far is kept.", pn, m);
		break;
	case WIRE_ERR_STREAM:
	case WIRE_ERR_UNKNOWN:
		buf_printf(b, "%s reported an error: %s%s", pn, status, m);
		break;
	}
	buf_done(&msg);
}

void describe_failure(const struct provider *p, const char *model, const char *url,
                      const struct wire_error *e, struct buf *out)
{
	struct buf raw;
	buf_init(&raw, 0);
	describe_raw(p, model, url, e, &raw);
	/* A server may quote the key back ("Incorrect API key provided:
	 * sk-..."): registered keys are redacted here. */
	log_redact(buf_str(&raw), raw.len, out);
	buf_done(&raw);
}
