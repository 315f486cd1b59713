/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_fastpath: the decoders' fast path against the jansson path.
 *
 * The fast path (wire/fastjson.h, openai_fast, anthropic_fast) promises
 * exactly the events the tree path gives, on every input. Each input is
 * decoded twice, fast path off then on, whole and in pieces, with default
 * and small limits; the serialised events, the malformed count and the
 * result of finish must be identical, else abort().
 *
 * The first byte picks the format (bit 0: anthropic, else openai) and the
 * shape (bit 1: the rest is one JSON frame, wrapped as an SSE event, with
 * bit 2 naming it content_block_delta; else the rest is the raw SSE body),
 * so the fuzzer mutates chunk JSON directly as well as whole streams. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_decoder.h"

static void one(enum wire_format f, const struct wire_limits *lim, const char *p, size_t n,
                uint64_t h)
{
	size_t cuts[2] = {fuzz_mix(h) % (n + 1), fuzz_mix(h + 1) % (n + 1)};
	if (cuts[0] > cuts[1]) {
		size_t t = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	struct fuzz_record slow, fast, fast_split;
	fuzz_fast_path = false;
	struct fuzz_outcome o_slow = fuzz_decode(f, lim, p, n, NULL, 0, &slow);
	fuzz_fast_path = true;
	struct fuzz_outcome o_fast = fuzz_decode(f, lim, p, n, NULL, 0, &fast);
	struct fuzz_outcome o_split = fuzz_decode(f, lim, p, n, cuts, 2, &fast_split);
	fuzz_same(&slow, o_slow, &fast, o_fast);
	fuzz_same(&slow, o_slow, &fast_split, o_split);
	buf_done(&slow.out);
	buf_done(&fast.out);
	buf_done(&fast_split.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool seeded;
	if (!seeded) {
		json_object_seed(0x5eed);
		seeded = true;
	}
	if (size == 0)
		return 0;
	enum wire_format f = (data[0] & 1) ? WIRE_ANTHROPIC : WIRE_OPENAI;
	struct buf body;
	buf_init(&body, 0);
	if (data[0] & 2) {
		if (data[0] & 4)
			buf_append_str(&body, "event: content_block_delta\n");
		buf_append_str(&body, "data: ");
		/* One data line: a line break would end it early. */
		for (size_t i = 1; i < size; i++)
			buf_append_char(&body, data[i] == '\n' || data[i] == '\r' ? ' ' : (char)data[i]);
		buf_append_str(&body, "\n\n");
	} else if (size > 1) {
		buf_append(&body, data + 1, size - 1);
	}
	const char *p = body.data ? body.data : "";
	uint64_t h = fuzz_hash(data, size);
	one(f, NULL, p, body.len, h);
	uint64_t m = fuzz_mix(h + 2);
	struct wire_limits small = {
		.frame_max = 1 + (size_t)(m % 4096),
		.reply_max = 1 + (size_t)((m >> 16) % 1024),
	};
	one(f, &small, p, body.len, h);
	buf_done(&body);
	return 0;
}
