/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nanorc: nano's syntax files read into regexes tagged with kinds of token. */
#include "ui/nanorc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define SKIP (-1)
#define SECTION_MAX 512

/* Words of a rule's comment section, tried in this order (first hit wins):
 * "Types and related keywords" is a type, "Preprocessor directives" is not
 * a keyword, "Strings and names of included files" is a string. */
static const struct {
	const char *word;
	int token;
} words[] = {
	{"trailing", SKIP},          {"reminder", SKIP},          {"marker", SKIP},
	{"mistake", SKIP},           {"line break", SKIP},        {"comment", HL_COMMENT},
	{"escape", HL_STRING},       {"string", HL_STRING},       {"quoted", HL_STRING},
	{"character", HL_STRING},    {"regular expression", HL_STRING},
	{"preproc", HL_PREPROC},     {"attribute", HL_PREPROC},   {"decorator", HL_PREPROC},
	{"macro", HL_PREPROC},       {"shebang", HL_PREPROC},     {"builtin", HL_PREPROC},
	{"label", HL_PREPROC},       {"marking", HL_PREPROC},     {"number", HL_NUMBER},
	{"numeric", HL_NUMBER},      {"constant", HL_NUMBER},     {"literal", HL_NUMBER},
	{"boolean", HL_NUMBER},      {"value", HL_NUMBER},        {"type", HL_TYPE},
	{"trait", HL_TYPE},          {"variable", HL_TYPE},       {"keyword", HL_KEYWORD},
	{"reserved", HL_KEYWORD},    {"flow", HL_KEYWORD},        {"control", HL_KEYWORD},
	{"declar", HL_KEYWORD},      {"exit", HL_KEYWORD},        {"directive", HL_KEYWORD},
	{"operator", HL_KEYWORD},    {"statement", HL_KEYWORD},   {"structure", HL_KEYWORD},
	{"symbol", HL_NUMBER},       {"function", HL_FUNCTION},   {"command", HL_FUNCTION},
	{"predefined", HL_FUNCTION},
};

/* Files whose sections say what is on the screen, not what it is. */
static const struct {
	const char *file, *word;
	int token;
} overrides[] = {
	{"patch.nanorc", "added", HL_ADDED},
	{"patch.nanorc", "deleted", HL_REMOVED},
	{"patch.nanorc", "context", HL_NONE},
	{"patch.nanorc", "header", HL_PREPROC},
	{"patch.nanorc", "file names", HL_PREPROC},
	{"patch.nanorc", "line numbers", HL_FUNCTION},
	{"patch.nanorc", "statistics", HL_COMMENT},
	{"markdown.nanorc", "quoted", HL_COMMENT},
	{"markdown.nanorc", "list-item", HL_KEYWORD},
	{"markdown.nanorc", "emphasis", HL_TYPE},
	{"markdown.nanorc", "strikethrough", HL_COMMENT},
	{"markdown.nanorc", "url", HL_FUNCTION},
	{"markdown.nanorc", "code", HL_STRING},
	{"markdown.nanorc", "heading", HL_KEYWORD},
	{"markdown.nanorc", "html", HL_PREPROC},
	{"css.nanorc", "everything red", HL_TYPE},
	{"css.nanorc", "between braces", HL_NONE},
	{"css.nanorc", "after a colon", HL_STRING},
	{"css.nanorc", "pseudo", HL_KEYWORD},
	{"css.nanorc", "syntactic", HL_NONE},
	{"html.nanorc", "tags", HL_KEYWORD},
	{"html.nanorc", "bold", HL_KEYWORD},
	{"html.nanorc", "character ref", HL_NUMBER},
	{"html.nanorc", "attributes", HL_TYPE},
	{"xml.nanorc", "entire content", HL_NONE},
	{"xml.nanorc", "angled", HL_KEYWORD},
	{"xml.nanorc", "prolog", HL_PREPROC},
	{"xml.nanorc", "entities", HL_NUMBER},
	{"yaml.nanorc", "keys", HL_KEYWORD},
	{"yaml.nanorc", "anchors", HL_TYPE},
	{"yaml.nanorc", "symbols", HL_PREPROC},
	{"yaml.nanorc", "tags", HL_TYPE},
	{"json.nanorc", "names", HL_KEYWORD},
	{"json.nanorc", "brackets", SKIP},
	{"sh.nanorc", "options", SKIP},
	{"ruby.nanorc", "substitution", SKIP},
	{"ruby.nanorc", "unique things", HL_PREPROC},
	{"ruby.nanorc", "backticks", HL_STRING},
	{"c.nanorc", "single-quoted", HL_STRING},
};

/* lower-cased copy of s into buf (n > 0). */
static void lower(const char *s, char *buf, size_t n)
{
	size_t i = 0;
	for (; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
}

/* The kind from the regex alone, for rules without a telling comment (java's
 * file has none): comments, quotes, word lists, numbers. */
static int classify_regex(const char *re)
{
	if (strstr(re, "//.*") != NULL || strstr(re, "#.*") != NULL || strcmp(re, "/\\*") == 0 ||
	    strcmp(re, "/\\*\\*") == 0 || strcmp(re, "<!--") == 0)
		return HL_COMMENT;
	if (re[0] == '"' || re[0] == '\'')
		return HL_STRING;
	if (strncmp(re, "\\<(", 3) == 0) {
		if (strstr(re, "true") != NULL || strstr(re, "null") != NULL || strstr(re, "nil") != NULL)
			return HL_NUMBER;
		if (isalpha((unsigned char)re[3]))
			return HL_KEYWORD;
		return strstr(re, "[0-9]") != NULL ? HL_NUMBER : SKIP;
	}
	return SKIP;
}

int nanorc_classify(const char *file, const char *section, const char *colour, const char *regex)
{
	char sec[SECTION_MAX];
	if (colour[0] == ',')
		return SKIP; /* a background only: whitespace, mistakes */
	if (strcmp(colour, "normal") == 0)
		return HL_NONE;
	lower(section, sec, sizeof sec);
	for (size_t i = 0; i < sizeof overrides / sizeof overrides[0]; i++)
		if (strcmp(file, overrides[i].file) == 0 && strstr(sec, overrides[i].word) != NULL)
			return overrides[i].token;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(sec, words[i].word) != NULL)
			return words[i].token;
	return classify_regex(regex);
}

/* One quoted regex at *p (p at the opening quote): nano's rule, a string
 * ends at a quote followed by a blank or the end of the line, so quotes
 * inside need no escape. Returns a new string and moves *p past it, or
 * NULL. */
static char *quoted(const char **p)
{
	const char *s = *p;
	if (*s != '"')
		return NULL;
	const char *q = s + 1;
	while (*q != '\0' && (*q != '"' || (q[1] != '\0' && !isspace((unsigned char)q[1]))))
		q++;
	if (*q != '"')
		return NULL;
	*p = q + 1;
	return xstrndup(s + 1, (size_t)(q - s - 1));
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static struct nanorc_rule *push(struct nanorc_syntax *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->rules = xrealloc(s->rules, s->cap * sizeof *s->rules);
	}
	struct nanorc_rule *r = &s->rules[s->n];
	memset(r, 0, sizeof *r);
	return r;
}

/* Compiles one rule (end NULL for a single-line one) and keeps it when both
 * regexes compile. */
static void add_rule(struct nanorc_syntax *s, const char *start, const char *end, int flags,
                     int token)
{
	struct nanorc_rule *r = push(s);
	if (regcomp(&r->start, start, flags) != 0)
		return;
	if (end != NULL && regcomp(&r->end, end, flags) != 0) {
		regfree(&r->start);
		return;
	}
	r->multi = end != NULL;
	r->token = (enum hl_token)token;
	s->n++;
}

/* The regexes of one "color"/"icolor" line after its colour spec: one or
 * more "re" or start="re" end="re". */
static void parse_regexes(struct nanorc_syntax *s, const char *file, const char *section,
                          const char *colour, const char *p, int flags)
{
	for (;;) {
		skip_blanks(&p);
		char *start = NULL, *end = NULL;
		if (strncmp(p, "start=", 6) == 0) {
			p += 6;
			start = quoted(&p);
			skip_blanks(&p);
			if (start != NULL && strncmp(p, "end=", 4) == 0) {
				p += 4;
				end = quoted(&p);
			}
			if (end == NULL) {
				free(start);
				return;
			}
		} else {
			start = quoted(&p);
			if (start == NULL)
				return;
		}
		int token = nanorc_classify(file, section, colour, start);
		if (token != SKIP)
			add_rule(s, start, end, flags, token);
		free(start);
		free(end);
	}
}

/* One "color"/"icolor" line (p after the keyword). */
static void parse_color(struct nanorc_syntax *s, const char *file, const char *section,
                        const char *p, bool icase)
{
	char colour[64];
	size_t n = 0;
	skip_blanks(&p);
	while (*p != '\0' && !isspace((unsigned char)*p) && n + 1 < sizeof colour)
		colour[n++] = (char)tolower((unsigned char)*p++);
	colour[n] = '\0';
	parse_regexes(s, file, section, colour, p, REG_EXTENDED | (icase ? REG_ICASE : 0));
}

/* Appends a comment line's text to the section; a comment after a rule
 * starts a new section. */
static void add_comment(char *section, bool *fresh, const char *text)
{
	if (*fresh) {
		section[0] = '\0';
		*fresh = false;
	}
	size_t have = strlen(section);
	snprintf(section + have, SECTION_MAX - have, "%s%s", have ? " " : "", text);
}

/* Handles one line of the file; returns false at a second "syntax". */
static bool parse_line(struct nanorc_syntax *s, const char *file, char *section, bool *fresh,
                       int *syntaxes, char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	const char *p = line;
	skip_blanks(&p);
	if (strncmp(p, "syntax", 6) == 0 && isspace((unsigned char)p[6]))
		return ++*syntaxes < 2;
	if (*syntaxes == 0)
		return true;
	if (p[0] == '#') {
		if (p[1] != '#') /* "##" opens the file: not a section */
			add_comment(section, fresh, p + 1);
		return true;
	}
	if (p[0] == '\0')
		return true;
	*fresh = true; /* a comment after any other line starts a new section */
	bool icase = strncmp(p, "icolor", 6) == 0 && isspace((unsigned char)p[6]);
	if (icase || (strncmp(p, "color", 5) == 0 && isspace((unsigned char)p[5])))
		parse_color(s, file, section, p + (icase ? 6 : 5), icase);
	return true;
}

int nanorc_load(const char *path, struct nanorc_syntax *out)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	const char *slash = strrchr(path, '/');
	const char *file = slash != NULL ? slash + 1 : path;
	char section[SECTION_MAX] = "";
	bool fresh = false;
	int syntaxes = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) >= 0)
		if (!parse_line(out, file, section, &fresh, &syntaxes, line))
			break;
	free(line);
	fclose(f);
	return 0;
}

void nanorc_free(struct nanorc_syntax *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		regfree(&s->rules[i].start);
		if (s->rules[i].multi)
			regfree(&s->rules[i].end);
	}
	free(s->rules);
	memset(s, 0, sizeof *s);
}
