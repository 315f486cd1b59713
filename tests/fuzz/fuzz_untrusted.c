/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_untrusted: whatever a server puts in a field, what leaves the door
 * (util/untrusted) is inert and holds no secret.
 *
 * Two secrets are registered (one with '/' and '-', which JSON may escape).
 * untrusted_field's output must be valid UTF-8 with no byte below 0x20, no
 * DEL, no C1 control and no bidi control, and untrusted_escape's output no
 * byte below 0x20, no DEL and no C1 or bidi control either. Neither may hold
 * a registered secret in any spelling: redacting the output's secrets again
 * changes nothing, and the plain secret is not in it. The streaming redactor fed the
 * input in three pieces gives what it gives fed in one.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/redact.h"
#include "util/untrusted.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const secrets[] = {"sk-fz/AB-12", "AIzaFUZZkey"};

static bool equal(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* No control a terminal acts on; C1 and bidi as their UTF-8 encodings. */
static void check_inert(const struct buf *out)
{
	const unsigned char *u = (const unsigned char *)out->data;
	for (size_t i = 0; i < out->len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7F)
			abort();
		if (u[i] == 0xC2 && i + 1 < out->len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F)
			abort();
		if (u[i] == 0xE2 && i + 2 < out->len &&
		    ((u[i + 1] == 0x80 && u[i + 2] >= 0xAA && u[i + 2] <= 0xAE) ||
		     (u[i + 1] == 0x81 && u[i + 2] >= 0xA6 && u[i + 2] <= 0xA9)))
			abort();
	}
}

static void check_no_secret(const struct buf *out)
{
	for (size_t k = 0; k < sizeof(secrets) / sizeof(*secrets); k++)
		if (out->len > 0 && memmem(out->data, out->len, secrets[k], strlen(secrets[k])) != NULL)
			abort();
	/* Any spelling: the secrets-only redactor finds nothing to hide. */
	struct redactor r;
	struct buf again;
	redactor_init(&r);
	buf_init(&again, 0);
	redactor_feed(&r, out->data ? out->data : "", out->len, &again);
	redactor_finish(&r, &again);
	if (!equal(&again, out))
		abort();
	buf_done(&again);
	redactor_done(&r);
}

static void check_stream(const char *p, size_t size)
{
	size_t a = size / 3, b = size - size / 4;
	struct redactor r;
	struct buf one, three;
	buf_init(&one, 0);
	buf_init(&three, 0);
	redactor_init(&r);
	redactor_feed(&r, p, size, &one);
	redactor_finish(&r, &one);
	redactor_done(&r);
	redactor_init(&r);
	redactor_feed(&r, p, a, &three);
	redactor_feed(&r, p + a, b - a, &three);
	redactor_feed(&r, p + b, size - b, &three);
	redactor_finish(&r, &three);
	redactor_done(&r);
	if (!equal(&one, &three))
		abort();
	buf_done(&one);
	buf_done(&three);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redact_clear();
	for (size_t k = 0; k < sizeof(secrets) / sizeof(*secrets); k++)
		redact_add_secret(secrets[k]);
	const char *p = (const char *)data;
	struct buf field, esc;
	buf_init(&field, 0);
	buf_init(&esc, 0);
	untrusted_field(&field, p, size);
	if (!utf8_valid(field.data ? field.data : "", field.len))
		abort();
	check_inert(&field);
	check_no_secret(&field);
	untrusted_escape(&esc, p, size);
	check_inert(&esc);
	check_no_secret(&esc);
	check_stream(p, size);
	/* What the cheap test lets through untouched, the redactor would. */
	if (!redact_may_hold(p, size)) {
		struct redactor r;
		struct buf out;
		redactor_init(&r);
		buf_init(&out, 0);
		redactor_feed_eager(&r, p, size, &out);
		if (redactor_holds(&r) || out.len != size || (size > 0 && memcmp(out.data, p, size) != 0))
			abort();
		buf_done(&out);
		redactor_done(&r);
	}
	buf_done(&field);
	buf_done(&esc);
	return 0;
}
