/* SPDX-License-Identifier: GPL-3.0-or-later */
/* highlight: the lines of a code block coloured by kind of token, with nano's
 * syntax files (package nano, /usr/share/nano) read by nanorc.c.
 *
 * Rules are applied as nano applies them: each in file order over the whole
 * line, a later one painting over an earlier one; a start/end rule paints
 * from its start to its end, across lines. Bounds: only the first
 * HL_LINE_MAX bytes of a line are looked at (the rest is plain), each rule
 * makes at most HL_CALLS_MAX regexec calls per line, and a match that is
 * empty moves on by one byte. See docs/architecture.md, "Highlighting". */
#include "ui/highlight.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/nanorc.h"
#include "util/mem.h"

#ifndef REG_STARTEND
#error "highlight needs regexec's REG_STARTEND (glibc, musl 1.2.4+, the BSDs)"
#endif

#define HL_DIR_DEFAULT "/usr/share/nano"
#define HL_LINE_MAX 1024
#define HL_CALLS_MAX 2048

/* One syntax file, compiled the first time a language that uses it is found. */
struct hl_file {
	const char *file;
	struct nanorc_syntax syn;
	bool tried, ok;
};

struct hl_lang {
	const char *name;    /* the label */
	const char *file;    /* under the directory */
	const char *aliases; /* other names, lower case, space-separated */
	struct hl_file *src; /* set by hl_find */
};

/* Every name a fence may give; where nano has no file for a language the
 * nearest one stands in (typescript: javascript; kotlin, swift: java; toml:
 * python, for its # comments and ''' """ strings). */
static struct hl_lang langs[] = {
	{"python", "python.nanorc", "py python3 py3 pyi", NULL},
	{"javascript", "javascript.nanorc", "js jsx mjs cjs node", NULL},
	{"typescript", "javascript.nanorc", "ts tsx mts", NULL},
	{"c", "c.nanorc", "h", NULL},
	{"c++", "c.nanorc", "cpp cxx cc hpp hxx hh cplusplus", NULL},
	{"objective-c", "objc.nanorc", "objc objectivec", NULL},
	{"go", "go.nanorc", "golang", NULL},
	{"rust", "rust.nanorc", "rs", NULL},
	{"java", "java.nanorc", "", NULL},
	{"kotlin", "java.nanorc", "kt kts", NULL},
	{"swift", "java.nanorc", "", NULL},
	{"shell", "sh.nanorc", "sh bash zsh ksh console shellsession shell-session", NULL},
	{"json", "json.nanorc", "jsonc json5", NULL},
	{"yaml", "yaml.nanorc", "yml", NULL},
	{"toml", "python.nanorc", "", NULL},
	{"sql", "sql.nanorc", "mysql postgresql postgres psql plpgsql sqlite", NULL},
	{"html", "html.nanorc", "htm xhtml", NULL},
	{"xml", "xml.nanorc", "svg xsl xslt plist", NULL},
	{"css", "css.nanorc", "scss less sass", NULL},
	{"diff", "patch.nanorc", "patch udiff", NULL},
	{"ruby", "ruby.nanorc", "rb", NULL},
	{"php", "php.nanorc", "", NULL},
	{"markdown", "markdown.nanorc", "md mkd", NULL},
	{"lua", "lua.nanorc", "", NULL},
	{"perl", "perl.nanorc", "pl pm", NULL},
	{"makefile", "makefile.nanorc", "make mk", NULL},
	{"cmake", "cmake.nanorc", "", NULL},
	{"awk", "awk.nanorc", "gawk", NULL},
	{"haskell", "haskell.nanorc", "hs", NULL},
	{"ocaml", "ocaml.nanorc", "ml", NULL},
	{"tcl", "tcl.nanorc", "", NULL},
	{"tex", "tex.nanorc", "latex", NULL},
	{"elisp", "elisp.nanorc", "emacs-lisp lisp", NULL},
	{"scheme", "guile.nanorc", "guile scm", NULL},
	{"asm", "asm.nanorc", "nasm assembly", NULL},
	{"fortran", "extra/fortran.nanorc", "f90 f95", NULL},
	{"ada", "extra/ada.nanorc", "", NULL},
};

#define NLANGS (sizeof langs / sizeof langs[0])

static struct hl_file files[NLANGS];
static size_t nfiles;
static char *dir_override;

/* Scratch: one token per byte of the line being highlighted, and the line
 * itself NUL-terminated: regexec's sanitizer interceptor reads the subject
 * to its NUL whatever REG_STARTEND says, and callers pass slices. */
static unsigned char *paint;
static char *text;
static size_t paint_cap;

void hl_set_dir(const char *dir)
{
	hl_reset();
	free(dir_override);
	dir_override = dir != NULL ? xstrdup(dir) : NULL;
}

/* The file's compiled rules, read on the first call; NULL when it is
 * missing or has no rule. */
static struct hl_file *load(const char *file)
{
	struct hl_file *f = NULL;
	for (size_t i = 0; i < nfiles && f == NULL; i++)
		if (strcmp(files[i].file, file) == 0)
			f = &files[i];
	if (f == NULL) {
		f = &files[nfiles++];
		memset(f, 0, sizeof *f);
		f->file = file;
	}
	if (!f->tried) {
		char path[1024];
		const char *dir = dir_override != NULL ? dir_override : HL_DIR_DEFAULT;
		int n = snprintf(path, sizeof path, "%s/%s", dir, file);
		f->tried = true;
		f->ok = n > 0 && (size_t)n < sizeof path && nanorc_load(path, &f->syn) == 0 &&
		        f->syn.n > 0;
	}
	return f->ok ? f : NULL;
}

/* Whether word (n bytes, lower case) is one of the space-separated list. */
static bool in_list(const char *list, const char *word, size_t n)
{
	for (const char *p = list; *p != '\0';) {
		size_t k = strcspn(p, " ");
		if (k == n && memcmp(p, word, n) == 0)
			return true;
		p += k;
		p += *p == ' ';
	}
	return false;
}

const struct hl_lang *hl_find(const char *name, size_t len)
{
	char word[32];
	size_t i = 0, n = 0;
	if (name == NULL)
		return NULL;
	while (i < len && (name[i] == ' ' || name[i] == '\t'))
		i++;
	for (; i < len && strchr(" \t{,;", name[i]) == NULL && name[i] != '\0'; i++) {
		if (n + 1 >= sizeof word)
			return NULL;
		char c = name[i];
		word[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	word[n] = '\0';
	if (n == 0)
		return NULL;
	for (size_t k = 0; k < NLANGS; k++) {
		struct hl_lang *l = &langs[k];
		if (strcmp(l->name, word) != 0 && !in_list(l->aliases, word, n))
			continue;
		l->src = load(l->file);
		return l->src != NULL ? l : NULL;
	}
	return NULL;
}

const char *hl_name(const struct hl_lang *lang)
{
	return lang != NULL ? lang->name : "";
}

void hl_state_init(struct hl_state *s)
{
	s->open = -1;
}

/* The leftmost match of re in line[from..n); false when none. */
static bool match(const regex_t *re, const char *line, size_t n, size_t from, size_t *s, size_t *e)
{
	regmatch_t m[1];
	m[0].rm_so = (regoff_t)from;
	m[0].rm_eo = (regoff_t)n;
	if (regexec(re, line, 1, m, REG_STARTEND) != 0 || m[0].rm_so < 0 || m[0].rm_eo < m[0].rm_so)
		return false;
	*s = (size_t)m[0].rm_so;
	*e = (size_t)m[0].rm_eo > n ? n : (size_t)m[0].rm_eo;
	return *s <= *e;
}

static void fill(size_t from, size_t to, enum hl_token t)
{
	if (to > from)
		memset(paint + from, (int)t, to - from);
}

/* A single-line rule over the whole line. */
static void paint_simple(const struct nanorc_rule *r, const char *line, size_t n)
{
	size_t pos = 0, s, e;
	for (int calls = 0; pos <= n && calls < HL_CALLS_MAX; calls++) {
		if (!match(&r->start, line, n, pos, &s, &e))
			return;
		fill(s, e, r->token);
		pos = e > s ? e : s + 1;
	}
}

/* A start/end rule; open says the line begins inside its span. Returns
 * whether the span is still open at the end of the line. */
static bool paint_span(const struct nanorc_rule *r, const char *line, size_t n, bool open)
{
	size_t pos = 0, s, e, es, ee;
	int calls = 0;
	if (open) {
		calls++;
		if (!match(&r->end, line, n, 0, &es, &ee)) {
			fill(0, n, r->token);
			return true;
		}
		fill(0, ee, r->token);
		pos = ee;
	}
	while (pos <= n && calls < HL_CALLS_MAX) {
		calls += 2;
		if (!match(&r->start, line, n, pos, &s, &e))
			return false;
		if (e == s) { /* an empty start would open every line */
			pos = s + 1;
			continue;
		}
		if (!match(&r->end, line, n, e, &es, &ee)) {
			fill(s, n, r->token);
			return true;
		}
		fill(s, ee, r->token);
		pos = ee > s ? ee : s + 1;
	}
	return false;
}

/* A change of token inside a UTF-8 character moves to the character's
 * start, so no span splits one. */
static void snap_to_chars(const char *line, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (paint[i] != paint[i - 1] && ((unsigned char)line[i] & 0xC0) == 0x80)
			paint[i] = paint[i - 1];
}

/* Runs of painted bytes as spans, at most max. */
static size_t collect(size_t n, struct hl_span *out, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		if (paint[i] == HL_NONE) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < n && paint[j] == paint[i])
			j++;
		out[k++] = (struct hl_span){i, j - i, (enum hl_token)paint[i]};
		i = j;
	}
	return k;
}

size_t hl_line(const struct hl_lang *lang, struct hl_state *s, const char *line, size_t len,
               struct hl_span *out, size_t max)
{
	if (lang == NULL || lang->src == NULL || !lang->src->ok) {
		s->open = -1;
		return 0;
	}
	const struct nanorc_syntax *syn = &lang->src->syn;
	size_t n = len > HL_LINE_MAX ? HL_LINE_MAX : len;
	if (paint_cap < n + 1) {
		paint_cap = n + 1;
		paint = xrealloc(paint, paint_cap);
		text = xrealloc(text, paint_cap);
	}
	memset(paint, HL_NONE, n + 1);
	memcpy(text, line, n);
	text[n] = '\0';
	line = text;
	int open_in = s->open >= 0 && (size_t)s->open < syn->n && syn->rules[s->open].multi
	                  ? s->open
	                  : -1;
	int open_out = -1;
	for (size_t i = 0; i < syn->n; i++) {
		const struct nanorc_rule *r = &syn->rules[i];
		if (!r->multi)
			paint_simple(r, line, n);
		else if (paint_span(r, line, n, open_in == (int)i))
			open_out = (int)i; /* the last one painted shows */
	}
	s->open = open_out;
	snap_to_chars(line, n);
	return collect(n, out, max);
}

void hl_reset(void)
{
	for (size_t i = 0; i < nfiles; i++)
		nanorc_free(&files[i].syn);
	nfiles = 0;
	for (size_t k = 0; k < NLANGS; k++)
		langs[k].src = NULL;
	free(paint);
	free(text);
	paint = NULL;
	text = NULL;
	paint_cap = 0;
}
