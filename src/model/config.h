/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config: the user's INI file ($XDG_CONFIG_HOME/circuit/config), read with inih. */
#ifndef CIRCUIT_MODEL_CONFIG_H
#define CIRCUIT_MODEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* The defaults, which config_init sets and a bad value falls back to. */
#define CONFIG_CONNECT_TIMEOUT_MS    10000L
#define CONFIG_FIRST_BYTE_TIMEOUT_MS 60000L
#define CONFIG_IDLE_TIMEOUT_MS       60000L
#define CONFIG_BREAKER_FAILURES      3
#define CONFIG_BREAKER_OPEN_MS       30000L
#define CONFIG_BREAKER_OPEN_MAX_MS   300000L
#define CONFIG_MAX_RETRIES           2

/* The wire dialect of a provider from a [provider.NAME] section. */
enum config_kind {
	CONFIG_KIND_OPENAI, /* the default */
	CONFIG_KIND_ANTHROPIC,
	CONFIG_KIND_GEMINI, /* "google" is accepted as another name for it */
	CONFIG_KIND_OLLAMA,
	CONFIG_KIND_OPENAI_RESPONSES, /* OpenAI's Responses API (/responses) */
};

/* "openai", "anthropic", "gemini", "ollama", "openai-responses". */
const char *config_kind_name(enum config_kind k);

/* A [provider.NAME] section. Every string is NULL when not given. Which of
 * key_env, key_file and key_cmd wins when several are set is the app's
 * choice; this module only reads key_file (it never runs key_cmd nor looks
 * at the environment). */
struct config_provider {
	char *name; /* NAME: letters, digits, '-', '_', '.' */
	enum config_kind kind;
	char *base_url; /* http:// or https://; NULL: the kind's default */
	bool bad_base_url; /* given but unusable: the provider is left out, so its
	                    * key never goes to the kind's default address */
	char *key_env;  /* the name of the variable that holds the key */
	char *key_file; /* the path as given, "~/" expanded, relative to the config's folder */
	char *key;      /* key_file's first line less its LF or CRLF; NULL if refused */
	char *key_problem; /* why key_file gave no key, naming the file ("key_file
	                    * /k is readable by others (mode 0644)"); NULL: none */
	char *key_cmd;  /* a command whose first output line is the key (the app runs it) */
	char **models;  /* the models it serves, in file order */
	size_t nmodels;
	int line; /* the line of its (first) section header, for messages */
};

/* A [price.MODEL] section: USD per million tokens. */
struct config_price {
	char *model; /* MODEL as written, "anthropic:claude-sonnet-4-5" or "gpt-4o" */
	double input, output;
	bool has_input, has_output;
};

/* clipboard =: how /copy reaches the clipboard. */
enum config_clipboard {
	CONFIG_CLIPBOARD_OSC52,   /* the terminal's OSC 52 (the default) */
	CONFIG_CLIPBOARD_COMMAND, /* wl-copy, xclip or xsel, found on PATH */
	CONFIG_CLIPBOARD_AUTO,    /* a command when one fits, else OSC 52 */
	CONFIG_CLIPBOARD_OFF,     /* /copy says it is off */
};

struct config {
	char *path;       /* the file read, NULL if none */
	char *model;      /* model =, the default model; NULL: none */
	char **fallback;  /* fallback =, the chain tried after the chosen model */
	size_t nfallback; /* (duplicates kept, in order) */
	bool history;     /* history = on|off (default on) */
	char *theme;      /* theme =; NULL: the built-in default */
	int clipboard;    /* clipboard =, an enum config_clipboard (default osc52) */
	long connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms;
	int breaker_failures;                      /* consecutive failures that open a breaker */
	long breaker_open_ms, breaker_open_max_ms; /* first open period, and its cap */
	int max_retries;                           /* per provider, before falling back */
	struct config_provider *providers;
	size_t nproviders;
	struct config_price *prices;
	size_t nprices;
};

/* The defaults: no model, no fallback, history on, no theme, clipboard
 * osc52, the timeouts,
 * breaker and retry figures above, no providers, no prices. */
void config_init(struct config *c);
/* Frees what c holds (key_file keys are wiped first); c can be
 * config_init'ed again afterwards. */
void config_done(struct config *c);

/* Reads the config file at path (NULL: config_default_path) into c, which
 * must have been config_init'ed; what the file sets replaces what c had. A
 * missing file is no error and no warning, unless explicit (the user named
 * it: --config), then one warning "PATH: no such file". Anything wrong in
 * the file (a line inih cannot read, an unknown section or key, a bad value)
 * appends one line to warnings ("FILE:LINE: what; using DEFAULT\n", values
 * quoted through sanitize, so no control byte can reach a terminal) and the
 * default is used; the rest of the file still counts. warnings may be NULL.
 * Returns the number of warnings. Files past 1 MiB are not read (a warning). */
int config_load(struct config *c, const char *path, bool explicit, struct buf *warnings);

/* The same for n bytes of text, named filename in the messages (NULL:
 * "config"). A key_file is still read from the file system; a relative one
 * is found next to filename. Lines (after leading blanks) longer than inih's
 * line limit (198 bytes with Debian's build) are reported and skipped. */
int config_parse(struct config *c, const char *text, size_t n, const char *filename,
                 struct buf *warnings);

/* $XDG_CONFIG_HOME/circuit/config (if that variable is an absolute path),
 * else $HOME/.config/circuit/config, written into buf. Returns buf, or NULL
 * when HOME is unset too or the path does not fit in n bytes. */
const char *config_default_path(char *buf, size_t n);

/* The [provider.NAME] section called name, or NULL. Borrowed from c. */
const struct config_provider *config_provider(const struct config *c, const char *name);

/* The price of model: a [price.MODEL] section of that exact name, else, for
 * "provider:model", one named by the bare model. Sets *input and *output
 * (either may be NULL; a key the section lacks is 0) and returns true, or
 * returns false when no section names the model or it sets no valid price. */
bool config_price(const struct config *c, const char *model, double *input, double *output);

#endif
