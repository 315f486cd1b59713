/* SPDX-License-Identifier: GPL-3.0-or-later */
/* failure: one line for a failed request: what happened, what to do. */
#include "app/failure.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/redact.h"
#include "util/units.h"

/* "Try another model with /model." on the screen, "with -m" in a shell. */
static const char *other_model(const struct failure *f)
{
	return f->screen ? "another model with /model" : "another model with -m";
}

static void access_problem(const struct failure *f, const char *status, const char *m,
                           struct buf *b)
{
	const struct provider *p = f->p;
	const struct wire_error *e = f->e;
	if (e->kind == WIRE_ERR_AUTH) {
		buf_printf(b, "%s rejected the API key (%s%s). Check %s.", p->name, status, m,
		           *p->key_env ? p->key_env : "the key");
	} else if (e->kind == WIRE_ERR_BILLING) {
		buf_printf(b, "%s says the account has no quota or credit left (%s%s). Check your "
		           "plan and billing.", p->name, status, m);
	} else if (e->retry_after_ms >= 0) {
		char t[UNITS_MAX];
		units_seconds(e->retry_after_ms, t, sizeof(t));
		buf_printf(b, "%s is rate-limiting requests (%s%s). Try again in %s.", p->name, status,
		           m, t);
	} else {
		buf_printf(b, "%s is rate-limiting requests (%s%s). Try again shortly.", p->name,
		           status, m);
	}
}

static void request_problem(const struct failure *f, const char *status, const char *m,
                            struct buf *b)
{
	const struct provider *p = f->p;
	const struct wire_error *e = f->e;
	switch (e->kind) {
	case WIRE_ERR_NOT_FOUND:
		buf_printf(b, "%s does not know model '%s' or the URL (%s%s). Check the model name%s%s.",
		           p->name, f->model, status, m, p->base_env ? " and " : "",
		           p->base_env ? p->base_env : "");
		break;
	case WIRE_ERR_BLOCKED:
		buf_printf(b, "%s blocked the prompt: %s.", p->name, m);
		break;
	default:
		buf_printf(b, "%s refused the request (%s%s).", p->name, status, m);
		break;
	}
}

/* A 3xx: circuit never follows one (the key would go wherever a server
 * points), so the base URL is what to fix; the classic mistake, http://
 * where the server wants https://, is named. m is the sanitised message,
 * "the server redirects to URL". */
static void redirect_problem(const struct failure *f, const char *status, const char *m,
                             struct buf *b)
{
	const struct provider *p = f->p;
	/* Where the base URL is set: the variable, or the config section. */
	struct buf where;
	buf_init(&where, 0);
	if (p->base_env != NULL)
		buf_append_str(&where, p->base_env);
	else
		buf_printf(&where, "base_url of [provider.%s] in the config", p->name);
	buf_printf(b, "%s answered with a redirect (%s%s), which circuit does not follow.", p->name,
	           status, m);
	const char *to = strstr(m, "redirects to ");
	bool to_https = to != NULL && strncasecmp(to + 13, "https://", 8) == 0;
	bool from_http = p->base_url != NULL && strncasecmp(p->base_url, "http://", 7) == 0;
	if (to_https && from_http)
		buf_printf(b, " The base URL says http:// but the server redirects to https://: use "
		           "https:// in %s.", buf_str(&where));
	else
		buf_printf(b, " Check %s.", buf_str(&where));
	buf_done(&where);
}

static void describe_raw(const struct failure *f, const char *m, struct buf *b)
{
	const struct provider *p = f->p;
	const struct wire_error *e = f->e;
	char status[32] = "";
	if (e->http_status > 0)
		snprintf(status, sizeof(status), "HTTP %d: ", e->http_status);
	bool cut = e->kind == WIRE_ERR_TRUNCATED || e->kind == WIRE_ERR_NETWORK ||
	           e->kind == WIRE_ERR_TOO_BIG;
	if (f->after_text || cut) {
		/* The reply had begun: whatever ended it, the text is kept. */
		buf_printf(b, "the reply from %s was cut short: %s. The text so far is kept%s", p->name,
		           m, f->screen ? "; /retry asks again." : ".");
		return;
	}
	switch (e->kind) {
	case WIRE_ERR_AUTH:
	case WIRE_ERR_BILLING:
	case WIRE_ERR_RATE_LIMIT:
		access_problem(f, status, m, b);
		break;
	case WIRE_ERR_NOT_FOUND:
	case WIRE_ERR_BAD_REQUEST:
	case WIRE_ERR_TOO_LARGE:
	case WIRE_ERR_BLOCKED:
		request_problem(f, status, m, b);
		break;
	case WIRE_ERR_OVERLOADED:
	case WIRE_ERR_SERVER:
		buf_printf(b, "%s %s (%s%s). Try again shortly, or %s.", p->name,
		           e->kind == WIRE_ERR_OVERLOADED ? "is overloaded" : "had a server error",
		           status, m, other_model(f));
		break;
	case WIRE_ERR_REDIRECT:
		redirect_problem(f, status, m, b);
		break;
	case WIRE_ERR_CONNECT:
		buf_printf(b, "%s: %s (%s). Check the network%s%s.", p->name, m,
		           p->base_url ? p->base_url : "", p->base_env ? " or " : "",
		           p->base_env ? p->base_env : "");
		break;
	case WIRE_ERR_TIMEOUT:
		buf_printf(b, "%s: %s. Try again, or %s.", p->name, m, other_model(f));
		break;
	case WIRE_ERR_TRUNCATED:
	case WIRE_ERR_NETWORK:
	case WIRE_ERR_TOO_BIG: /* above */
	case WIRE_ERR_STREAM:
	case WIRE_ERR_UNKNOWN:
		buf_printf(b, "%s reported an error: %s%s", p->name, status, m);
		break;
	}
}

void failure_describe(const struct failure *f, struct buf *out)
{
	struct buf msg, raw;
	buf_init(&msg, 0);
	buf_init(&raw, 0);
	/* The message passed util/untrusted as it left the stream. */
	buf_append_str(&msg, f->e->message);
	/* The server's sentence ends where ours goes on: "Sorry!." reads wrong. */
	while (msg.len > 0 && strchr(".!? ", msg.data[msg.len - 1]) != NULL)
		msg.data[--msg.len] = '\0';
	describe_raw(f, buf_str(&msg), &raw);
	if (f->attempts > 1)
		buf_printf(&raw, " (%d attempts)", f->attempts);
	/* The base URL is the user's, and may hold a password: redacted. */
	redact_append(out, buf_str(&raw), raw.len);
	buf_done(&raw);
	buf_done(&msg);
}
