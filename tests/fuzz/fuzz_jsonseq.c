/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_jsonseq: JSON-array and NDJSON framing do not depend on the splits.
 *
 * Input: one control byte, then the body. The control byte picks where the
 * body is cut in two. In both modes, with the default cap and a small one,
 * the body is framed whole, in two pieces and (when short) one byte at a
 * time; every way must give the same frames, the same junk count and the
 * same failure. Each frame must look like what jsonseq.h promises: not
 * empty, trimmed, within the cap; an NDJSON frame holds no LF; an ARRAY
 * frame opens and closes with a bracket.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "wire/jsonseq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BYTEWISE_MAX 1024

struct record {
	enum jsonseq_mode mode;
	size_t max;
	struct buf out;
	size_t frames;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void on_frame(void *ctx, const char *json, size_t len)
{
	struct record *r = ctx;
	if (json == NULL || len == 0 || len > r->max)
		abort();
	if (is_space(json[0]) || is_space(json[len - 1]))
		abort();
	if (r->mode == JSONSEQ_NDJSON && memchr(json, '\n', len) != NULL)
		abort();
	if (r->mode == JSONSEQ_ARRAY) {
		if (json[0] != '{' && json[0] != '[')
			abort();
		if (json[len - 1] != '}' && json[len - 1] != ']')
			abort();
	}
	buf_printf(&r->out, "%zu:", len);
	buf_append(&r->out, json, len);
	r->frames++;
}

struct outcome {
	int rc;
	bool failed;
	size_t frames;
	size_t junk;
};

static struct outcome frame(enum jsonseq_mode mode, size_t max, const char *p, size_t n,
                            const size_t *cuts, size_t ncuts, struct record *r)
{
	struct jsonseq s;
	r->mode = mode;
	r->max = max ? max : (1u << 20);
	r->frames = 0;
	buf_init(&r->out, 0);
	jsonseq_init(&s, mode, max, on_frame, r);
	struct outcome o = {0};
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		o.rc = jsonseq_feed(&s, p + at, end - at);
		at = end;
	}
	jsonseq_finish(&s);
	o.failed = s.failed;
	o.frames = s.frames;
	o.junk = s.junk;
	if ((o.rc < 0) != o.failed || o.frames != r->frames)
		abort();
	if (s.failed && jsonseq_feed(&s, "{}\n", 3) != -1)
		abort();
	jsonseq_done(&s);
	return o;
}

static void same(const struct record *a, struct outcome oa, const struct record *b,
                 struct outcome ob)
{
	if (oa.rc != ob.rc || oa.failed != ob.failed || oa.frames != ob.frames ||
	    oa.junk != ob.junk || a->out.len != b->out.len ||
	    (a->out.len > 0 && memcmp(a->out.data, b->out.data, a->out.len) != 0))
		abort();
}

static void check(enum jsonseq_mode mode, size_t max, const char *p, size_t n, size_t cut)
{
	struct record whole, split;
	struct outcome o_whole = frame(mode, max, p, n, NULL, 0, &whole);
	struct outcome o_split = frame(mode, max, p, n, &cut, 1, &split);
	same(&whole, o_whole, &split, o_split);
	buf_done(&split.out);
	if (n <= BYTEWISE_MAX) {
		size_t cuts[BYTEWISE_MAX];
		for (size_t i = 0; i + 1 < n; i++)
			cuts[i] = i + 1;
		struct record bytes;
		struct outcome o_bytes = frame(mode, max, p, n, cuts, n > 0 ? n - 1 : 0, &bytes);
		same(&whole, o_whole, &bytes, o_bytes);
		buf_done(&bytes.out);
	}
	buf_done(&whole.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned c = data[0];
	size_t n = size - 1;
	char *p = malloc(n > 0 ? n : 1);
	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, data + 1, n);
	size_t cut = n < 256 ? c % (n + 1) : (size_t)c * n / 255;
	size_t small = 1 + n % 64;
	check(JSONSEQ_ARRAY, 0, p, n, cut);
	check(JSONSEQ_ARRAY, small, p, n, cut);
	check(JSONSEQ_NDJSON, 0, p, n, cut);
	check(JSONSEQ_NDJSON, small, p, n, cut);
	free(p);
	return 0;
}
