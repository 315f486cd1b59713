/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_keys: whatever the terminal sends, the keys are the same however the
 * reads cut it, and they are the input and nothing more.
 *
 * The input is terminal bytes. Fed whole, then in three pieces cut at
 * places from a hash of the input, then (when short) byte by byte, each
 * followed by a flush, the keys must be identical, with a small paste cap
 * so that cut pastes are exercised. With no cap, the keys put back
 * together (each key's bytes; a paste inside its markers; an open paste as
 * its begin marker, its text and the held bytes) must give the input
 * exactly; so no key has a byte the input did not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/keys.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMALL_CAP        24
#define BYTE_BY_BYTE_MAX 4096

static const char paste_begin[] = "\x1b[200~";
static const char paste_end[] = "\x1b[201~";

struct sink {
	struct buf out;
	size_t input; /* the input's size: no key is longer */
	size_t cap;   /* the paste cap, 0 for none */
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n) < 0)
		abort();
}

/* Each key as its kind, flags, length and bytes. */
static void on_key(void *ctx, const struct key *k)
{
	struct sink *s = ctx;
	if (k->bytes == NULL || k->len > s->input)
		abort();
	if (k->kind == KEYS_PASTE && s->cap > 0 && k->len > s->cap)
		abort();
	if (k->kind != KEYS_PASTE && (k->len == 0 || k->len > 32 || k->cut))
		abort();
	if (k->kind == KEYS_ALT && (k->len != 2 || k->alt != k->bytes[1]))
		abort();
	unsigned char head[3] = {(unsigned char)k->kind, k->cut, k->alt};
	put(&s->out, head, sizeof(head));
	put(&s->out, &k->len, sizeof(k->len));
	put(&s->out, k->bytes, k->len);
}

/* The input as the keys give it back, for the no-cap run. */
static void on_key_bytes(void *ctx, const struct key *k)
{
	struct sink *s = ctx;
	if (k->kind == KEYS_PASTE)
		put(&s->out, paste_begin, 6);
	put(&s->out, k->bytes, k->len);
	if (k->kind == KEYS_PASTE)
		put(&s->out, paste_end, 6);
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

static bool equal(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* The keys of p[0..size) fed in pieces ending at the offsets cuts[0..n)
 * (ascending, the last == size), then a flush, into s->out. */
static void run(struct sink *s, const unsigned char *p, const size_t *cuts, size_t n)
{
	struct keys k;
	keys_init(&k, s->cap);
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		bool held = keys_feed(&k, p + from, cuts[i] - from, on_key, s);
		if (held != keys_holding(&k))
			abort();
		from = cuts[i];
	}
	keys_flush(&k, on_key, s);
	if (keys_holding(&k))
		abort();
	keys_done(&k);
}

static void check_splits(const unsigned char *p, size_t size)
{
	struct sink whole = {.input = size, .cap = SMALL_CAP};
	buf_init(&whole.out, 0);
	run(&whole, p, &size, 1);

	uint64_t h = hash(p, size);
	size_t cuts[3] = {(size_t)(h % (size + 1)), (size_t)((h >> 32) % (size + 1)), size};
	if (cuts[0] > cuts[1]) {
		size_t t = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	struct sink split = {.input = size, .cap = SMALL_CAP};
	buf_init(&split.out, 0);
	run(&split, p, cuts, 3);
	if (!equal(&whole.out, &split.out))
		abort();
	buf_done(&split.out);

	if (size <= BYTE_BY_BYTE_MAX) {
		size_t *each = malloc((size > 0 ? size : 1) * sizeof(*each));
		if (each == NULL)
			abort();
		for (size_t i = 0; i < size; i++)
			each[i] = i + 1;
		struct sink bytes = {.input = size, .cap = SMALL_CAP};
		buf_init(&bytes.out, 0);
		run(&bytes, p, each, size);
		if (!equal(&whole.out, &bytes.out))
			abort();
		buf_done(&bytes.out);
		free(each);
	}
	buf_done(&whole.out);
}

/* With no cap the keys give back the input, byte for byte. */
static void check_rebuilt(const unsigned char *p, size_t size)
{
	struct sink s = {.input = size};
	buf_init(&s.out, 0);
	struct keys k;
	keys_init(&k, 0);
	keys_feed(&k, p, size, on_key_bytes, &s);
	keys_flush(&k, on_key_bytes, &s);
	if (k.pasting) {
		put(&s.out, paste_begin, 6);
		put(&s.out, k.paste.data != NULL ? k.paste.data : "", k.paste.len);
		put(&s.out, k.held, k.nheld);
	} else if (k.nheld != 0) {
		abort(); /* a flush outside a paste leaves nothing held */
	}
	if (s.out.len != size || (size > 0 && memcmp(s.out.data, p, size) != 0))
		abort();
	keys_done(&k);
	buf_done(&s.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly the input's size, so a read past it shows. */
	unsigned char *p = malloc(size > 0 ? size : 1);
	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	check_splits(p, size);
	check_rebuilt(p, size);
	free(p);
	return 0;
}
