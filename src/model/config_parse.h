/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config_parse: what the files of the config module share while one file is
 * read. config.c reads it (the INI reader, sections, messages);
 * config_top.c, config_provider.c and config_price.c set what its keys say;
 * config_value.c reads the shapes of values they have in common.
 *
 * Private to model/config*.c: the rest of circuit uses model/config.h. */
#ifndef CIRCUIT_MODEL_CONFIG_PARSE_H
#define CIRCUIT_MODEL_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/config.h"
#include "util/buf.h"

/* Where the reader is: which section the next keys belong to. */
enum config_section {
	CONFIG_SEC_TOP,      /* before the first section */
	CONFIG_SEC_PROVIDER, /* [provider.NAME]: providers[idx] */
	CONFIG_SEC_PRICE,    /* [price.MODEL]: prices[idx] */
	CONFIG_SEC_SKIP,     /* a section not read: its keys are skipped quietly */
};

/* Section names -> their index in one of c's arrays, while a file is read,
 * so a file of many sections loads in linear time: open addressing, each
 * slot an index + 1 (0: empty), nslots a power of two over twice the
 * count (0 until the first section). cap: the array's allocated length. */
struct config_index {
	size_t *slots;
	size_t nslots, cap;
};

/* One reading of one file into c (see config.c). */
struct config_parser {
	struct config *c;
	char *qfile; /* the file name, sanitised, for messages */
	char *dir;   /* the config's folder with its '/', for a relative key_file; NULL: cwd */
	struct buf *warnings;
	int nwarn;
	const char *p, *end; /* text not yet handed to inih */
	int line;            /* of the line last handed to inih */
	enum config_section sec;
	size_t idx;                   /* providers[idx] or prices[idx] */
	int open_line, open_max_line; /* where breaker_open(_max) were set; 0: not */
	struct buf q[3];              /* quoted values for the message being built */
	int qi;
	struct config_index providers, prices; /* section names -> their arrays */
};

/* ---- config.c: messages ----------------------------------------------------- */

/* One warning line, "FILE:LINE: message\n" ("FILE: message\n" for line 0),
 * appended whole to st->warnings (if any) or not at all; counted either
 * way. Arguments from the file go through config_q(). */
void config_warn(struct config_parser *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* s quoted for the message being built (sanitised, newline and tab shown
 * as symbols): borrowed from st, valid until two more calls. */
const char *config_q(struct config_parser *st, const char *s);

/* ---- config_value.c: the shapes of values -------------------------------------- */

/* ASCII case-insensitive equality (strcasecmp follows the locale). */
bool config_word_eq(const char *a, const char *b);
/* "12", "0.5", ".25", "3.": digits with at most one '.', no sign, no
 * exponent, read without the locale. False (out untouched) otherwise. */
bool config_decimal(const char *s, double *out);
/* ms as seconds for a message into out: "30", "0.5", "2.25". Returns out. */
const char *config_secs(char out[32], long ms);
/* *dst (freed first) becomes a copy of value, or NULL when value is "". */
void config_set_string(char **dst, const char *value);
/* *items, *n (freed first) become value's comma-separated items, trimmed,
 * the empty ones dropped, duplicates kept. */
void config_set_list(char ***items, size_t *n, const char *value);
/* Frees items[0..n) and items (NULL with n == 0 is fine). */
void config_free_list(char **items, size_t n);
/* The name of the i-th element of one of c's arrays of sections. */
typedef const char *(*config_name_at)(const struct config *c, size_t i);
/* array (count elements of size bytes) with room for one more: grown by
 * doubling, x->cap its length. Returns it, perhaps moved. */
void *config_index_room(struct config_index *x, void *array, size_t size, size_t count);
/* Room in x for one more name: rebuilt from name_at (count names) when it
 * is half full, or not built yet. */
void config_index_grow(struct config_index *x, const struct config *c, size_t count,
                       config_name_at name_at);
/* The slot of name (n bytes) in x: the one holding it (*slot - 1 is its
 * index), else the empty one where it goes (*slot == 0). */
size_t *config_index_slot(struct config_index *x, const struct config *c, config_name_at name_at,
                          const char *name, size_t n);
/* Frees x's table (the array stays); x can be grown again. */
void config_index_done(struct config_index *x);

/* ---- config_top.c: the keys before the first section ------------------------------ */

/* name is a top-level key. */
bool config_is_top_key(const char *name);
/* Sets the top-level key name from value, warning (and using its default)
 * when value is not what it takes. False when name is not a top-level key:
 * nothing set, nothing said. */
bool config_set_top(struct config_parser *st, const char *name, const char *value);

/* ---- config_provider.c: [provider.NAME] ------------------------------------------ */

/* name is a key of [provider.NAME]. */
bool config_is_provider_key(const char *name);
/* The section header [header] names provider name (what follows
 * "provider."): opens it, a new one or the same again, or warns and skips
 * the section when the name is not one. */
void config_provider_section(struct config_parser *st, const char *header, const char *name);
/* A key of the open provider section (warns about one it does not know). */
void config_set_provider(struct config_parser *st, const char *name, const char *value);
/* Frees what pr owns, the key wiped first; pr itself is the caller's. */
void config_provider_done(struct config_provider *pr);

/* ---- config_price.c: [price.MODEL] ----------------------------------------------- */

/* name is a key of [price.MODEL]. */
bool config_is_price_key(const char *name);
/* As config_provider_section, for [price.MODEL]. */
void config_price_section(struct config_parser *st, const char *header, const char *model);
/* A key of the open price section (warns about one it does not know). */
void config_set_price(struct config_parser *st, const char *name, const char *value);


#endif
