/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config_top: the keys before the first section, as a table of where each
 * goes in struct config, what it takes and its default. */
#include <stddef.h>
#include <string.h>

#include "model/config_parse.h"

enum key_type { KEY_STRING, KEY_LIST, KEY_BOOL, KEY_SECONDS, KEY_WHOLE, KEY_CHOICE };

struct top_key {
	const char *name;
	enum key_type type;
	size_t off;    /* of the field in struct config */
	size_t n_off;  /* KEY_LIST: of its count */
	long min, max; /* KEY_SECONDS: ms; KEY_WHOLE: the number */
	long def;
	const char *const *choices; /* KEY_CHOICE: the words, NULL-ended; the int is the index */
};

/* clipboard =, in the order of enum config_clipboard. */
static const char *const clipboard_words[] = {"osc52", "command", "auto", "off", NULL};

#define OFF(f) offsetof(struct config, f)
static const struct top_key top_keys[] = {
    {"model", KEY_STRING, OFF(model), 0, 0, 0, 0, NULL},
    {"fallback", KEY_LIST, OFF(fallback), OFF(nfallback), 0, 0, 0, NULL},
    {"history", KEY_BOOL, OFF(history), 0, 0, 0, 1, NULL},
    {"theme", KEY_STRING, OFF(theme), 0, 0, 0, 0, NULL},
    {"clipboard", KEY_CHOICE, OFF(clipboard), 0, 0, 0, CONFIG_CLIPBOARD_OSC52, clipboard_words},
    {"connect_timeout", KEY_SECONDS, OFF(connect_timeout_ms), 0, 100, 3600000,
     CONFIG_CONNECT_TIMEOUT_MS, NULL},
    {"first_byte_timeout", KEY_SECONDS, OFF(first_byte_timeout_ms), 0, 100, 3600000,
     CONFIG_FIRST_BYTE_TIMEOUT_MS, NULL},
    {"idle_timeout", KEY_SECONDS, OFF(idle_timeout_ms), 0, 100, 3600000, CONFIG_IDLE_TIMEOUT_MS,
     NULL},
    {"breaker_failures", KEY_WHOLE, OFF(breaker_failures), 0, 1, 100, CONFIG_BREAKER_FAILURES,
     NULL},
    {"breaker_open", KEY_SECONDS, OFF(breaker_open_ms), 0, 1000, 3600000, CONFIG_BREAKER_OPEN_MS,
     NULL},
    {"breaker_open_max", KEY_SECONDS, OFF(breaker_open_max_ms), 0, 1000, 86400000,
     CONFIG_BREAKER_OPEN_MAX_MS, NULL},
    {"max_retries", KEY_WHOLE, OFF(max_retries), 0, 0, 10, CONFIG_MAX_RETRIES, NULL},
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
		if (config_word_eq(v, yes[i])) {
			*out = true;
			return true;
		}
		if (config_word_eq(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
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

static void set_seconds(struct config_parser *st, const struct top_key *k, long *dst,
                        const char *value)
{
	char a[32], b[32], d[32];
	double v;
	if (config_decimal(value, &v) && v * 1000.0 <= (double)k->max + 0.5 &&
	    (long)(v * 1000.0 + 0.5) >= k->min) {
		*dst = (long)(v * 1000.0 + 0.5);
	} else {
		*dst = k->def;
		config_warn(st, st->line,
		            "%s wants a number of seconds from %s to %s, got '%s'; using %s",
		            k->name, config_secs(a, k->min), config_secs(b, k->max),
		            config_q(st, value), config_secs(d, k->def));
	}
	/* config.c checks the pair after the file, naming the later line. */
	if (strcmp(k->name, "breaker_open") == 0)
		st->open_line = st->line;
	else if (strcmp(k->name, "breaker_open_max") == 0)
		st->open_max_line = st->line;
}

/* One of k's words (case aside), its index into *dst; else the default and a warning. */
static void set_choice(struct config_parser *st, const struct top_key *k, int *dst,
                       const char *value)
{
	for (int i = 0; k->choices[i] != NULL; i++) {
		if (config_word_eq(value, k->choices[i])) {
			*dst = i;
			return;
		}
	}
	struct buf words;
	buf_init(&words, 0);
	for (int i = 0; k->choices[i] != NULL; i++)
		buf_printf(&words, "%s%s", i ? (k->choices[i + 1] ? ", " : " or ") : "", k->choices[i]);
	*dst = (int)k->def;
	config_warn(st, st->line, "%s wants %s, got '%s'; using %s", k->name, buf_str(&words),
	            config_q(st, value), k->choices[k->def]);
	buf_done(&words);
}

static void set_top(struct config_parser *st, const struct top_key *k, const char *value)
{
	char *field = (char *)st->c + k->off;
	switch (k->type) {
	case KEY_STRING: config_set_string((char **)(void *)field, value); break;
	case KEY_LIST:
		config_set_list((char ***)(void *)field,
		                (size_t *)(void *)((char *)st->c + k->n_off), value);
		break;
	case KEY_BOOL: {
		bool *dst = (bool *)(void *)field;
		if (!parse_bool(value, dst)) {
			*dst = k->def != 0;
			config_warn(st, st->line, "%s wants on or off, got '%s'; using %s", k->name,
			            config_q(st, value), *dst ? "on" : "off");
		}
		break;
	}
	case KEY_SECONDS: set_seconds(st, k, (long *)(void *)field, value); break;
	case KEY_CHOICE: set_choice(st, k, (int *)(void *)field, value); break;
	case KEY_WHOLE: {
		int *dst = (int *)(void *)field;
		long v;
		if (parse_whole(value, k->min, k->max, &v)) {
			*dst = (int)v;
		} else {
			*dst = (int)k->def;
			config_warn(st, st->line,
			            "%s wants a whole number from %ld to %ld, got '%s'; using %ld",
			            k->name, k->min, k->max, config_q(st, value), k->def);
		}
		break;
	}
	}
}

bool config_is_top_key(const char *name)
{
	return find_top_key(name) != NULL;
}

bool config_set_top(struct config_parser *st, const char *name, const char *value)
{
	const struct top_key *k = find_top_key(name);
	if (k == NULL)
		return false;
	set_top(st, k, value);
	return true;
}
