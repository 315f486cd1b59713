/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_error_body: any HTTP error body parses into a well-formed error.
 *
 * Input: two bytes of status (big-endian, 0..65535), then the body. The body
 * goes through wire_parse_error_body for every format: it must never fail,
 * and the error must hold the status, a known kind, and code and message as
 * valid UTF-8 that serialise to JSON. The body, as text, is also tried as
 * the retry-after-ms and retry-after headers.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"
#include "wire/decoder.h"
#include "wire/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct wire_error *e, int status)
{
	if (e->http_status != status || e->code == NULL || e->message == NULL)
		abort();
	if (strcmp(wire_error_kind_name(e->kind), "?") == 0)
		abort();
	if (!utf8_valid(e->code, strlen(e->code)) || !utf8_valid(e->message, strlen(e->message)))
		abort();
	if (e->retry_after_ms < -1)
		abort();
	struct buf out;
	buf_init(&out, 0);
	struct wire_event ev = {.type = WIRE_EV_ERROR, .error = e};
	if (wire_event_to_json(&ev, &out) < 0)
		abort();
	json_error_t jerr;
	json_t *back = json_loadb(out.data, out.len, JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(back))
		abort();
	json_decref(back);
	buf_done(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool seeded;
	if (!seeded) {
		json_object_seed(0x5eed); /* deterministic hash tables */
		seeded = true;
	}
	if (size < 2)
		return 0;
	int status = (data[0] << 8) | data[1];
	size_t n = size - 2;
	/* Exactly n bytes, plus a NUL-terminated copy for the header parsers. */
	char *body = malloc(n > 0 ? n : 1);
	char *text = malloc(n + 1);
	if (body == NULL || text == NULL)
		abort();
	if (n > 0) {
		memcpy(body, data + 2, n);
		memcpy(text, data + 2, n);
	}
	text[n] = '\0';

	for (int f = 0; f < WIRE_FORMAT_COUNT; f++) {
		struct wire_error e;
		wire_error_init(&e);
		wire_parse_error_body((enum wire_format)f, status, body, n, &e);
		check_error(&e, status);
		wire_error_done(&e);
	}

	long long now = 1700000000LL + status;
	if (wire_retry_after_ms(text, text, now) < -1 || wire_retry_after_ms(NULL, text, now) < -1)
		abort();
	free(body);
	free(text);
	return 0;
}
