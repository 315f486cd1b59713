/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_decode: decode throughput of the wire pipeline, in memory, judged
 * against baselines measured in the same run.
 *
 * Builds a 200 000-chunk OpenAI Chat stream (chunks shaped like the real
 * 241-byte ones) and an Anthropic stream, feeds each through the decoder in
 * 16 KiB reads, as curl hands them over. Over the same bytes, in the same
 * process, rounds interleaved, it times two baselines:
 *
 *   jansson  every frame split out with memchr and its data parsed into a
 *            tree by json_loadb, the text read out: a decoder's core without
 *            circuit's fast path (what eventsource-parser + JSON.parse do)
 *   scan     every frame found with memchr, its bytes summed: touching each
 *            byte once, the floor under any decoder
 *
 * and the decoder with its fast path off, for information. The verdict is
 * the ratio of the decoder's CPU time to jansson's (machines of our kind
 * differ by 2x in absolute speed; the ratio moves much less). Prints one
 * line per stream; exits 0 whether it passes or fails (a report), 1 when a
 * stream is not decoded whole. No network: the floor under `circuit -p`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "util/buf.h"
#include "wire/decoder.h"

#define CHUNKS 200000
#define READ 16384
#define ROUNDS 5
/* The decoder's CPU time over jansson's parse of the same frames, at most:
 * issue 8's 1.2 M and 2 M chunks/CPU-s over jansson's cost measured beside
 * them (docs/benchmarks.md). Measured 0.13 and 0.17; 1.04 with the fast
 * path off. */
#define TARGET_OPENAI 0.20
#define TARGET_ANTHROPIC 0.40

static const char *const words[] = {"The", " quick", " brown", " fox", " jumps", " over",
                                    " the", " lazy", " dog", ".", " 日本", " 🦀"};

static void openai_stream(struct buf *b)
{
	buf_append_str(b, "data: {\"id\":\"chatcmpl-CUiJXiH9uESMqQMJr4yFknqqHqHx4\",\"object\":"
	                  "\"chat.completion.chunk\",\"created\":1768298607,\"model\":\"gpt-4.1-mini-"
	                  "2025-04-14\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	                  "\"content\":\"\"},\"finish_reason\":null}]}\n\n");
	for (int i = 0; i < CHUNKS; i++)
		buf_printf(b,
		           "data: {\"id\":\"chatcmpl-CUiJXiH9uESMqQMJr4yFknqqHqHx4\",\"object\":\"chat."
		           "completion.chunk\",\"created\":1768298607,\"model\":\"gpt-4.1-mini-2025-04-"
		           "14\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_6f2eabb9a5\","
		           "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"logprobs\":null,"
		           "\"finish_reason\":null}],\"obfuscation\":\"82KEkpGc\"}\n\n",
		           words[i % 12]);
	buf_append_str(b, "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
	                  "\"stop\"}]}\n\ndata: [DONE]\n\n");
}

static void anthropic_stream(struct buf *b)
{
	buf_append_str(b, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"
	                  "\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
	                  "\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":25,"
	                  "\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":"
	                  "\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
	                  "\"text\":\"\"}}\n\n");
	for (int i = 0; i < CHUNKS; i++)
		buf_printf(b,
		           "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
		           "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"%s\"}}\n\n",
		           words[i % 12]);
	buf_append_str(b, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"
	                  "0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{"
	                  "\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":200000}}\n\n"
	                  "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
}

struct count {
	size_t text_events;
	size_t bytes;
};

static void on_event(void *ctx, const struct wire_event *ev)
{
	struct count *c = ctx;
	if (ev->type == WIRE_EV_TEXT) {
		c->text_events++;
		c->bytes += ev->len;
	}
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds to decode body in READ-byte feeds (fast path on or off), or
 * -1 when it does not come out as CHUNKS text events. */
static double time_decoder(enum wire_format f, const struct buf *body, bool fast)
{
	struct count c = {0};
	struct wire_decoder *d = wire_decoder_new(f, NULL, on_event, &c);
	wire_decoder_set_fast(d, fast);
	double t0 = cpu_seconds();
	for (size_t off = 0; off < body->len; off += READ) {
		size_t n = body->len - off < READ ? body->len - off : READ;
		wire_decoder_feed(d, body->data + off, n);
	}
	int rc = wire_decoder_finish(d);
	double t = cpu_seconds() - t0;
	wire_decoder_free(d);
	if (rc != 0 || c.text_events != CHUNKS) {
		fprintf(stderr, "bench_decode: decoded %zu of %d chunks (rc %d, fast path %s)\n",
		        c.text_events, CHUNKS, rc, fast ? "on" : "off");
		return -1;
	}
	return t;
}

/* The text of one parsed frame, as a tree decoder reads it: OpenAI's
 * choices[0].delta.content, Anthropic's delta.text. */
static const char *tree_text(json_t *root, enum wire_format f)
{
	json_t *delta = f == WIRE_OPENAI
	                    ? json_object_get(json_array_get(json_object_get(root, "choices"), 0),
	                                      "delta")
	                    : json_object_get(root, "delta");
	json_t *text = json_object_get(delta, f == WIRE_OPENAI ? "content" : "text");
	return json_string_value(text);
}

/* CPU seconds for a baseline over body's frames: with parse, each "data: "
 * line goes through json_loadb and its text is read; without, the line's
 * bytes are only summed. *texts counts the frames that gave a text. */
static double time_baseline(enum wire_format f, const struct buf *body, bool parse, size_t *texts)
{
	size_t n = 0;
	unsigned long sum = 0;
	double t0 = cpu_seconds();
	const char *p = body->data, *end = body->data + body->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl - p > 6 && memcmp(p, "data: ", 6) == 0) {
			const char *data = p + 6;
			size_t len = (size_t)(nl - data);
			if (parse) {
				json_t *root = json_loadb(data, len, 0, NULL);
				const char *t = root != NULL ? tree_text(root, f) : NULL;
				n += t != NULL && *t != '\0';
				json_decref(root);
			} else {
				for (size_t i = 0; i < len; i++)
					sum += (unsigned char)data[i];
				n += sum != 0;
			}
		}
		p = nl + 1;
	}
	double t = cpu_seconds() - t0;
	*texts = n;
	return t;
}

static double least(double a, double b)
{
	return a < 0 || b < a ? b : a;
}

/* ROUNDS interleaved rounds of the decoder and each baseline; the least
 * CPU time of each; one line with the verdict. Returns 1 on a decode
 * error, else 0 (PASS or FAIL). */
static int run(const char *name, enum wire_format f, const struct buf *body, double target)
{
	double dec = -1, off = -1, tree = -1, scan = -1;
	size_t parsed = 0, scanned = 0;
	for (int round = 0; round < ROUNDS; round++) {
		double t = time_decoder(f, body, true);
		double u = time_decoder(f, body, false);
		if (t < 0 || u < 0)
			return 1;
		dec = least(dec, t);
		off = least(off, u);
		tree = least(tree, time_baseline(f, body, true, &parsed));
		scan = least(scan, time_baseline(f, body, false, &scanned));
	}
	if (parsed < CHUNKS) {
		fprintf(stderr, "bench_decode: %s: jansson read %zu of %d texts\n", name, parsed,
		        CHUNKS);
		return 1;
	}
	double ratio = dec / tree;
	printf("decode-%-10s circuit %.3f µs/chunk (%.0f chunks/CPU-s)  jansson %.3f  scan %.3f"
	       "  ratio %.2f of jansson  (target ≤%.2f)  %s\n",
	       name, dec * 1e6 / CHUNKS, CHUNKS / dec, tree * 1e6 / CHUNKS, scan * 1e6 / CHUNKS,
	       ratio, target, ratio <= target ? "PASS" : "FAIL");
	printf("%-18s %.2f MiB, the least CPU of %d interleaved rounds; the fast path off: "
	       "%.3f µs/chunk (%.2f of jansson); %.0f× the scan\n",
	       "", (double)body->len / (1 << 20), ROUNDS, off * 1e6 / CHUNKS, off / tree,
	       dec / scan);
	return 0;
}

int main(void)
{
	struct buf a, o;
	buf_init(&o, 0);
	buf_init(&a, 0);
	openai_stream(&o);
	anthropic_stream(&a);
	int rc = run("openai", WIRE_OPENAI, &o, TARGET_OPENAI);
	rc |= run("anthropic", WIRE_ANTHROPIC, &a, TARGET_ANTHROPIC);
	buf_done(&o);
	buf_done(&a);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%-18s peak RSS %.1f MiB (both bodies held in memory)\n", "", ru.ru_maxrss / 1024.0);
	return rc;
}
