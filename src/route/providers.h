/* SPDX-License-Identifier: GPL-3.0-or-later */
/* providers: the built-in providers, model -> provider, and requests. */
#ifndef CIRCUIT_ROUTE_PROVIDERS_H
#define CIRCUIT_ROUTE_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include "wire/decoder.h"
#include "wire/request.h"

struct provider {
	const char *name;          /* "openai", "anthropic", "google", "ollama", "mock" */
	enum wire_format format;
	const char *key_env;       /* the variable the key came from or should ("" none needed) */
	char *key;                 /* NULL: not set */
	char *key_problem;         /* why a key given was refused, naming where it came
	                            * from ("OPENAI_API_KEY holds a space at byte 3"); NULL: none */
	char *base_url;            /* NULL for mock */
	const char *base_env;      /* the variable that overrides base_url */
	const char *default_model;
	unsigned active, total;    /* streams now / this run */
	char **models;             /* names served (config providers), for resolution */
	size_t nmodels;
	bool owned;                /* name and default_model are heap copies */
};

#define PROVIDERS_MAX 16

/* Looks up an environment variable; getenv in the program, a table in tests. */
typedef const char *(*env_fn)(const char *name);

/* getenv(3) as an env_fn: what the program passes. */
const char *env_process(const char *name);

struct providers;

/* The built-ins, configured from the environment: OPENAI_API_KEY,
 * OPENAI_BASE_URL (with /v1), ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL (no
 * /v1), GEMINI_API_KEY or GOOGLE_API_KEY, GEMINI_BASE_URL (no version),
 * OLLAMA_HOST (host:port or a URL). */
struct providers *providers_new(env_fn env);
void providers_free(struct providers *ps);

/* Adds a provider from the config file ([provider.NAME]): its wire format,
 * base URL (NULL or "": the format's usual address, api.openai.com and
 * so on), key (NULL: none needed) and the variable or file it came from
 * (for messages), and the model names it serves (a bare -m NAME that
 * matches one resolves to it; the first is its default). Copies
 * everything. NULL when the name is taken or PROVIDERS_MAX is reached. */
struct provider *providers_add(struct providers *ps, const char *name, enum wire_format format,
                               const char *base_url, const char *key, const char *key_source,
                               const char *const *models, size_t nmodels);

/* Refuses p's key: wipes and frees it (p then has none) and keeps a copy of
 * why, which names where the key came from and what is wrong with it; the
 * messages for a missing key (providers_resolve, the router's [skip]) then
 * say that instead. */
void providers_refuse_key(struct provider *p, const char *why);

/* By name ("gemini" is an alias of google); NULL if unknown. */
struct provider *providers_get(struct providers *ps, const char *name);
/* Every provider, for listing. */
size_t providers_count(const struct providers *ps);
struct provider *providers_at(struct providers *ps, size_t i);

/* The model to use when none is given: the first provider with a key
 * (openai, anthropic, google, in that order) with its default model, else
 * "mock". Returns a "provider:model" string, static or owned by ps. */
const char *providers_default_model(struct providers *ps);

/* Resolves "provider:model" (always wins) or a bare name: gpt-*, o<digit>*,
 * chatgpt-* -> openai; claude-* -> anthropic; gemini-* -> google; mock,
 * mock-fast, mock-slow, mock-flaky -> mock. On success sets *p and *model
 * (pointing into spec or a default) and returns 0. On failure a one-line
 * message in err says what is wrong and what to do, and the result is -1
 * for an unknown model or provider (*p and *model untouched), -2 for a
 * missing or refused key (naming the variable to set, or why the key was
 * refused; *p is the provider that needs it, *model untouched). */
int providers_resolve(struct providers *ps, const char *spec, struct provider **p,
                      const char **model, char *err, size_t errlen);

/* The variable(s) p's key is read from, for messages: "OPENAI_API_KEY",
 * "GEMINI_API_KEY or GOOGLE_API_KEY" for google; "" when p needs no key.
 * Static or owned by p. */
const char *providers_key_names(const struct providers *ps, const struct provider *p);

/* A request ready for net/stream: URL, headers (the key is in a header,
 * never in the URL), body. All owned. */
struct provider_request {
	char *url;
	char *headers[4];
	size_t nheaders;
	char *body;
	size_t body_len;
};

void provider_request_build(const struct provider *p, const char *model,
                            const struct wire_request *req, struct provider_request *out);
void provider_request_done(struct provider_request *r);

#endif
