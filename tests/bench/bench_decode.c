/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_decode: decode throughput of the wire pipeline, in memory.
 *
 * Builds a 200 000-chunk OpenAI Chat stream (chunks shaped like the real
 * 241-byte ones) and an Anthropic stream, feeds each through the decoder in
 * 16 KiB reads, as curl hands them over, and reports chunks per CPU-second
 * and the peak RSS. No network: this is the floor under `circuit -p`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "util/buf.h"
#include "wire/decoder.h"

#define CHUNKS 200000
#define READ 16384

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

static int run(const char *name, enum wire_format f, const struct buf *body)
{
	double best = 1e9;
	struct count c = {0};
	for (int round = 0; round < 3; round++) {
		memset(&c, 0, sizeof(c));
		struct wire_decoder *d = wire_decoder_new(f, NULL, on_event, &c);
		double t0 = cpu_seconds();
		for (size_t off = 0; off < body->len; off += READ) {
			size_t n = body->len - off < READ ? body->len - off : READ;
			wire_decoder_feed(d, body->data + off, n);
		}
		int rc = wire_decoder_finish(d);
		double t = cpu_seconds() - t0;
		wire_decoder_free(d);
		if (rc != 0 || c.text_events != CHUNKS) {
			fprintf(stderr, "bench_decode: %s decoded %zu of %d chunks (rc %d)\n", name,
			        c.text_events, CHUNKS, rc);
			return 1;
		}
		if (t < best)
			best = t;
	}
	printf("decode %-10s %7.2f MiB  %9.0f chunks/CPU-s  %6.3f µs/chunk\n", name,
	       (double)body->len / (1 << 20), CHUNKS / best, best * 1e6 / CHUNKS);
	return 0;
}

int main(void)
{
	struct buf a, o;
	buf_init(&o, 0);
	buf_init(&a, 0);
	openai_stream(&o);
	anthropic_stream(&a);
	int rc = run("openai", WIRE_OPENAI, &o) | run("anthropic", WIRE_ANTHROPIC, &a);
	buf_done(&o);
	buf_done(&a);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("decode peak RSS %.1f MiB (both bodies held in memory)\n", ru.ru_maxrss / 1024.0);
	return rc;
}
