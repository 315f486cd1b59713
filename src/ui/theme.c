/* SPDX-License-Identifier: GPL-3.0-or-later */
/* theme: semantic screen elements, their colours and attributes, theme files. */
#include "ui/theme.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

/* A theme file larger than this is not a theme file. */
#define THEME_FILE_MAX (64 * 1024)
/* inherit chains longer than this are a mistake (or a cycle). */
#define THEME_INHERIT_DEPTH 8
#define THEME_NAME_MAX      64

struct element_def {
	const char *name;
	const char *def;  /* built-in default style, theme-file syntax */
	const char *mono; /* built-in monochrome style */
};

static const struct element_def elements[THEME_COUNT] = {
#define THEME_X_DEF(id, name, def, mono) [THEME_##id] = {name, def, mono},
	THEME_ELEMENTS(THEME_X_DEF)
#undef THEME_X_DEF
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{"bold", THEME_BOLD},       {"dim", THEME_DIM},         {"underline", THEME_UNDERLINE},
	{"reverse", THEME_REVERSE}, {"italic", THEME_ITALIC},
};

const char *theme_element_name(enum theme_element e)
{
	if ((int)e < 0 || e >= THEME_COUNT)
		return NULL;
	return elements[e].name;
}

/* True when the n bytes at p are word, ignoring case. */
static bool word_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

int theme_element_find(const char *name, size_t n)
{
	for (int i = 0; i < THEME_COUNT; i++) {
		if (word_is(name, n, elements[i].name))
			return i;
	}
	return -1;
}

/* ---- parsing (pure: text in, styles and messages out) -------------------- */

/* Where messages go while one file is read, and how an inherit line finds
 * its theme (dirs NULL: built-in themes only). */
struct parse_ctx {
	const char *filename;
	unsigned line;
	struct buf *errors;
	int count; /* messages added */
	const char *const *dirs;
	size_t ndirs;
	int depth;                                  /* inherit nesting of this file */
	const char *chain[THEME_INHERIT_DEPTH + 1]; /* names being loaded, outermost first */
};

/* Appends the n bytes at p for a message: printable ASCII as is, anything
 * else as \xHH (file bytes never reach the terminal raw), at most max bytes
 * of input, then "...". */
static void put_escaped(struct buf *b, const char *p, size_t n, size_t max)
{
	size_t i;
	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f)
			buf_append_char(b, (char)c);
		else
			buf_printf(b, "\\x%02x", c);
	}
	if (i < n)
		buf_append_str(b, "...");
}

/* The n bytes at p, escaped and quoted, as a C string in out. */
static const char *quoted(char *out, size_t cap, const char *p, size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append_char(&b, '\'');
	put_escaped(&b, p, n, 40);
	buf_append_char(&b, '\'');
	snprintf(out, cap, "%s", buf_str(&b));
	buf_done(&b);
	return out;
}
#define QUOTED_MAX 200

/* One message "FILE:LINE: what\n". */
static void fail(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parse_ctx *c, const char *fmt, ...)
{
	c->count++;
	if (c->errors == NULL)
		return;
	struct buf msg;
	buf_init(&msg, 0);
	put_escaped(&msg, c->filename, strlen(c->filename), 256);
	buf_printf(&msg, ":%u: ", c->line);
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	buf_append_str(&msg, text);
	buf_append_char(&msg, '\n');
	buf_append(c->errors, msg.data, msg.len);
	buf_done(&msg);
}

enum color_result { CR_OK, CR_UNKNOWN, CR_RANGE };

static enum color_result parse_color(const char *p, size_t n, short *out)
{
	if (n > 0 && p[0] >= '0' && p[0] <= '9') {
		unsigned v = 0;
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return CR_UNKNOWN;
			if (v < 1000)
				v = v * 10 + (unsigned)(p[i] - '0');
		}
		if (v > 255)
			return CR_RANGE;
		*out = (short)v;
		return CR_OK;
	}
	if (word_is(p, n, "default")) {
		*out = THEME_COLOR_DEFAULT;
		return CR_OK;
	}
	bool bright = n > 6 && strncasecmp(p, "bright", 6) == 0;
	if (bright) {
		p += 6;
		n -= 6;
	}
	for (int i = 0; i < 8; i++) {
		if (word_is(p, n, color_names[i])) {
			*out = (short)(bright ? i + 8 : i);
			return CR_OK;
		}
	}
	return CR_UNKNOWN;
}

static bool parse_attr(const char *p, size_t n, unsigned *attrs)
{
	for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
		if (word_is(p, n, attr_names[i].name)) {
			*attrs |= attr_names[i].bit;
			return true;
		}
	}
	return false;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* The next whitespace-separated token of [*p, end): its start and length,
 * false when none is left. */
static bool next_token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;
	while (s < end && is_space(*s))
		s++;
	if (s == end)
		return false;
	const char *e = s;
	while (e < end && !is_space(*e))
		e++;
	*tok = s;
	*len = (size_t)(e - s);
	*p = e;
	return true;
}

/* "FG [BG] [ATTR...]" in [p, end) into *st; on error one message, false. */
static bool parse_style(struct parse_ctx *c, const char *p, const char *end,
                        struct theme_style *st)
{
	char q[QUOTED_MAX];
	const char *tok;
	size_t len;
	struct theme_style s = {THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0};

	if (!next_token(&p, end, &tok, &len)) {
		fail(c, "missing colour after '=' (expected: ELEMENT = FG [BG] [ATTR...])");
		return false;
	}
	switch (parse_color(tok, len, &s.fg)) {
	case CR_OK: break;
	case CR_RANGE:
		fail(c, "colour %s out of range (0-255)", quoted(q, sizeof q, tok, len));
		return false;
	case CR_UNKNOWN:
		fail(c, "unknown colour %s (default, black, red, green, yellow, blue, magenta, "
		        "cyan, white, bright..., or 0-255)",
		     quoted(q, sizeof q, tok, len));
		return false;
	}
	bool first = true;
	while (next_token(&p, end, &tok, &len)) {
		if (first) {
			first = false;
			enum color_result r = parse_color(tok, len, &s.bg);
			if (r == CR_OK)
				continue;
			if (r == CR_RANGE) {
				fail(c, "colour %s out of range (0-255)",
				     quoted(q, sizeof q, tok, len));
				return false;
			}
			if (!parse_attr(tok, len, &s.attrs)) {
				fail(c, "unknown colour or attribute %s",
				     quoted(q, sizeof q, tok, len));
				return false;
			}
			continue;
		}
		if (!parse_attr(tok, len, &s.attrs)) {
			fail(c, "unknown attribute %s (bold, dim, underline, reverse, italic)",
			     quoted(q, sizeof q, tok, len));
			return false;
		}
	}
	*st = s;
	return true;
}

static void builtin_styles(struct theme *t, bool mono)
{
	struct parse_ctx c = {.filename = "(built-in)", .line = 1};
	for (int i = 0; i < THEME_COUNT; i++) {
		const char *spec = mono ? elements[i].mono : elements[i].def;
		bool ok = parse_style(&c, spec, spec + strlen(spec), &t->style[i]);
		assert(ok && "THEME_ELEMENTS holds a bad style");
		(void)ok;
	}
}

void theme_default(struct theme *t)
{
	builtin_styles(t, false);
}

void theme_mono(struct theme *t)
{
	builtin_styles(t, true);
}

/* The built-in theme called name; false when there is none. */
static bool builtin_theme(struct theme *t, const char *name)
{
	if (strcmp(name, "default") == 0) {
		theme_default(t);
		return true;
	}
	if (strcmp(name, "mono") == 0) {
		theme_mono(t);
		return true;
	}
	return false;
}

/* Theme names become file names: letters, digits, '.', '-', '_', not
 * starting with '.', so a name never leaves its directory. */
static bool name_valid(const char *p, size_t n)
{
	if (n == 0 || n > THEME_NAME_MAX || p[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
		if (!ok)
			return false;
	}
	return true;
}

static void search_list(struct buf *b, const char *name, const struct parse_ctx *c)
{
	bool any = false;
	for (size_t i = 0; i < c->ndirs; i++) {
		if (c->dirs[i] == NULL || c->dirs[i][0] == '\0')
			continue;
		buf_append_str(b, any ? ", " : "");
		put_escaped(b, c->dirs[i], strlen(c->dirs[i]), 256);
		buf_printf(b, "/%s.theme", name);
		any = true;
	}
	if (!any)
		buf_append_str(b, "no theme directories");
}

static int load_named(struct theme *t, const char *name, struct parse_ctx *parent,
                      struct buf *errors, bool *found);

/* "inherit = NAME": *t becomes that theme. */
static void parse_inherit(struct parse_ctx *c, const char *p, const char *end, struct theme *t)
{
	char q[QUOTED_MAX];
	const char *tok, *extra;
	size_t len, extra_len;
	if (!next_token(&p, end, &tok, &len)) {
		fail(c, "missing theme name after 'inherit ='");
		return;
	}
	if (next_token(&p, end, &extra, &extra_len)) {
		fail(c, "inherit takes one theme name, not %s",
		     quoted(q, sizeof q, extra, extra_len));
		return;
	}
	if (!name_valid(tok, len)) {
		fail(c, "invalid theme name %s (letters, digits, '.', '-', '_')",
		     quoted(q, sizeof q, tok, len));
		return;
	}
	char name[THEME_NAME_MAX + 1];
	memcpy(name, tok, len);
	name[len] = '\0';

	bool in_chain = false;
	for (int i = 0; i <= c->depth; i++) {
		if (c->chain[i] != NULL && strcmp(c->chain[i], name) == 0)
			in_chain = true;
	}
	struct theme parent = *t;
	if (c->dirs == NULL || in_chain) {
		/* Without directories, or when a user's default.theme says
		 * "inherit = default": only the built-in theme can be meant. */
		if (!builtin_theme(&parent, name)) {
			if (in_chain)
				fail(c, "inherit cycle through theme '%s'", name);
			else
				fail(c, "unknown theme '%s' (built in: default, mono)", name);
			return;
		}
		*t = parent;
		return;
	}
	if (c->depth + 1 >= THEME_INHERIT_DEPTH) {
		fail(c, "inherit '%s': more than %d themes deep", name, THEME_INHERIT_DEPTH);
		return;
	}
	bool found;
	theme_default(&parent);
	c->count += load_named(&parent, name, c, c->errors, &found);
	if (!found) {
		struct buf where;
		buf_init(&where, 0);
		search_list(&where, name, c);
		fail(c, "unknown theme '%s' (searched: %s)", name, buf_str(&where));
		buf_done(&where);
		return;
	}
	*t = parent;
}

/* One line, comment and CR already cut: [p, end). */
static void parse_line(struct parse_ctx *c, const char *p, const char *end, struct theme *t,
                       bool *seen_element)
{
	char q[QUOTED_MAX];
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (p == end)
		return;
	const char *eq = memchr(p, '=', (size_t)(end - p));
	if (eq == NULL) {
		fail(c, "missing '=' (expected: ELEMENT = FG [BG] [ATTR...])");
		return;
	}
	const char *key_end = eq;
	while (key_end > p && is_space(key_end[-1]))
		key_end--;
	size_t key_len = (size_t)(key_end - p);
	if (key_len == 0) {
		fail(c, "missing element name before '='");
		return;
	}
	if (word_is(p, key_len, "inherit")) {
		if (*seen_element) {
			fail(c, "inherit must come before the first element");
			return;
		}
		parse_inherit(c, eq + 1, end, t);
		return;
	}
	int e = theme_element_find(p, key_len);
	if (e < 0) {
		fail(c, "unknown element %s", quoted(q, sizeof q, p, key_len));
		return;
	}
	*seen_element = true;
	struct theme_style st;
	if (parse_style(c, eq + 1, end, &st))
		t->style[e] = st;
}

static int parse_text(struct parse_ctx *c, struct theme *t, const char *text, size_t n)
{
	const char *p = text, *end = text + n;
	bool seen_element = false;
	c->line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl != NULL ? nl : end;
		c->line++;
		const char *hash = memchr(p, '#', (size_t)(line_end - p));
		parse_line(c, p, hash != NULL ? hash : line_end, t, &seen_element);
		p = nl != NULL ? nl + 1 : end;
	}
	return c->count;
}

int theme_parse(struct theme *t, const char *text, size_t n, const char *filename,
                struct buf *errors)
{
	struct parse_ctx c = {.filename = filename != NULL ? filename : "(theme)",
	                      .errors = errors};
	return parse_text(&c, t, text, n);
}

/* ---- files --------------------------------------------------------------- */

/* "PATH: what\n" into errors (NULL: nowhere); -1, for the caller to return. */
static int file_error(struct buf *errors, const char *path, const char *what)
{
	if (errors != NULL) {
		put_escaped(errors, path, strlen(path), 256);
		buf_printf(errors, ": %s\n", what);
	}
	return -1;
}

/* Reads path into out (capped). 0; 1 when it does not exist; -1 on another
 * error, with a message in errors. Only a regular file is read: a FIFO
 * would block the start-up, a device could be endless. */
static int read_theme_file(const char *path, struct buf *out, struct buf *errors)
{
	/* O_NONBLOCK: opening a FIFO with no writer must not hang; it is
	 * refused below, as anything but a regular file is. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return file_error(errors, path, strerror(errno));
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return file_error(errors, path, "not a regular file, not a theme");
	}
	FILE *f = fdopen(fd, "rb");
	if (f == NULL) {
		int err = errno;
		close(fd);
		return file_error(errors, path, strerror(err));
	}
	char chunk[4096];
	size_t got;
	int rc = 0;
	while (rc == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_append(out, chunk, got) < 0) {
			char what[64];
			snprintf(what, sizeof what, "larger than %d bytes, not a theme", THEME_FILE_MAX);
			rc = file_error(errors, path, what);
		}
	}
	if (rc == 0 && ferror(f))
		rc = file_error(errors, path, strerror(errno));
	fclose(f);
	return rc;
}

/* Loads theme name (valid) from the first dir holding it into *t, which the
 * caller set to its starting values; falls back to a built-in theme of that
 * name. *found: whether there was either. Returns the messages added; when
 * nothing is found, none (the caller says what was searched). */
static int load_named(struct theme *t, const char *name, struct parse_ctx *parent,
                      struct buf *errors, bool *found)
{
	*found = false;
	struct buf path, text;
	buf_init(&path, 0);
	buf_init(&text, THEME_FILE_MAX);
	int count = 0;
	for (size_t i = 0; i < parent->ndirs; i++) {
		const char *dir = parent->dirs[i];
		if (dir == NULL || dir[0] == '\0')
			continue;
		buf_reset(&path);
		buf_reset(&text);
		buf_printf(&path, "%s/%s.theme", dir, name);
		int rc = read_theme_file(buf_str(&path), &text, errors);
		if (rc > 0)
			continue;
		*found = true;
		if (rc < 0) {
			count = 1; /* a broken file: the default theme stays */
			break;
		}
		struct parse_ctx c = {.filename = buf_str(&path),
		                      .errors = errors,
		                      .dirs = parent->dirs,
		                      .ndirs = parent->ndirs,
		                      .depth = parent->depth + 1};
		for (int d = 0; d <= parent->depth; d++)
			c.chain[d] = parent->chain[d];
		c.chain[c.depth] = name;
		count = parse_text(&c, t, text.data != NULL ? text.data : "", text.len);
		break;
	}
	if (!*found)
		*found = builtin_theme(t, name);
	buf_done(&path);
	buf_done(&text);
	return count;
}

int theme_load(struct theme *t, const char *name, const char *const *dirs, size_t ndirs,
               struct buf *errors)
{
	theme_default(t);
	struct parse_ctx top = {.filename = "(theme)",
	                        .errors = errors,
	                        .dirs = dirs,
	                        .ndirs = dirs != NULL ? ndirs : 0,
	                        .depth = -1};
	if (name == NULL || !name_valid(name, strlen(name))) {
		if (errors != NULL) {
			buf_append_str(errors, "invalid theme name '");
			if (name != NULL)
				put_escaped(errors, name, strlen(name), 40);
			buf_append_str(errors, "' (letters, digits, '.', '-', '_')\n");
		}
		return 1;
	}
	bool found;
	int count = load_named(t, name, &top, errors, &found);
	if (!found) {
		theme_default(t);
		if (errors != NULL) {
			buf_printf(errors, "theme '%s' not found (searched: ", name);
			search_list(errors, name, &top);
			buf_append_str(errors, ")\n"); /* what follows is the caller's to say */
		}
		return 1;
	}
	return count;
}

/* ---- colour fallback (pure) ---------------------------------------------- */

/* xterm's RGB values of the 16 basic colours. */
static const unsigned char basic_rgb[16][3] = {
	{0, 0, 0},     {205, 0, 0},   {0, 205, 0},   {205, 205, 0},   /* black red green yellow */
	{0, 0, 238},   {205, 0, 205}, {0, 205, 205}, {229, 229, 229}, /* blue magenta cyan white */
	{127, 127, 127}, {255, 0, 0}, {0, 255, 0},   {255, 255, 0},   /* bright ... */
	{92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
};

static void rgb_of(int c, int rgb[3])
{
	if (c < 16) {
		for (int i = 0; i < 3; i++)
			rgb[i] = basic_rgb[c][i];
	} else if (c < 232) {
		static const int level[6] = {0, 95, 135, 175, 215, 255};
		int v = c - 16;
		rgb[0] = level[v / 36];
		rgb[1] = level[(v / 6) % 6];
		rgb[2] = level[v % 6];
	} else {
		int g = 8 + 10 * (c - 232);
		rgb[0] = rgb[1] = rgb[2] = g;
	}
}

static int nearest_basic(int c, int n)
{
	int rgb[3], best = 0;
	long best_d = -1;
	rgb_of(c, rgb);
	for (int i = 0; i < n; i++) {
		long d = 0;
		for (int k = 0; k < 3; k++) {
			long diff = rgb[k] - basic_rgb[i][k];
			d += diff * diff;
		}
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

int theme_fallback_color(int c, int ncolors)
{
	if (c < 0 || c > 255)
		return THEME_COLOR_DEFAULT;
	if (ncolors >= 256)
		return c;
	if (ncolors >= 16)
		return c < 16 ? c : nearest_basic(c, 16);
	if (ncolors >= 8) {
		if (c < 16)
			return c & 7;
		return nearest_basic(c, 8);
	}
	return THEME_COLOR_DEFAULT;
}

/* ---- curses -------------------------------------------------------------- */

static attr_t applied_attr[THEME_COUNT];
static short applied_pair[THEME_COUNT];

static attr_t curses_attrs(unsigned a)
{
	attr_t r = A_NORMAL;
	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
#ifdef A_ITALIC
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

void theme_apply(const struct theme *t)
{
	bool colour = has_colors();
	bool defaults = colour && use_default_colors() == OK;
	struct theme mono;
	theme_mono(&mono);
	for (int i = 0; i < THEME_COUNT; i++) {
		const struct theme_style *s = &t->style[i];
		applied_attr[i] = curses_attrs(s->attrs);
		applied_pair[i] = 0;
		bool plain = s->fg == THEME_COLOR_DEFAULT && s->bg == THEME_COLOR_DEFAULT;
		if (plain)
			continue;
		if (!colour) {
			/* A style that relied on colour (a green badge with no
			 * attribute) would vanish: take the mono one instead. */
			applied_attr[i] = curses_attrs(mono.style[i].attrs);
			continue;
		}
		if (i + 1 >= COLOR_PAIRS)
			continue;
		int fg = theme_fallback_color(s->fg, COLORS);
		int bg = theme_fallback_color(s->bg, COLORS);
		/* Eight colours: a bright foreground is its base colour in bold,
		 * which is how such terminals show bright text. */
		if (COLORS < 16 && s->fg >= 8 && s->fg < 16)
			applied_attr[i] |= A_BOLD;
		if (!defaults) {
			if (fg < 0)
				fg = COLOR_WHITE;
			if (bg < 0)
				bg = COLOR_BLACK;
		}
		if (init_pair((short)(i + 1), (short)fg, (short)bg) == OK)
			applied_pair[i] = (short)(i + 1);
	}
}

attr_t theme_attr(enum theme_element e)
{
	assert((int)e >= 0 && e < THEME_COUNT);
	return applied_attr[e] | (attr_t)COLOR_PAIR(applied_pair[e]);
}

short theme_pair(enum theme_element e)
{
	assert((int)e >= 0 && e < THEME_COUNT);
	return applied_pair[e];
}
