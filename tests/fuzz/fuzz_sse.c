/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_sse: the SSE parser gives the same events however its input is split.
 *
 * Input: one control byte, then the stream. The control byte picks where the
 * stream is cut in two. Each run parses the stream whole, in two pieces and
 * (when short) one byte at a time, with the default cap and with a small one
 * so the "line or event too big" path is taken; every way must give the same
 * events and the same failure. Every event's strings must be valid UTF-8 and
 * NUL-terminated, as sse.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"
#include "wire/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Byte-at-a-time feeding is quadratic-ish in calls; keep it to short input. */
#define BYTEWISE_MAX 1024

struct record {
	struct buf out; /* every event, serialised with lengths */
	size_t events;
};

static void check_str(const char *s, size_t n)
{
	if (s == NULL || s[n] != '\0' || !utf8_valid(s, n))
		abort();
}

static void put_field(struct buf *out, char tag, const char *s, size_t n)
{
	buf_printf(out, "%c%zu:", tag, n);
	buf_append(out, s, n);
}

static void on_event(void *ctx, const struct sse_event *ev)
{
	struct record *r = ctx;
	check_str(ev->type, ev->type_len);
	check_str(ev->data, ev->data_len);
	check_str(ev->id, ev->id_len);
	if (ev->type_len == 0 || ev->retry < -1)
		abort();
	put_field(&r->out, 'T', ev->type, ev->type_len);
	put_field(&r->out, 'D', ev->data, ev->data_len);
	put_field(&r->out, 'I', ev->id, ev->id_len);
	buf_printf(&r->out, "R%lld\n", ev->retry);
	r->events++;
}

/* Parses p[0..n) cut at each of cuts[0..ncuts) (ascending) into r; returns
 * the last sse_feed result. */
static int parse(size_t max, const char *p, size_t n, const size_t *cuts, size_t ncuts,
                 struct record *r)
{
	struct sse_parser sp;
	buf_init(&r->out, 0);
	r->events = 0;
	sse_init(&sp, max, on_event, r);
	int rc = 0;
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		rc = sse_feed(&sp, p + at, end - at);
		at = end;
	}
	sse_finish(&sp);
	if ((rc < 0) != sp.failed || sp.events != r->events)
		abort();
	/* After failure, the parser must keep refusing. */
	if (sp.failed && sse_feed(&sp, "data: x\n\n", 9) != -1)
		abort();
	sse_done(&sp);
	return rc;
}

static void same(const struct record *a, int rca, const struct record *b, int rcb)
{
	if (rca != rcb || a->events != b->events || a->out.len != b->out.len ||
	    (a->out.len > 0 && memcmp(a->out.data, b->out.data, a->out.len) != 0))
		abort();
}

static void check(size_t max, const char *p, size_t n, size_t cut)
{
	struct record whole, split;
	int rc_whole = parse(max, p, n, NULL, 0, &whole);
	int rc_split = parse(max, p, n, &cut, 1, &split);
	same(&whole, rc_whole, &split, rc_split);
	buf_done(&split.out);
	if (n <= BYTEWISE_MAX) {
		size_t cuts[BYTEWISE_MAX];
		for (size_t i = 0; i + 1 < n; i++)
			cuts[i] = i + 1;
		struct record bytes;
		int rc_bytes = parse(max, p, n, cuts, n > 0 ? n - 1 : 0, &bytes);
		same(&whole, rc_whole, &bytes, rc_bytes);
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
	/* A copy of exactly n bytes, so a read past the end is caught. */
	char *p = malloc(n > 0 ? n : 1);
	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, data + 1, n);
	/* Short streams: any cut; long ones: spread over the whole length. */
	size_t cut = n < 256 ? c % (n + 1) : (size_t)c * n / 255;
	check(0, p, n, cut);
	/* A small cap (1..64 bytes, from the length) takes the failure path. */
	check(1 + n % 64, p, n, cut);
	free(p);
	return 0;
}
