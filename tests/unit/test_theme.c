/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_theme: theme files, built-in themes, colour fallback (no terminal). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "ui/theme.h"

#include <sys/stat.h>
#include <unistd.h>

static const char *const shipped[] = {"default", "light", "solarized-dark", "mono"};

static void assert_style(const struct theme *t, enum theme_element e, int fg, int bg,
                         unsigned attrs)
{
	const struct theme_style *s = &t->style[e];
	if (s->fg != fg || s->bg != bg || s->attrs != attrs) {
		print_error("%s: got fg %d bg %d attrs %#x, want fg %d bg %d attrs %#x\n",
		            theme_element_name(e), s->fg, s->bg, s->attrs, fg, bg, attrs);
		fail();
	}
}

static void assert_theme_equal(const struct theme *got, const struct theme *want)
{
	for (int i = 0; i < THEME_COUNT; i++) {
		const struct theme_style *w = &want->style[i];
		assert_style(got, (enum theme_element)i, w->fg, w->bg, w->attrs);
	}
}

/* Parses text (a C string) onto *t; returns the count, messages in *errors. */
static int parse(struct theme *t, const char *text, struct buf *errors)
{
	return theme_parse(t, text, strlen(text), "t.theme", errors);
}

/* ---- elements ------------------------------------------------------------ */

static void test_theme_every_element_has_a_unique_name_found_again(void **state)
{
	(void)state;
	for (int i = 0; i < THEME_COUNT; i++) {
		const char *name = theme_element_name((enum theme_element)i);
		assert_non_null(name);
		assert_int_equal(theme_element_find(name, strlen(name)), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name, theme_element_name((enum theme_element)j));
	}
	assert_null(theme_element_name(THEME_COUNT));
	assert_int_equal(theme_element_find("status.o", 8), -1);
	assert_int_equal(theme_element_find("status.okay", 11), -1);
	/* Only the n bytes count: a prefix is a name of its own, or none. */
	assert_int_equal(theme_element_find("status.ok", 6), THEME_STATUS);
	assert_int_equal(theme_element_find("transcript.user", 10), -1);
}

static void test_theme_names_the_elements_the_ui_needs(void **state)
{
	(void)state;
	static const char *const names[] = {
		"transcript.user", "transcript.assistant", "transcript.text",
		"transcript.thinking", "notice", "error", "status", "status.ok", "status.open",
		"status.halfopen", "status.stall", "input", "prompt", "border", "marker",
		"placeholder", "md.heading", "md.strong", "md.emphasis", "md.strike", "md.code",
		"md.block", "md.keyword", "md.type", "md.string", "md.number", "md.comment",
		"md.function", "md.preproc", "md.added", "md.removed", "md.label", "md.quote",
		"md.link", "md.url", "md.rule", "md.marker",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_true(theme_element_find(names[i], strlen(names[i])) >= 0);
	assert_int_equal(THEME_COUNT, sizeof names / sizeof names[0]);
}

/* A theme file written before the md.* elements still loads cleanly, and
 * takes the default theme's values for them; mono keeps them in attributes
 * only (no colour). */
static void test_theme_old_file_without_md_elements_loads(void **state)
{
	(void)state;
	struct theme t, want;
	theme_default(&t);
	theme_default(&want);
	assert_int_equal(theme_parse(&t, "error = blue\nmarker = red\n", 26, "old.theme", NULL), 0);
	for (int e = THEME_MD_HEADING; e < THEME_COUNT; e++) {
		assert_int_equal(t.style[e].fg, want.style[e].fg);
		assert_int_equal(t.style[e].attrs, want.style[e].attrs);
	}
	theme_mono(&t);
	for (int e = THEME_MD_HEADING; e < THEME_COUNT; e++) {
		assert_int_equal(t.style[e].fg, THEME_COLOR_DEFAULT);
		assert_int_equal(t.style[e].bg, THEME_COLOR_DEFAULT);
	}
	assert_true(t.style[THEME_MD_HEADING].attrs & THEME_BOLD);
	assert_true(t.style[THEME_MD_LINK].attrs & THEME_UNDERLINE);
	assert_true(t.style[THEME_MD_EMPH].attrs & THEME_ITALIC);
	assert_true(want.style[THEME_MD_KEYWORD].fg != THEME_COLOR_DEFAULT);
}

/* ---- built-in themes ----------------------------------------------------- */

static void test_theme_default_has_the_documented_styles(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	assert_style(&t, THEME_TRANSCRIPT_USER, 6, THEME_COLOR_DEFAULT, THEME_BOLD);
	assert_style(&t, THEME_TRANSCRIPT_ASSISTANT, 2, THEME_COLOR_DEFAULT, THEME_BOLD);
	assert_style(&t, THEME_TRANSCRIPT_THINKING, THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT,
	             THEME_DIM);
	assert_style(&t, THEME_ERROR, 1, THEME_COLOR_DEFAULT, THEME_BOLD);
	assert_style(&t, THEME_STATUS, THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, THEME_REVERSE);
	assert_style(&t, THEME_STATUS_OPEN, 15, 1, THEME_BOLD);
	assert_style(&t, THEME_TRANSCRIPT_TEXT, THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0);
}

static void test_theme_mono_has_no_colours_only_attributes(void **state)
{
	(void)state;
	struct theme t;
	theme_mono(&t);
	for (int i = 0; i < THEME_COUNT; i++) {
		assert_int_equal(t.style[i].fg, THEME_COLOR_DEFAULT);
		assert_int_equal(t.style[i].bg, THEME_COLOR_DEFAULT);
	}
	assert_style(&t, THEME_TRANSCRIPT_USER, -1, -1, THEME_BOLD);
	assert_style(&t, THEME_STATUS, -1, -1, THEME_REVERSE);
	assert_style(&t, THEME_TRANSCRIPT_THINKING, -1, -1, THEME_DIM);
	/* The breaker states stay apart without colour. */
	assert_int_not_equal(t.style[THEME_STATUS_OK].attrs, t.style[THEME_STATUS_OPEN].attrs);
	assert_int_not_equal(t.style[THEME_STATUS_OK].attrs,
	                     t.style[THEME_STATUS_HALFOPEN].attrs);
	assert_int_not_equal(t.style[THEME_STATUS_OPEN].attrs,
	                     t.style[THEME_STATUS_HALFOPEN].attrs);
}

/* ---- shipped files ------------------------------------------------------- */

static void test_theme_every_shipped_file_parses_without_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, "themes/%s.theme", shipped[i]);
		size_t n;
		char *text = tu_read_file(path, &n);
		struct theme t;
		theme_default(&t);
		struct buf errors;
		buf_init(&errors, 0);
		int count = theme_parse(&t, text, n, path, &errors);
		if (count != 0)
			print_error("%s", buf_str(&errors));
		assert_int_equal(count, 0);
		assert_string_equal(buf_str(&errors), "");
		buf_done(&errors);
		free(text);
	}
}

static void test_theme_shipped_files_set_every_element(void **state)
{
	(void)state;
	/* Parsed onto a theme no file would produce, every element must change. */
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		char path[256];
		snprintf(path, sizeof path, "themes/%s.theme", shipped[i]);
		size_t n;
		char *text = tu_read_file(path, &n);
		struct theme t;
		for (int e = 0; e < THEME_COUNT; e++)
			t.style[e] = (struct theme_style){255, 255, 0xff00};
		assert_int_equal(theme_parse(&t, text, n, path, NULL), 0);
		for (int e = 0; e < THEME_COUNT; e++) {
			if (t.style[e].attrs == 0xff00) {
				print_error("%s does not set %s\n", path,
				            theme_element_name((enum theme_element)e));
				fail();
			}
		}
		free(text);
	}
}

static void test_theme_default_and_mono_files_match_the_built_in_themes(void **state)
{
	(void)state;
	struct theme want, got;
	size_t n;

	char *text = tu_read_file("themes/default.theme", &n);
	theme_default(&want);
	theme_mono(&got);
	assert_int_equal(theme_parse(&got, text, n, "default.theme", NULL), 0);
	assert_theme_equal(&got, &want);
	free(text);

	text = tu_read_file("themes/mono.theme", &n);
	theme_mono(&want);
	theme_default(&got);
	assert_int_equal(theme_parse(&got, text, n, "mono.theme", NULL), 0);
	assert_theme_equal(&got, &want);
	free(text);
}

static void test_theme_solarized_uses_256_colour_values(void **state)
{
	(void)state;
	size_t n;
	char *text = tu_read_file("themes/solarized-dark.theme", &n);
	struct theme t;
	theme_default(&t);
	assert_int_equal(theme_parse(&t, text, n, "solarized-dark.theme", NULL), 0);
	assert_style(&t, THEME_TRANSCRIPT_USER, 33, -1, THEME_BOLD);
	assert_style(&t, THEME_STATUS, 245, 235, 0);
	free(text);
}

/* ---- syntax -------------------------------------------------------------- */

static void test_theme_parse_colours_attributes_and_comments(void **state)
{
	(void)state;
	struct theme t;
	theme_mono(&t);
	struct buf errors;
	buf_init(&errors, 0);
	int count = parse(&t,
	                  "# a comment\n"
	                  "\n"
	                  "   \t\n"
	                  "error = red\n"
	                  "notice=brightyellow 17 bold underline # trailing comment\n"
	                  "status = 0 255 reverse italic dim\n"
	                  "\tprompt\t=\tBrightWhite   Default   BOLD\n"
	                  "marker = white reverse\n"
	                  "border = default\r\n"
	                  "input = 7 brightblack",
	                  &errors);
	assert_string_equal(buf_str(&errors), "");
	assert_int_equal(count, 0);
	assert_style(&t, THEME_ERROR, 1, -1, 0);
	assert_style(&t, THEME_NOTICE, 11, 17, THEME_BOLD | THEME_UNDERLINE);
	assert_style(&t, THEME_STATUS, 0, 255, THEME_REVERSE | THEME_ITALIC | THEME_DIM);
	assert_style(&t, THEME_PROMPT, 15, -1, THEME_BOLD);
	assert_style(&t, THEME_MARKER, 7, -1, THEME_REVERSE);
	assert_style(&t, THEME_BORDER, -1, -1, 0);
	assert_style(&t, THEME_INPUT, 7, 8, 0);
	/* Untouched elements keep what they had. */
	assert_style(&t, THEME_TRANSCRIPT_USER, -1, -1, THEME_BOLD);
	buf_done(&errors);
}

static void test_theme_parse_later_line_wins_and_replaces_whole_style(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	assert_int_equal(parse(&t, "error = red blue bold\nerror = green\n", NULL), 0);
	assert_style(&t, THEME_ERROR, 2, -1, 0);
}

static void test_theme_parse_empty_text_changes_nothing(void **state)
{
	(void)state;
	struct theme t, want;
	theme_default(&t);
	theme_default(&want);
	assert_int_equal(theme_parse(&t, "", 0, "t.theme", NULL), 0);
	assert_int_equal(theme_parse(&t, "\n\n# only comments\n", 18, "t.theme", NULL), 0);
	assert_theme_equal(&t, &want);
}

/* One bad line between two good ones: one message naming it, the element
 * keeps its value, and both good lines apply. */
static void check_one_bad_line(const char *bad, enum theme_element keeps, const char *want_msg)
{
	struct theme t, before;
	theme_default(&t);
	before = t;
	char text[512];
	snprintf(text, sizeof text,
	         "# line 1\n"
	         "transcript.user = magenta\n"
	         "%s\n"
	         "border = 200 bold\n",
	         bad);
	struct buf errors;
	buf_init(&errors, 0);
	int count = parse(&t, text, &errors);
	if (count != 1 || strcmp(buf_str(&errors), want_msg) != 0) {
		print_error("line \"%s\"\ngot  (%d) \"%s\"\nwant (1) \"%s\"\n", bad, count,
		            buf_str(&errors), want_msg);
		fail();
	}
	assert_style(&t, keeps, before.style[keeps].fg, before.style[keeps].bg,
	             before.style[keeps].attrs);
	assert_style(&t, THEME_TRANSCRIPT_USER, 5, -1, 0);
	assert_style(&t, THEME_BORDER, 200, -1, THEME_BOLD);
	buf_done(&errors);
}

static void test_theme_error_unknown_element(void **state)
{
	(void)state;
	check_one_bad_line("you = red", THEME_ERROR, "t.theme:3: unknown element 'you'\n");
}

static void test_theme_error_unknown_colour(void **state)
{
	(void)state;
	check_one_bad_line("error = crimson bold", THEME_ERROR,
	                   "t.theme:3: unknown colour 'crimson' (default, black, red, green, "
	                   "yellow, blue, magenta, cyan, white, bright..., or 0-255)\n");
	check_one_bad_line("error = 12ab", THEME_ERROR,
	                   "t.theme:3: unknown colour '12ab' (default, black, red, green, "
	                   "yellow, blue, magenta, cyan, white, bright..., or 0-255)\n");
	check_one_bad_line("error = -1", THEME_ERROR,
	                   "t.theme:3: unknown colour '-1' (default, black, red, green, "
	                   "yellow, blue, magenta, cyan, white, bright..., or 0-255)\n");
	check_one_bad_line("error = bright", THEME_ERROR,
	                   "t.theme:3: unknown colour 'bright' (default, black, red, green, "
	                   "yellow, blue, magenta, cyan, white, bright..., or 0-255)\n");
}

static void test_theme_error_colour_number_out_of_range(void **state)
{
	(void)state;
	check_one_bad_line("error = 256", THEME_ERROR,
	                   "t.theme:3: colour '256' out of range (0-255)\n");
	check_one_bad_line("status = red 99999999999999999999", THEME_STATUS,
	                   "t.theme:3: colour '99999999999999999999' out of range (0-255)\n");
}

static void test_theme_error_unknown_attribute(void **state)
{
	(void)state;
	check_one_bad_line("error = red default blink", THEME_ERROR,
	                   "t.theme:3: unknown attribute 'blink' (bold, dim, underline, reverse, "
	                   "italic)\n");
	/* A third colour is not an attribute either. */
	check_one_bad_line("error = red blue green", THEME_ERROR,
	                   "t.theme:3: unknown attribute 'green' (bold, dim, underline, reverse, "
	                   "italic)\n");
	/* The second word may be a background or an attribute. */
	check_one_bad_line("error = red blink", THEME_ERROR,
	                   "t.theme:3: unknown colour or attribute 'blink'\n");
}

static void test_theme_error_missing_equals(void **state)
{
	(void)state;
	check_one_bad_line("error red bold", THEME_ERROR,
	                   "t.theme:3: missing '=' (expected: ELEMENT = FG [BG] [ATTR...])\n");
}

static void test_theme_error_missing_name_or_value(void **state)
{
	(void)state;
	check_one_bad_line("= red", THEME_ERROR, "t.theme:3: missing element name before '='\n");
	check_one_bad_line("error =   # nothing", THEME_ERROR,
	                   "t.theme:3: missing colour after '=' (expected: ELEMENT = FG [BG] "
	                   "[ATTR...])\n");
}

static void test_theme_errors_one_per_bad_line_with_line_numbers(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	struct buf errors;
	buf_init(&errors, 0);
	int count = parse(&t,
	                  "error = red\r\n"
	                  "nope = red\r\n"
	                  "\r\n"
	                  "notice = 300 400 blink\r\n" /* one message, not three */
	                  "notice\r\n"
	                  "prompt = green",
	                  &errors);
	assert_int_equal(count, 3);
	assert_string_equal(buf_str(&errors),
	                    "t.theme:2: unknown element 'nope'\n"
	                    "t.theme:4: colour '300' out of range (0-255)\n"
	                    "t.theme:5: missing '=' (expected: ELEMENT = FG [BG] [ATTR...])\n");
	assert_style(&t, THEME_ERROR, 1, -1, 0);
	assert_style(&t, THEME_NOTICE, 3, -1, 0);
	assert_style(&t, THEME_PROMPT, 2, -1, 0);
	buf_done(&errors);
}

static void test_theme_errors_without_a_buffer_are_counted(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	assert_int_equal(parse(&t, "a = b\nerror = 1000\nc\n", NULL), 3);
}

static void test_theme_error_messages_escape_terminal_control(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	struct buf errors;
	buf_init(&errors, 0);
	const char text[] = "\x1b]52;c;AAAA\x07 = red\nerror = \xc2\x9b" "31m\n";
	assert_int_equal(theme_parse(&t, text, sizeof text - 1, "t.theme", &errors), 2);
	const char *s = buf_str(&errors);
	for (size_t i = 0; s[i] != '\0'; i++)
		assert_true(s[i] == '\n' || ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f));
	assert_string_equal(s, "t.theme:1: unknown element '\\x1b]52;c;AAAA\\x07'\n"
	                       "t.theme:2: unknown colour '\\xc2\\x9b31m' (default, black, red, "
	                       "green, yellow, blue, magenta, cyan, white, bright..., or 0-255)\n");
	buf_done(&errors);
}

static void test_theme_error_messages_cut_long_words(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	char text[2100];
	memset(text, 'x', 2000);
	memcpy(text + 2000, " = red\n", 8);
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(parse(&t, text, &errors), 1);
	assert_true(errors.len < 100);
	assert_non_null(strstr(buf_str(&errors), "xxx...'\n"));
	buf_done(&errors);
}

static void test_theme_nul_bytes_in_text_are_just_bad_bytes(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	const char text[] = "error = r\0d\nnotice = blue\n";
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(theme_parse(&t, text, sizeof text - 1, "t.theme", &errors), 1);
	assert_string_equal(buf_str(&errors),
	                    "t.theme:1: unknown colour 'r\\x00d' (default, black, red, green, "
	                    "yellow, blue, magenta, cyan, white, bright..., or 0-255)\n");
	assert_style(&t, THEME_NOTICE, 4, -1, 0);
	buf_done(&errors);
}

static void test_theme_full_error_buffer_does_not_stop_parsing(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	struct buf errors;
	buf_init(&errors, 40);
	assert_int_equal(parse(&t, "a = b\nc = d\ne = f\nerror = blue\n", &errors), 3);
	assert_true(errors.len <= 40);
	assert_style(&t, THEME_ERROR, 4, -1, 0);
	buf_done(&errors);
}

/* ---- inherit ------------------------------------------------------------- */

static void test_theme_inherit_built_in_then_override(void **state)
{
	(void)state;
	struct theme t, want;
	theme_default(&t);
	theme_mono(&want);
	want.style[THEME_ERROR] = (struct theme_style){1, -1, THEME_BOLD};
	assert_int_equal(parse(&t, "# mono, with a red error\ninherit = mono\nerror = red bold\n",
	                       NULL),
	                 0);
	assert_theme_equal(&t, &want);
}

static void test_theme_inherit_after_an_element_is_an_error(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(parse(&t, "error = blue\ninherit = mono\n", &errors), 1);
	assert_string_equal(buf_str(&errors),
	                    "t.theme:2: inherit must come before the first element\n");
	/* The mono theme was not applied over the earlier line. */
	assert_style(&t, THEME_ERROR, 4, -1, 0);
	assert_style(&t, THEME_TRANSCRIPT_USER, 6, -1, THEME_BOLD);
	buf_done(&errors);
}

static void test_theme_inherit_unknown_without_dirs_is_an_error(void **state)
{
	(void)state;
	struct theme t;
	theme_default(&t);
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(parse(&t, "inherit = light\ninherit = a/b\ninherit =\n"
	                           "inherit = mono extra\nerror = blue\n",
	                       &errors),
	                 4);
	assert_string_equal(buf_str(&errors),
	                    "t.theme:1: unknown theme 'light' (built in: default, mono)\n"
	                    "t.theme:2: invalid theme name 'a/b' (letters, digits, '.', '-', '_')\n"
	                    "t.theme:3: missing theme name after 'inherit ='\n"
	                    "t.theme:4: inherit takes one theme name, not 'extra'\n");
	assert_style(&t, THEME_ERROR, 4, -1, 0);
	assert_style(&t, THEME_TRANSCRIPT_USER, 6, -1, THEME_BOLD);
	buf_done(&errors);
}

/* ---- loading files ------------------------------------------------------- */

struct tmpdirs {
	char a[64];
	char b[64];
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void remove_dir(const char *dir)
{
	static const char *const names[] = {"a.theme", "b.theme", "child.theme", "default.theme",
	                                    "big.theme", "bad.theme", "light.theme", "deep0.theme",
	                                    "deep1.theme", "deep2.theme", "deep3.theme",
	                                    "deep4.theme", "deep5.theme", "deep6.theme",
	                                    "deep7.theme", "deep8.theme", "deep9.theme",
	                                    "dir.theme", "fifo.theme"};
	char path[256];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
		rmdir(path);
	}
	rmdir(dir);
}

static int setup_dirs(void **state)
{
	struct tmpdirs *d = calloc(1, sizeof *d);
	if (d == NULL)
		return -1;
	snprintf(d->a, sizeof d->a, "/tmp/circuit-theme-a-XXXXXX");
	snprintf(d->b, sizeof d->b, "/tmp/circuit-theme-b-XXXXXX");
	if (mkdtemp(d->a) == NULL || mkdtemp(d->b) == NULL)
		return -1;
	*state = d;
	return 0;
}

static int teardown_dirs(void **state)
{
	struct tmpdirs *d = *state;
	remove_dir(d->a);
	remove_dir(d->b);
	free(d);
	return 0;
}

static void test_theme_load_missing_name_lists_search_and_keeps_default(void **state)
{
	struct tmpdirs *d = *state;
	const char *dirs[] = {d->a, NULL, "", d->b, "themes"};
	struct theme t, want;
	theme_mono(&t);
	theme_default(&want);
	struct buf errors, msg;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "nosuch", dirs, 5, &errors), 1);
	assert_theme_equal(&t, &want);
	buf_init(&msg, 0);
	buf_printf(&msg,
	           "theme 'nosuch' not found (searched: %s/nosuch.theme, %s/nosuch.theme, "
	           "themes/nosuch.theme)\n",
	           d->a, d->b);
	assert_string_equal(buf_str(&errors), buf_str(&msg));
	buf_done(&msg);
	buf_done(&errors);
}

static void test_theme_load_built_in_names_need_no_files(void **state)
{
	(void)state;
	struct theme t, want;
	struct buf errors;
	buf_init(&errors, 0);
	theme_mono(&t);
	theme_default(&want);
	assert_int_equal(theme_load(&t, "default", NULL, 0, &errors), 0);
	assert_theme_equal(&t, &want);
	theme_mono(&want);
	assert_int_equal(theme_load(&t, "mono", NULL, 0, &errors), 0);
	assert_theme_equal(&t, &want);
	assert_string_equal(buf_str(&errors), "");
	assert_int_equal(theme_load(&t, "light", NULL, 0, &errors), 1);
	assert_string_equal(buf_str(&errors), "theme 'light' not found (searched: no theme "
	                                      "directories)\n");
	buf_done(&errors);
}

static void test_theme_load_shipped_themes_from_the_repository(void **state)
{
	(void)state;
	const char *dirs[] = {"themes"};
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		struct theme t, want;
		struct buf errors;
		buf_init(&errors, 0);
		assert_int_equal(theme_load(&t, shipped[i], dirs, 1, &errors), 0);
		assert_string_equal(buf_str(&errors), "");
		char path[256];
		snprintf(path, sizeof path, "themes/%s.theme", shipped[i]);
		size_t n;
		char *text = tu_read_file(path, &n);
		theme_default(&want);
		assert_int_equal(theme_parse(&want, text, n, path, NULL), 0);
		assert_theme_equal(&t, &want);
		free(text);
		buf_done(&errors);
	}
}

static void test_theme_load_first_directory_wins(void **state)
{
	struct tmpdirs *d = *state;
	write_file(d->a, "light.theme", "error = 42\n");
	const char *dirs[] = {d->a, "themes"};
	struct theme t, want;
	assert_int_equal(theme_load(&t, "light", dirs, 2, NULL), 0);
	theme_default(&want);
	want.style[THEME_ERROR] = (struct theme_style){42, -1, 0};
	assert_theme_equal(&t, &want);
}

static void test_theme_load_bad_lines_report_the_file_path(void **state)
{
	struct tmpdirs *d = *state;
	write_file(d->b, "bad.theme", "error = 42\n\nerror = ultraviolet\nnotice = 43\n");
	const char *dirs[] = {d->a, d->b};
	struct theme t;
	struct buf errors, want;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "bad", dirs, 2, &errors), 1);
	buf_init(&want, 0);
	buf_printf(&want,
	           "%s/bad.theme:3: unknown colour 'ultraviolet' (default, black, red, green, "
	           "yellow, blue, magenta, cyan, white, bright..., or 0-255)\n",
	           d->b);
	assert_string_equal(buf_str(&errors), buf_str(&want));
	assert_style(&t, THEME_ERROR, 42, -1, 0);
	assert_style(&t, THEME_NOTICE, 43, -1, 0);
	buf_done(&want);
	buf_done(&errors);
}

static void test_theme_load_inherit_between_files(void **state)
{
	struct tmpdirs *d = *state;
	write_file(d->a, "child.theme", "inherit = light\nerror = 42\n");
	const char *dirs[] = {d->a, "themes"};
	struct theme t, want;
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "child", dirs, 2, &errors), 0);
	assert_string_equal(buf_str(&errors), "");
	assert_int_equal(theme_load(&want, "light", dirs, 2, &errors), 0);
	want.style[THEME_ERROR] = (struct theme_style){42, -1, 0};
	assert_theme_equal(&t, &want);
	buf_done(&errors);
}

static void test_theme_load_user_default_may_inherit_built_in_default(void **state)
{
	struct tmpdirs *d = *state;
	write_file(d->a, "default.theme", "inherit = default\nborder = 99\n");
	const char *dirs[] = {d->a};
	struct theme t, want;
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "default", dirs, 1, &errors), 0);
	assert_string_equal(buf_str(&errors), "");
	theme_default(&want);
	want.style[THEME_BORDER] = (struct theme_style){99, -1, 0};
	assert_theme_equal(&t, &want);
	buf_done(&errors);
}

static void test_theme_load_inherit_cycle_is_reported_not_followed(void **state)
{
	struct tmpdirs *d = *state;
	write_file(d->a, "a.theme", "inherit = b\nerror = 42\n");
	write_file(d->a, "b.theme", "inherit = a\nnotice = 43\n");
	const char *dirs[] = {d->a};
	struct theme t;
	struct buf errors, want;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "a", dirs, 1, &errors), 1);
	buf_init(&want, 0);
	buf_printf(&want, "%s/b.theme:1: inherit cycle through theme 'a'\n", d->a);
	assert_string_equal(buf_str(&errors), buf_str(&want));
	assert_style(&t, THEME_ERROR, 42, -1, 0);
	assert_style(&t, THEME_NOTICE, 43, -1, 0);
	buf_done(&want);
	buf_done(&errors);
}

static void test_theme_load_inherit_chain_is_bounded(void **state)
{
	struct tmpdirs *d = *state;
	for (int i = 0; i < 10; i++) {
		char name[32], text[64];
		snprintf(name, sizeof name, "deep%d.theme", i);
		snprintf(text, sizeof text, "inherit = deep%d\nborder = %d\n", i + 1, i);
		write_file(d->a, name, text);
	}
	const char *dirs[] = {d->a};
	struct theme t;
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "deep0", dirs, 1, &errors), 1);
	assert_non_null(strstr(buf_str(&errors), "themes deep\n"));
	assert_style(&t, THEME_BORDER, 0, -1, 0);
	buf_done(&errors);
}

static void test_theme_load_inherit_of_missing_theme_lists_search(void **state)
{
	struct tmpdirs *d = *state;
	write_file(d->a, "child.theme", "inherit = nosuch\nerror = 42\n");
	const char *dirs[] = {d->a};
	struct theme t;
	struct buf errors, want;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "child", dirs, 1, &errors), 1);
	buf_init(&want, 0);
	buf_printf(&want, "%s/child.theme:1: unknown theme 'nosuch' (searched: %s/nosuch.theme)\n",
	           d->a, d->a);
	assert_string_equal(buf_str(&errors), buf_str(&want));
	assert_style(&t, THEME_ERROR, 42, -1, 0);
	buf_done(&want);
	buf_done(&errors);
}

static void test_theme_load_oversized_file_keeps_default(void **state)
{
	struct tmpdirs *d = *state;
	size_t n = 70 * 1024;
	char *text = malloc(n + 1);
	assert_non_null(text);
	for (size_t i = 0; i < n; i += 12)
		memcpy(text + i, "error = 42\n\n", n - i < 12 ? n - i : 12);
	text[n] = '\0';
	write_file(d->a, "big.theme", text);
	free(text);
	const char *dirs[] = {d->a};
	struct theme t, want;
	struct buf errors, msg;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "big", dirs, 1, &errors), 1);
	buf_init(&msg, 0);
	buf_printf(&msg, "%s/big.theme: larger than 65536 bytes, not a theme\n", d->a);
	assert_string_equal(buf_str(&errors), buf_str(&msg));
	theme_default(&want);
	assert_theme_equal(&t, &want);
	buf_done(&msg);
	buf_done(&errors);
}

static void test_theme_load_unreadable_file_keeps_default(void **state)
{
	struct tmpdirs *d = *state;
	char path[256];
	snprintf(path, sizeof path, "%s/dir.theme", d->a);
	assert_int_equal(mkdir(path, 0700), 0);
	const char *dirs[] = {d->a};
	struct theme t, want;
	struct buf errors;
	buf_init(&errors, 0);
	assert_int_equal(theme_load(&t, "dir", dirs, 1, &errors), 1);
	assert_int_equal(strncmp(buf_str(&errors), path, strlen(path)), 0);
	assert_int_equal(errors.data[errors.len - 1], '\n');
	theme_default(&want);
	assert_theme_equal(&t, &want);
	buf_done(&errors);
}

/* A FIFO named like a theme once hung the start-up in open() (no writer)
 * or read() (one that never closes): it is refused at once, default kept. */
static void test_theme_load_fifo_is_refused_without_blocking(void **state)
{
	struct tmpdirs *d = *state;
	char path[256];
	snprintf(path, sizeof path, "%s/fifo.theme", d->a);
	assert_int_equal(mkfifo(path, 0600), 0);
	const char *dirs[] = {d->a, "themes"};
	struct theme t, want;
	struct buf errors, msg;
	buf_init(&errors, 0);
	alarm(10); /* a hang fails the suite rather than stalling it */
	assert_int_equal(theme_load(&t, "fifo", dirs, 2, &errors), 1);
	alarm(0);
	buf_init(&msg, 0);
	buf_printf(&msg, "%s: not a regular file, not a theme\n", path);
	assert_string_equal(buf_str(&errors), buf_str(&msg));
	theme_default(&want);
	assert_theme_equal(&t, &want);
	buf_done(&msg);
	buf_done(&errors);
}

static void test_theme_load_rejects_names_that_leave_the_directory(void **state)
{
	(void)state;
	const char *dirs[] = {"themes"};
	static const char *const bad[] = {"../themes/light", "", ".hidden", "a/b", "x y"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct theme t, want;
		struct buf errors;
		buf_init(&errors, 0);
		assert_int_equal(theme_load(&t, bad[i], dirs, 1, &errors), 1);
		assert_int_equal(strncmp(buf_str(&errors), "invalid theme name '", 20), 0);
		theme_default(&want);
		assert_theme_equal(&t, &want);
		buf_done(&errors);
	}
	struct theme t;
	assert_int_equal(theme_load(&t, NULL, dirs, 1, NULL), 1);
}

/* ---- colour fallback ----------------------------------------------------- */

static void test_theme_fallback_keeps_colours_on_256_colour_terminals(void **state)
{
	(void)state;
	for (int c = -1; c < 256; c++)
		assert_int_equal(theme_fallback_color(c, 256), c);
	assert_int_equal(theme_fallback_color(200, 16777216), 200);
}

static void test_theme_fallback_to_16_colours(void **state)
{
	(void)state;
	for (int c = 0; c < 16; c++)
		assert_int_equal(theme_fallback_color(c, 16), c);
	assert_int_equal(theme_fallback_color(-1, 16), -1);
	assert_int_equal(theme_fallback_color(16, 16), 0);   /* #000000 black */
	assert_int_equal(theme_fallback_color(196, 16), 9);  /* #ff0000 bright red */
	assert_int_equal(theme_fallback_color(46, 16), 10);  /* #00ff00 bright green */
	assert_int_equal(theme_fallback_color(226, 16), 11); /* #ffff00 bright yellow */
	assert_int_equal(theme_fallback_color(21, 16), 4);   /* #0000ff blue */
	assert_int_equal(theme_fallback_color(231, 16), 15); /* #ffffff bright white */
	assert_int_equal(theme_fallback_color(208, 16), 3);  /* #ff8700 orange: yellow */
	assert_int_equal(theme_fallback_color(244, 16), 8);  /* #808080 grey: bright black */
	assert_int_equal(theme_fallback_color(234, 16), 0);  /* #1c1c1c solarized base03 */
	assert_int_equal(theme_fallback_color(37, 16), 6);   /* #00afaf solarized cyan */
	/* 88-colour terminals lay out 16-87 differently: treated as 16. */
	assert_int_equal(theme_fallback_color(196, 88), 9);
}

static void test_theme_fallback_to_8_colours(void **state)
{
	(void)state;
	for (int c = 0; c < 8; c++) {
		assert_int_equal(theme_fallback_color(c, 8), c);
		assert_int_equal(theme_fallback_color(c + 8, 8), c); /* bright -> base */
	}
	assert_int_equal(theme_fallback_color(-1, 8), -1);
	assert_int_equal(theme_fallback_color(196, 8), 1);  /* red */
	assert_int_equal(theme_fallback_color(46, 8), 2);   /* green */
	assert_int_equal(theme_fallback_color(231, 8), 7);  /* white */
	assert_int_equal(theme_fallback_color(208, 8), 3);  /* orange: yellow */
	assert_int_equal(theme_fallback_color(234, 8), 0);  /* near black */
	assert_int_equal(theme_fallback_color(250, 8), 7);  /* light grey: white */
	assert_int_equal(theme_fallback_color(21, 8), 4);   /* blue */
	assert_int_equal(theme_fallback_color(33, 8), 6);   /* #0087ff: nearer cyan than blue */
	for (int c = 0; c < 256; c++) {
		int f = theme_fallback_color(c, 8);
		assert_true(f >= 0 && f < 8);
		f = theme_fallback_color(c, 16);
		assert_true(f >= 0 && f < 16);
	}
}

static void test_theme_fallback_without_enough_colours_is_default(void **state)
{
	(void)state;
	assert_int_equal(theme_fallback_color(1, 2), -1);
	assert_int_equal(theme_fallback_color(1, 0), -1);
	assert_int_equal(theme_fallback_color(1, -1), -1);
	assert_int_equal(theme_fallback_color(256, 256), -1);
	assert_int_equal(theme_fallback_color(-5, 16), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_theme_every_element_has_a_unique_name_found_again),
		cmocka_unit_test(test_theme_names_the_elements_the_ui_needs),
		cmocka_unit_test(test_theme_old_file_without_md_elements_loads),
		cmocka_unit_test(test_theme_default_has_the_documented_styles),
		cmocka_unit_test(test_theme_mono_has_no_colours_only_attributes),
		cmocka_unit_test(test_theme_every_shipped_file_parses_without_errors),
		cmocka_unit_test(test_theme_shipped_files_set_every_element),
		cmocka_unit_test(test_theme_default_and_mono_files_match_the_built_in_themes),
		cmocka_unit_test(test_theme_solarized_uses_256_colour_values),
		cmocka_unit_test(test_theme_parse_colours_attributes_and_comments),
		cmocka_unit_test(test_theme_parse_later_line_wins_and_replaces_whole_style),
		cmocka_unit_test(test_theme_parse_empty_text_changes_nothing),
		cmocka_unit_test(test_theme_error_unknown_element),
		cmocka_unit_test(test_theme_error_unknown_colour),
		cmocka_unit_test(test_theme_error_colour_number_out_of_range),
		cmocka_unit_test(test_theme_error_unknown_attribute),
		cmocka_unit_test(test_theme_error_missing_equals),
		cmocka_unit_test(test_theme_error_missing_name_or_value),
		cmocka_unit_test(test_theme_errors_one_per_bad_line_with_line_numbers),
		cmocka_unit_test(test_theme_errors_without_a_buffer_are_counted),
		cmocka_unit_test(test_theme_error_messages_escape_terminal_control),
		cmocka_unit_test(test_theme_error_messages_cut_long_words),
		cmocka_unit_test(test_theme_nul_bytes_in_text_are_just_bad_bytes),
		cmocka_unit_test(test_theme_full_error_buffer_does_not_stop_parsing),
		cmocka_unit_test(test_theme_inherit_built_in_then_override),
		cmocka_unit_test(test_theme_inherit_after_an_element_is_an_error),
		cmocka_unit_test(test_theme_inherit_unknown_without_dirs_is_an_error),
		cmocka_unit_test_setup_teardown(
			test_theme_load_missing_name_lists_search_and_keeps_default, setup_dirs,
			teardown_dirs),
		cmocka_unit_test(test_theme_load_built_in_names_need_no_files),
		cmocka_unit_test(test_theme_load_shipped_themes_from_the_repository),
		cmocka_unit_test_setup_teardown(test_theme_load_first_directory_wins, setup_dirs,
		                                teardown_dirs),
		cmocka_unit_test_setup_teardown(test_theme_load_bad_lines_report_the_file_path,
		                                setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(test_theme_load_inherit_between_files, setup_dirs,
		                                teardown_dirs),
		cmocka_unit_test_setup_teardown(
			test_theme_load_user_default_may_inherit_built_in_default, setup_dirs,
			teardown_dirs),
		cmocka_unit_test_setup_teardown(
			test_theme_load_inherit_cycle_is_reported_not_followed, setup_dirs,
			teardown_dirs),
		cmocka_unit_test_setup_teardown(test_theme_load_inherit_chain_is_bounded,
		                                setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(
			test_theme_load_inherit_of_missing_theme_lists_search, setup_dirs,
			teardown_dirs),
		cmocka_unit_test_setup_teardown(test_theme_load_oversized_file_keeps_default,
		                                setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(test_theme_load_unreadable_file_keeps_default,
		                                setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(test_theme_load_fifo_is_refused_without_blocking,
		                                setup_dirs, teardown_dirs),
		cmocka_unit_test(test_theme_load_rejects_names_that_leave_the_directory),
		cmocka_unit_test(test_theme_fallback_keeps_colours_on_256_colour_terminals),
		cmocka_unit_test(test_theme_fallback_to_16_colours),
		cmocka_unit_test(test_theme_fallback_to_8_colours),
		cmocka_unit_test(test_theme_fallback_without_enough_colours_is_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
