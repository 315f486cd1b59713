/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config: the user's INI file, read with inih; every complaint names FILE:LINE. */
#include "model/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/sanitize.h"

#define CONFIG_FILE_MAX ((size_t)1 << 20) /* a config file past this is not read */
#define KEY_FILE_MAX    8192              /* bytes of a key_file looked at */
#define PRICE_MAX       10000.0           /* USD per million tokens */

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

enum section { SEC_TOP, SEC_PROVIDER, SEC_PRICE, SEC_SKIP };

struct parse {
	struct config *c;
	char *qfile; /* the file name, sanitised, for messages */
	char *dir;   /* the config's folder with its '/', for a relative key_file; NULL: cwd */
	struct buf *warnings;
	int nwarn;
	const char *p, *end; /* text not yet handed to inih */
	int line;            /* of the line last handed to inih */
	enum section sec;
	size_t idx;                   /* providers[idx] or prices[idx] */
	int open_line, open_max_line; /* where breaker_open(_max) were set; 0: not */
	struct buf q[3];              /* quoted values for the message being built */
	int qi;
};

/* ---- small helpers ------------------------------------------------------ */

static void wipe(void *p, size_t n)
{
	/* volatile, so the compiler cannot drop the stores to memory about to be freed */
	volatile unsigned char *v = p;
	while (n-- > 0)
		*v++ = 0;
}

static void free_key(char **key)
{
	if (*key != NULL) {
		wipe(*key, strlen(*key));
		free(*key);
		*key = NULL;
	}
}

static void free_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* ASCII case-insensitive equality: strcasecmp follows the locale. */
static bool word_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	}
	return *a == *b;
}

static bool starts_with_word(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0' || tolower((unsigned char)s[i]) != prefix[i])
			return false;
	}
	return true;
}

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
static const char *q(struct parse *st, const char *s)
{
	struct buf *b = &st->q[st->qi];
	st->qi = (st->qi + 1) % 3;
	buf_reset(b);
	quote(b, s, strlen(s));
	return buf_str(b);
}

/* One warning line, "FILE:LINE: message\n" ("FILE: message\n" for line 0),
 * appended whole or not at all. Arguments from the file go through q(). */
static void warn(struct parse *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(struct parse *st, int line, const char *fmt, ...)
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

/* ms as seconds for a message: "30", "0.5", "2.25" (never the locale's comma). */
static const char *secs(char out[32], long ms)
{
	long whole = ms / 1000, frac = ms % 1000;
	if (frac == 0) {
		snprintf(out, 32, "%ld", whole);
		return out;
	}
	snprintf(out, 32, "%ld.%03ld", whole, frac);
	size_t n = strlen(out);
	while (out[n - 1] == '0')
		out[--n] = '\0';
	return out;
}

/* "12", "0.5", ".25", "3.": digits with at most one '.', no sign, no
 * exponent. By hand, because strtod follows the locale's decimal point and
 * the app runs under setlocale(LC_ALL, ""). */
static bool parse_decimal(const char *s, double *out)
{
	uint64_t mant = 0;
	int digits = 0, frac = 0;
	bool dot = false, any = false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return false;
		any = true;
		if (mant == 0 && *p == '0' && !dot)
			continue; /* leading zeros */
		if (digits == 18) {
			if (!dot)
				return false; /* far past any range we accept */
			continue;             /* fraction digits past double's precision */
		}
		mant = mant * 10 + (uint64_t)(*p - '0');
		digits++;
		if (dot)
			frac++;
	}
	if (!any)
		return false;
	double scale = 1.0;
	for (int i = 0; i < frac; i++)
		scale *= 10.0; /* exact up to 1e22 */
	*out = (double)mant / scale;
	return true;
}

/* Digits only, within [min, max]. */
static bool parse_whole(const char *s, long min, long max, long *out)
{
	long v = 0;
	if (*s == '\0')
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

static void set_string(char **dst, const char *value)
{
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
}

/* "a, b,,c " -> a b c: items trimmed, empty ones dropped, duplicates kept. */
static void set_list(char ***items, size_t *n, const char *value)
{
	free_list(*items, *n);
	*items = NULL;
	*n = 0;
	const char *p = value;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma != NULL ? comma : p + strlen(p);
		const char *s = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			*items = xrealloc(*items, (*n + 1) * sizeof **items);
			(*items)[(*n)++] = xstrndup(s, (size_t)(e - s));
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/* ---- top-level keys ------------------------------------------------------ */

enum key_type { KEY_STRING, KEY_LIST, KEY_BOOL, KEY_SECONDS, KEY_WHOLE };

struct top_key {
	const char *name;
	enum key_type type;
	size_t off;    /* of the field in struct config */
	size_t n_off;  /* KEY_LIST: of its count */
	long min, max; /* KEY_SECONDS: ms; KEY_WHOLE: the number */
	long def;
};

#define OFF(f) offsetof(struct config, f)
static const struct top_key top_keys[] = {
    {"model", KEY_STRING, OFF(model), 0, 0, 0, 0},
    {"fallback", KEY_LIST, OFF(fallback), OFF(nfallback), 0, 0, 0},
    {"history", KEY_BOOL, OFF(history), 0, 0, 0, 1},
    {"theme", KEY_STRING, OFF(theme), 0, 0, 0, 0},
    {"connect_timeout", KEY_SECONDS, OFF(connect_timeout_ms), 0, 100, 3600000,
     CONFIG_CONNECT_TIMEOUT_MS},
    {"first_byte_timeout", KEY_SECONDS, OFF(first_byte_timeout_ms), 0, 100, 3600000,
     CONFIG_FIRST_BYTE_TIMEOUT_MS},
    {"idle_timeout", KEY_SECONDS, OFF(idle_timeout_ms), 0, 100, 3600000, CONFIG_IDLE_TIMEOUT_MS},
    {"breaker_failures", KEY_WHOLE, OFF(breaker_failures), 0, 1, 100, CONFIG_BREAKER_FAILURES},
    {"breaker_open", KEY_SECONDS, OFF(breaker_open_ms), 0, 1000, 3600000, CONFIG_BREAKER_OPEN_MS},
    {"breaker_open_max", KEY_SECONDS, OFF(breaker_open_max_ms), 0, 1000, 86400000,
     CONFIG_BREAKER_OPEN_MAX_MS},
    {"max_retries", KEY_WHOLE, OFF(max_retries), 0, 0, 10, CONFIG_MAX_RETRIES},
};
#undef OFF

static const struct top_key *find_top_key(const char *name)
{
	for (size_t i = 0; i < sizeof top_keys / sizeof top_keys[0]; i++) {
		if (strcmp(top_keys[i].name, name) == 0)
			return &top_keys[i];
	}
	return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (word_eq(v, yes[i])) {
			*out = true;
			return true;
		}
		if (word_eq(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static void set_top(struct parse *st, const struct top_key *k, const char *value)
{
	char *field = (char *)st->c + k->off;
	char a[32], b[32], d[32];
	switch (k->type) {
	case KEY_STRING: set_string((char **)(void *)field, value); break;
	case KEY_LIST:
		set_list((char ***)(void *)field, (size_t *)(void *)((char *)st->c + k->n_off),
		         value);
		break;
	case KEY_BOOL: {
		bool *dst = (bool *)(void *)field;
		if (!parse_bool(value, dst)) {
			*dst = k->def != 0;
			warn(st, st->line, "%s wants on or off, got '%s'; using %s", k->name,
			     q(st, value), *dst ? "on" : "off");
		}
		break;
	}
	case KEY_SECONDS: {
		long *dst = (long *)(void *)field;
		double v;
		if (parse_decimal(value, &v) && v * 1000.0 <= (double)k->max + 0.5 &&
		    (long)(v * 1000.0 + 0.5) >= k->min) {
			*dst = (long)(v * 1000.0 + 0.5);
		} else {
			*dst = k->def;
			warn(st, st->line,
			     "%s wants a number of seconds from %s to %s, got '%s'; using %s",
			     k->name, secs(a, k->min), secs(b, k->max), q(st, value),
			     secs(d, k->def));
		}
		if (strcmp(k->name, "breaker_open") == 0)
			st->open_line = st->line;
		else if (strcmp(k->name, "breaker_open_max") == 0)
			st->open_max_line = st->line;
		break;
	}
	case KEY_WHOLE: {
		int *dst = (int *)(void *)field;
		long v;
		if (parse_whole(value, k->min, k->max, &v)) {
			*dst = (int)v;
		} else {
			*dst = (int)k->def;
			warn(st, st->line,
			     "%s wants a whole number from %ld to %ld, got '%s'; using %ld",
			     k->name, k->min, k->max, q(st, value), k->def);
		}
		break;
	}
	}
}

/* ---- [provider.NAME] ------------------------------------------------------- */

static const char *const provider_keys[] = {"kind",     "base_url", "key_env",
                                            "key_file", "key_cmd",  "models"};
static const char *const price_keys[] = {"input", "output"};

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], name) == 0)
			return true;
	}
	return false;
}

const char *config_kind_name(enum config_kind k)
{
	switch (k) {
	case CONFIG_KIND_OPENAI: return "openai";
	case CONFIG_KIND_ANTHROPIC: return "anthropic";
	case CONFIG_KIND_GEMINI: return "gemini";
	case CONFIG_KIND_OLLAMA: return "ollama";
	case CONFIG_KIND_OPENAI_RESPONSES: return "openai-responses";
	}
	return "openai";
}

static bool parse_kind(const char *v, enum config_kind *k)
{
	if (word_eq(v, "openai"))
		*k = CONFIG_KIND_OPENAI;
	else if (word_eq(v, "anthropic"))
		*k = CONFIG_KIND_ANTHROPIC;
	else if (word_eq(v, "gemini") || word_eq(v, "google"))
		*k = CONFIG_KIND_GEMINI;
	else if (word_eq(v, "ollama"))
		*k = CONFIG_KIND_OLLAMA;
	else if (word_eq(v, "openai-responses"))
		*k = CONFIG_KIND_OPENAI_RESPONSES;
	else
		return false;
	return true;
}

/* http:// or https://, something after it, and no blank or control byte. */
static bool url_ok(const char *v)
{
	size_t skip;
	if (starts_with_word(v, "http://"))
		skip = 7;
	else if (starts_with_word(v, "https://"))
		skip = 8;
	else
		return false;
	if (v[skip] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7F)
			return false;
	}
	return true;
}

static bool env_name_ok(const char *v)
{
	if (!(isalpha((unsigned char)v[0]) || v[0] == '_') || (unsigned char)v[0] >= 0x80)
		return false;
	for (const char *p = v; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 0x80 || !(isalnum(ch) || ch == '_'))
			return false;
	}
	return true;
}

static char *join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = xmalloc(na + nb + 1);
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

/* The path key_file names: "~/" is $HOME, relative is next to the config. */
static char *key_path(struct parse *st, const char *v)
{
	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0')) {
		const char *home = getenv("HOME");
		if (home == NULL || home[0] == '\0') {
			warn(st, st->line, "key_file %s: HOME is not set; ignored", q(st, v));
			return NULL;
		}
		return join(home, v + 1);
	}
	if (v[0] != '/' && st->dir != NULL)
		return join(st->dir, v);
	return xstrdup(v);
}

/* key_file: remembers the path and reads the key, its first line trimmed. */
static void set_key_file(struct parse *st, struct config_provider *pr, const char *value)
{
	free(pr->key_file);
	pr->key_file = NULL;
	free_key(&pr->key);
	if (value[0] == '\0')
		return;
	char *path = key_path(st, value);
	if (path == NULL)
		return;
	pr->key_file = path;

	/* O_NONBLOCK: a FIFO must not hang the start-up; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		warn(st, st->line, "key_file %s: %s", q(st, path), strerror(errno));
		return;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		warn(st, st->line, "key_file %s is not a regular file", q(st, path));
		close(fd);
		return;
	}
	if ((sb.st_mode & 077) != 0)
		warn(st, st->line, "key_file %s is readable by others (chmod 600 it)", q(st, path));

	char data[KEY_FILE_MAX];
	size_t len = 0;
	const char *nl = NULL;
	int err = 0;
	while (len < sizeof data && nl == NULL) {
		ssize_t got = read(fd, data + len, sizeof data - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = errno;
			break;
		}
		if (got == 0)
			break;
		nl = memchr(data + len, '\n', (size_t)got);
		len += (size_t)got;
	}
	close(fd);
	if (err != 0) {
		warn(st, st->line, "key_file %s: %s", q(st, path), strerror(err));
	} else {
		const char *s = data, *e = nl != NULL ? nl : data + len;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (nl == NULL && len == sizeof data)
			warn(st, st->line, "key_file %s: the first line is longer than %d bytes",
			     q(st, path), KEY_FILE_MAX);
		else if (e == s)
			warn(st, st->line, "key_file %s: the first line is empty", q(st, path));
		else
			pr->key = xstrndup(s, (size_t)(e - s));
	}
	wipe(data, sizeof data);
}

static void set_provider(struct parse *st, const char *name, const char *value)
{
	struct config_provider *pr = &st->c->providers[st->idx];
	if (strcmp(name, "kind") == 0) {
		if (!parse_kind(value, &pr->kind)) {
			pr->kind = CONFIG_KIND_OPENAI;
			warn(st, st->line,
			     "kind wants openai, openai-responses, anthropic, gemini or ollama, "
			     "got '%s'; using openai",
			     q(st, value));
		}
	} else if (strcmp(name, "base_url") == 0) {
		if (value[0] == '\0' || url_ok(value)) {
			set_string(&pr->base_url, value);
			pr->bad_base_url = false;
		} else {
			set_string(&pr->base_url, "");
			pr->bad_base_url = true;
			warn(st, st->line,
			     "base_url wants a URL starting with http:// or https://, got '%s'; "
			     "[provider.%s] is left out until it is fixed",
			     q(st, value), pr->name);
		}
	} else if (strcmp(name, "key_env") == 0) {
		if (value[0] == '\0' || env_name_ok(value)) {
			set_string(&pr->key_env, value);
		} else {
			set_string(&pr->key_env, "");
			warn(st, st->line,
			     "key_env wants the name of an environment variable (letters, digits, "
			     "'_'), got '%s'; ignored",
			     q(st, value));
		}
	} else if (strcmp(name, "key_file") == 0) {
		set_key_file(st, pr, value);
	} else if (strcmp(name, "key_cmd") == 0) {
		set_string(&pr->key_cmd, value);
	} else if (strcmp(name, "models") == 0) {
		set_list(&pr->models, &pr->nmodels, value);
	} else {
		warn(st, st->line, "unknown key '%s' in [provider.%s]%s", q(st, name),
		     q(st, pr->name),
		     find_top_key(name) != NULL ? " (top-level keys go before the first section)"
		                                : "");
	}
}

static void set_price(struct parse *st, const char *name, const char *value)
{
	struct config_price *pp = &st->c->prices[st->idx];
	double *dst;
	bool *has;
	if (strcmp(name, "input") == 0) {
		dst = &pp->input;
		has = &pp->has_input;
	} else if (strcmp(name, "output") == 0) {
		dst = &pp->output;
		has = &pp->has_output;
	} else {
		warn(st, st->line, "unknown key '%s' in [price.%s] (it takes input and output)",
		     q(st, name), q(st, pp->model));
		return;
	}
	double v;
	if (parse_decimal(value, &v) && v <= PRICE_MAX) {
		*dst = v;
		*has = true;
	} else {
		*dst = 0;
		*has = false;
		warn(st, st->line,
		     "%s wants USD per million tokens, a number from 0 to 10000, got '%s'; ignored",
		     name, q(st, value));
	}
}

/* ---- sections ------------------------------------------------------------------ */

static bool provider_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x80 || !(isalnum(ch) || ch == '-' || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

static bool price_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch == 0x7F)
			return false;
	}
	return true;
}

static void open_provider(struct parse *st, const char *name, size_t n)
{
	struct config *c = st->c;
	for (size_t i = 0; i < c->nproviders; i++) {
		if (strlen(c->providers[i].name) == n &&
		    memcmp(c->providers[i].name, name, n) == 0) {
			st->idx = i;
			st->sec = SEC_PROVIDER;
			return;
		}
	}
	c->providers = xrealloc(c->providers, (c->nproviders + 1) * sizeof *c->providers);
	struct config_provider *pr = &c->providers[c->nproviders];
	memset(pr, 0, sizeof *pr);
	pr->name = xstrndup(name, n);
	pr->kind = CONFIG_KIND_OPENAI;
	pr->line = st->line;
	st->idx = c->nproviders++;
	st->sec = SEC_PROVIDER;
}

static void open_price(struct parse *st, const char *model, size_t n)
{
	struct config *c = st->c;
	for (size_t i = 0; i < c->nprices; i++) {
		if (strlen(c->prices[i].model) == n && memcmp(c->prices[i].model, model, n) == 0) {
			st->idx = i;
			st->sec = SEC_PRICE;
			return;
		}
	}
	c->prices = xrealloc(c->prices, (c->nprices + 1) * sizeof *c->prices);
	struct config_price *pp = &c->prices[c->nprices];
	memset(pp, 0, sizeof *pp);
	pp->model = xstrndup(model, n);
	st->idx = c->nprices++;
	st->sec = SEC_PRICE;
}

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
static bool section_line(struct parse *st, const char *s, const char *e)
{
	const char *close = find_or_comment(s + 1, e, "]");
	if (close == e || *close != ']') {
		st->sec = SEC_SKIP;
		warn(st, st->line, "section header without ']'; its keys are ignored");
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
		const char *pn = name + sizeof prov - 1;
		if (provider_name_ok(pn, strlen(pn))) {
			open_provider(st, pn, strlen(pn));
		} else {
			st->sec = SEC_SKIP;
			warn(st, st->line,
			     "[%s]: a provider's name is letters, digits, '-', '_' and '.'; "
			     "its keys are ignored",
			     q(st, name));
		}
	} else if (n >= sizeof price - 1 && memcmp(name, price, sizeof price - 1) == 0) {
		const char *mn = name + sizeof price - 1;
		if (price_name_ok(mn, strlen(mn))) {
			open_price(st, mn, strlen(mn));
		} else {
			st->sec = SEC_SKIP;
			warn(st, st->line,
			     "[%s]: a model name without blanks must follow 'price.'; "
			     "its keys are ignored",
			     q(st, name));
		}
	} else {
		st->sec = SEC_SKIP;
		warn(st, st->line,
		     "unknown section [%s] (there are [provider.NAME] and [price.MODEL]); "
		     "its keys are ignored",
		     q(st, name));
	}
	free(name);
	return true;
}

/* ---- the inih side ------------------------------------------------------------ */

/* inih's fgets: the next physical line, checked (see the top of the file). */
static char *reader(char *str, int num, void *stream)
{
	struct parse *st = stream;
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
			st->sec = SEC_SKIP;
		warn(st, st->line, "a NUL byte; line ignored");
		len = 0;
	} else if (len > max) {
		if (*s == '[')
			st->sec = SEC_SKIP;
		warn(st, st->line, "line longer than %zu bytes; ignored", max);
		len = 0;
	} else if (len == 0 || *s == ';' || *s == '#') {
		/* blank or a comment */
	} else if (*s == '[') {
		if (!section_line(st, s, e))
			len = 0;
	} else {
		const char *sep = find_or_comment(s, e, "=:");
		if (sep == e || (*sep != '=' && *sep != ':')) {
			warn(st, st->line,
			     "expected 'key = value', a [section] or a comment; line ignored");
			len = 0;
		}
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

#if INI_HANDLER_LINENO
static int handler(void *user, const char *section, const char *name, const char *value, int lineno)
#else
static int handler(void *user, const char *section, const char *name, const char *value)
#endif
{
	struct parse *st = user;
	(void)section; /* st->sec, from the reader, says where we are */
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	if (value == NULL)
		value = "";
	switch (st->sec) {
	case SEC_TOP: {
		const struct top_key *k = find_top_key(name);
		if (k != NULL)
			set_top(st, k, value);
		else if (in_list(provider_keys, sizeof provider_keys / sizeof provider_keys[0],
		                 name))
			warn(st, st->line,
			     "unknown key '%s' (it belongs in a [provider.NAME] section)",
			     q(st, name));
		else if (in_list(price_keys, sizeof price_keys / sizeof price_keys[0], name))
			warn(st, st->line,
			     "unknown key '%s' (it belongs in a [price.MODEL] section)",
			     q(st, name));
		else
			warn(st, st->line, "unknown key '%s'", q(st, name));
		break;
	}
	case SEC_PROVIDER: set_provider(st, name, value); break;
	case SEC_PRICE: set_price(st, name, value); break;
	case SEC_SKIP: break;
	}
	return 1;
}

static void parse_start(struct parse *st, struct config *c, const char *filename,
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

static int parse_end(struct parse *st)
{
	free(st->qfile);
	free(st->dir);
	for (int i = 0; i < 3; i++)
		buf_done(&st->q[i]);
	return st->nwarn;
}

static void parse_text(struct parse *st, const char *text, size_t n)
{
	st->p = text;
	st->end = text + n;
	st->sec = SEC_TOP;
	int r = ini_parse_stream(reader, st, handler, st);
	if (r != 0) /* the reader lets through no line inih rejects: not expected */
		warn(st, r > 0 ? r : 0, "inih could not read the file (%d)", r);

	struct config *c = st->c;
	if (c->breaker_open_ms > c->breaker_open_max_ms) {
		char a[32], b[32];
		int line = st->open_line > st->open_max_line ? st->open_line : st->open_max_line;
		const char *open = secs(b, c->breaker_open_ms);
		warn(st, line,
		     "breaker_open_max (%s s) is shorter than breaker_open (%s s); using %s for "
		     "both",
		     secs(a, c->breaker_open_max_ms), open, open);
		c->breaker_open_max_ms = c->breaker_open_ms;
	}
}

/* ---- the API --------------------------------------------------------------------- */

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->history = true;
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
	free_list(c->fallback, c->nfallback);
	free(c->theme);
	for (size_t i = 0; i < c->nproviders; i++) {
		struct config_provider *pr = &c->providers[i];
		free(pr->name);
		free(pr->base_url);
		free(pr->key_env);
		free(pr->key_file);
		free_key(&pr->key);
		free(pr->key_cmd);
		free_list(pr->models, pr->nmodels);
	}
	free(c->providers);
	for (size_t i = 0; i < c->nprices; i++)
		free(c->prices[i].model);
	free(c->prices);
	memset(c, 0, sizeof *c);
}

int config_parse(struct config *c, const char *text, size_t n, const char *filename,
                 struct buf *warnings)
{
	struct parse st;
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
	struct parse st;
	parse_start(&st, c, path, warnings);

	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT && explicit)
			warn(&st, 0, "no such file");
		else if ((err != ENOENT && err != ENOTDIR) || explicit)
			warn(&st, 0, "%s", strerror(err));
		return parse_end(&st);
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		warn(&st, 0, "not a regular file; not read");
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
			warn(&st, 0, "%s", strerror(errno));
			break;
		}
		if (got == 0) {
			parse_text(&st, text.data != NULL ? text.data : "", text.len);
			free(c->path);
			c->path = xstrdup(path);
			break;
		}
		if (buf_append(&text, chunk, (size_t)got) != 0) {
			warn(&st, 0, "larger than %zu KiB; not read", CONFIG_FILE_MAX >> 10);
			break;
		}
	}
	close(fd);
	buf_done(&text);
	return parse_end(&st);
}

const char *config_default_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	int r;
	if (xdg != NULL && xdg[0] == '/') {
		r = snprintf(buf, n, "%s/circuit/config", xdg);
	} else {
		const char *home = getenv("HOME");
		if (home == NULL || home[0] == '\0')
			return NULL;
		r = snprintf(buf, n, "%s/.config/circuit/config", home);
	}
	if (r < 0 || (size_t)r >= n)
		return NULL;
	return buf;
}

const struct config_provider *config_provider(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nproviders; i++) {
		if (strcmp(c->providers[i].name, name) == 0)
			return &c->providers[i];
	}
	return NULL;
}

static const struct config_price *find_price(const struct config *c, const char *model)
{
	for (size_t i = 0; i < c->nprices; i++) {
		const struct config_price *pp = &c->prices[i];
		if (strcmp(pp->model, model) == 0 && (pp->has_input || pp->has_output))
			return pp;
	}
	return NULL;
}

bool config_price(const struct config *c, const char *model, double *input, double *output)
{
	const struct config_price *pp = find_price(c, model);
	const char *colon = strchr(model, ':');
	if (pp == NULL && colon != NULL)
		pp = find_price(c, colon + 1);
	if (pp == NULL)
		return false;
	if (input != NULL)
		*input = pp->has_input ? pp->input : 0;
	if (output != NULL)
		*output = pp->has_output ? pp->output : 0;
	return true;
}
