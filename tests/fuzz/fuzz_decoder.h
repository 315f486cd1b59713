/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_decoder: what every adapter's fuzz target checks (fuzz_<format>.c).
 *
 * The input is one response body. It is decoded whole, in three pieces cut
 * at places derived from a hash of the input, and (when short) one byte at
 * a time; the event sequences, serialised with wire_event_to_json, must be
 * equal, and so must the result of finish and the malformed-frame count.
 * This runs with the default limits and again with small ones (also taken
 * from the hash), so the frame and reply caps are taken too.
 *
 * Every event must keep the contract of wire/event.h: text deltas are
 * non-empty valid UTF-8; nothing follows an ERROR; every serialised event
 * parses back as JSON. Any breach calls abort().
 */
#ifndef CIRCUIT_FUZZ_DECODER_H
#define CIRCUIT_FUZZ_DECODER_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"
#include "wire/decoder.h"
#include "wire/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BYTEWISE_MAX 512

/* FNV-1a, then splitmix64 to spread it: positions that move with every
 * mutation of the input, yet the same for the same input. */
static uint64_t fuzz_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fuzz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct fuzz_record {
	struct buf out; /* one JSON object per event, LF after each */
	size_t events;
	bool errored;
};

static void fuzz_on_event(void *ctx, const struct wire_event *ev)
{
	struct fuzz_record *r = ctx;
	if (r->errored)
		abort(); /* an ERROR is the last event */
	switch (ev->type) {
	case WIRE_EV_TEXT:
	case WIRE_EV_THINKING:
	case WIRE_EV_REFUSAL:
		if (ev->text == NULL || ev->len == 0 || !utf8_valid(ev->text, ev->len))
			abort();
		break;
	case WIRE_EV_TOOL_CALL:
		if (ev->tool_id == NULL || ev->tool_name == NULL || ev->tool_args == NULL)
			abort();
		break;
	case WIRE_EV_STOP:
		if (ev->reason == NULL)
			abort();
		break;
	case WIRE_EV_ERROR:
		if (ev->error == NULL || ev->error->code == NULL || ev->error->message == NULL)
			abort();
		r->errored = true;
		break;
	case WIRE_EV_USAGE:
		break;
	case WIRE_EV_SERVER_TOOL: /* issue 19's traces: wire/event.h's contract */
		if (ev->tool_id == NULL || ev->tool_name == NULL || *ev->tool_name == '\0' ||
		    ev->tool_args == NULL || (ev->len > 0 && ev->text == NULL))
			abort();
		break;
	case WIRE_EV_CITATION:
		if (ev->url == NULL || *ev->url == '\0' || ev->title == NULL)
			abort();
		break;
	case WIRE_EV_IMAGE:
		if (ev->mime == NULL || (ev->len > 0 && ev->text == NULL))
			abort();
		break;
	case WIRE_EV_MARKER:
		if (ev->text == NULL || ev->len == 0)
			abort();
		break;
	default:
		abort();
	}
	size_t start = r->out.len;
	if (wire_event_to_json(ev, &r->out) < 0)
		abort();
	json_error_t jerr;
	json_t *back = json_loadb(r->out.data + start, r->out.len - start, JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(back))
		abort();
	json_decref(back);
	buf_append_char(&r->out, '\n');
	r->events++;
}

struct fuzz_outcome {
	int finish_rc;
	size_t malformed;
};

/* The decoders' fast path, on as in the program; fuzz_fastpath turns it
 * off for its reference run. */
static bool fuzz_fast_path = true;

/* Decodes p[0..n) cut at cuts[0..ncuts) (ascending) into r. */
static struct fuzz_outcome fuzz_decode(enum wire_format f, const struct wire_limits *lim,
                                       const char *p, size_t n, const size_t *cuts,
                                       size_t ncuts, struct fuzz_record *r)
{
	buf_init(&r->out, 0);
	r->events = 0;
	r->errored = false;
	struct wire_decoder *d = wire_decoder_new(f, lim, fuzz_on_event, r);
	if (d == NULL)
		abort();
	wire_decoder_set_fast(d, fuzz_fast_path);
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		int rc = wire_decoder_feed(d, p + at, end - at);
		if ((rc < 0) != r->errored)
			abort(); /* feed fails exactly when an ERROR went out */
		at = end;
	}
	struct fuzz_outcome o;
	o.finish_rc = wire_decoder_finish(d);
	if (o.finish_rc < 0 && !r->errored)
		abort(); /* an incomplete reply is always reported */
	o.malformed = wire_decoder_malformed(d);
	wire_decoder_free(d);
	return o;
}

static void fuzz_same(const struct fuzz_record *a, struct fuzz_outcome oa,
                      const struct fuzz_record *b, struct fuzz_outcome ob)
{
	if (oa.finish_rc != ob.finish_rc || oa.malformed != ob.malformed ||
	    a->events != b->events || a->out.len != b->out.len ||
	    (a->out.len > 0 && memcmp(a->out.data, b->out.data, a->out.len) != 0))
		abort();
}

static void fuzz_check(enum wire_format f, const struct wire_limits *lim, const char *p,
                       size_t n, uint64_t h)
{
	size_t cuts[2] = {fuzz_mix(h) % (n + 1), fuzz_mix(h + 1) % (n + 1)};
	if (cuts[0] > cuts[1]) {
		size_t t = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	struct fuzz_record whole, split;
	struct fuzz_outcome o_whole = fuzz_decode(f, lim, p, n, NULL, 0, &whole);
	struct fuzz_outcome o_split = fuzz_decode(f, lim, p, n, cuts, 2, &split);
	fuzz_same(&whole, o_whole, &split, o_split);
	buf_done(&split.out);
	if (n <= FUZZ_BYTEWISE_MAX) {
		size_t each[FUZZ_BYTEWISE_MAX];
		for (size_t i = 0; i + 1 < n; i++)
			each[i] = i + 1;
		struct fuzz_record bytes;
		struct fuzz_outcome o_bytes = fuzz_decode(f, lim, p, n, each, n > 0 ? n - 1 : 0, &bytes);
		fuzz_same(&whole, o_whole, &bytes, o_bytes);
		buf_done(&bytes.out);
	}
	buf_done(&whole.out);
}

static inline int fuzz_decoder_run(enum wire_format f, const uint8_t *data, size_t size)
{
	static bool seeded;
	if (!seeded) {
		/* jansson seeds its hash tables from /dev/urandom: fix it. */
		json_object_seed(0x5eed);
		seeded = true;
	}
	char *p = malloc(size > 0 ? size : 1);
	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	uint64_t h = fuzz_hash(data, size);
	fuzz_check(f, NULL, p, size, h);
	uint64_t m = fuzz_mix(h + 2);
	struct wire_limits small = {
		.frame_max = 1 + (size_t)(m % 4096),
		.reply_max = 1 + (size_t)((m >> 16) % 1024),
	};
	fuzz_check(f, &small, p, size, h);
	free(p);
	return 0;
}

#endif
