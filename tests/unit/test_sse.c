/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sse: the WHATWG event-stream parser, against the vectors and rule by rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <stdbool.h>

#include "util/buf.h"
#include "util/jsonesc.h"
#include "util/utf8.h"
#include "wire/sse.h"

#define SSE_DIR FIXTURES "/sse"

/* Inputs up to this size are split at every offset; larger ones with a
 * stride (plus every offset next to a line end or a non-ASCII byte), so the
 * suite stays fast under the sanitizers too. */
#define EVERY_OFFSET_MAX 8192
#define LARGE_STRIDE 61
/* Inputs up to this size are also cut into three pieces every way. */
#define THREE_PIECE_MAX 72

#define FFFD UTF8_REPLACEMENT

/* ------------------------------------------------------------------------ */
/* Collecting events                                                          */

/* What one run of the parser dispatched, serialized as the .out files are. */
struct sink {
	struct buf out;
	size_t calls;
	long long last_retry;
};

/* Appends ev in the canonical line form of tests/fixtures/sse/README. */
static void sink_put(struct buf *out, const struct sse_event *ev)
{
	assert_int_equal(buf_append_str(out, "{\"event\":"), 0);
	assert_int_equal(jsonesc_append(out, ev->type, ev->type_len), 0);
	assert_int_equal(buf_append_str(out, ",\"data\":"), 0);
	assert_int_equal(jsonesc_append(out, ev->data, ev->data_len), 0);
	assert_int_equal(buf_append_str(out, ",\"id\":"), 0);
	assert_int_equal(jsonesc_append(out, ev->id, ev->id_len), 0);
	if (ev->retry >= 0)
		assert_int_equal(buf_printf(out, ",\"retry\":%lld", ev->retry), 0);
	assert_int_equal(buf_append_str(out, "}\n"), 0);
}

/* The callback. Also checks what sse.h promises about every event: each
 * string is NUL-terminated at its length and is valid UTF-8. */
static void on_event(void *ctx, const struct sse_event *ev)
{
	struct sink *s = ctx;
	assert_non_null(ev->type);
	assert_non_null(ev->data);
	assert_non_null(ev->id);
	assert_true(ev->type_len > 0);
	assert_int_equal(ev->type[ev->type_len], '\0');
	assert_int_equal(ev->data[ev->data_len], '\0');
	assert_int_equal(ev->id[ev->id_len], '\0');
	assert_true(utf8_valid(ev->type, ev->type_len));
	assert_true(utf8_valid(ev->data, ev->data_len));
	assert_true(utf8_valid(ev->id, ev->id_len));
	assert_true(ev->retry >= -1);
	s->calls++;
	s->last_retry = ev->retry;
	sink_put(&s->out, ev);
}

static void sink_init(struct sink *s)
{
	buf_init(&s->out, 0);
	s->calls = 0;
	s->last_retry = -2;
}

static void sink_reset(struct sink *s)
{
	buf_reset(&s->out);
	s->calls = 0;
	s->last_retry = -2;
}

/* Feeds in[0..len) cut at cuts[0..ncuts) (ascending, empty pieces allowed),
 * then ends the stream. Every feed must succeed. */
static void run_cuts(size_t max, const char *in, size_t len, const size_t *cuts, size_t ncuts,
                     struct sink *s)
{
	struct sse_parser p;
	sse_init(&p, max, on_event, s);
	size_t at = 0;
	for (size_t c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : len;
		assert_true(end >= at && end <= len);
		if (sse_feed(&p, in + at, end - at) != 0) {
			print_error("sse_feed failed on piece %zu [%zu, %zu)\n", c, at, end);
			fail();
		}
		at = end;
	}
	sse_finish(&p);
	sse_done(&p);
}

/* Feeds in one byte at a time, then ends the stream. */
static void run_bytes(size_t max, const char *in, size_t len, struct sink *s)
{
	struct sse_parser p;
	sse_init(&p, max, on_event, s);
	for (size_t i = 0; i < len; i++) {
		if (sse_feed(&p, in + i, 1) != 0) {
			print_error("sse_feed failed on byte %zu\n", i);
			fail();
		}
	}
	sse_finish(&p);
	sse_done(&p);
}

/* Prints where got and want first differ, line by line, then fails. */
static void report_mismatch(const char *what, const char *how, const char *got, size_t got_len,
                            const char *want, size_t want_len)
{
	size_t i = 0, line_start = 0, lineno = 1;
	while (i < got_len && i < want_len && got[i] == want[i]) {
		if (got[i] == '\n') {
			line_start = i + 1;
			lineno++;
		}
		i++;
	}
	const char *g_end = memchr(got + line_start, '\n', got_len - line_start);
	const char *w_end = memchr(want + line_start, '\n', want_len - line_start);
	int g_n = (int)(g_end ? (size_t)(g_end - got) - line_start : got_len - line_start);
	int w_n = (int)(w_end ? (size_t)(w_end - want) - line_start : want_len - line_start);
	print_error("%s, %s: events differ at output line %zu\n"
	            "  got  (%zu bytes in all) %.*s\n"
	            "  want (%zu bytes in all) %.*s\n",
	            what, how, lineno, got_len, g_n, got + line_start, want_len, w_n,
	            want + line_start);
	fail();
}

/* The vectors' .out files write C1 controls and U+2028/9 raw; circuit's
 * JSON escapes them (util/jsonesc): want is compared in that form. */
static void check_out(const char *what, const char *how, const struct sink *s, const char *want,
                      size_t want_len)
{
	struct buf w;
	buf_init(&w, 0);
	jsonesc_harden(&w, want, want_len);
	if (s->out.len == w.len && (w.len == 0 || memcmp(s->out.data, w.data, w.len) == 0)) {
		buf_done(&w);
		return;
	}
	report_mismatch(what, how, buf_str(&s->out), s->out.len, buf_str(&w), w.len);
	buf_done(&w);
}

/* Offsets worth splitting a large input at: a stride, both ends, and every
 * offset beside a CR, an LF or a non-ASCII byte (inside CRLFs and UTF-8). */
static bool split_worth_testing(const char *in, size_t len, size_t k)
{
	if (len <= EVERY_OFFSET_MAX || k % LARGE_STRIDE == 0 || k == len)
		return true;
	for (size_t i = k > 0 ? k - 1 : 0; i <= k && i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '\r' || c == '\n' || c >= 0x80)
			return true;
	}
	return false;
}

/* The chunking requirement: whole, byte by byte, in two pieces at every
 * offset and (when short) in three pieces every way, each giving want. */
static void check_all_splits(const char *what, size_t max, const char *in, size_t len,
                             const char *want, size_t want_len)
{
	struct sink s;
	char how[96];
	sink_init(&s);

	run_cuts(max, in, len, NULL, 0, &s);
	check_out(what, "fed whole", &s, want, want_len);

	sink_reset(&s);
	run_bytes(max, in, len, &s);
	check_out(what, "fed one byte at a time", &s, want, want_len);

	for (size_t k = 0; k <= len; k++) {
		if (!split_worth_testing(in, len, k))
			continue;
		sink_reset(&s);
		run_cuts(max, in, len, &k, 1, &s);
		snprintf(how, sizeof(how), "two pieces split at %zu of %zu", k, len);
		check_out(what, how, &s, want, want_len);
	}

	if (len <= THREE_PIECE_MAX) {
		for (size_t i = 0; i <= len; i++) {
			for (size_t j = i; j <= len; j++) {
				size_t cuts[2] = {i, j};
				sink_reset(&s);
				run_cuts(max, in, len, cuts, 2, &s);
				snprintf(how, sizeof(how), "three pieces split at %zu and %zu of %zu", i,
				         j, len);
				check_out(what, how, &s, want, want_len);
			}
		}
	}
	buf_done(&s.out);
}

/* A rule test: a literal stream (NULs allowed) and the .out lines it gives
 * however it is cut. */
#define EXPECT(in, want) \
	check_all_splits(__func__, 0, (in), sizeof(in) - 1, (want), sizeof(want) - 1)

/* One canonical .out line for a plain "message" event without retry. */
#define MSG(data, id) "{\"event\":\"message\",\"data\":\"" data "\",\"id\":\"" id "\"}\n"

/* ------------------------------------------------------------------------ */
/* The conformance vectors                                                    */

struct vector {
	char name[128];
	char *in;
	size_t in_len;
	char *out;
	size_t out_len;
};

static bool is_vector_input(const char *name)
{
	size_t n = strlen(name);
	if (n < 8 || n >= sizeof(((struct vector *)0)->name))
		return false;
	for (int i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return name[3] == '-' && strcmp(name + n - 3, ".in") == 0;
}

static int vector_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vector *)a)->name, ((const struct vector *)b)->name);
}

/* Every NNN-*.in in the fixtures directory with its .out, sorted by name.
 * Listed at run time so that new vectors are picked up. */
static size_t load_vectors(struct vector **out)
{
	DIR *d = opendir(SSE_DIR);
	if (d == NULL) {
		print_error("cannot open %s (tests run from the repository root)\n", SSE_DIR);
		fail();
	}
	struct vector *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_vector_input(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		size_t base = strlen(e->d_name) - 3;
		memcpy(v[n].name, e->d_name, base);
		v[n].name[base] = '\0';
		n++;
	}
	closedir(d);
	assert_true(n > 0);
	qsort(v, n, sizeof(*v), vector_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s.in", SSE_DIR, v[i].name);
		v[i].in = tu_read_file(path, &v[i].in_len);
		snprintf(path, sizeof(path), "%s/%s.out", SSE_DIR, v[i].name);
		v[i].out = tu_read_file(path, &v[i].out_len);
	}
	*out = v;
	return n;
}

static void free_vectors(struct vector *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].in);
		free(v[i].out);
	}
	free(v);
}

static void test_sse_vectors_match_when_fed_whole(void **state)
{
	(void)state;
	struct vector *v;
	size_t n = load_vectors(&v);
	struct sink s;
	sink_init(&s);
	for (size_t i = 0; i < n; i++) {
		sink_reset(&s);
		run_cuts(0, v[i].in, v[i].in_len, NULL, 0, &s);
		check_out(v[i].name, "fed whole", &s, v[i].out, v[i].out_len);
	}
	buf_done(&s.out);
	free_vectors(v, n);
}

static void test_sse_vectors_match_when_fed_one_byte_at_a_time(void **state)
{
	(void)state;
	struct vector *v;
	size_t n = load_vectors(&v);
	struct sink s;
	sink_init(&s);
	for (size_t i = 0; i < n; i++) {
		sink_reset(&s);
		run_bytes(0, v[i].in, v[i].in_len, &s);
		check_out(v[i].name, "fed one byte at a time", &s, v[i].out, v[i].out_len);
	}
	buf_done(&s.out);
	free_vectors(v, n);
}

static void test_sse_vectors_match_when_split_in_two_at_every_offset(void **state)
{
	(void)state;
	struct vector *v;
	size_t n = load_vectors(&v);
	struct sink s;
	char how[96];
	sink_init(&s);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k <= v[i].in_len; k++) {
			if (!split_worth_testing(v[i].in, v[i].in_len, k))
				continue;
			sink_reset(&s);
			run_cuts(0, v[i].in, v[i].in_len, &k, 1, &s);
			snprintf(how, sizeof(how), "two pieces split at %zu of %zu", k, v[i].in_len);
			check_out(v[i].name, how, &s, v[i].out, v[i].out_len);
		}
	}
	buf_done(&s.out);
	free_vectors(v, n);
}

static void test_sse_vectors_match_when_split_in_three_every_way(void **state)
{
	(void)state;
	struct vector *v;
	size_t n = load_vectors(&v);
	struct sink s;
	char how[96];
	size_t checked = 0;
	sink_init(&s);
	for (size_t c = 0; c < n; c++) {
		if (v[c].in_len > THREE_PIECE_MAX)
			continue;
		checked++;
		for (size_t i = 0; i <= v[c].in_len; i++) {
			for (size_t j = i; j <= v[c].in_len; j++) {
				size_t cuts[2] = {i, j};
				sink_reset(&s);
				run_cuts(0, v[c].in, v[c].in_len, cuts, 2, &s);
				snprintf(how, sizeof(how), "three pieces split at %zu and %zu of %zu", i,
				         j, v[c].in_len);
				check_out(v[c].name, how, &s, v[c].out, v[c].out_len);
			}
		}
	}
	assert_true(checked > 0);
	buf_done(&s.out);
	free_vectors(v, n);
}

/* The fixtures themselves are intact: each vector present has the size and
 * the event count that INDEX.tsv gives for it. */
static void test_sse_vectors_agree_with_their_index(void **state)
{
	(void)state;
	struct vector *v;
	size_t n = load_vectors(&v);
	char *index = tu_read_file(SSE_DIR "/INDEX.tsv", NULL);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(v[i].name);
		const char *row = index;
		while ((row = strstr(row, v[i].name)) != NULL) {
			if ((row == index || row[-1] == '\n') && row[nl] == '\t')
				break;
			row += nl;
		}
		if (row == NULL) {
			print_error("case %s is not listed in INDEX.tsv\n", v[i].name);
			fail();
		}
		char *end;
		unsigned long long bytes = strtoull(row + nl + 1, &end, 10);
		unsigned long long events = strtoull(end + 1, NULL, 10);
		size_t lines = 0;
		for (size_t k = 0; k < v[i].out_len; k++)
			lines += v[i].out[k] == '\n';
		if (bytes != v[i].in_len || events != lines) {
			print_error("case %s: INDEX.tsv says %llu bytes, %llu events; the files hold "
			            "%zu bytes, %zu events\n",
			            v[i].name, bytes, events, v[i].in_len, lines);
			fail();
		}
		/* Each .out ends with a newline after its last event, or is empty. */
		assert_true(v[i].out_len == 0 || v[i].out[v[i].out_len - 1] == '\n');
	}
	free(index);
	free_vectors(v, n);
}

/* ------------------------------------------------------------------------ */
/* Line ends                                                                  */

static void test_sse_lf_cr_and_crlf_all_end_lines(void **state)
{
	(void)state;
	EXPECT("data:a\ndata:b\rdata:c\r\n\n", MSG("a\\nb\\nc", ""));
	EXPECT("data:a\r\rdata:b\r\n\r\ndata:c\n\n", MSG("a", "") MSG("b", "") MSG("c", ""));
}

/* "\r\r\n" is a CR, then a CRLF: two line ends, not three. */
static void test_sse_cr_then_crlf_is_two_terminators(void **state)
{
	(void)state;
	EXPECT("data:a\r\r\ndata:b\r\r\n", MSG("a", "") MSG("b", ""));
	/* The LF belongs to the second CR; it does not start the next line. */
	EXPECT("data:a\r\r\nevent:e\r\r\ndata:b\r\r\n", MSG("a", "") MSG("b", ""));
	EXPECT("id:1\r\r\ndata:a\r\r\n", MSG("a", "1"));
}

/* Case 008: a CR is handled as soon as it arrives, without waiting for the
 * byte after it, and a CR as the very last byte adds nothing at EOF. */
static void test_sse_cr_as_last_byte_of_stream(void **state)
{
	(void)state;
	EXPECT("data:a\r", "");
	EXPECT("data:a\r\r", MSG("a", ""));
	EXPECT("data:a\n\r", MSG("a", ""));
	EXPECT("data:a\r\rdata:b\r", MSG("a", ""));

	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:a\r\r", 8), 0);
	assert_int_equal(s.calls, 1); /* dispatched before EOF */
	sse_finish(&p);
	assert_int_equal(s.calls, 1); /* and nothing more at EOF */
	assert_int_equal(p.events, 1);
	sse_done(&p);
	buf_done(&s.out);
}

/* A CR at the end of one read and an LF at the start of the next are one
 * line end: otherwise the LF is a blank line that dispatches too early. */
static void test_sse_crlf_split_across_reads(void **state)
{
	(void)state;
	static const char in[] = "data:a\r\ndata:b\r\n\r\n";
	for (size_t k = 1; k < sizeof(in) - 1; k++) {
		if (in[k - 1] != '\r' || in[k] != '\n')
			continue;
		struct sink s;
		sink_init(&s);
		run_cuts(0, in, sizeof(in) - 1, &k, 1, &s);
		check_out(__func__, "CRLF split", &s, MSG("a\\nb", ""), sizeof(MSG("a\\nb", "")) - 1);
		buf_done(&s.out);
	}
	EXPECT("data:a\r\ndata:b\r\n\r\n", MSG("a\\nb", ""));
}

/* The LF is skipped only straight after the CR: empty reads in between do
 * not lose that, and a non-LF byte after the CR is kept. */
static void test_sse_cr_at_end_of_read_then_other_bytes(void **state)
{
	(void)state;
	struct sink s;
	struct sse_parser p;
	sink_init(&s);

	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:a\r", 7), 0);
	assert_int_equal(sse_feed(&p, "", 0), 0);
	assert_int_equal(sse_feed(&p, NULL, 0), 0);
	assert_int_equal(sse_feed(&p, "\ndata:b\n\n", 9), 0);
	sse_finish(&p);
	sse_done(&p);
	assert_bytes_equal(s.out.data, s.out.len, MSG("a\\nb", ""));

	/* A CR ending a read, then a field: the field's first byte is kept. */
	sink_reset(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:a\r", 7), 0);
	assert_int_equal(sse_feed(&p, "data:b\r\r", 8), 0);
	sse_finish(&p);
	sse_done(&p);
	assert_bytes_equal(s.out.data, s.out.len, MSG("a\\nb", ""));

	/* A CR ending a read, then a CR: that is a blank line. */
	sink_reset(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:a\r", 7), 0);
	assert_int_equal(sse_feed(&p, "\r", 1), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(sse_feed(&p, "\n", 1), 0); /* the LF of that CRLF */
	assert_int_equal(sse_feed(&p, "data:b\n\n", 8), 0);
	sse_finish(&p);
	sse_done(&p);
	assert_bytes_equal(s.out.data, s.out.len, MSG("a", "") MSG("b", ""));

	/* Only one LF is skipped: a second one is a blank line. */
	sink_reset(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:a\r", 7), 0);
	assert_int_equal(sse_feed(&p, "\n\n", 2), 0);
	assert_int_equal(s.calls, 1);
	sse_finish(&p);
	sse_done(&p);
	assert_bytes_equal(s.out.data, s.out.len, MSG("a", ""));

	buf_done(&s.out);
}

static void test_sse_lf_then_cr_is_two_terminators(void **state)
{
	(void)state;
	EXPECT("data:a\n\rdata:b\n\n", MSG("a", "") MSG("b", ""));
	EXPECT("data:a\n\r\ndata:b\n\r", MSG("a", "") MSG("b", ""));
}

static void test_sse_blank_lines_without_data_dispatch_nothing(void **state)
{
	(void)state;
	EXPECT("\n\n\r\n\r\r\ndata:a\n\n\n\n\r\n", MSG("a", ""));
	EXPECT("\n\r\n\r", "");
}

/* Only CR and LF end lines: not VT, FF, NEL, U+2028 or U+2029. */
static void test_sse_unicode_separators_do_not_end_lines(void **state)
{
	(void)state;
	EXPECT("data:a\vb\fc\xC2\x85" "d\xE2\x80\xA8" "e\xE2\x80\xA9" "f\n\n",
	       MSG("a\\u000bb\\fc\xC2\x85" "d\xE2\x80\xA8" "e\xE2\x80\xA9" "f", ""));
}

/* ------------------------------------------------------------------------ */
/* The byte order mark                                                        */

static void test_sse_bom_at_byte_zero_is_stripped(void **state)
{
	(void)state;
	EXPECT("\xEF\xBB\xBF" "data:a\n\n", MSG("a", ""));
	EXPECT("\xEF\xBB\xBF\n" "data:a\n\n", MSG("a", ""));
	EXPECT("\xEF\xBB\xBF", "");
}

/* Only one BOM, only at byte 0: any other U+FEFF is an ordinary character. */
static void test_sse_second_bom_is_data(void **state)
{
	(void)state;
	/* A second BOM makes the first field name "\uFEFFdata": unknown. */
	EXPECT("\xEF\xBB\xBF\xEF\xBB\xBF" "data:a\n\ndata:b\n\n", MSG("b", ""));
	/* Not at byte 0 of the stream: not a BOM, even at the start of a line. */
	EXPECT("data:a\n\n\xEF\xBB\xBF" "data:b\n\ndata:c\n\n", MSG("a", "") MSG("c", ""));
	EXPECT("\n\xEF\xBB\xBF" "data:a\n\n", "");
	/* Inside a value it is kept. */
	EXPECT("\xEF\xBB\xBF" "data:\xEF\xBB\xBF" "x\n\n", MSG("\xEF\xBB\xBF" "x", ""));
}

static void test_sse_bom_split_over_reads_is_stripped(void **state)
{
	(void)state;
	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "\xEF", 1), 0);
	assert_int_equal(sse_feed(&p, "", 0), 0);
	assert_int_equal(sse_feed(&p, "\xBB", 1), 0);
	assert_int_equal(sse_feed(&p, "\xBF" "da", 3), 0);
	assert_int_equal(sse_feed(&p, "ta:a\n\n", 6), 0);
	sse_finish(&p);
	sse_done(&p);
	assert_bytes_equal(s.out.data, s.out.len, MSG("a", ""));
	buf_done(&s.out);
	/* And every other way of cutting it. */
	EXPECT("\xEF\xBB\xBF" "data:a\n\n", MSG("a", ""));
}

/* The first bytes of a BOM without the rest are data, not dropped: here
 * they make the field name U+FFFD "data", which is unknown. */
static void test_sse_partial_bom_is_data(void **state)
{
	(void)state;
	EXPECT("\xEF\xBB" "data:a\n\ndata:b\n\n", MSG("b", ""));
	EXPECT("\xEF" "data:a\n\ndata:b\n\n", MSG("b", ""));
	/* A held partial BOM followed by a line end is a non-blank line. */
	EXPECT("\xEF\xBB\ndata:a\n\n", MSG("a", ""));
	EXPECT("\xEF\ndata:a\n\n", MSG("a", ""));
	/* EF BB BE is U+FEFE, a character: its bytes all stay together. */
	EXPECT("\xEF\xBB\xBE" "data:a\n\ndata:b\n\n", MSG("b", ""));
	/* A partial BOM, then a whole one: neither is stripped. */
	EXPECT("\xEF\xEF\xBB\xBF" "data:a\n\ndata:b\n\n", MSG("b", ""));
}

/* ------------------------------------------------------------------------ */
/* Lines and fields                                                           */

static void test_sse_comment_lines_are_ignored(void **state)
{
	(void)state;
	EXPECT(":hello\ndata:a\n: data:b\n:\n:data:c\n\n", MSG("a", ""));
	/* A comment is not a blank line: the event goes on across it. */
	EXPECT("data:a\n:keep-alive\ndata:b\n\n", MSG("a\\nb", ""));
	/* A comment-only block dispatches nothing. */
	EXPECT(": OPENROUTER PROCESSING\n\n: x\r\n\r\n", "");
	/* Comments may hold NULs and end in any line end. */
	EXPECT(":\0\r:x\r\n:\n" "data:a\n\n", MSG("a", ""));
}

/* Spec example: "data" alone is the field name with an empty value. */
static void test_sse_data_without_colon_appends_an_empty_line(void **state)
{
	(void)state;
	EXPECT("data\n\n", MSG("", ""));
	EXPECT("data\ndata\n\n", MSG("\\n", ""));
	EXPECT("data:a\ndata\n\n", MSG("a\\n", ""));
	EXPECT("data\ndata:a\n\n", MSG("\\na", ""));
}

static void test_sse_one_space_after_the_colon_is_removed(void **state)
{
	(void)state;
	EXPECT("data:  x\n\n", MSG(" x", ""));
	EXPECT("data:x\n\ndata: x\n\n", MSG("x", "") MSG("x", ""));
	EXPECT("data: \n\n", MSG("", ""));
	EXPECT("data:x \n\n", MSG("x ", ""));
	EXPECT("event:  e\ndata:a\n\n", "{\"event\":\" e\",\"data\":\"a\",\"id\":\"\"}\n");
	EXPECT("id:  7\ndata:a\n\n", MSG("a", " 7"));
}

static void test_sse_tab_after_the_colon_is_kept(void **state)
{
	(void)state;
	EXPECT("data:\tx\n\n", MSG("\\tx", ""));
	EXPECT("data:\t x\n\n", MSG("\\t x", ""));
	EXPECT("data: \tx\n\n", MSG("\\tx", ""));
}

static void test_sse_field_names_are_case_sensitive(void **state)
{
	(void)state;
	EXPECT("Data:a\nDATA:b\nEvent:e\nEVENT:e\nID:1\nId:1\nRetry:5\n\n", "");
	EXPECT("Data:a\nEvent:e\nID:1\nRetry:5\ndata:b\n\n", MSG("b", ""));
}

static void test_sse_field_names_are_not_trimmed(void **state)
{
	(void)state;
	EXPECT("data :a\n data:b\n\tdata:c\ndata\t:d\n\n", "");
	EXPECT("data :a\ndata:b\n\n", MSG("b", ""));
}

/* The field name stops at the first colon; later colons are value. */
static void test_sse_value_keeps_later_colons(void **state)
{
	(void)state;
	EXPECT("data:a:b\n\n", MSG("a:b", ""));
	EXPECT("data::\n\n", MSG(":", ""));
	EXPECT("data: {\"k\":\"v\"}\n\n", MSG("{\\\"k\\\":\\\"v\\\"}", ""));
}

/* A line of spaces is an unknown field, not a blank line. */
static void test_sse_whitespace_only_line_is_not_blank(void **state)
{
	(void)state;
	EXPECT("data:a\n \ndata:b\n\t\n\n", MSG("a\\nb", ""));
	EXPECT(" \n", "");
}

static void test_sse_unknown_fields_are_ignored(void **state)
{
	(void)state;
	EXPECT("foo:bar\ndata:a\nx\nretryx:5\nevents:e\nidd:1\ndat:x\n\n", MSG("a", ""));
	EXPECT("foo:bar\n\n", "");
}

/* ------------------------------------------------------------------------ */
/* The data buffer                                                            */

static void test_sse_data_lines_join_with_lf(void **state)
{
	(void)state;
	EXPECT("data:a\ndata:b\n\n", MSG("a\\nb", ""));
	/* Spec example. */
	EXPECT("data: YHOO\ndata: +2\ndata: 10\n\n", MSG("YHOO\\n+2\\n10", ""));
	EXPECT("data:a\ndata:\ndata:\ndata:b\n\n", MSG("a\\n\\n\\nb", ""));
}

static void test_sse_empty_data_field_is_dispatched(void **state)
{
	(void)state;
	EXPECT("data:\n\n", MSG("", ""));
	EXPECT("data:\n\ndata:\n\n", MSG("", "") MSG("", ""));
}

/* Only the one LF added after the last line is removed. */
static void test_sse_only_the_final_lf_is_removed(void **state)
{
	(void)state;
	EXPECT("data:a\ndata:\n\n", MSG("a\\n", ""));
}

static void test_sse_data_may_hold_nul(void **state)
{
	(void)state;
	EXPECT("data:a\0b\n\n", MSG("a\\u0000b", ""));
	EXPECT("data:\0\n\n", MSG("\\u0000", ""));
}

/* ------------------------------------------------------------------------ */
/* The event type                                                             */

static void test_sse_event_field_names_the_event(void **state)
{
	(void)state;
	EXPECT("event:delta\ndata:a\n\n", "{\"event\":\"delta\",\"data\":\"a\",\"id\":\"\"}\n");
	/* Order inside the block does not matter, and the last one wins. */
	EXPECT("data:a\nevent:x\nevent:y\n\n", "{\"event\":\"y\",\"data\":\"a\",\"id\":\"\"}\n");
}

static void test_sse_empty_event_type_is_message(void **state)
{
	(void)state;
	EXPECT("event:\ndata:a\n\n", MSG("a", ""));
	EXPECT("event\ndata:a\n\n", MSG("a", ""));
	EXPECT("event:x\nevent:\ndata:a\n\n", MSG("a", ""));
}

static void test_sse_event_type_resets_after_each_dispatch(void **state)
{
	(void)state;
	EXPECT("event:x\ndata:a\n\ndata:b\n\n",
	       "{\"event\":\"x\",\"data\":\"a\",\"id\":\"\"}\n" MSG("b", ""));
}

/* A block with an event field but no data fires nothing, and its type
 * does not carry over into the next block. */
static void test_sse_event_only_block_dispatches_nothing_and_does_not_leak(void **state)
{
	(void)state;
	EXPECT("event:x\n\n", "");
	EXPECT("event:x\n\ndata:a\n\n", MSG("a", ""));
	EXPECT("event:x\nid:1\nretry:5\n\ndata:a\n\n", MSG("a", "1"));
}

/* ------------------------------------------------------------------------ */
/* The last event ID                                                          */

static void test_sse_id_persists_across_events(void **state)
{
	(void)state;
	EXPECT("id:1\ndata:a\n\ndata:b\n\nid:2\ndata:c\n\ndata:d\n\n",
	       MSG("a", "1") MSG("b", "1") MSG("c", "2") MSG("d", "2"));
	/* An id set after the data of its block still counts for it. */
	EXPECT("data:a\nid:9\n\n", MSG("a", "9"));
	/* And the last id in a block wins. */
	EXPECT("id:1\nid:2\ndata:a\n\n", MSG("a", "2"));
}

/* A data-less block still sets the ID, though it dispatches nothing. */
static void test_sse_id_in_dataless_block_takes_effect(void **state)
{
	(void)state;
	EXPECT("id:5\n\ndata:a\n\n", MSG("a", "5"));
}

static void test_sse_bare_id_resets_the_id(void **state)
{
	(void)state;
	EXPECT("id:1\ndata:a\n\nid\ndata:b\n\nid:3\ndata:c\n\nid:\ndata:d\n\nid: \ndata:e\n\n",
	       MSG("a", "1") MSG("b", "") MSG("c", "3") MSG("d", "") MSG("e", ""));
}

/* An id value holding U+0000 is ignored: the previous id stays. */
static void test_sse_id_containing_nul_is_ignored(void **state)
{
	(void)state;
	EXPECT("id:1\ndata:a\n\nid:2\0x\ndata:b\n\nid:\0\ndata:c\n\nid:3\0\ndata:d\n\n",
	       MSG("a", "1") MSG("b", "1") MSG("c", "1") MSG("d", "1"));
	EXPECT("id:\0\ndata:a\n\n", MSG("a", ""));
}

static void test_sse_id_keeps_spaces_and_unicode(void **state)
{
	(void)state;
	EXPECT("id: a b \ndata:x\n\n", MSG("x", "a b "));
	EXPECT("id:\xE2\x9C\x93\ndata:x\n\n", MSG("x", "\xE2\x9C\x93"));
}

/* ------------------------------------------------------------------------ */
/* Retry                                                                      */

#define RETRY(data, n) "{\"event\":\"message\",\"data\":\"" data "\",\"id\":\"\",\"retry\":" #n "}\n"

static void test_sse_retry_is_reported_when_all_ascii_digits(void **state)
{
	(void)state;
	EXPECT("retry:3000\ndata:a\n\n", RETRY("a", 3000));
	EXPECT("retry: 0\ndata:a\n\n", RETRY("a", 0));
	EXPECT("retry:007\ndata:a\n\n", RETRY("a", 7));
	EXPECT("data:a\nretry:5\n\n", RETRY("a", 5));
}

/* Anything but one or more ASCII digits is ignored. */
static void test_sse_retry_ignores_anything_but_digits(void **state)
{
	(void)state;
	EXPECT("retry:+5\ndata:a\n\n"
	       "retry:-1\ndata:b\n\n"
	       "retry:1.5\ndata:c\n\n"
	       "retry:\ndata:d\n\n"
	       "retry:  5\ndata:e\n\n"
	       "retry:5 \ndata:f\n\n"
	       "retry:1e3\ndata:g\n\n"
	       "retry:\xEF\xBC\x95\ndata:h\n\n" /* fullwidth 5 */
	       "retry\ndata:i\n\n"
	       "retry:0x10\ndata:j\n\n"
	       "retry:\t5\ndata:k\n\n",
	       MSG("a", "") MSG("b", "") MSG("c", "") MSG("d", "") MSG("e", "") MSG("f", "")
	           MSG("g", "") MSG("h", "") MSG("i", "") MSG("j", "") MSG("k", ""));
}

/* The reported retry is the last valid one of the block; invalid lines do
 * not erase it. */
static void test_sse_retry_last_valid_in_block_wins(void **state)
{
	(void)state;
	EXPECT("retry:100\nretry:200\ndata:a\n\n", RETRY("a", 200));
	EXPECT("retry:100\nretry:x\nretry:\ndata:a\n\n", RETRY("a", 100));
}

static void test_sse_retry_reported_only_with_its_own_block(void **state)
{
	(void)state;
	EXPECT("retry:100\ndata:a\n\ndata:b\n\n", RETRY("a", 100) MSG("b", ""));
	/* A retry in a data-less block is not shown on the next event... */
	EXPECT("retry:100\n\ndata:a\n\n", MSG("a", ""));
	/* ...nor is a retry of an unfinished block at EOF. */
	EXPECT("data:a\n\nretry:100\ndata:b\n", MSG("a", ""));
}

/* Even unreported, a valid retry sets the reconnection time. */
static void test_sse_retry_in_dataless_block_sets_reconnection_time(void **state)
{
	(void)state;
	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(p.retry, -1);
	assert_int_equal(sse_feed(&p, "retry:250\n\n", 11), 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(p.retry, 250);
	assert_int_equal(sse_feed(&p, "retry:-5\ndata:a\n\n", 17), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_retry, -1);
	assert_int_equal(p.retry, 250);
	sse_finish(&p);
	sse_done(&p);
	buf_done(&s.out);
}

/* A huge value must not overflow (UBSan would catch signed overflow). */
static void test_sse_retry_huge_value_does_not_overflow(void **state)
{
	(void)state;
	struct sink s;
	struct sse_parser p;
	static const char in[] = "retry:99999999999999999999999999999999999999\ndata:a\n\n";
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, in, sizeof(in) - 1), 0);
	assert_int_equal(s.calls, 1);
	assert_true(s.last_retry > 0);
	sse_finish(&p);
	sse_done(&p);
	buf_done(&s.out);
}

/* ------------------------------------------------------------------------ */
/* End of stream                                                              */

static void test_sse_eof_mid_event_dispatches_nothing(void **state)
{
	(void)state;
	EXPECT("data:a", "");
	EXPECT("data:a\n", "");
	EXPECT("data:a\r\n", "");
	EXPECT("event:x\ndata:a\nid:1\n", "");
	EXPECT("data:a\n\ndata:b\n", MSG("a", ""));
	EXPECT("data:a\n\ndata:b", MSG("a", ""));
}

/* sse_finish discards; it never dispatches what was pending. */
static void test_sse_finish_dispatches_nothing(void **state)
{
	(void)state;
	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:a\ndata:b\n", 14), 0);
	assert_int_equal(sse_feed(&p, "data:c", 6), 0);
	sse_finish(&p);
	assert_int_equal(s.calls, 0);
	sse_done(&p);
	buf_done(&s.out);
}

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                      */

/* WHATWG UTF-8 decode: each maximal invalid subpart is one U+FFFD. */
static void test_sse_invalid_utf8_becomes_replacement_characters(void **state)
{
	(void)state;
	EXPECT("data:\xC0\xAF\n\n", MSG(FFFD FFFD, ""));
	EXPECT("data:\xE0\x80\xAF\n\n", MSG(FFFD FFFD FFFD, ""));
	EXPECT("data:\xED\xA0\x80\n\n", MSG(FFFD FFFD FFFD, ""));
	EXPECT("data:\xF4\x90\x80\x80\n\n", MSG(FFFD FFFD FFFD FFFD, ""));
	EXPECT("data:a\xFF" "b\x80" "c\xFE" "d\n\n", MSG("a" FFFD "b" FFFD "c" FFFD "d", ""));
	EXPECT("data:\xF0\x9F\x98" "x\n\n", MSG(FFFD "x", ""));
}

/* A truncated character never swallows the line end after it. */
static void test_sse_truncated_utf8_keeps_the_line_end(void **state)
{
	(void)state;
	EXPECT("data:\xE4\xB8\n\n", MSG(FFFD, ""));
	EXPECT("data:\xE4\xB8\rdata:b\r\r", MSG(FFFD "\\nb", ""));
	EXPECT("data:\xF0\x9F\x98\r\n\r\n", MSG(FFFD, ""));
	/* Truncated at EOF: the line is discarded anyway. */
	EXPECT("data:ok\n\ndata:\xF0\x9F", MSG("ok", ""));
}

/* Every split inside a multibyte character gives the character back whole. */
static void test_sse_multibyte_character_split_across_reads_is_joined(void **state)
{
	(void)state;
	EXPECT("data:\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\n\n",
	       MSG("\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80", ""));

	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:\xE4", 6), 0);
	assert_int_equal(sse_feed(&p, "\xB8", 1), 0);
	assert_int_equal(sse_feed(&p, "\xAD\n\n", 3), 0);
	sse_finish(&p);
	sse_done(&p);
	assert_bytes_equal(s.out.data, s.out.len, MSG("\xE4\xB8\xAD", ""));
	buf_done(&s.out);
}

/* The event type and the id are repaired too. */
static void test_sse_invalid_utf8_in_event_and_id_is_repaired(void **state)
{
	(void)state;
	EXPECT("event:\xFF\nid:a\xC3\ndata:x\n\n",
	       "{\"event\":\"" FFFD "\",\"data\":\"x\",\"id\":\"a" FFFD "\"}\n");
}

/* ------------------------------------------------------------------------ */
/* The cap                                                                    */

#define SMALL_MAX 64

/* A line of n bytes: "data:" and x's, no line end. */
static char *long_data_line(size_t n)
{
	assert_true(n >= 5);
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, "data:", 5);
	memset(s + 5, 'x', n - 5);
	s[n] = '\0';
	return s;
}

/* After a failure, every later feed fails and never calls back. */
static void assert_stays_failed(struct sse_parser *p, struct sink *s)
{
	size_t calls = s->calls;
	assert_int_equal(sse_feed(p, "\n\ndata:a\n\n", 10), -1);
	assert_int_equal(sse_feed(p, "data:b\n\n", 8), -1);
	assert_int_equal(sse_feed(p, "", 0), -1);
	assert_int_equal(s->calls, calls);
	sse_finish(p);
	assert_int_equal(s->calls, calls);
}

static void test_sse_line_of_exactly_max_bytes_is_accepted(void **state)
{
	(void)state;
	char *line = long_data_line(SMALL_MAX);
	char in[SMALL_MAX + 3];
	char want[256];
	snprintf(in, sizeof(in), "%s\n\n", line);
	snprintf(want, sizeof(want), "{\"event\":\"message\",\"data\":\"%s\",\"id\":\"\"}\n",
	         line + 5);
	check_all_splits(__func__, SMALL_MAX, in, SMALL_MAX + 2, want, strlen(want));
	/* With CRLF the CR is not part of the line either. */
	snprintf(in, sizeof(in), "%s\r", line);
	check_all_splits(__func__, SMALL_MAX, in, SMALL_MAX + 1, "", 0);
	free(line);
}

static void test_sse_line_longer_than_max_fails_when_fed_whole(void **state)
{
	(void)state;
	char *line = long_data_line(SMALL_MAX + 1);
	struct sink s;
	struct sse_parser p;
	sink_init(&s);

	/* With its line end in the same read. */
	sse_init(&p, SMALL_MAX, on_event, &s);
	assert_int_equal(sse_feed(&p, "data:ok\n\n", 9), 0);
	assert_int_equal(s.calls, 1);
	char *in = malloc(SMALL_MAX + 3);
	assert_non_null(in);
	memcpy(in, line, SMALL_MAX + 1);
	memcpy(in + SMALL_MAX + 1, "\n\n", 2);
	assert_int_equal(sse_feed(&p, in, SMALL_MAX + 3), -1);
	assert_int_equal(s.calls, 1);
	assert_stays_failed(&p, &s);
	sse_done(&p);

	/* Without it: the read alone is already too much. */
	sink_reset(&s);
	sse_init(&p, SMALL_MAX, on_event, &s);
	assert_int_equal(sse_feed(&p, line, SMALL_MAX + 1), -1);
	assert_stays_failed(&p, &s);
	sse_done(&p);

	/* A comment line is a line too. */
	sink_reset(&s);
	sse_init(&p, SMALL_MAX, on_event, &s);
	in[0] = ':';
	assert_int_equal(sse_feed(&p, in, SMALL_MAX + 3), -1);
	assert_stays_failed(&p, &s);
	sse_done(&p);

	free(in);
	free(line);
	buf_done(&s.out);
}

/* Fed a byte at a time, the parser fails as soon as the line passes the
 * cap, without waiting for a line end that may never come. */
static void test_sse_line_longer_than_max_fails_when_fed_one_byte_at_a_time(void **state)
{
	(void)state;
	char *line = long_data_line(SMALL_MAX + 1);
	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, SMALL_MAX, on_event, &s);
	for (size_t i = 0; i < SMALL_MAX; i++)
		assert_int_equal(sse_feed(&p, line + i, 1), 0);
	assert_int_equal(sse_feed(&p, line + SMALL_MAX, 1), -1);
	assert_stays_failed(&p, &s);
	assert_int_equal(s.calls, 0);
	sse_done(&p);
	free(line);
	buf_done(&s.out);
}

/* However the over-long line is cut in two, some feed fails. */
static void test_sse_line_longer_than_max_fails_at_every_split(void **state)
{
	(void)state;
	char *line = long_data_line(SMALL_MAX + 1);
	char in[SMALL_MAX + 3];
	memcpy(in, line, SMALL_MAX + 1);
	memcpy(in + SMALL_MAX + 1, "\n\n", 2);
	for (size_t k = 0; k <= sizeof(in); k++) {
		struct sink s;
		struct sse_parser p;
		sink_init(&s);
		sse_init(&p, SMALL_MAX, on_event, &s);
		int a = sse_feed(&p, in, k);
		int b = sse_feed(&p, in + k, sizeof(in) - k);
		if (b != -1 || (a == -1) != (k >= SMALL_MAX + 1)) {
			print_error("split at %zu: feeds returned %d, %d\n", k, a, b);
			fail();
		}
		assert_stays_failed(&p, &s);
		assert_int_equal(s.calls, 0);
		sse_done(&p);
		buf_done(&s.out);
	}
	free(line);
}

/* The data of one event counts against the cap too, lines and LFs. */
static void test_sse_event_data_over_max_fails(void **state)
{
	(void)state;
	/* Four lines of 15 x's: 4 * 16 = 64 bytes of data with the LFs. */
	static const char fits[] = "data:xxxxxxxxxxxxxxx\ndata:xxxxxxxxxxxxxxx\n"
	                           "data:xxxxxxxxxxxxxxx\ndata:xxxxxxxxxxxxxxx\n\n";
	/* One more x: 65 bytes. */
	static const char over[] = "data:xxxxxxxxxxxxxxx\ndata:xxxxxxxxxxxxxxx\n"
	                           "data:xxxxxxxxxxxxxxx\ndata:xxxxxxxxxxxxxxxx\n\n";
	struct sink s;
	struct sse_parser p;
	sink_init(&s);

	sse_init(&p, SMALL_MAX, on_event, &s);
	assert_int_equal(sse_feed(&p, fits, sizeof(fits) - 1), 0);
	assert_int_equal(s.calls, 1);
	/* The cap is per event: the next event starts from nothing. */
	assert_int_equal(sse_feed(&p, fits, sizeof(fits) - 1), 0);
	assert_int_equal(s.calls, 2);
	sse_done(&p);

	sink_reset(&s);
	sse_init(&p, SMALL_MAX, on_event, &s);
	assert_int_equal(sse_feed(&p, over, sizeof(over) - 1), -1);
	assert_stays_failed(&p, &s);
	assert_int_equal(s.calls, 0);
	sse_done(&p);

	/* The same, a byte at a time: it fails at the line that passes the cap. */
	sink_reset(&s);
	sse_init(&p, SMALL_MAX, on_event, &s);
	size_t i = 0;
	while (i < sizeof(over) - 1 && sse_feed(&p, over + i, 1) == 0)
		i++;
	assert_true(i < sizeof(over) - 1);
	assert_int_equal(over[i], '\n');
	assert_stays_failed(&p, &s);
	assert_int_equal(s.calls, 0);
	sse_done(&p);

	buf_done(&s.out);
}

/* sse_init(..., 0, ...) means the default cap. */
static void test_sse_zero_max_means_the_default(void **state)
{
	(void)state;
	struct sse_parser p;
	struct sink s;
	sink_init(&s);
	sse_init(&p, 0, on_event, &s);
	assert_int_equal(p.max, SSE_DEFAULT_MAX);
	sse_done(&p);
	buf_done(&s.out);
}

/* 10 MiB without a line end, against a 1 MiB cap: memory stays bounded
 * whatever the size of the reads. */
static void test_sse_memory_stays_bounded_without_a_newline(void **state)
{
	(void)state;
	const size_t max = (size_t)1 << 20, total = (size_t)10 << 20;
	char *junk = malloc(total);
	assert_non_null(junk);
	memset(junk, 'x', total);

	static const size_t reads[] = {1000, 4096, 65536, (size_t)3 << 20, (size_t)10 << 20};
	for (size_t r = 0; r < sizeof(reads) / sizeof(reads[0]); r++) {
		struct sink s;
		struct sse_parser p;
		bool failed = false;
		sink_init(&s);
		sse_init(&p, max, on_event, &s);
		for (size_t at = 0; at < total; at += reads[r]) {
			size_t n = total - at < reads[r] ? total - at : reads[r];
			int rc = sse_feed(&p, junk + at, n);
			if (rc != 0)
				failed = true;
			else
				assert_false(failed); /* once failed, stays failed */
			if (p.line.alloc > 2 * max || p.data.alloc > 2 * max) {
				print_error("reads of %zu: after %zu bytes line.alloc %zu data.alloc %zu\n",
				            reads[r], at + n, p.line.alloc, p.data.alloc);
				fail();
			}
		}
		assert_true(failed);
		assert_int_equal(s.calls, 0);
		sse_finish(&p);
		sse_done(&p);
		buf_done(&s.out);
	}
	free(junk);
}

/* Many data lines, each within the cap, without a blank line: the data
 * buffer is what is bounded then. */
static void test_sse_memory_stays_bounded_for_an_endless_event(void **state)
{
	(void)state;
	const size_t max = (size_t)1 << 20;
	char *line = long_data_line(4096);
	line[4095] = '\n';
	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, max, on_event, &s);
	size_t fed = 0;
	int rc = 0;
	while (rc == 0 && fed < ((size_t)10 << 20)) {
		rc = sse_feed(&p, line, 4096);
		fed += 4096;
		assert_true(p.data.alloc <= 2 * max);
		assert_true(p.line.alloc <= 2 * max);
	}
	assert_int_equal(rc, -1);
	assert_true(fed <= max + 2 * 4096);
	assert_int_equal(s.calls, 0);
	sse_done(&p);
	free(line);
	buf_done(&s.out);
}

/* Lines just under the cap, fed in reads that cut them, are fine. */
static void test_sse_long_lines_within_max_span_reads(void **state)
{
	(void)state;
	const size_t max = 4096;
	char *line = long_data_line(max);
	struct sink s;
	struct sse_parser p;
	sink_init(&s);
	sse_init(&p, max, on_event, &s);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(sse_feed(&p, line, 1000), 0);
		assert_int_equal(sse_feed(&p, line + 1000, max - 1000), 0);
		assert_int_equal(sse_feed(&p, "\n\n", 2), 0);
	}
	assert_int_equal(s.calls, 3);
	assert_true(p.line.alloc <= 2 * max);
	sse_finish(&p);
	sse_done(&p);
	free(line);
	buf_done(&s.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sse_vectors_agree_with_their_index),
		cmocka_unit_test(test_sse_vectors_match_when_fed_whole),
		cmocka_unit_test(test_sse_vectors_match_when_fed_one_byte_at_a_time),
		cmocka_unit_test(test_sse_vectors_match_when_split_in_two_at_every_offset),
		cmocka_unit_test(test_sse_vectors_match_when_split_in_three_every_way),

		cmocka_unit_test(test_sse_lf_cr_and_crlf_all_end_lines),
		cmocka_unit_test(test_sse_cr_then_crlf_is_two_terminators),
		cmocka_unit_test(test_sse_cr_as_last_byte_of_stream),
		cmocka_unit_test(test_sse_crlf_split_across_reads),
		cmocka_unit_test(test_sse_cr_at_end_of_read_then_other_bytes),
		cmocka_unit_test(test_sse_lf_then_cr_is_two_terminators),
		cmocka_unit_test(test_sse_blank_lines_without_data_dispatch_nothing),
		cmocka_unit_test(test_sse_unicode_separators_do_not_end_lines),

		cmocka_unit_test(test_sse_bom_at_byte_zero_is_stripped),
		cmocka_unit_test(test_sse_second_bom_is_data),
		cmocka_unit_test(test_sse_bom_split_over_reads_is_stripped),
		cmocka_unit_test(test_sse_partial_bom_is_data),

		cmocka_unit_test(test_sse_comment_lines_are_ignored),
		cmocka_unit_test(test_sse_data_without_colon_appends_an_empty_line),
		cmocka_unit_test(test_sse_one_space_after_the_colon_is_removed),
		cmocka_unit_test(test_sse_tab_after_the_colon_is_kept),
		cmocka_unit_test(test_sse_field_names_are_case_sensitive),
		cmocka_unit_test(test_sse_field_names_are_not_trimmed),
		cmocka_unit_test(test_sse_value_keeps_later_colons),
		cmocka_unit_test(test_sse_whitespace_only_line_is_not_blank),
		cmocka_unit_test(test_sse_unknown_fields_are_ignored),

		cmocka_unit_test(test_sse_data_lines_join_with_lf),
		cmocka_unit_test(test_sse_empty_data_field_is_dispatched),
		cmocka_unit_test(test_sse_only_the_final_lf_is_removed),
		cmocka_unit_test(test_sse_data_may_hold_nul),

		cmocka_unit_test(test_sse_event_field_names_the_event),
		cmocka_unit_test(test_sse_empty_event_type_is_message),
		cmocka_unit_test(test_sse_event_type_resets_after_each_dispatch),
		cmocka_unit_test(test_sse_event_only_block_dispatches_nothing_and_does_not_leak),

		cmocka_unit_test(test_sse_id_persists_across_events),
		cmocka_unit_test(test_sse_id_in_dataless_block_takes_effect),
		cmocka_unit_test(test_sse_bare_id_resets_the_id),
		cmocka_unit_test(test_sse_id_containing_nul_is_ignored),
		cmocka_unit_test(test_sse_id_keeps_spaces_and_unicode),

		cmocka_unit_test(test_sse_retry_is_reported_when_all_ascii_digits),
		cmocka_unit_test(test_sse_retry_ignores_anything_but_digits),
		cmocka_unit_test(test_sse_retry_last_valid_in_block_wins),
		cmocka_unit_test(test_sse_retry_reported_only_with_its_own_block),
		cmocka_unit_test(test_sse_retry_in_dataless_block_sets_reconnection_time),
		cmocka_unit_test(test_sse_retry_huge_value_does_not_overflow),

		cmocka_unit_test(test_sse_eof_mid_event_dispatches_nothing),
		cmocka_unit_test(test_sse_finish_dispatches_nothing),

		cmocka_unit_test(test_sse_invalid_utf8_becomes_replacement_characters),
		cmocka_unit_test(test_sse_truncated_utf8_keeps_the_line_end),
		cmocka_unit_test(test_sse_multibyte_character_split_across_reads_is_joined),
		cmocka_unit_test(test_sse_invalid_utf8_in_event_and_id_is_repaired),

		cmocka_unit_test(test_sse_line_of_exactly_max_bytes_is_accepted),
		cmocka_unit_test(test_sse_line_longer_than_max_fails_when_fed_whole),
		cmocka_unit_test(test_sse_line_longer_than_max_fails_when_fed_one_byte_at_a_time),
		cmocka_unit_test(test_sse_line_longer_than_max_fails_at_every_split),
		cmocka_unit_test(test_sse_event_data_over_max_fails),
		cmocka_unit_test(test_sse_zero_max_means_the_default),
		cmocka_unit_test(test_sse_memory_stays_bounded_without_a_newline),
		cmocka_unit_test(test_sse_memory_stays_bounded_for_an_endless_event),
		cmocka_unit_test(test_sse_long_lines_within_max_span_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
