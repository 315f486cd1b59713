/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_keys: the key tokenizer, case by case, each fed whole, byte by byte
 * and split at every offset (in two pieces, and in three when short). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdbool.h>

#include "ui/keys.h"
#include "util/buf.h"

/* Inputs up to this size are also cut into three pieces every way. */
#define THREE_PIECE_MAX 64
#define NO_CAP 0

/* ------------------------------------------------------------------------ */
/* Keys as text                                                               */

static const char *kind_name(enum key_kind kind)
{
	switch (kind) {
	case KEYS_BYTE: return "BYTE";
	case KEYS_SEQ: return "SEQ";
	case KEYS_ALT: return "ALT";
	case KEYS_ESC: return "ESC";
	case KEYS_PASTE: return "PASTE";
	case KEYS_PAGE_UP: return "PGUP";
	case KEYS_PAGE_DOWN: return "PGDN";
	case KEYS_HOME: return "HOME";
	case KEYS_END: return "END";
	case KEYS_WHEEL_UP: return "WHEELUP";
	case KEYS_WHEEL_DOWN: return "WHEELDN";
	case KEYS_MOUSE: return "MOUSE";
	}
	return "?";
}

/* Bytes in caret notation: ESC is ^[, CR ^M, DEL ^?, a byte >= 0x80 <hh>. */
static void put_bytes(struct buf *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] < 0x20)
			buf_printf(out, "^%c", b[i] + 0x40);
		else if (b[i] == 0x7f)
			buf_append_str(out, "^?");
		else if (b[i] >= 0x80)
			buf_printf(out, "<%02x>", b[i]);
		else
			buf_append_char(out, (char)b[i]);
	}
}

/* The callback: writes "KIND(bytes) " and checks what keys.h promises of
 * each kind. */
static void on_key(void *ctx, const struct key *k)
{
	struct buf *out = ctx;
	assert_non_null(k->bytes);
	switch (k->kind) {
	case KEYS_BYTE: assert_int_equal(k->len, 1); break;
	case KEYS_ESC:
		assert_int_equal(k->len, 1);
		assert_int_equal(k->bytes[0], 0x1b);
		break;
	case KEYS_ALT:
		assert_int_equal(k->len, 2);
		assert_int_equal(k->bytes[0], 0x1b);
		assert_int_equal(k->alt, k->bytes[1]);
		break;
	case KEYS_PASTE: assert_int_equal(k->bytes[k->len], '\0'); break;
	default:
		assert_true(k->len >= 3 && k->len <= 32);
		assert_int_equal(k->bytes[0], 0x1b);
	}
	if (k->kind != KEYS_PASTE)
		assert_false(k->cut);
	buf_append_str(out, kind_name(k->kind));
	if (k->kind == KEYS_PASTE && k->cut)
		buf_append_char(out, '~');
	buf_append_char(out, '(');
	put_bytes(out, k->bytes, k->len);
	buf_append_str(out, ") ");
}

/* ------------------------------------------------------------------------ */
/* Feeding                                                                    */

/* Feeds one piece, checking that the result is keys_holding(). */
static void feed(struct keys *k, const char *s, size_t n, struct buf *out)
{
	bool held = keys_feed(k, (const unsigned char *)s, n, on_key, out);
	assert_int_equal(held, keys_holding(k));
}

/* Flushes, writing "| " before what the flush gave, and checks that
 * nothing is held after. */
static void flush(struct keys *k, struct buf *out)
{
	buf_append_str(out, "| ");
	keys_flush(k, on_key, out);
	assert_false(keys_holding(k));
}

/* The keys of in[0..len) fed as in[0..a), in[a..b), in[b..len), then a
 * flush; a new string. */
static char *keys_of(size_t cap, const char *in, size_t len, size_t a, size_t b)
{
	struct keys k;
	struct buf out;
	keys_init(&k, cap);
	buf_init(&out, 0);
	feed(&k, in, a, &out);
	feed(&k, in + a, b - a, &out);
	feed(&k, in + b, len - b, &out);
	flush(&k, &out);
	keys_done(&k);
	char *s = out.data != NULL ? out.data : calloc(1, 1);
	assert_non_null(s);
	if (out.len > 0 && s[out.len - 1] == ' ')
		s[out.len - 1] = '\0';
	return s;
}

static char *keys_byte_by_byte(size_t cap, const char *in, size_t len)
{
	struct keys k;
	struct buf out;
	keys_init(&k, cap);
	buf_init(&out, 0);
	for (size_t i = 0; i < len; i++)
		feed(&k, in + i, 1, &out);
	flush(&k, &out);
	keys_done(&k);
	out.data[out.len - 1] = '\0';
	return out.data;
}

static void expect(const char *how, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		print_error("%s:\ngot  %s\nwant %s\n", how, got, want);
		fail();
	}
}

/* in[0..len) gives want fed whole, byte by byte, in two pieces cut at every
 * offset and, when short, in three cut every way. */
static void check_cap(size_t cap, const char *in, size_t len, const char *want)
{
	char how[96];
	char *got = keys_of(cap, in, len, 0, 0);
	expect("whole", got, want);
	free(got);
	got = keys_byte_by_byte(cap, in, len);
	expect("byte by byte", got, want);
	free(got);
	for (size_t a = 0; a <= len; a++) {
		got = keys_of(cap, in, len, a, a);
		snprintf(how, sizeof(how), "split at %zu of %zu", a, len);
		expect(how, got, want);
		free(got);
	}
	if (len > THREE_PIECE_MAX)
		return;
	for (size_t a = 0; a <= len; a++)
		for (size_t b = a; b <= len; b++) {
			got = keys_of(cap, in, len, a, b);
			snprintf(how, sizeof(how), "split at %zu and %zu of %zu", a, b, len);
			expect(how, got, want);
			free(got);
		}
}

#define check(in, want) check_cap(NO_CAP, (in), sizeof(in) - 1, (want))
#define check_with_cap(cap, in, want) check_cap((cap), (in), sizeof(in) - 1, (want))

/* ------------------------------------------------------------------------ */
/* Plain bytes                                                                */

static void test_keys_text_is_one_byte_each(void **state)
{
	(void)state;
	check("hi", "BYTE(h) BYTE(i) |");
	check("\r\x03\x14\x7f", "BYTE(^M) BYTE(^C) BYTE(^T) BYTE(^?) |");
}

static void test_keys_utf8_continuation_bytes_are_bytes(void **state)
{
	(void)state;
	check("\xc3\xa9\xe2\x82\xac", "BYTE(<c3>) BYTE(<a9>) BYTE(<e2>) BYTE(<82>) BYTE(<ac>) |");
}

static void test_keys_empty_feed_gives_nothing(void **state)
{
	(void)state;
	check("", "|");
}

/* ------------------------------------------------------------------------ */
/* Esc                                                                        */

static void test_keys_lone_esc_is_held_until_flush(void **state)
{
	(void)state;
	check("\x1b", "| ESC(^[)");
	check("ab\x1b", "BYTE(a) BYTE(b) | ESC(^[)");

	struct keys k;
	struct buf out;
	keys_init(&k, NO_CAP);
	buf_init(&out, 0);
	assert_true(keys_feed(&k, (const unsigned char *)"\x1b", 1, on_key, &out));
	assert_true(keys_holding(&k));
	assert_int_equal(out.len, 0);
	keys_flush(&k, on_key, &out);
	assert_false(keys_holding(&k));
	assert_bytes_equal(out.data, out.len, "ESC(^[) ");
	keys_done(&k);
	buf_done(&out);
}

/* Issue 15's defect: a prompt typed after Esc lost its first character to
 * readline's meta prefix. After the pause, the Esc is alone. */
static void test_keys_lone_esc_after_pause_is_esc(void **state)
{
	(void)state;
	struct keys k;
	struct buf out;
	keys_init(&k, NO_CAP);
	buf_init(&out, 0);
	feed(&k, "\x1b", 1, &out);
	flush(&k, &out);
	feed(&k, "hello", 5, &out);
	assert_false(keys_holding(&k));
	assert_bytes_equal(out.data, out.len,
	                   "| ESC(^[) BYTE(h) BYTE(e) BYTE(l) BYTE(l) BYTE(o) ");
	keys_done(&k);
	buf_done(&out);
}

static void test_keys_esc_then_byte_in_one_burst_is_alt(void **state)
{
	(void)state;
	check("\x1b"
	      "1",
	      "ALT(^[1) |");
	check("\x1b"
	      "9\x1bz\x1bs",
	      "ALT(^[9) ALT(^[z) ALT(^[s) |");
	check("\x1b\r", "ALT(^[^M) |"); /* Alt-Enter */
	check("\x1b"
	      "ab",
	      "ALT(^[a) BYTE(b) |");
}

/* ESC ESC is two Escs, not Alt-Esc: Esc pressed twice, and terminals that
 * send Alt-arrow as ESC then the arrow's sequence. */
static void test_keys_esc_esc_is_two_escs(void **state)
{
	(void)state;
	check("\x1b\x1b", "ESC(^[) | ESC(^[)");
	check("\x1b\x1b\x1b", "ESC(^[) ESC(^[) | ESC(^[)");
	check("\x1b\x1b[A", "ESC(^[) SEQ(^[[A) |");
	check("\x1b\x1bx", "ESC(^[) ALT(^[x) |");
}

/* ------------------------------------------------------------------------ */
/* CSI and SS3                                                                */

static void test_keys_csi_is_one_seq(void **state)
{
	(void)state;
	check("\x1b[A\x1b[D", "SEQ(^[[A) SEQ(^[[D) |");
	check("\x1b[1;5C", "SEQ(^[[1;5C) |");
	check("\x1b[3~x", "SEQ(^[[3~) BYTE(x) |");
	check("\x1b[15~", "SEQ(^[[15~) |");
}

static void test_keys_page_up_and_down(void **state)
{
	(void)state;
	check("\x1b[5~\x1b[6~", "PGUP(^[[5~) PGDN(^[[6~) |");
	check("\x1b[5;5~", "SEQ(^[[5;5~) |"); /* Ctrl-PgUp is not PgUp */
}

static void test_keys_home_and_end_in_every_form(void **state)
{
	(void)state;
	check("\x1b[H\x1b[1~\x1b[7~\x1bOH", "HOME(^[[H) HOME(^[[1~) HOME(^[[7~) HOME(^[OH) |");
	check("\x1b[F\x1b[4~\x1b[8~\x1bOF", "END(^[[F) END(^[[4~) END(^[[8~) END(^[OF) |");
	check("\x1b[1;5H", "SEQ(^[[1;5H) |"); /* Ctrl-Home */
}

static void test_keys_ss3_is_one_seq(void **state)
{
	(void)state;
	check("\x1bOA\x1bOP", "SEQ(^[OA) SEQ(^[OP) |");
	check("\x1bO5P", "SEQ(^[O5P) |");
}

/* A byte that cannot be in a sequence ends it; the byte is read afresh. */
static void test_keys_control_byte_cuts_a_sequence(void **state)
{
	(void)state;
	check("\x1b[1\r", "SEQ(^[[1) BYTE(^M) |");
	check("\x1b[12\x1b[A", "SEQ(^[[12) SEQ(^[[A) |");
	check("\x1b[\x03", "ALT(^[[) BYTE(^C) |");
	check("\x1bO\r", "ALT(^[O) BYTE(^M) |");
	check("\x1b[1\xc3\xa9", "SEQ(^[[1) BYTE(<c3>) BYTE(<a9>) |");
}

/* ESC [ then n ones, then tail, gives want_head, the sequence with as many
 * ones as fit in 32 bytes, then want_tail. */
static void check_long_csi(size_t n, const char *tail, const char *want_head, const char *want_tail)
{
	char in[64], want[128];
	size_t len = 0;
	in[len++] = 0x1b;
	in[len++] = '[';
	memset(in + len, '1', n);
	len += n;
	memcpy(in + len, tail, strlen(tail));
	len += strlen(tail);
	int w = snprintf(want, sizeof(want), "%sSEQ(^[[%.*s%s", want_head, (int)(n < 30 ? n : 30),
	                 "11111111111111111111111111111111", want_tail);
	assert_true(w > 0 && (size_t)w < sizeof(want));
	check_cap(NO_CAP, in, len, want);
}

/* 32 bytes without a final byte are not held forever. */
static void test_keys_csi_without_final_is_cut_at_32_bytes(void **state)
{
	(void)state;
	check_long_csi(29, "", "| ", ")");                  /* 31 bytes: held */
	check_long_csi(30, "", "", ") |");                  /* 32: cut at once */
	check_long_csi(31, "", "", ") BYTE(1) |");          /* and the rest is text */
	check_long_csi(30, ";A", "", ") BYTE(;) BYTE(A) |");
	check_long_csi(29, "A", "", "A) |");                /* a final byte in time */
}

static void test_keys_cut_sequence_at_flush_is_seq(void **state)
{
	(void)state;
	check("\x1b[1;5", "| SEQ(^[[1;5)");
	check("\x1bO5", "| SEQ(^[O5)");
	check("x\x1b[<64;1", "BYTE(x) | SEQ(^[[<64;1)");
}

/* ESC [ or ESC O and then a pause: the user typed Alt-[ or Alt-O. */
static void test_keys_esc_bracket_alone_at_flush_is_alt(void **state)
{
	(void)state;
	check("\x1b[", "| ALT(^[[)");
	check("\x1bO", "| ALT(^[O)");
}

/* ------------------------------------------------------------------------ */
/* Mouse                                                                      */

static void test_keys_sgr_wheel_scrolls(void **state)
{
	(void)state;
	check("\x1b[<64;10;5M\x1b[<65;1;200M", "WHEELUP(^[[<64;10;5M) WHEELDN(^[[<65;1;200M) |");
}

static void test_keys_other_mouse_reports_are_mouse(void **state)
{
	(void)state;
	check("\x1b[<0;10;5M\x1b[<0;10;5m", "MOUSE(^[[<0;10;5M) MOUSE(^[[<0;10;5m) |");
	check("\x1b[<64;1;1m", "MOUSE(^[[<64;1;1m) |");   /* not a press */
	check("\x1b[<640;1;1M", "MOUSE(^[[<640;1;1M) |"); /* not button 64 */
	check("\x1b[<6;1;1M", "MOUSE(^[[<6;1;1M) |");
	check("\x1b[<68;1;1M", "MOUSE(^[[<68;1;1M) |"); /* Shift-wheel */
	check("\x1b[<99999999999999999999;1M", "MOUSE(^[[<99999999999999999999;1M) |");
	check("\x1b[<64M", "MOUSE(^[[<64M) |");
	check("\x1b[<64;1;1H", "SEQ(^[[<64;1;1H) |"); /* not a mouse final byte */
}

/* ------------------------------------------------------------------------ */
/* Bracketed paste                                                            */

static void test_keys_paste_is_text_until_end_marker(void **state)
{
	(void)state;
	check("\x1b[200~a\x1b\rb\x03\x1b[A\x1b[201~x", "PASTE(a^[^Mb^C^[[A) BYTE(x) |");
	check("\x1b[200~line one\nline two\x1b[201~", "PASTE(line one^Jline two) |");
}

static void test_keys_empty_paste_is_one_empty_paste(void **state)
{
	(void)state;
	check("\x1b[200~\x1b[201~", "PASTE() |");
}

static void test_keys_near_misses_of_the_end_marker_are_text(void **state)
{
	(void)state;
	check("\x1b[200~\x1b[201\x1b[201~", "PASTE(^[[201) |");
	check("\x1b[200~\x1b[20x\x1b\x1b[2\x1b[201~", "PASTE(^[[20x^[^[[2) |");
	check("\x1b[200~\x1b[200~\x1b[201~", "PASTE(^[[200~) |");
	check("\x1b[200~a\x1b[201x~\x1b[201~", "PASTE(a^[[201x~) |");
}

static void test_keys_two_pastes_in_one_burst(void **state)
{
	(void)state;
	check("\x1b[200~ab\x1b[201~\x1b"
	      "1\x1b[200~cd\x1b[201~",
	      "PASTE(ab) ALT(^[1) PASTE(cd) |");
}

static void test_keys_paste_past_its_cap_is_cut_and_ends_at_marker(void **state)
{
	(void)state;
	check_with_cap(4, "\x1b[200~abcdefgh\x1b[201~z", "PASTE~(abcd) BYTE(z) |");
	check_with_cap(4, "\x1b[200~abc\x1b[20\x1b[201~z", "PASTE~(abc^[) BYTE(z) |");
	check_with_cap(4, "\x1b[200~abcd\x1b[201~z", "PASTE(abcd) BYTE(z) |");
	/* The next paste is whole again. */
	check_with_cap(4, "\x1b[200~abcde\x1b[201~\x1b[200~xy\x1b[201~", "PASTE~(abcd) PASTE(xy) |");
}

/* The paste's text is kept until its end, however long the pause. */
static void test_keys_flush_does_not_end_a_paste(void **state)
{
	(void)state;
	check("\x1b[200~ab", "|");
	check("\x1b[200~ab\x1b[20", "|");

	struct keys k;
	struct buf out;
	keys_init(&k, NO_CAP);
	buf_init(&out, 0);
	assert_false(keys_feed(&k, (const unsigned char *)"\x1b[200~ab\x1b", 9, on_key, &out));
	flush(&k, &out);
	assert_false(keys_feed(&k, (const unsigned char *)"[20", 3, on_key, &out));
	flush(&k, &out);
	assert_true(keys_feed(&k, (const unsigned char *)"1~\x1b", 3, on_key, &out));
	assert_true(keys_holding(&k));
	flush(&k, &out);
	assert_bytes_equal(out.data, out.len, "| | PASTE(ab) | ESC(^[) ");
	keys_done(&k);
	buf_done(&out);
}

/* An open paste is freed by keys_done (the sanitizer build sees a leak). */
static void test_keys_done_frees_an_open_paste(void **state)
{
	(void)state;
	struct keys k;
	struct buf out;
	keys_init(&k, NO_CAP);
	buf_init(&out, 0);
	feed(&k, "\x1b[200~some text", 15, &out);
	assert_true(k.pasting);
	keys_done(&k);
	assert_false(k.pasting);
	assert_int_equal(out.len, 0);
	buf_done(&out);
}

/* ------------------------------------------------------------------------ */
/* All together                                                               */

static void test_keys_mixed_burst_is_the_same_however_split(void **state)
{
	(void)state;
	static const char in[] = "hi\x1b[A\x1b"
	                         "1\x1b[<64;3;4M\x1b[200~p\x1b[201~\x1bOH\xc3\xa9\x1b[5~\x1b\x1b";
	check(in, "BYTE(h) BYTE(i) SEQ(^[[A) ALT(^[1) WHEELUP(^[[<64;3;4M) PASTE(p) "
	          "HOME(^[OH) BYTE(<c3>) BYTE(<a9>) PGUP(^[[5~) ESC(^[) | ESC(^[)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_text_is_one_byte_each),
		cmocka_unit_test(test_keys_utf8_continuation_bytes_are_bytes),
		cmocka_unit_test(test_keys_empty_feed_gives_nothing),
		cmocka_unit_test(test_keys_lone_esc_is_held_until_flush),
		cmocka_unit_test(test_keys_lone_esc_after_pause_is_esc),
		cmocka_unit_test(test_keys_esc_then_byte_in_one_burst_is_alt),
		cmocka_unit_test(test_keys_esc_esc_is_two_escs),
		cmocka_unit_test(test_keys_csi_is_one_seq),
		cmocka_unit_test(test_keys_page_up_and_down),
		cmocka_unit_test(test_keys_home_and_end_in_every_form),
		cmocka_unit_test(test_keys_ss3_is_one_seq),
		cmocka_unit_test(test_keys_control_byte_cuts_a_sequence),
		cmocka_unit_test(test_keys_csi_without_final_is_cut_at_32_bytes),
		cmocka_unit_test(test_keys_cut_sequence_at_flush_is_seq),
		cmocka_unit_test(test_keys_esc_bracket_alone_at_flush_is_alt),
		cmocka_unit_test(test_keys_sgr_wheel_scrolls),
		cmocka_unit_test(test_keys_other_mouse_reports_are_mouse),
		cmocka_unit_test(test_keys_paste_is_text_until_end_marker),
		cmocka_unit_test(test_keys_empty_paste_is_one_empty_paste),
		cmocka_unit_test(test_keys_near_misses_of_the_end_marker_are_text),
		cmocka_unit_test(test_keys_two_pastes_in_one_burst),
		cmocka_unit_test(test_keys_paste_past_its_cap_is_cut_and_ends_at_marker),
		cmocka_unit_test(test_keys_flush_does_not_end_a_paste),
		cmocka_unit_test(test_keys_done_frees_an_open_paste),
		cmocka_unit_test(test_keys_mixed_burst_is_the_same_however_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
