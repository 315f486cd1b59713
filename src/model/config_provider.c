/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config_provider: [provider.NAME] sections: the kind, the URL, where the key
 * comes from (key_env, key_file read here, key_cmd), the models. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/config_parse.h"
#include "util/apikey.h"
#include "util/paths.h"
#include "util/mem.h"

#define KEY_FILE_MAX 8192 /* bytes of a key_file looked at */

static const char *const provider_keys[] = {"kind",     "base_url", "key_env",
                                            "key_file", "key_cmd",  "models"};

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

static bool starts_with_word(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0' || tolower((unsigned char)s[i]) != prefix[i])
			return false;
	}
	return true;
}

bool config_is_provider_key(const char *name)
{
	for (size_t i = 0; i < sizeof provider_keys / sizeof provider_keys[0]; i++) {
		if (strcmp(provider_keys[i], name) == 0)
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
	if (config_word_eq(v, "openai"))
		*k = CONFIG_KIND_OPENAI;
	else if (config_word_eq(v, "anthropic"))
		*k = CONFIG_KIND_ANTHROPIC;
	else if (config_word_eq(v, "gemini") || config_word_eq(v, "google"))
		*k = CONFIG_KIND_GEMINI;
	else if (config_word_eq(v, "ollama"))
		*k = CONFIG_KIND_OLLAMA;
	else if (config_word_eq(v, "openai-responses"))
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
static char *key_path(struct config_parser *st, const char *v)
{
	if (v[0] == '~') {
		char buf[4096];
		if (paths_expand(v, buf, sizeof(buf)) == NULL) {
			config_warn(st, st->line, "key_file %s: HOME is not set; ignored",
			            config_q(st, v));
			return NULL;
		}
		return xstrdup(buf);
	}
	if (v[0] != '/' && st->dir != NULL)
		return join(st->dir, v);
	return xstrdup(v);
}

/* key_file gives no key: one warning, the problem (naming the file) then,
 * if any, what to do; the problem is kept for the messages at the
 * provider's use. */
static void no_key(struct config_parser *st, struct config_provider *pr, const char *problem,
                   const char *todo)
{
	if (todo != NULL)
		config_warn(st, st->line, "%s; %s", problem, todo);
	else
		config_warn(st, st->line, "%s", problem);
	free(pr->key_problem);
	pr->key_problem = xstrdup(problem);
}

/* The file at path (value as written, for the chmod hint), opened for
 * reading if it is a regular file only its owner may read, as ssh wants of
 * a private key; -1 and a warning otherwise. */
static int open_key_file(struct config_parser *st, struct config_provider *pr, const char *path,
                         const char *value)
{
	char problem[1024], todo[600];
	/* O_NONBLOCK: a FIFO must not hang the start-up; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(problem, sizeof problem, "key_file %s: %s", config_q(st, path),
		         strerror(errno));
		no_key(st, pr, problem, NULL);
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(problem, sizeof problem, "key_file %s is not a regular file",
		         config_q(st, path));
		no_key(st, pr, problem, NULL);
		close(fd);
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		/* "~/k" as written: the shell expands it the same way. */
		const char *shown = config_q(st, value[0] == '~' ? value : path);
		snprintf(problem, sizeof problem, "key_file %s is readable by others (mode %04o)",
		         shown, (unsigned)(sb.st_mode & 07777));
		snprintf(todo, sizeof todo, "chmod 600 %s", shown);
		no_key(st, pr, problem, todo);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads fd into data (at most KEY_FILE_MAX bytes) until its first newline:
 * sets *len and *nl (the newline in data, or NULL). Returns 0 or an errno. */
static int read_first_line(int fd, char *data, size_t *len, const char **nl)
{
	*len = 0;
	*nl = NULL;
	while (*len < KEY_FILE_MAX && *nl == NULL) {
		ssize_t got = read(fd, data + *len, KEY_FILE_MAX - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno;
		if (got == 0)
			break;
		*nl = memchr(data + *len, '\n', (size_t)got);
		*len += (size_t)got;
	}
	return 0;
}

/* The key in data[0..len) read from key_file path: its first line less one
 * LF or CRLF, nothing else trimmed, refused (a warning) when too long,
 * empty, or holding a byte no header may carry. */
static void take_key(struct config_parser *st, struct config_provider *pr, const char *path,
                     const char *data, size_t len, const char *nl)
{
	char problem[1024], what[96];
	size_t n = apikey_line(data, len);
	if (nl == NULL && len == KEY_FILE_MAX) {
		snprintf(problem, sizeof problem, "key_file %s: the first line is longer than %d bytes",
		         config_q(st, path), KEY_FILE_MAX);
		no_key(st, pr, problem, NULL);
		return;
	}
	if (n == 0) {
		snprintf(problem, sizeof problem, "key_file %s: the first line is empty",
		         config_q(st, path));
		no_key(st, pr, problem, NULL);
		return;
	}
	char *key = xstrndup(data, n);
	if (memchr(data, '\0', n) != NULL) {
		snprintf(problem, sizeof problem, "key_file %s holds a NUL byte", config_q(st, path));
		no_key(st, pr, problem, "a key is one line of printable ASCII");
	} else if (apikey_check(key, what, sizeof what) < 0) {
		snprintf(problem, sizeof problem, "key_file %s holds %s", config_q(st, path), what);
		no_key(st, pr, problem, "a key is one line of printable ASCII");
	} else {
		pr->key = key;
		return;
	}
	free_key(&key);
}

/* key_file: remembers the path and reads the key from its first line. */
static void set_key_file(struct config_parser *st, struct config_provider *pr, const char *value)
{
	free(pr->key_file);
	pr->key_file = NULL;
	free(pr->key_problem);
	pr->key_problem = NULL;
	free_key(&pr->key);
	if (value[0] == '\0')
		return;
	char *path = key_path(st, value);
	if (path == NULL)
		return;
	pr->key_file = path;
	int fd = open_key_file(st, pr, path, value);
	if (fd < 0)
		return;

	char data[KEY_FILE_MAX];
	size_t len;
	const char *nl;
	int err = read_first_line(fd, data, &len, &nl);
	close(fd);
	if (err != 0) {
		char problem[1024];
		snprintf(problem, sizeof problem, "key_file %s: %s", config_q(st, path),
		         strerror(err));
		no_key(st, pr, problem, NULL);
	} else {
		take_key(st, pr, path, data, len, nl);
	}
	wipe(data, sizeof data);
}

static void set_base_url(struct config_parser *st, struct config_provider *pr, const char *value)
{
	if (value[0] == '\0' || url_ok(value)) {
		config_set_string(&pr->base_url, value);
		pr->bad_base_url = false;
		return;
	}
	config_set_string(&pr->base_url, "");
	pr->bad_base_url = true;
	config_warn(st, st->line,
	            "base_url wants a URL starting with http:// or https://, got '%s'; "
	            "[provider.%s] is left out until it is fixed",
	            config_q(st, value), pr->name);
}

void config_set_provider(struct config_parser *st, const char *name, const char *value)
{
	struct config_provider *pr = &st->c->providers[st->idx];
	if (strcmp(name, "kind") == 0) {
		if (!parse_kind(value, &pr->kind)) {
			pr->kind = CONFIG_KIND_OPENAI;
			config_warn(
			    st, st->line,
			    "kind wants openai, openai-responses, anthropic, gemini or ollama, "
			    "got '%s'; using openai",
			    config_q(st, value));
		}
	} else if (strcmp(name, "base_url") == 0) {
		set_base_url(st, pr, value);
	} else if (strcmp(name, "key_env") == 0) {
		if (value[0] == '\0' || env_name_ok(value)) {
			config_set_string(&pr->key_env, value);
		} else {
			config_set_string(&pr->key_env, "");
			config_warn(
			    st, st->line,
			    "key_env wants the name of an environment variable (letters, digits, "
			    "'_'), got '%s'; ignored",
			    config_q(st, value));
		}
	} else if (strcmp(name, "key_file") == 0) {
		set_key_file(st, pr, value);
	} else if (strcmp(name, "key_cmd") == 0) {
		config_set_string(&pr->key_cmd, value);
	} else if (strcmp(name, "models") == 0) {
		config_set_list(&pr->models, &pr->nmodels, value);
	} else {
		config_warn(
		    st, st->line, "unknown key '%s' in [provider.%s]%s", config_q(st, name),
		    config_q(st, pr->name),
		    config_is_top_key(name) ? " (top-level keys go before the first section)" : "");
	}
}

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

static const char *provider_name(const struct config *c, size_t i)
{
	return c->providers[i].name;
}

static void open_provider(struct config_parser *st, const char *name, size_t n)
{
	struct config *c = st->c;
	c->providers = config_index_room(&st->providers, c->providers, sizeof *c->providers, c->nproviders);
	config_index_grow(&st->providers, c, c->nproviders, provider_name);
	size_t *slot = config_index_slot(&st->providers, c, provider_name, name, n);
	st->sec = CONFIG_SEC_PROVIDER;
	if (*slot != 0) {
		st->idx = *slot - 1; /* a second [provider.NAME]: the same one */
		return;
	}
	struct config_provider *pr = &c->providers[c->nproviders];
	memset(pr, 0, sizeof *pr);
	pr->name = xstrndup(name, n);
	pr->kind = CONFIG_KIND_OPENAI;
	pr->line = st->line;
	st->idx = c->nproviders++;
	*slot = c->nproviders;
}

void config_provider_section(struct config_parser *st, const char *header, const char *name)
{
	if (provider_name_ok(name, strlen(name))) {
		open_provider(st, name, strlen(name));
		return;
	}
	st->sec = CONFIG_SEC_SKIP;
	config_warn(st, st->line,
	            "[%s]: a provider's name is letters, digits, '-', '_' and '.'; "
	            "its keys are ignored",
	            config_q(st, header));
}

void config_provider_done(struct config_provider *pr)
{
	free(pr->name);
	free(pr->base_url);
	free(pr->key_env);
	free(pr->key_file);
	free_key(&pr->key);
	free(pr->key_problem);
	free(pr->key_cmd);
	config_free_list(pr->models, pr->nmodels);
}

const struct config_provider *config_provider(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nproviders; i++) {
		if (strcmp(c->providers[i].name, name) == 0)
			return &c->providers[i];
	}
	return NULL;
}
