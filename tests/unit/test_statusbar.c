/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_statusbar: the status bar's text: one reading for every segment,
 * the current provider first and last to go, the marks in UTF-8 or ASCII.
 * No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ui/statusbar.h"
#include "util/glyphs.h"
#include "util/width.h"

static struct provider_status prov(const char *name, enum provider_health h, long long ttft,
                                   double tps, unsigned active, unsigned total)
{
	struct provider_status p = {
	    .health = h,
	    .ttft_ms = ttft,
	    .tps = tps,
	    .active = active,
	    .total = total,
	    .stall_ms = -1,
	    .open_ms = -1,
	};
	snprintf(p.name, sizeof(p.name), "%s", name);
	return p;
}

static struct status three(void)
{
	struct status s;
	memset(&s, 0, sizeof(s));
	s.np = 3;
	s.p[0] = prov("anthropic", HEALTH_OK, 412, 61.24, 1, 4);
	s.p[1] = prov("openai", HEALTH_ERROR, 288, -1, 0, 2);
	s.p[2] = prov("google", HEALTH_IDLE, -1, -1, 0, 0);
	snprintf(s.model, sizeof(s.model), "claude-sonnet-4-5");
	return s;
}

/* The bar's text at cols, into out (cap bytes). */
static const char *bar(const struct status *s, int cols, char *out, size_t cap)
{
	struct buf b;
	buf_init(&b, 0);
	statusbar_format(s, cols, &b);
	snprintf(out, cap, "%s", buf_str(&b));
	buf_done(&b);
	return out;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_every_segment_reads_the_same_way(void **state)
{
	(void)state;
	struct status s = three();
	s.p[0].current = true;
	char t[512];
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "anthropic ● 412ms 61.2 tok/s 1/4 │ openai ✖ 288ms 0/2 │ google ○ 0/0 "));
	assert_non_null(strstr(t, " claude-sonnet-4-5"));
	assert_int_equal(width_str(t, strlen(t)), 119); /* the last cell stays empty */
	/* A time of 12 s reads as every view writes it, and an estimate is marked. */
	s.p[0].ttft_ms = 12000;
	s.p[0].tps_estimated = true;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "anthropic ● 12.0s ≈61.2 tok/s 1/4 │"));
	/* Counts as every count is written. */
	s.p[0].total = 12345;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "anthropic ● 12.0s ≈61.2 tok/s 1/12.3k │"));
}

static void test_the_current_provider_goes_first_whatever_the_order(void **state)
{
	(void)state;
	struct status s = three();
	char t[512];
	s.p[1].current = true;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ✖ 288ms 0/2 │ anthropic ● 412ms 61.2 tok/s 1/4 │ google ○ 0/0"));
	s.p[1].current = false;
	s.p[2].current = true;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "google ○ 0/0 │ anthropic ● 412ms 61.2 tok/s 1/4 │ openai ✖"));
	/* None current (no reply yet): p[] as it is. */
	s.p[2].current = false;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "anthropic ● 412ms"));
}

/* Narrower and narrower: the other providers go first, from the end, with
 * a trailing ellipsis; then the current one's figures, from the right;
 * never its name and state, and never a figure cut in two. */
static void test_narrow_drops_others_then_figures_never_the_current_head(void **state)
{
	(void)state;
	struct status s = three();
	s.p[1].current = true; /* openai ✖ 288ms 0/2 */
	s.p[1].stall_ms = 3400;
	char t[512];
	bar(&s, 200, t, sizeof(t));
	assert_true(starts(t, "openai ✖ stalled 3s 288ms 0/2 │ anthropic"));
	bar(&s, 96, t, sizeof(t));
	assert_true(starts(t, "openai ✖ stalled 3s 288ms 0/2 │ anthropic ● 412ms 61.2 tok/s 1/4 … "));
	bar(&s, 56, t, sizeof(t));
	assert_true(starts(t, "openai ✖ stalled 3s 288ms 0/2 … "));
	assert_non_null(strstr(t, " claude-sonnet-4-5"));
	bar(&s, 46, t, sizeof(t));
	assert_true(starts(t, "openai ✖ stalled 3s 288ms … "));
	bar(&s, 41, t, sizeof(t));
	assert_true(starts(t, "openai ✖ stalled 3s … "));
	assert_non_null(strstr(t, " claude-sonnet-4-5"));
	/* Then the model is shortened, then it goes. */
	bar(&s, 31, t, sizeof(t));
	assert_string_equal(t, "openai ✖ stalled 3s … claude-…");
	bar(&s, 24, t, sizeof(t));
	assert_string_equal(t, "openai ✖ stalled 3s …");
	/* Then the ellipsis, then the head is cut, and marked. */
	bar(&s, 21, t, sizeof(t));
	assert_string_equal(t, "openai ✖ stalled 3s");
	bar(&s, 12, t, sizeof(t));
	assert_string_equal(t, "openai ✖ s…");
	static const char *const whole[] = {
	    "openai", "✖", "stalled", "3s", "288ms", "0/2", "│", "anthropic", "●", "412ms",
	    "61.2", "tok/s", "1/4", "google", "○", "0/0", "…", "claude-sonnet-4-5",
	};
	for (int cols = 2; cols <= 140; cols++) {
		bar(&s, cols, t, sizeof(t));
		size_t w = width_str(t, strlen(t));
		if (w > (size_t)cols - 1)
			fail_msg("%d columns: \"%s\" is %zu wide", cols, t, w);
		if (cols > 20 && !starts(t, "openai ✖ stalled 3s"))
			fail_msg("%d columns: \"%s\" lost the current head", cols, t);
		if (cols <= 20)
			continue;
		/* Every word is whole, but the model's end (shortened last). */
		char copy[512];
		snprintf(copy, sizeof(copy), "%s", t);
		char *save = NULL;
		for (char *wd = strtok_r(copy, " ", &save); wd; wd = strtok_r(NULL, " ", &save)) {
			size_t wl = strlen(wd);
			bool ok = wl > 3 && strcmp(wd + wl - 3, "…") == 0 &&
			          strncmp("claude-sonnet-4-5", wd, wl - 3) == 0;
			for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]) && !ok; i++)
				ok = strcmp(wd, whole[i]) == 0;
			if (!ok)
				fail_msg("%d columns: \"%s\" cuts \"%s\"", cols, t, wd);
		}
		/* Something left out: the ellipsis says so (but where the line
		 * holds the head alone). */
		bool all = strstr(t, "google ○ 0/0") != NULL;
		if (cols > 26)
			assert_true(all == (strstr(t, "…") == NULL));
	}
}

static void test_breaker_states_and_countdowns(void **state)
{
	(void)state;
	struct status s = three();
	s.p[1].current = true;
	s.p[1].health = HEALTH_OPEN;
	s.p[1].open_ms = 26100;
	char t[512];
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ◌ open 27s 288ms 0/2 │"));
	s.p[1].open_ms = 4001;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ◌ open 5s 288ms 0/2 │"));
	/* Half-open: the next request is the probe; with one streaming, it is
	 * in flight. */
	s.p[1].health = HEALTH_HALFOPEN;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ◐ half-open 288ms 0/2 │"));
	assert_null(strstr(t, "probing"));
	s.p[1].active = 1;
	s.p[1].total = 3;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ◐ probing 288ms 1/3 │"));
	/* A stall reads from 2 s on, in whole seconds. */
	s.p[1].health = HEALTH_OK;
	s.p[1].stall_ms = 1999;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ● 288ms 1/3 │"));
	s.p[1].stall_ms = 12500;
	bar(&s, 120, t, sizeof(t));
	assert_true(starts(t, "openai ● stalled 12s 288ms 1/3 │"));
}

static void test_notice_and_model_at_the_right(void **state)
{
	(void)state;
	struct status s = three();
	s.p[0].current = true;
	snprintf(s.notice, sizeof(s.notice), "cancelled");
	char t[512];
	bar(&s, 140, t, sizeof(t));
	size_t n = strlen(t);
	const char *want = "cancelled │ claude-sonnet-4-5";
	assert_true(n > strlen(want) && strcmp(t + n - strlen(want), want) == 0);
	assert_int_equal(width_str(t, n), 139);
	/* No providers at all: the model alone, right-aligned. */
	s.np = 0;
	s.notice[0] = '\0';
	bar(&s, 30, t, sizeof(t));
	assert_string_equal(t, "            claude-sonnet-4-5");
	bar(&s, 1, t, sizeof(t));
	assert_string_equal(t, "");
}

/* LANG=C: only ASCII, the same reading. */
static void test_ascii_outside_a_utf8_locale(void **state)
{
	(void)state;
	glyphs_use(false);
	struct status s = three();
	s.p[1].current = true;
	s.p[2].health = HEALTH_HALFOPEN;
	snprintf(s.notice, sizeof(s.notice), "cancelled");
	char t[512];
	for (int cols = 2; cols <= 140; cols++) {
		bar(&s, cols, t, sizeof(t));
		for (const char *p = t; *p; p++)
			if ((unsigned char)*p >= 0x80)
				fail_msg("%d columns: \"%s\" is not ASCII", cols, t);
		assert_true(strlen(t) <= (size_t)cols - 1);
	}
	bar(&s, 140, t, sizeof(t));
	assert_true(starts(t, "openai x 288ms 0/2 | anthropic o 412ms 61.2 tok/s 1/4 | google ? half-open 0/0 "));
	bar(&s, 60, t, sizeof(t));
	assert_true(starts(t, "openai x 288ms 0/2 ... "));
	s.p[0].health = HEALTH_OPEN;
	s.p[1].health = HEALTH_IDLE;
	bar(&s, 140, t, sizeof(t));
	assert_true(starts(t, "openai . 288ms 0/2 | anthropic - open 0s"));
	glyphs_use(true);
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_segment_reads_the_same_way),
	    cmocka_unit_test(test_the_current_provider_goes_first_whatever_the_order),
	    cmocka_unit_test(test_narrow_drops_others_then_figures_never_the_current_head),
	    cmocka_unit_test(test_breaker_states_and_countdowns),
	    cmocka_unit_test(test_notice_and_model_at_the_right),
	    cmocka_unit_test(test_ascii_outside_a_utf8_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
