/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_sanitize: whatever the model sends, what reaches the screen is inert.
 *
 * The input is model text. Sanitised in one go, the output must be valid
 * UTF-8 with no C0 control but LF and TAB, no DEL and no C1 control (the
 * pair C2 80..C2 9F). The same text fed in three pieces (cut at places from
 * a hash of the input) must give the same output, since a character or a
 * CR LF split across calls is joined. Sanitising the output again changes
 * nothing, and text that sanitize_is_clean() accepts passes unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/sanitize.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inert(const struct buf *out)
{
	const unsigned char *u = (const unsigned char *)out->data;
	if (!utf8_valid(out->data, out->len))
		abort();
	for (size_t i = 0; i < out->len; i++) {
		if (u[i] < 0x20 && u[i] != '\n' && u[i] != '\t')
			abort();
		if (u[i] == 0x7F)
			abort();
		if (u[i] == 0xC2 && i + 1 < out->len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F)
			abort();
	}
}

static bool equal(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static uint64_t hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size > 0 ? size : 1);
	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);

	struct buf whole;
	buf_init(&whole, 0);
	if (sanitize_append(&whole, p, size) < 0)
		abort();
	check_inert(&whole);

	/* Three pieces. */
	uint64_t h = hash(data, size);
	size_t a = (size_t)(h % (size + 1)), b = (size_t)((h >> 32) % (size + 1));
	if (a > b) {
		size_t t = a;
		a = b;
		b = t;
	}
	struct sanitizer s;
	struct buf split;
	buf_init(&split, 0);
	sanitizer_init(&s);
	if (sanitizer_feed(&s, p, a, &split) < 0 || sanitizer_feed(&s, p + a, b - a, &split) < 0 ||
	    sanitizer_feed(&s, p + b, size - b, &split) < 0 || sanitizer_finish(&s, &split) < 0)
		abort();
	sanitizer_done(&s);
	if (!equal(&whole, &split))
		abort();

	/* Idempotent. */
	struct buf again;
	buf_init(&again, 0);
	if (sanitize_append(&again, whole.data ? whole.data : "", whole.len) < 0)
		abort();
	if (!equal(&whole, &again))
		abort();

	/* Clean text is kept as it is. */
	if (sanitize_is_clean(p, size)) {
		if (whole.len != size || (size > 0 && memcmp(whole.data, p, size) != 0))
			abort();
	}

	buf_done(&again);
	buf_done(&split);
	buf_done(&whole);
	free(p);
	return 0;
}
