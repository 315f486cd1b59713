/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_highlight: code lines coloured by kind of token from nano's syntax
 * files: each language, spans carried across lines, aliases, missing files,
 * and bounded time on hostile lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ui/highlight.h"
#include "ui/nanorc.h"

#define MAXSPANS 256

/* Spans must be sorted, non-overlapping, non-empty, inside the line, and
 * never start or end on a UTF-8 continuation byte (inside a character). */
static void check_spans(const char *line, size_t len, const struct hl_span *sp, size_t n)
{
	size_t end = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(sp[i].len > 0);
		assert_true(sp[i].off >= end);
		assert_true(sp[i].off + sp[i].len <= len);
		assert_true(sp[i].token > HL_NONE && sp[i].token < HL_COUNT);
		end = sp[i].off + sp[i].len;
		if (sp[i].off > 0)
			assert_true(((unsigned char)line[sp[i].off] & 0xC0) != 0x80);
		if (end < len)
			assert_true(((unsigned char)line[end] & 0xC0) != 0x80);
	}
}

static size_t run(const struct hl_lang *l, struct hl_state *s, const char *line,
                  struct hl_span *sp)
{
	size_t n = hl_line(l, s, line, strlen(line), sp, MAXSPANS);
	check_spans(line, strlen(line), sp, n);
	return n;
}

static enum hl_token token_at(const struct hl_span *sp, size_t n, size_t off)
{
	for (size_t i = 0; i < n; i++)
		if (off >= sp[i].off && off < sp[i].off + sp[i].len)
			return sp[i].token;
	return HL_NONE;
}

/* The first occurrence of word in line is wholly token (first and last byte). */
static void expect(const char *lang, const char *line, const char *word, enum hl_token token)
{
	const struct hl_lang *l = hl_find(lang, strlen(lang));
	struct hl_state s;
	struct hl_span sp[MAXSPANS];
	assert_non_null(l);
	hl_state_init(&s);
	size_t n = run(l, &s, line, sp);
	const char *w = strstr(line, word);
	assert_non_null(w);
	size_t off = (size_t)(w - line);
	if (token_at(sp, n, off) != token || token_at(sp, n, off + strlen(word) - 1) != token)
		fail_msg("%s: '%s' in '%s' is %d, expected %d", lang, word, line,
		         (int)token_at(sp, n, off), (int)token);
}

static int setup(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	hl_set_dir(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hl_set_dir(NULL);
	hl_reset();
	return 0;
}

static void test_python_line_kinds(void **state)
{
	(void)state;
	const char *line = "def area(r):  # circle";
	expect("python", line, "def", HL_KEYWORD);
	expect("python", line, "area", HL_FUNCTION);
	expect("python", line, "# circle", HL_COMMENT);
	expect("python", "    return 'pi' if x is None else r", "'pi'", HL_STRING);
	expect("python", "    return 'pi' if x is None else r", "None", HL_NUMBER);
	expect("python", "    return 'pi' if x is None else r", "return", HL_KEYWORD);
	expect("python", "    return 'pi' if x is None else r", "x", HL_NONE);
}

static void test_c_and_cpp_line_kinds(void **state)
{
	(void)state;
	expect("c", "#include <stdio.h>", "#include", HL_PREPROC);
	expect("c", "static int n = MAX; /* note */", "static", HL_TYPE);
	expect("c", "static int n = MAX; /* note */", "int", HL_TYPE);
	expect("c", "static int n = MAX; /* note */", "MAX", HL_NUMBER);
	expect("c", "static int n = MAX; /* note */", "/* note */", HL_COMMENT);
	expect("c", "\treturn puts(\"hi\"); // done", "return", HL_KEYWORD);
	expect("c", "\treturn puts(\"hi\"); // done", "\"hi\"", HL_STRING);
	expect("c", "\treturn puts(\"hi\"); // done", "// done", HL_COMMENT);
	expect("c++", "template <typename T> class Box {};", "class", HL_TYPE);
	expect("cpp", "if (x) throw std::runtime_error(\"e\");", "throw", HL_KEYWORD);
}

static void test_javascript_and_typescript_line_kinds(void **state)
{
	(void)state;
	const char *line = "const n = 0x1F; if (a === null) return `t`; // c";
	expect("javascript", line, "const", HL_KEYWORD);
	expect("javascript", line, "0x1F", HL_NUMBER);
	expect("javascript", line, "null", HL_NUMBER);
	expect("javascript", line, "return", HL_KEYWORD);
	expect("javascript", line, "`t`", HL_STRING);
	expect("javascript", line, "// c", HL_COMMENT);
	expect("ts", "let s: string = 'x';", "let", HL_KEYWORD);
	expect("ts", "let s: string = 'x';", "'x'", HL_STRING);
}

static void test_go_rust_java_line_kinds(void **state)
{
	(void)state;
	expect("go", "package main", "package", HL_KEYWORD);
	expect("go", "\tfor i := range xs { println(\"v\", 42) } // c", "for", HL_KEYWORD);
	expect("go", "\tfor i := range xs { println(\"v\", 42) } // c", "println", HL_FUNCTION);
	expect("go", "\tfor i := range xs { println(\"v\", 42) } // c", "\"v\"", HL_STRING);
	expect("go", "\tfor i := range xs { println(\"v\", 42) } // c", "42", HL_NUMBER);
	expect("go", "var x string", "string", HL_TYPE);
	const char *rs = "let v: Vec<u8> = vec![1]; // c";
	expect("rust", rs, "let", HL_KEYWORD);
	expect("rust", rs, "Vec", HL_TYPE);
	expect("rust", rs, "vec!", HL_PREPROC);
	expect("rust", rs, "// c", HL_COMMENT);
	expect("rust", "fn main() { println!(\"x\"); }", "\"x\"", HL_STRING);
	const char *java = "public class A { String s = \"q\"; } // c";
	expect("java", java, "public", HL_KEYWORD);
	expect("java", java, "\"q\"", HL_STRING);
	expect("java", java, "// c", HL_COMMENT);
	expect("java", "return true;", "true", HL_NUMBER);
}

static void test_shell_json_yaml_toml_line_kinds(void **state)
{
	(void)state;
	const char *sh = "for f in *.c; do echo \"$f\" $HOME; done # c";
	expect("bash", sh, "for", HL_KEYWORD);
	expect("bash", sh, "echo", HL_FUNCTION);
	expect("bash", sh, "\"$f\"", HL_STRING);
	expect("bash", sh, "$HOME", HL_TYPE);
	expect("bash", sh, "# c", HL_COMMENT);
	/* nano's string rule is greedy (".+" to the last quote), so one key. */
	expect("json", "  \"key\": 42,", "\"key\"", HL_KEYWORD);
	expect("json", "  \"key\": 42,", "42", HL_NUMBER);
	expect("json", "  \"on\": true", "true", HL_NUMBER);
	expect("json", "  \"name\": \"circuit\"", "\"circuit\"", HL_STRING);
	expect("yaml", "name: circuit # c", "name", HL_KEYWORD);
	expect("yaml", "name: circuit # c", "# c", HL_COMMENT);
	expect("yaml", "count: 42", "42", HL_NUMBER);
	expect("yaml", "title: \"x y\"", "\"x y\"", HL_STRING);
	expect("toml", "name = \"circuit\" # c", "\"circuit\"", HL_STRING);
	expect("toml", "name = \"circuit\" # c", "# c", HL_COMMENT);
}

static void test_sql_html_css_line_kinds(void **state)
{
	(void)state;
	const char *sql = "SELECT a FROM t WHERE b = 'x'; -- c";
	expect("sql", sql, "SELECT", HL_KEYWORD);
	expect("sql", sql, "WHERE", HL_KEYWORD);
	expect("sql", sql, "'x'", HL_STRING);
	expect("sql", sql, "-- c", HL_COMMENT);
	expect("sql", "select 1 from t", "select", HL_KEYWORD); /* icolor */
	expect("sql", "CREATE TABLE t (id integer)", "integer", HL_TYPE);
	const char *html = "<a href=\"x\">t</a> <!-- c -->";
	expect("html", html, "<a", HL_KEYWORD);
	expect("html", html, "href", HL_TYPE);
	expect("html", html, "\"x\"", HL_STRING);
	expect("html", html, "<!-- c -->", HL_COMMENT);
	expect("css", "a:hover { color: red; } /* c */", "hover", HL_KEYWORD);
	expect("css", "a:hover { color: red; } /* c */", "/* c */", HL_COMMENT);
	expect("css", "a:hover { color: red; } /* c */", "red", HL_STRING);
}

static void test_diff_ruby_php_markdown_line_kinds(void **state)
{
	(void)state;
	expect("diff", "+added line", "+added line", HL_ADDED);
	expect("diff", "-removed line", "-removed line", HL_REMOVED);
	expect("diff", "@@ -1,2 +1,2 @@", "@@", HL_FUNCTION);
	expect("diff", " context", "context", HL_NONE);
	expect("ruby", "def f(x) \"s\" + :sym end # c", "def", HL_KEYWORD);
	expect("ruby", "def f(x) \"s\" + :sym end # c", "\"s\"", HL_STRING);
	expect("ruby", "def f(x) \"s\" + :sym end # c", "# c", HL_COMMENT);
	const char *php = "<?php $x = \"s\"; function f() { return 1; } // c";
	expect("php", php, "<?php", HL_PREPROC);
	expect("php", php, "$x", HL_TYPE);
	expect("php", php, "function", HL_KEYWORD);
	expect("php", php, "\"s\"", HL_STRING);
	expect("php", php, "// c", HL_COMMENT);
	expect("markdown", "# Title", "# Title", HL_KEYWORD);
	expect("markdown", "say `code` and *this*", "`code`", HL_STRING);
	expect("markdown", "say `code` and *this*", "*this*", HL_TYPE);
}

static void test_kotlin_and_swift_use_java(void **state)
{
	(void)state;
	expect("kotlin", "if (x) return \"s\" // c", "return", HL_KEYWORD);
	expect("kotlin", "if (x) return \"s\" // c", "\"s\"", HL_STRING);
	expect("swift", "import Foundation // c", "import", HL_KEYWORD);
	expect("swift", "import Foundation // c", "// c", HL_COMMENT);
	assert_string_equal(hl_name(hl_find("kt", 2)), "kotlin");
	assert_string_equal(hl_name(hl_find("swift", 5)), "swift");
}

static void test_block_comment_carried_across_lines(void **state)
{
	(void)state;
	const struct hl_lang *c = hl_find("c", 1);
	struct hl_state s;
	struct hl_span sp[MAXSPANS];
	hl_state_init(&s);
	assert_int_equal(s.open, -1);
	size_t n = run(c, &s, "int x; /* starts", sp);
	assert_int_equal(token_at(sp, n, 0), HL_TYPE);
	assert_int_equal(token_at(sp, n, 7), HL_COMMENT);
	assert_true(s.open >= 0);
	n = run(c, &s, "   still inside; return", sp);
	assert_int_equal(n, 1);
	assert_int_equal(sp[0].off, 0);
	assert_int_equal(sp[0].len, strlen("   still inside; return"));
	assert_int_equal(sp[0].token, HL_COMMENT);
	n = run(c, &s, " ends */ return 0;", sp);
	assert_int_equal(token_at(sp, n, 1), HL_COMMENT);
	assert_int_equal(token_at(sp, n, 9), HL_KEYWORD);
	assert_int_equal(s.open, -1);
	n = run(c, &s, "return 0;", sp);
	assert_int_equal(token_at(sp, n, 0), HL_KEYWORD);
}

static void test_python_triple_quoted_string_across_lines(void **state)
{
	(void)state;
	const struct hl_lang *py = hl_find("py", 2);
	struct hl_state s;
	struct hl_span sp[MAXSPANS];
	hl_state_init(&s);
	size_t n = run(py, &s, "doc = \"\"\"First line", sp);
	assert_int_equal(token_at(sp, n, 6), HL_STRING);
	n = run(py, &s, "def not_code(): return", sp);
	assert_int_equal(token_at(sp, n, 0), HL_STRING);
	assert_int_equal(token_at(sp, n, 16), HL_STRING);
	n = run(py, &s, "end\"\"\"", sp);
	assert_int_equal(token_at(sp, n, 0), HL_STRING);
	assert_int_equal(s.open, -1);
	n = run(py, &s, "def f():", sp);
	assert_int_equal(token_at(sp, n, 0), HL_KEYWORD);
}

static void test_aliases_and_case(void **state)
{
	(void)state;
	static const char *pairs[][2] = {
	    {"py", "python"},      {"Python", "python"},     {"js", "javascript"},
	    {"ts", "typescript"},  {"sh", "shell"},          {"bash", "shell"},
	    {"zsh", "shell"},      {"shell", "shell"},       {"console", "shell"},
	    {"C++", "c++"},        {"cpp", "c++"},           {"cxx", "c++"},
	    {"cc", "c++"},         {"hpp", "c++"},           {"yml", "yaml"},
	    {"rs", "rust"},        {"golang", "go"},         {"rb", "ruby"},
	    {"kt", "kotlin"},      {"patch", "diff"},        {"diff", "diff"},
	    {"html", "html"},      {"xml", "xml"},           {"md", "markdown"},
	    {"markdown", "markdown"}, {"jsonc", "json"},     {"sql", "sql"},
	    {"toml", "toml"},      {"scss", "css"},          {"java", "java"},
	    {"php", "php"},        {"swift", "swift"},       {"c", "c"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const struct hl_lang *l = hl_find(pairs[i][0], strlen(pairs[i][0]));
		if (l == NULL)
			fail_msg("alias %s not found", pairs[i][0]);
		assert_string_equal(hl_name(l), pairs[i][1]);
	}
	/* The first word of the info string only; the length is respected. */
	assert_string_equal(hl_name(hl_find("python {.numberLines}", 21)), "python");
	assert_string_equal(hl_name(hl_find("  rust,ignore", 13)), "rust");
	assert_string_equal(hl_name(hl_find("pyxxx", 2)), "python");
	/* The same language is the same object. */
	assert_ptr_equal(hl_find("py", 2), hl_find("python", 6));
}

static void test_unknown_language_is_null(void **state)
{
	(void)state;
	assert_null(hl_find("brainfuck", 9));
	assert_null(hl_find("", 0));
	assert_null(hl_find("   ", 3));
	assert_null(hl_find(NULL, 0));
	assert_null(hl_find("../../etc/passwd", 16));
	assert_null(hl_find("pythonpythonpythonpythonpythonpython", 36));
	assert_string_equal(hl_name(NULL), "");
	struct hl_state s;
	struct hl_span sp[4];
	hl_state_init(&s);
	assert_int_equal(hl_line(NULL, &s, "x = 1", 5, sp, 4), 0);
}

static void test_missing_files_make_every_language_unknown(void **state)
{
	(void)state;
	char dir[] = "/tmp/circuit-hl-XXXXXX";
	assert_non_null(mkdtemp(dir));
	hl_set_dir(dir);
	assert_null(hl_find("python", 6));
	assert_null(hl_find("c", 1));
	hl_set_dir("/nonexistent/circuit/nano");
	assert_null(hl_find("rust", 4));
	hl_set_dir(NULL);
	assert_non_null(hl_find("python", 6));
	rmdir(dir);
}

/* A file of our own: patterns that match empty strings must not loop, and
 * several regexes on one color line are all kept. */
static void test_empty_matches_advance(void **state)
{
	(void)state;
	char dir[] = "/tmp/circuit-hl-XXXXXX", path[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/python.nanorc", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("syntax python \"\\.py$\"\n# Keywords.\ncolor red \"x*\" \"q?\" \"^\"\n"
	      "# Strings.\ncolor green start=\"a*\" end=\"b*\"\ncolor green \"\\<(kw)\\>\" \"z\"\n",
	      f);
	fclose(f);
	hl_set_dir(dir);
	const struct hl_lang *l = hl_find("python", 6);
	assert_non_null(l);
	struct hl_state s;
	struct hl_span sp[MAXSPANS];
	hl_state_init(&s);
	size_t n = run(l, &s, "yy xx yy kw z", sp);
	assert_int_equal(token_at(sp, n, 0), HL_NONE);
	assert_int_equal(token_at(sp, n, 3), HL_KEYWORD);
	assert_int_equal(token_at(sp, n, 9), HL_STRING);
	assert_int_equal(token_at(sp, n, 12), HL_STRING);
	assert_int_equal(s.open, -1);
	hl_set_dir(NULL);
	unlink(path);
	rmdir(dir);
}

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Every language over hostile 1 MiB lines: finishes (well under the
 * deadline; ~1 ms a line here), spans valid, and only the first 1 KiB is
 * looked at. */
static void test_one_mib_lines_finish(void **state)
{
	(void)state;
	static const char *langs[] = {"c", "python", "javascript", "yaml", "rust", "shell",
	                              "json", "css", "xml", "markdown", "ruby", "sql"};
	static const char *fills[] = {"a", "\"\\", "'", "/*", "x ", "\"#<!--`$("};
	size_t len = (size_t)1 << 20;
	char *line = malloc(len + 1);
	struct hl_span *sp = malloc(4096 * sizeof *sp);
	assert_non_null(line);
	assert_non_null(sp);
	double start = seconds();
	for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
		size_t k = strlen(fills[f]);
		for (size_t i = 0; i < len; i++)
			line[i] = fills[f][i % k];
		line[len] = '\0';
		for (size_t j = 0; j < sizeof langs / sizeof langs[0]; j++) {
			const struct hl_lang *l = hl_find(langs[j], strlen(langs[j]));
			struct hl_state s;
			hl_state_init(&s);
			size_t n = hl_line(l, &s, line, len, sp, 4096);
			check_spans(line, len, sp, n);
			if (n > 0)
				assert_true(sp[n - 1].off + sp[n - 1].len <= 1024);
		}
	}
	assert_true(seconds() - start < 20.0);
	free(sp);
	free(line);
}

static void test_out_is_bounded_by_max(void **state)
{
	(void)state;
	const struct hl_lang *c = hl_find("c", 1);
	struct hl_state s;
	struct hl_span sp[2];
	hl_state_init(&s);
	const char *line = "int a; int b; int c; int d;";
	assert_int_equal(hl_line(c, &s, line, strlen(line), sp, 2), 2);
	check_spans(line, strlen(line), sp, 2);
	assert_int_equal(hl_line(c, &s, line, strlen(line), sp, 0), 0);
	assert_int_equal(hl_line(c, &s, "", 0, sp, 2), 0);
}

static void test_utf8_and_invalid_bytes(void **state)
{
	(void)state;
	const struct hl_lang *py = hl_find("python", 6);
	struct hl_state s;
	struct hl_span sp[MAXSPANS];
	hl_state_init(&s);
	const char *line = "s = \"\xe6\x97\xa5\xe6\x9c\xac\" # \xf0\x9f\x99\x82 \xff\xfe";
	size_t n = run(py, &s, line, sp);
	assert_int_equal(token_at(sp, n, 4), HL_STRING);
	assert_int_equal(token_at(sp, n, 12), HL_COMMENT);
	char nul[] = "x = 1 # a\0b";
	n = hl_line(py, &s, nul, sizeof nul - 1, sp, MAXSPANS);
	check_spans(nul, sizeof nul - 1, sp, n);
	assert_int_equal(token_at(sp, n, 8), HL_COMMENT); /* a NUL ends "." */
}

/* Callers pass slices of a reply: the line has no NUL after it (under
 * make asan a read past len shows; regexec's interceptor reads to a NUL). */
static void test_line_need_not_end_in_nul(void **state)
{
	(void)state;
	const char *src = "return \"x\"; // c";
	size_t len = strlen(src);
	char *line = malloc(len);
	assert_non_null(line);
	memcpy(line, src, len);
	const struct hl_lang *c = hl_find("c", 1);
	struct hl_state s;
	struct hl_span sp[MAXSPANS];
	hl_state_init(&s);
	size_t n = hl_line(c, &s, line, len, sp, MAXSPANS);
	check_spans(line, len, sp, n);
	assert_int_equal(token_at(sp, n, 0), HL_KEYWORD);
	assert_int_equal(token_at(sp, n, len - 1), HL_COMMENT);
	free(line);
}

/* A state left by another language or garbage is ignored, not trusted. */
static void test_foreign_state_is_ignored(void **state)
{
	(void)state;
	const struct hl_lang *c = hl_find("c", 1);
	struct hl_state s = {.open = 100000};
	struct hl_span sp[MAXSPANS];
	size_t n = run(c, &s, "return 0;", sp);
	assert_int_equal(token_at(sp, n, 0), HL_KEYWORD);
	s.open = 0;
	n = run(c, &s, "return 0;", sp);
	assert_int_equal(token_at(sp, n, 0), HL_KEYWORD);
}

static void test_classify_by_section_and_shape(void **state)
{
	(void)state;
	assert_int_equal(nanorc_classify("c.nanorc", " Types and related keywords.", "green", "x"),
	                 HL_TYPE);
	assert_int_equal(nanorc_classify("c.nanorc", " Preprocessor directives.", "cyan", "x"),
	                 HL_PREPROC);
	assert_int_equal(nanorc_classify("x.nanorc", " Strings and names of included files.", "red",
	                                 "x"),
	                 HL_STRING);
	assert_int_equal(nanorc_classify("x.nanorc", " Trailing whitespace.", "red", "x"), -1);
	assert_int_equal(nanorc_classify("x.nanorc", "", ",green", "[[:space:]]+$"), -1);
	assert_int_equal(nanorc_classify("x.nanorc", " Strings.", "normal", "x"), HL_NONE);
	assert_int_equal(nanorc_classify("java.nanorc", "", "blue", "//.*"), HL_COMMENT);
	assert_int_equal(nanorc_classify("java.nanorc", "", "red", "\"[^\"]*\""), HL_STRING);
	assert_int_equal(nanorc_classify("java.nanorc", "", "red", "\\<(if|else)\\>"), HL_KEYWORD);
	assert_int_equal(nanorc_classify("java.nanorc", "", "red", "\\<(true|false)\\>"), HL_NUMBER);
	assert_int_equal(nanorc_classify("java.nanorc", "", "red", "[a-z]+"), -1);
	assert_int_equal(nanorc_classify("patch.nanorc", " Added lines.", "green", "^\\+.*"),
	                 HL_ADDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_python_line_kinds),
	    cmocka_unit_test(test_c_and_cpp_line_kinds),
	    cmocka_unit_test(test_javascript_and_typescript_line_kinds),
	    cmocka_unit_test(test_go_rust_java_line_kinds),
	    cmocka_unit_test(test_shell_json_yaml_toml_line_kinds),
	    cmocka_unit_test(test_sql_html_css_line_kinds),
	    cmocka_unit_test(test_diff_ruby_php_markdown_line_kinds),
	    cmocka_unit_test(test_kotlin_and_swift_use_java),
	    cmocka_unit_test(test_block_comment_carried_across_lines),
	    cmocka_unit_test(test_python_triple_quoted_string_across_lines),
	    cmocka_unit_test(test_aliases_and_case),
	    cmocka_unit_test(test_unknown_language_is_null),
	    cmocka_unit_test(test_missing_files_make_every_language_unknown),
	    cmocka_unit_test(test_empty_matches_advance),
	    cmocka_unit_test(test_one_mib_lines_finish),
	    cmocka_unit_test(test_out_is_bounded_by_max),
	    cmocka_unit_test(test_utf8_and_invalid_bytes),
	    cmocka_unit_test(test_line_need_not_end_in_nul),
	    cmocka_unit_test(test_foreign_state_is_ignored),
	    cmocka_unit_test(test_classify_by_section_and_shape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
