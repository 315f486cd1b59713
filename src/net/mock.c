/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mock: the offline provider, as a plan of timed wire-format bytes. */
#include "net/mock.h"

#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/* How each variant behaves. The header states these ranges; the plan's
 * measured first-token time and mean rate stay inside them. */
struct mock_variant {
	const char *name;
	const char *blurb;            /* what the reply says of it, NULL when the name says it */
	long long first_lo, first_hi; /* ms from the request to the first token */
	double rate_lo, rate_hi;      /* tokens per second */
	bool flaky;
};

static const struct mock_variant variants[] = {
    {"mock", NULL, 150, 400, 30.0, 80.0, false},
    {"mock-fast", NULL, 20, 60, 200.0, 400.0, false},
    {"mock-slow", NULL, 800, 1500, 8.0, 15.0, false},
    {"mock-flaky", "has outages: 3 failures in a row in every 9 tries", 150, 400, 30.0, 80.0, true},
};
#define NVARIANTS (sizeof(variants) / sizeof(*variants))

/* The 503 body of a flaky attempt that fails before its first token, and
 * the event that cuts a flaky stream short: OpenAI's error shape, since
 * the mock speaks Chat Completions. */
static const char overloaded_body[] =
    "{\"error\":{\"message\":\"The mock is overloaded (mock-flaky). Try again.\","
    "\"type\":\"server_error\",\"param\":null,\"code\":null}}";
static const char dropped_event[] =
    "data: {\"error\":{\"message\":\"mock-flaky dropped the stream mid-reply\","
    "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";

/* The prompt echo keeps this many characters before "…". */
#define ECHO_CHARS 60
/* A token holds at most this many "units": an ASCII letter or digit is one,
 * a non-ASCII character three (CJK runs split every three characters). */
#define TOKEN_UNITS 9

/* ---- deterministic randomness ------------------------------------------ */

/* splitmix64: tiny, fast, and good enough to vary a mock. The state lives
 * in the caller's struct: no globals, so plans are reproducible. */
struct mock_rng {
	uint64_t s;
};

static uint64_t rng_next(struct mock_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct mock_rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [lo, hi] (lo <= hi). */
static long long rng_range(struct mock_rng *r, long long lo, long long hi)
{
	return lo + (long long)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001B3ULL;
	}
	return h;
}

/* The seed of one plan: variant, prompt and attempt, with a separator so
 * that ("mock", "-fast...") and ("mock-fast", "...") differ. */
static uint64_t plan_seed(const char *variant, const char *prompt, unsigned attempt)
{
	static const unsigned char sep = 0;
	unsigned char att[4] = {(unsigned char)attempt, (unsigned char)(attempt >> 8),
	                        (unsigned char)(attempt >> 16), (unsigned char)(attempt >> 24)};
	uint64_t h = 0xCBF29CE484222325ULL;
	h = fnv1a(h, variant, strlen(variant));
	h = fnv1a(h, &sep, 1);
	h = fnv1a(h, prompt, strlen(prompt));
	h = fnv1a(h, &sep, 1);
	return fnv1a(h, att, sizeof(att));
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* The character at p (n > 0 bytes left): sets *adv to its length and
 * returns its code point. An ill-formed sequence (Unicode table 3-7: no
 * overlongs, surrogates or values past U+10FFFF) returns U+FFFD and
 * advances past its maximal subpart, as the WHATWG decoder does, so "E2 82"
 * at the end is one U+FFFD and "FF FE" two. */
static unsigned long next_char(const unsigned char *p, size_t n, size_t *adv)
{
	unsigned char c = p[0];
	*adv = 1;
	if (c < 0x80)
		return c;
	size_t len;
	unsigned long cp;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0xFFFD;
	}
	for (size_t i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*adv = i;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*adv = len;
	return cp;
}

static void append_char(struct buf *b, unsigned long cp)
{
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, s, n);
}

/* Appends the start of the prompt as one line of plain text: at most
 * ECHO_CHARS characters, cut on a character boundary and marked "…" when
 * cut. Controls (C0, DEL, C1) and whitespace runs become one space, so a
 * prompt's escape sequences never reach the reply; ill-formed UTF-8
 * becomes U+FFFD. Decoding stops at the cut, however long the prompt. */
static void append_echo(struct buf *out, const char *prompt)
{
	const unsigned char *p = (const unsigned char *)prompt;
	size_t n = strlen(prompt), i = 0, chars = 0;
	bool space = false, cut = false;
	while (i < n) {
		size_t adv;
		unsigned long cp = next_char(p + i, n - i, &adv);
		i += adv;
		if (cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			space = chars > 0;
			continue;
		}
		if (chars + space >= ECHO_CHARS) {
			cut = true;
			break;
		}
		if (space) {
			buf_append_char(out, ' ');
			chars++;
			space = false;
		}
		append_char(out, cp);
		chars++;
	}
	if (cut)
		buf_append_str(out, "…");
}

/* ---- the reply ---------------------------------------------------------- */

static const struct mock_variant *find_variant(const char *model)
{
	if (model == NULL)
		return NULL;
	for (size_t i = 0; i < NVARIANTS; i++)
		if (strcmp(model, variants[i].name) == 0)
			return &variants[i];
	return NULL;
}

static const char *pick(struct mock_rng *r, const char *const *choices, size_t n)
{
	return choices[rng_next(r) % n];
}
#define PICK(r, arr) pick((r), (arr), sizeof(arr) / sizeof(*(arr)))

/* The reply: what this is, the prompt's start, then how to reach a real
 * model. The wording varies with the seed; the facts never do. */
static void build_reply(struct buf *out, const struct mock_variant *v, const char *prompt,
                        struct mock_rng *r)
{
	static const char *const openings[] = {
	    "Hi! I'm %s, circuit's offline mock model: no network, no API key.",
	    "Hello from %s, the mock model built into circuit. It works offline, no key needed.",
	    "This is %s, circuit's offline mock; it needs no network and no API key.",
	};
	static const char *const echoes[] = {"You wrote", "You said", "Your message reads"};
	static const char *const setups[] = {
	    "For real answers, set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY (or "
	    "GOOGLE_API_KEY), or run Ollama → `-m ollama:llama3.2`.",
	    "To reach a real model, export OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY "
	    "(or GOOGLE_API_KEY); or run Ollama → `-m ollama:llama3.2`.",
	};
	static const char *const pickers[] = {
	    "-m picks the model, e.g. `-m gpt-4o-mini` or `-m claude-sonnet-4-5`; "
	    "provider:model always works.",
	    "Choose one with -m, like `-m gpt-4o-mini` or `-m claude-sonnet-4-5`; "
	    "provider:model always works.",
	};

	/* The opening's only conversion is the variant's name (a table entry). */
	const char *opening = PICK(r, openings);
	const char *at = strstr(opening, "%s");
	buf_append(out, opening, (size_t)(at - opening));
	buf_append_str(out, v->name);
	buf_append_str(out, at + 2);

	struct buf echo;
	buf_init(&echo, 0);
	append_echo(&echo, prompt);
	if (echo.len == 0) {
		buf_append_str(out, " Your message was empty.");
	} else {
		buf_append_char(out, ' ');
		buf_append_str(out, PICK(r, echoes));
		buf_append_str(out, ": “");
		buf_append(out, echo.data, echo.len);
		buf_append_str(out, "”.");
	}
	buf_done(&echo);

	buf_append_str(out, "\n\n");
	buf_append_str(out, PICK(r, setups));
	buf_append_char(out, ' ');
	buf_append_str(out, PICK(r, pickers));

	buf_append_str(out, "\n\nOther mocks: ");
	size_t listed = 0;
	for (size_t i = 0; i < NVARIANTS; i++) {
		if (&variants[i] == v)
			continue;
		if (listed > 0)
			buf_append_str(out, listed == NVARIANTS - 2 ? " and " : ", ");
		buf_append_str(out, variants[i].name);
		if (variants[i].blurb != NULL) {
			buf_append_str(out, " (");
			buf_append_str(out, variants[i].blurb);
			buf_append_char(out, ')');
		}
		listed++;
	}
	buf_append_char(out, '.');
}

static bool is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c >= 0x80;
}

/* The length of the token at text[0..n): leading whitespace, then an
 * optional punctuation character and a run of word characters (at most
 * TOKEN_UNITS units), or else one punctuation character alone: "'s",
 * "_KEY", "-m" are one token each, as in real tokenizers. Always ends on a
 * character boundary (text is valid UTF-8). */
static size_t token_len(const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\n'))
		i++;
	if (i == n)
		return n;
	if (!is_word_byte(p[i])) {
		i++;
		if (i == n || !is_word_byte(p[i]))
			return i;
	}
	unsigned units = 0;
	while (i < n && is_word_byte(p[i])) {
		size_t adv;
		unsigned cost = p[i] < 0x80 ? 1 : 3;
		if (units > 0 && units + cost > TOKEN_UNITS)
			break;
		next_char(p + i, n - i, &adv);
		i += adv;
		units += cost;
	}
	return i;
}

/* ---- the plan ----------------------------------------------------------- */

struct plan_gen {
	struct mock_plan *plan;
	const struct mock_variant *v;
	char id[48];
	long long created;
};

static void push(struct mock_plan *plan, long long at_ms, char *bytes, size_t len)
{
	struct mock_chunk *c = &plan->chunks[plan->nchunks++];
	assert(plan->nchunks == 1 || c[-1].at_ms <= at_ms);
	c->at_ms = at_ms;
	c->bytes = bytes;
	c->len = len;
}

static void push_copy(struct mock_plan *plan, long long at_ms, const char *s, size_t len)
{
	push(plan, at_ms, xstrndup(s, len), len);
}

/* One SSE event "data: <chunk JSON>\n\n" from root (consumed). */
static void push_json(struct mock_plan *plan, long long at_ms, json_t *root)
{
	char *js = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (js == NULL) {
		fprintf(stderr, "circuit: out of memory building a mock chunk\n");
		abort();
	}
	size_t jl = strlen(js);
	char *bytes = xmalloc(jl + 9);
	memcpy(bytes, "data: ", 6);
	memcpy(bytes + 6, js, jl);
	memcpy(bytes + 6 + jl, "\n\n", 3);
	free(js);
	push(plan, at_ms, bytes, jl + 8);
}

/* {"id","object","created","model"}: what every chunk of one reply shares. */
static json_t *chunk_new(const struct plan_gen *g)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(g->id));
	json_object_set_new(o, "object", json_string("chat.completion.chunk"));
	json_object_set_new(o, "created", json_integer(g->created));
	json_object_set_new(o, "model", json_string(g->v->name));
	return o;
}

/* A chunk with one choice holding delta (consumed) and finish_reason
 * (NULL for null). */
static json_t *choice_chunk(const struct plan_gen *g, json_t *delta, const char *finish)
{
	json_t *choice = json_object();
	json_object_set_new(choice, "index", json_integer(0));
	json_object_set_new(choice, "delta", delta);
	json_object_set_new(choice, "logprobs", json_null());
	json_object_set_new(choice, "finish_reason", finish ? json_string(finish) : json_null());
	json_t *choices = json_array();
	json_array_append_new(choices, choice);
	json_t *o = chunk_new(g);
	json_object_set_new(o, "choices", choices);
	return o;
}

static json_t *content_delta(const char *s, size_t n)
{
	json_t *d = json_object();
	json_t *v = json_stringn(s, n);
	assert(v != NULL); /* tokens are valid UTF-8 by construction */
	json_object_set_new(d, "content", v);
	return d;
}

bool mock_is_variant(const char *model)
{
	return find_variant(model) != NULL;
}

/* How one attempt ends. mock-flaky has outages: in each cycle of 9
 * attempts (the caller counts them over the session) one burst of 3
 * failures in a row, placed by the cycle's own seed, whatever the prompt.
 * One in three overall, and enough in a row to open a breaker, then
 * recover. A failing attempt draws from r which way it fails. */
enum fate { FATE_OK, FATE_BEFORE, FATE_MIDSTREAM };

static enum fate plan_fate(const struct mock_variant *v, unsigned attempt, struct mock_rng *r)
{
	if (!v->flaky)
		return FATE_OK;
	struct mock_rng run = {plan_seed(v->name, "", attempt / 9) ^ 0x666C616B79ULL};
	unsigned start = (unsigned)(rng_next(&run) % 7);
	unsigned pos = attempt % 9;
	if (pos < start || pos >= start + 3)
		return FATE_OK;
	return rng_next(r) % 2 == 0 ? FATE_BEFORE : FATE_MIDSTREAM;
}

/* When each of ntok tokens arrives: the first at *first (ms), the role
 * chunk at *role, and token i at first + scale * (gap[1] + ... + gap[i]).
 * The mean gap is exactly 1000/rate: each gap gets a jitter factor in
 * [0.7, 1.3], then the factors are scaled to sum to the gap count, so the
 * measured rate is the chosen one (to rounding). The rate is drawn 2%
 * inside the stated range to leave room for that rounding to whole
 * milliseconds. Returns gap (new, ntok entries, gap[0] = 0). */
static double *plan_times(const struct mock_variant *v, size_t ntok, struct mock_rng *r,
                          long long *first, long long *role, double *scale)
{
	*first = rng_range(r, v->first_lo, v->first_hi);
	*role = rng_range(r, 5, 30);
	if (*role > *first - 5)
		*role = *first - 5;
	double lo = v->rate_lo * 1.02, hi = v->rate_hi * 0.98;
	double rate = lo + (hi - lo) * rng_unit(r);
	double *gap = xcalloc(ntok, sizeof(*gap));
	double sum = 0;
	for (size_t i = 1; i < ntok; i++) {
		gap[i] = 0.7 + 0.6 * rng_unit(r);
		sum += gap[i];
	}
	*scale = sum > 0 ? (double)(ntok - 1) / sum * 1000.0 / rate : 0;
	return gap;
}

/* The role chunk, then one chunk per token of text (ntok of them), timed;
 * a mid-stream failure cuts the tokens after 20%..75% of them with the
 * dropped event. Returns the time of the last chunk pushed. */
static long long plan_tokens(const struct plan_gen *g, const struct buf *text, size_t ntok,
                             enum fate fate, struct mock_rng *r)
{
	long long first, role;
	double scale;
	double *gap = plan_times(g->v, ntok, r, &first, &role, &scale);
	size_t keep = ntok;
	if (fate == FATE_MIDSTREAM)
		keep = (size_t)rng_range(r, (long long)(ntok / 5 + 1), (long long)(ntok * 3 / 4));

	json_t *delta = json_object();
	json_object_set_new(delta, "role", json_string("assistant"));
	json_object_set_new(delta, "content", json_string(""));
	push_json(g->plan, role, choice_chunk(g, delta, NULL));

	double t = (double)first;
	long long at_ms = first;
	size_t off = 0;
	for (size_t i = 0; i < ntok; i++) {
		t += gap[i] * scale;
		at_ms = (long long)(t + 0.5);
		if (i == keep) {
			push_copy(g->plan, at_ms, dropped_event, sizeof(dropped_event) - 1);
			break;
		}
		size_t n = token_len(text->data + off, text->len - off);
		push_json(g->plan, at_ms,
		          choice_chunk(g, content_delta(text->data + off, n), NULL));
		off += n;
	}
	free(gap);
	return at_ms;
}

/* The end of a whole reply, all at end (ms): the "stop" chunk, the usage
 * chunk (prompt tokens estimated at 4 bytes each) and [DONE]. */
static void plan_finish(const struct plan_gen *g, const char *prompt, size_t ntok, long long end)
{
	push_json(g->plan, end, choice_chunk(g, json_object(), "stop"));

	long long in = (long long)((strlen(prompt) + 3) / 4);
	json_t *usage = json_object();
	json_object_set_new(usage, "prompt_tokens", json_integer(in));
	json_object_set_new(usage, "completion_tokens", json_integer((json_int_t)ntok));
	json_object_set_new(usage, "total_tokens", json_integer(in + (json_int_t)ntok));
	json_t *last = chunk_new(g);
	json_object_set_new(last, "choices", json_array());
	json_object_set_new(last, "usage", usage);
	push_json(g->plan, end, last);

	static const char done[] = "data: [DONE]\n\n";
	push_copy(g->plan, end, done, sizeof(done) - 1);
}

int mock_plan(const char *model, const char *prompt, unsigned attempt, struct mock_plan *plan)
{
	assert(plan != NULL);
	memset(plan, 0, sizeof(*plan));
	const struct mock_variant *v = find_variant(model);
	if (v == NULL)
		return -1;
	if (prompt == NULL)
		prompt = "";

	/* Every draw from r, in this order, makes the plan: reorder none. */
	struct mock_rng r = {plan_seed(v->name, prompt, attempt)};
	struct plan_gen g = {.plan = plan, .v = v};
	snprintf(g.id, sizeof(g.id), "chatcmpl-mock%016llx", (unsigned long long)rng_next(&r));
	g.created = 1767225600 + (long long)(rng_next(&r) % 86400); /* during 2026-01-01 */

	enum fate fate = plan_fate(v, attempt, &r);
	if (fate == FATE_BEFORE) {
		plan->status = 503;
		plan->chunks = xcalloc(1, sizeof(*plan->chunks));
		push_copy(plan, rng_range(&r, 100, 300), overloaded_body,
		          sizeof(overloaded_body) - 1);
		return 0;
	}
	plan->status = 200;

	struct buf text;
	buf_init(&text, 0);
	build_reply(&text, v, prompt, &r);
	size_t ntok = 0;
	for (size_t at = 0; at < text.len; ntok++)
		at += token_len(text.data + at, text.len - at);
	plan->chunks = xcalloc(ntok + 4, sizeof(*plan->chunks));

	long long last = plan_tokens(&g, &text, ntok, fate, &r);
	buf_done(&text);
	if (fate != FATE_MIDSTREAM)
		plan_finish(&g, prompt, ntok, last + rng_range(&r, 0, 2));
	return 0;
}

void mock_plan_done(struct mock_plan *plan)
{
	if (plan == NULL)
		return;
	for (size_t i = 0; i < plan->nchunks; i++)
		free(plan->chunks[i].bytes);
	free(plan->chunks);
	memset(plan, 0, sizeof(*plan));
}
