/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config: the user's INI file, read with inih; every complaint names FILE:LINE.
 * This file reads it (the reader, the sections, the messages) and holds the
 * API; the keys are set in config_top.c, config_provider.c, config_price.c. */
#include "model/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/config_parse.h"
#include "util/paths.h"
#include "util/mem.h"
#include "util/sanitize.h"

#define CONFIG_FILE_MAX ((size_t)1 << 20) /* a config file past this is not read */

/*
 * How the line numbers come about. Debian's inih is built without
 * INI_HANDLER_LINENO, so the handler is not told its line. Instead inih
 * reads through reader() below, which hands it exactly one physical line
 * per call and counts them; inih calls the handler for a line before it
 * asks for the next one, so st->line is the handler's line.
 *
 * The reader also does what inih would otherwise do badly:
 *  - it strips leading blanks, so an indented line is never taken for a
 *    continuation of the previous value (inih's multi-line values);
 *  - it reports each line inih would reject (no '=' or ':', a '[' without
 *    ']', too long for inih's buffer, a NUL byte) and gives inih an empty
 *    line instead, so inih's "first error line" is never needed;
 *  - it reads the section headers itself, so an unknown section is reported
 *    once, at its header, and its keys are skipped quietly.
 * inih still splits "name = value", trims both and strips comments.
 */

/* ---- messages ---------------------------------------------------------- */

/* Appends s to b for a message: through sanitize (no control byte reaches a
 * terminal), with newline and tab as their Control Pictures so that one
 * warning stays one line. */
static void quote(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n' && s[i] != '\t')
			continue;
		sanitize_append(b, s + start, i - start);
		if (i < n)
			buf_append_str(b, s[i] == '\n' ? "\xE2\x90\xA4" : "\xE2\x90\x89");
		start = i + 1;
	}
}

/* s quoted for the message being built; valid until two more calls. */
const char *config_q(struct config_parser *st, const char *s)
{
	struct buf *b = &st->q[st->qi];
	st->qi = (st->qi + 1) % 3;
	buf_reset(b);
	quote(b, s, strlen(s));
	return buf_str(b);
}

/* One warning line, "FILE:LINE: message\n" ("FILE: message\n" for line 0),
 * appended whole or not at all. Arguments from the file go through config_q(). */
void config_warn(struct config_parser *st, int line, const char *fmt, ...)
{
	st->nwarn++;
	if (st->warnings == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *msg = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);

	struct buf b;
	buf_init(&b, 0);
	if (line > 0)
		buf_printf(&b, "%s:%d: %s\n", st->qfile, line, msg);
	else
		buf_printf(&b, "%s: %s\n", st->qfile, msg);
	buf_append(st->warnings, b.data, b.len);
	buf_done(&b);
	free(msg);
}

/* ---- sections ------------------------------------------------------------------ */

/* inih's find_chars_or_comment: the first of chars, or where an inline
 * comment starts (';' after a blank), or e. */
static const char *find_or_comment(const char *s, const char *e, const char *chars)
{
	bool was_space = false;
	for (; s < e; s++) {
		if (strchr(chars, *s) != NULL)
			return s;
		if (was_space && *s == ';')
			return s;
		was_space = isspace((unsigned char)*s) != 0;
	}
	return e;
}

/* A "[...]" line from s to e: sets st->sec. False if inih must not see it. */
static bool section_line(struct config_parser *st, const char *s, const char *e)
{
	const char *close = find_or_comment(s + 1, e, "]");
	if (close == e || *close != ']') {
		st->sec = CONFIG_SEC_SKIP;
		config_warn(st, st->line, "section header without ']'; its keys are ignored");
		return false;
	}
	const char *ns = s + 1, *ne = close;
	while (ns < ne && isspace((unsigned char)*ns))
		ns++;
	while (ne > ns && isspace((unsigned char)ne[-1]))
		ne--;
	size_t n = (size_t)(ne - ns);
	char *name = xstrndup(ns, n);
	static const char prov[] = "provider.", price[] = "price.";
	if (n >= sizeof prov - 1 && memcmp(name, prov, sizeof prov - 1) == 0) {
		config_provider_section(st, name, name + sizeof prov - 1);
	} else if (n >= sizeof price - 1 && memcmp(name, price, sizeof price - 1) == 0) {
		config_price_section(st, name, name + sizeof price - 1);
	} else {
		st->sec = CONFIG_SEC_SKIP;
		config_warn(st, st->line,
		            "unknown section [%s] (there are [provider.NAME] and [price.MODEL]); "
		            "its keys are ignored",
		            config_q(st, name));
	}
	free(name);
	return true;
}

/* ---- the inih side ------------------------------------------------------------ */

/* inih's fgets: the next physical line, checked (see the top of the file). */
static char *reader(char *str, int num, void *stream)
{
	struct config_parser *st = stream;
	if (st->p >= st->end || num < 2)
		return NULL;
	const char *s = st->p;
	const char *nl = memchr(s, '\n', (size_t)(st->end - s));
	const char *e = nl != NULL ? nl : st->end;
	st->p = nl != NULL ? nl + 1 : st->end;
	st->line++;

	if (st->line == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* a UTF-8 byte order mark */
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	size_t len = (size_t)(e - s);
	size_t max = (size_t)num - 2; /* room for '\n' and NUL */

	if (memchr(s, '\0', len) != NULL) {
		if (*s == '[')
			st->sec = CONFIG_SEC_SKIP;
		config_warn(st, st->line, "a NUL byte; line ignored");
		len = 0;
	} else if (len > max) {
		if (*s == '[')
			st->sec = CONFIG_SEC_SKIP;
		config_warn(st, st->line, "line longer than %zu bytes; ignored", max);
		len = 0;
	} else if (len == 0 || *s == ';' || *s == '#') {
		/* blank or a comment */
	} else if (*s == '[') {
		if (!section_line(st, s, e))
			len = 0;
	} else {
		const char *sep = find_or_comment(s, e, "=:");
		if (sep == e || (*sep != '=' && *sep != ':')) {
			config_warn(
			    st, st->line,
			    "expected 'key = value', a [section] or a comment; line ignored");
			len = 0;
		}
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* A key before the first section: set, or a warning that says where it
 * belongs. */
static void top_level(struct config_parser *st, const char *name, const char *value)
{
	if (config_set_top(st, name, value))
		return;
	if (config_is_provider_key(name))
		config_warn(st, st->line,
		            "unknown key '%s' (it belongs in a [provider.NAME] section)",
		            config_q(st, name));
	else if (config_is_price_key(name))
		config_warn(st, st->line,
		            "unknown key '%s' (it belongs in a [price.MODEL] section)",
		            config_q(st, name));
	else
		config_warn(st, st->line, "unknown key '%s'", config_q(st, name));
}

#if INI_HANDLER_LINENO
static int handler(void *user, const char *section, const char *name, const char *value, int lineno)
#else
static int handler(void *user, const char *section, const char *name, const char *value)
#endif
{
	struct config_parser *st = user;
	(void)section; /* st->sec, from the reader, says where we are */
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	if (value == NULL)
		value = "";
	switch (st->sec) {
	case CONFIG_SEC_TOP: top_level(st, name, value); break;
	case CONFIG_SEC_PROVIDER: config_set_provider(st, name, value); break;
	case CONFIG_SEC_PRICE: config_set_price(st, name, value); break;
	case CONFIG_SEC_SKIP: break;
	}
	return 1;
}

static void parse_start(struct config_parser *st, struct config *c, const char *filename,
                        struct buf *warnings)
{
	memset(st, 0, sizeof *st);
	st->c = c;
	st->warnings = warnings;
	if (filename == NULL)
		filename = "config";
	struct buf b;
	buf_init(&b, 0);
	quote(&b, filename, strlen(filename));
	st->qfile = xstrdup(buf_str(&b));
	buf_done(&b);
	const char *slash = strrchr(filename, '/');
	if (slash != NULL)
		st->dir = xstrndup(filename, (size_t)(slash - filename) + 1);
	for (int i = 0; i < 3; i++)
		buf_init(&st->q[i], 0);
}

static int parse_end(struct config_parser *st)
{
	config_index_done(&st->providers);
	config_index_done(&st->prices);
	free(st->qfile);
	free(st->dir);
	for (int i = 0; i < 3; i++)
		buf_done(&st->q[i]);
	return st->nwarn;
}

static void parse_text(struct config_parser *st, const char *text, size_t n)
{
	st->p = text;
	st->end = text + n;
	st->sec = CONFIG_SEC_TOP;
	int r = ini_parse_stream(reader, st, handler, st);
	if (r != 0) /* the reader lets through no line inih rejects: not expected */
		config_warn(st, r > 0 ? r : 0, "inih could not read the file (%d)", r);

	struct config *c = st->c;
	if (c->breaker_open_ms > c->breaker_open_max_ms) {
		char a[32], b[32];
		int line = st->open_line > st->open_max_line ? st->open_line : st->open_max_line;
		const char *open = config_secs(b, c->breaker_open_ms);
		config_warn(
		    st, line,
		    "breaker_open_max (%s s) is shorter than breaker_open (%s s); using %s for "
		    "both",
		    config_secs(a, c->breaker_open_max_ms), open, open);
		c->breaker_open_max_ms = c->breaker_open_ms;
	}
}

/* ---- the API --------------------------------------------------------------------- */

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->history = true;
	c->clipboard = CONFIG_CLIPBOARD_OSC52;
	c->connect_timeout_ms = CONFIG_CONNECT_TIMEOUT_MS;
	c->first_byte_timeout_ms = CONFIG_FIRST_BYTE_TIMEOUT_MS;
	c->idle_timeout_ms = CONFIG_IDLE_TIMEOUT_MS;
	c->breaker_failures = CONFIG_BREAKER_FAILURES;
	c->breaker_open_ms = CONFIG_BREAKER_OPEN_MS;
	c->breaker_open_max_ms = CONFIG_BREAKER_OPEN_MAX_MS;
	c->max_retries = CONFIG_MAX_RETRIES;
}

void config_done(struct config *c)
{
	free(c->path);
	free(c->model);
	config_free_list(c->fallback, c->nfallback);
	free(c->theme);
	for (size_t i = 0; i < c->nproviders; i++)
		config_provider_done(&c->providers[i]);
	free(c->providers);
	for (size_t i = 0; i < c->nprices; i++)
		free(c->prices[i].model);
	free(c->prices);
	memset(c, 0, sizeof *c);
}

int config_parse(struct config *c, const char *text, size_t n, const char *filename,
                 struct buf *warnings)
{
	struct config_parser st;
	parse_start(&st, c, filename, warnings);
	parse_text(&st, text, n);
	return parse_end(&st);
}

int config_load(struct config *c, const char *path, bool explicit, struct buf *warnings)
{
	char def[4096];
	if (path == NULL) {
		path = config_default_path(def, sizeof def);
		if (path == NULL)
			return 0;
	}
	struct config_parser st;
	parse_start(&st, c, path, warnings);

	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT && explicit)
			config_warn(&st, 0, "no such file");
		else if ((err != ENOENT && err != ENOTDIR) || explicit)
			config_warn(&st, 0, "%s", strerror(err));
		return parse_end(&st);
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		config_warn(&st, 0, "not a regular file; not read");
		close(fd);
		return parse_end(&st);
	}
	struct buf text;
	buf_init(&text, CONFIG_FILE_MAX);
	char chunk[8192];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			config_warn(&st, 0, "%s", strerror(errno));
			break;
		}
		if (got == 0) {
			parse_text(&st, text.data != NULL ? text.data : "", text.len);
			free(c->path);
			c->path = xstrdup(path);
			break;
		}
		if (buf_append(&text, chunk, (size_t)got) != 0) {
			config_warn(&st, 0, "larger than %zu KiB; not read", CONFIG_FILE_MAX >> 10);
			break;
		}
	}
	close(fd);
	buf_done(&text);
	return parse_end(&st);
}

const char *config_default_path(char *buf, size_t n)
{
	return paths_user(PATHS_CONFIG, "config", false, buf, n);
}
