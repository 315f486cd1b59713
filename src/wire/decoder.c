/* SPDX-License-Identifier: GPL-3.0-or-later */
/* decoder: bytes of one response body in, normalised events out.
 *
 *   bytes -> framing (sse | jsonseq) -> UTF-8 repair -> JSON -> adapter -> sink
 */
#include "wire/decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/jsonesc.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/url.h"
#include "util/utf8.h"
#include "wire/adapter.h"
#include "wire/jsonseq.h"
#include "wire/sse.h"

/* Bytes of the body kept until the first frame, to recognise an error
 * object sent without framing. */
#define HEAD_MAX 65536

static const struct wire_adapter *const adapters[WIRE_FORMAT_COUNT] = {
	[WIRE_OPENAI] = &wire_openai_adapter,
	[WIRE_OPENAI_RESPONSES] = &wire_openai_responses_adapter,
	[WIRE_ANTHROPIC] = &wire_anthropic_adapter,
	[WIRE_GEMINI] = &wire_gemini_adapter,
	[WIRE_GEMINI_JSON] = &wire_gemini_json_adapter,
	[WIRE_OLLAMA] = &wire_ollama_adapter,
};

struct wire_decoder {
	enum wire_format format;
	const struct wire_adapter *ad;
	void *st;
	struct wire_sink sink;
	struct sse_parser sse;
	struct jsonseq seq;
	struct buf head;
	struct buf scratch;
	size_t frame_max;
	size_t frames;
	bool fast; /* the adapters' fast path is on (the default) */
};

const char *wire_format_name(enum wire_format f)
{
	return (unsigned)f < WIRE_FORMAT_COUNT ? adapters[f]->name : "?";
}

int wire_format_parse(const char *name, enum wire_format *f)
{
	for (int i = 0; i < WIRE_FORMAT_COUNT; i++) {
		if (strcmp(name, adapters[i]->name) == 0) {
			*f = (enum wire_format)i;
			return 0;
		}
	}
	return -1;
}

/* The \uXXXX escape at p[0..6), or -1. */
static long escape_at(const char *p, size_t n)
{
	if (n < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	long v = 0;
	for (int i = 2; i < 6; i++) {
		int h = jsonesc_hex(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Copies JSON text to out with every unpaired surrogate escape (which
 * jansson rejects, losing the whole frame) replaced by \ufffd, as a UTF-8
 * decoder would. Returns how many were replaced. */
static size_t fix_surrogates(const char *p, size_t n, struct buf *out)
{
	size_t fixed = 0, i = 0;
	while (i < n) {
		if (p[i] != '\\' || i + 1 >= n) {
			buf_append_char(out, p[i++]);
			continue;
		}
		long v = escape_at(p + i, n - i);
		if (v < 0xD800 || v > 0xDFFF) {
			buf_append(out, p + i, 2); /* any escape, including \\ */
			i += 2;
			continue;
		}
		long low = v <= 0xDBFF ? escape_at(p + i + 6, n - i - 6) : -1;
		if (low >= 0xDC00 && low <= 0xDFFF) {
			buf_append(out, p + i, 12);
			i += 12;
			continue;
		}
		buf_append_str(out, "\\ufffd");
		i += 6;
		fixed++;
	}
	return fixed;
}

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool has_escape_u(const char *p, size_t n)
{
	const char *end = p + n;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL && p + 1 < end) {
		if (p[1] == 'u')
			return true;
		p += 2;
	}
	return false;
}

/* jansson's parse, retried once with lone surrogates repaired. */
static json_t *parse_frame(const char *data, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_ALLOW_NUL, &jerr);
	if (root != NULL || !has_escape_u(data, len))
		return root;
	struct buf fixed;
	buf_init(&fixed, 0);
	if (fix_surrogates(data, len, &fixed) > 0)
		root = json_loadb(fixed.data, fixed.len, JSON_ALLOW_NUL, &jerr);
	buf_done(&fixed);
	return root;
}

static void on_frame(struct wire_decoder *d, const char *type, const char *data, size_t len)
{
	if (d->sink.failed)
		return;
	if (!utf8_valid(data, len)) {
		buf_reset(&d->scratch);
		utf8_repair(data, len, &d->scratch);
		data = d->scratch.data;
		len = d->scratch.len;
	}
	while (len > 0 && json_space(*data)) {
		data++;
		len--;
	}
	/* Only frames understood count: a body of nothing but junk lines (an
	 * HTML page as NDJSON) is "not a stream", not a truncated one. */
	if (len == 0 || data[0] != '{') {
		if (d->ad->raw == NULL || !d->ad->raw(d->st, &d->sink, data, len))
			d->sink.malformed++;
		else
			d->frames++;
		return;
	}
	if (d->fast && d->ad->fast != NULL && d->ad->fast(d->st, &d->sink, type, data, len)) {
		d->frames++;
		return;
	}
	json_t *root = parse_frame(data, len);
	if (root == NULL) {
		d->sink.malformed++;
		return;
	}
	d->frames++;
	d->ad->frame(d->st, &d->sink, type, root);
	json_decref(root);
}

static void on_sse(void *ctx, const struct sse_event *ev)
{
	on_frame(ctx, ev->type, ev->data, ev->data_len);
}

static void on_json(void *ctx, const char *json, size_t len)
{
	on_frame(ctx, NULL, json, len);
}

struct wire_decoder *wire_decoder_new(enum wire_format f, const struct wire_limits *lim,
                                      wire_event_fn fn, void *ctx)
{
	if ((unsigned)f >= WIRE_FORMAT_COUNT)
		return NULL;
	struct wire_decoder *d = xcalloc(1, sizeof(*d));
	d->format = f;
	d->ad = adapters[f];
	d->st = d->ad->create();
	d->fast = true;
	d->frame_max = lim && lim->frame_max ? lim->frame_max : WIRE_FRAME_MAX_DEFAULT;
	d->sink.fn = fn;
	d->sink.ctx = ctx;
	d->sink.reply_max = lim && lim->reply_max ? lim->reply_max : WIRE_REPLY_MAX_DEFAULT;
	size_t big = lim && lim->image_frame_max ? lim->image_frame_max
	                                         : WIRE_IMAGE_FRAME_MAX_DEFAULT;
	if (big < d->frame_max)
		big = d->frame_max;
	switch (d->ad->framing) {
	case FRAMING_SSE:
		sse_init(&d->sse, d->frame_max, on_sse, d);
		d->sse.big = big;
		break;
	case FRAMING_JSON_ARRAY:
		jsonseq_init(&d->seq, JSONSEQ_ARRAY, d->frame_max, on_json, d);
		d->seq.big = big;
		break;
	case FRAMING_NDJSON:
		jsonseq_init(&d->seq, JSONSEQ_NDJSON, d->frame_max, on_json, d);
		d->seq.big = big;
		break;
	}
	buf_init(&d->head, HEAD_MAX);
	buf_init(&d->scratch, 0);
	return d;
}

void wire_decoder_free(struct wire_decoder *d)
{
	if (d == NULL)
		return;
	d->ad->destroy(d->st);
	if (d->ad->framing == FRAMING_SSE)
		sse_done(&d->sse);
	else
		jsonseq_done(&d->seq);
	buf_done(&d->head);
	buf_done(&d->scratch);
	free(d);
}

static void fail_with(struct wire_decoder *d, enum wire_error_kind kind, const char *code,
                      const char *message)
{
	struct wire_error e;
	wire_error_init(&e);
	wire_error_set(&e, kind, code, message);
	sink_error(&d->sink, &e);
	wire_error_done(&e);
}

int wire_decoder_feed(struct wire_decoder *d, const char *p, size_t n)
{
	if (d->sink.failed)
		return -1;
	if (d->frames == 0 && d->head.len < HEAD_MAX) {
		size_t keep = HEAD_MAX - d->head.len;
		buf_append(&d->head, p, n < keep ? n : keep);
	}
	int rc = d->ad->framing == FRAMING_SSE ? sse_feed(&d->sse, p, n) : jsonseq_feed(&d->seq, p, n);
	if (rc < 0) {
		/* The cap passed: frame_max, or the image frames' own. */
		size_t cap = d->ad->framing == FRAMING_SSE ? d->sse.failed_cap : d->seq.failed_cap;
		if (cap == 0)
			cap = d->frame_max;
		char msg[200];
		if (cap >= 1024)
			snprintf(msg, sizeof(msg), "a line or event in the stream passed the %zu KiB "
			         "limit%s; the reply was cut there", cap / 1024,
			         cap > d->frame_max ? " for an image" : "");
		else
			snprintf(msg, sizeof(msg), "a line or event in the stream passed the %zu-byte "
			         "limit; the reply was cut there", cap);
		fail_with(d, WIRE_ERR_TOO_BIG, "frame_too_big", msg);
	}
	if (d->frames > 0 && d->head.alloc > 0)
		buf_done(&d->head);
	return d->sink.failed ? -1 : 0;
}

/* First line of a body, sanitised and shortened, for a message. */
static void first_line(const char *body, size_t len, struct buf *out)
{
	size_t n = 0;
	while (n < len && n < 200 && body[n] != '\n' && body[n] != '\r')
		n++;
	sanitize_append(out, body, n);
	if (n < len && body[n] != '\n' && body[n] != '\r')
		buf_append_str(out, "…");
}

/* The error object in root, trying format f's shape first, then the
 * others' (proxies answer in their own shape). */
static int parse_error_json(enum wire_format f, json_t *root, struct wire_error *e)
{
	if (adapters[f]->error(root, e) == 0)
		return 0;
	for (int i = 0; i < WIRE_FORMAT_COUNT; i++)
		if (i != (int)f && adapters[i]->error(root, e) == 0)
			return 0;
	return -1;
}

static json_t *load_json(const char *body, size_t len)
{
	struct buf tmp;
	buf_init(&tmp, 0);
	if (!utf8_valid(body, len)) {
		utf8_repair(body, len, &tmp);
		body = buf_str(&tmp);
		len = tmp.len;
	}
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_ALLOW_NUL, &jerr);
	buf_done(&tmp);
	/* Gemini wraps errors of its JSON-array endpoint in an array. */
	if (json_is_array(root) && json_array_size(root) > 0) {
		json_t *first = json_incref(json_array_get(root, 0));
		json_decref(root);
		root = first;
	}
	return root;
}

int wire_decoder_finish(struct wire_decoder *d)
{
	if (d->ad->framing == FRAMING_SSE)
		sse_finish(&d->sse);
	else
		jsonseq_finish(&d->seq);
	if (!d->sink.failed && d->ad->end != NULL)
		d->ad->end(d->st, &d->sink);
	if (d->sink.failed || d->sink.terminal)
		return d->sink.failed ? -1 : 0;

	if (d->frames == 0 && d->head.len > 0) {
		json_t *root = load_json(d->head.data, d->head.len);
		struct wire_error e;
		wire_error_init(&e);
		if (root != NULL && parse_error_json(d->format, root, &e) == 0) {
			sink_error(&d->sink, &e);
		} else {
			struct buf msg;
			buf_init(&msg, 0);
			buf_printf(&msg, "the response is not a %s stream: ", d->ad->name);
			first_line(d->head.data, d->head.len, &msg);
			wire_error_set(&e, WIRE_ERR_STREAM, "not_a_stream", buf_str(&msg));
			sink_error(&d->sink, &e);
			buf_done(&msg);
		}
		json_decref(root);
		wire_error_done(&e);
		return -1;
	}
	fail_with(d, WIRE_ERR_TRUNCATED, "truncated",
	          "the stream ended before the provider's end marker; the reply may be incomplete");
	return -1;
}

size_t wire_decoder_malformed(const struct wire_decoder *d)
{
	return d->sink.malformed;
}

void wire_parse_error_body(enum wire_format f, int status, const char *body, size_t len,
                           struct wire_error *e)
{
	if ((unsigned)f >= WIRE_FORMAT_COUNT)
		f = WIRE_OPENAI;
	json_t *root = load_json(body, len);
	if (root == NULL || parse_error_json(f, root, e) < 0) {
		struct buf msg;
		buf_init(&msg, 0);
		if (len > 0)
			first_line(body, len, &msg);
		else
			buf_printf(&msg, "HTTP %d with an empty body", status);
		wire_error_set(e, WIRE_ERR_UNKNOWN, "", buf_str(&msg));
		buf_done(&msg);
	}
	json_decref(root);
	e->http_status = status;
	/* The status decides, except where the body says more precisely that
	 * the key or the quota is the problem (Gemini answers a bad key 400). */
	enum wire_error_kind by_status = wire_error_kind_for_status(status);
	if (e->kind != WIRE_ERR_AUTH && e->kind != WIRE_ERR_BILLING && by_status != WIRE_ERR_UNKNOWN)
		e->kind = by_status;
}

void wire_redirect_error(int status, const char *location, struct wire_error *e)
{
	struct buf msg;
	buf_init(&msg, 0);
	if (location == NULL || *location == '\0') {
		buf_append_str(&msg, "the server redirects without a Location header");
	} else {
		buf_append_str(&msg, "the server redirects to ");
		size_t len = strlen(location);
		bool cut = len > WIRE_REDIRECT_SHOWN;
		if (cut) {
			len = WIRE_REDIRECT_SHOWN;
			while (len > 0 && ((unsigned char)location[len] & 0xC0) == 0x80)
				len--; /* location[len] continues a character: cut before it */
		}
		url_append_without_userinfo(&msg, location, len);
		if (cut)
			buf_append_str(&msg, "\xe2\x80\xa6"); /* U+2026 */
	}
	wire_error_set(e, WIRE_ERR_REDIRECT, "redirect", buf_str(&msg));
	e->http_status = status;
	buf_done(&msg);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

long long wire_retry_after_ms(const char *retry_after_ms, const char *retry_after,
                              long long now_unix)
{
	if (retry_after_ms != NULL) {
		char *end;
		double v = strtod(retry_after_ms, &end);
		if (end != retry_after_ms && v >= 0 && v < 1e12)
			return (long long)v;
	}
	if (retry_after == NULL)
		return -1;
	while (*retry_after == ' ')
		retry_after++;
	if (*retry_after >= '0' && *retry_after <= '9') {
		char *end;
		double v = strtod(retry_after, &end);
		if (v >= 0 && v < 1e9)
			return (long long)(v * 1000.0);
		return -1;
	}
	/* IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT" */
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(retry_after, "%a, %d %b %Y %H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	long long when = days_from_civil(tm.tm_year + 1900LL, (unsigned)tm.tm_mon + 1,
	                                 (unsigned)tm.tm_mday) * 86400LL +
	                 tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec;
	long long delta = when - now_unix;
	return delta > 0 ? delta * 1000 : 0;
}

char *wire_build_request(enum wire_format f, const struct wire_request *req, size_t *len)
{
	if ((unsigned)f >= WIRE_FORMAT_COUNT)
		return NULL;
	json_t *root = adapters[f]->build(req);
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL) {
		fprintf(stderr, "circuit: out of memory building a request\n");
		abort();
	}
	if (len != NULL)
		*len = strlen(text);
	return text;
}

void wire_decoder_set_fast(struct wire_decoder *d, bool on)
{
	d->fast = on;
}
