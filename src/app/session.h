/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session: what the screen and headless share. The providers (built-ins
 * and the config's) with their keys registered for redaction, the router
 * with its named settings, the fallback chain, the labels a reply carries,
 * the signal self-pipe, the debug log. The two front ends differ only in
 * how they show things. */
#ifndef CIRCUIT_APP_SESSION_H
#define CIRCUIT_APP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "model/config.h"
#include "net/transport.h"
#include "route/providers.h"
#include "route/router.h"
#include "util/buf.h"

/* The most models a chain (a model and its fallbacks) holds. */
#define SESSION_CHAIN_MAX 16

struct session_opts {
	const struct config *config; /* settings, providers, prices; borrowed, outlives */
	const char *fallback;        /* "M1,M2": this run's chain; NULL: the config's */
	const char *debug_file;      /* NULL: no debug log */
	const char *record_dir;      /* --record; NULL: none */
	env_fn env;                  /* NULL: the process environment */
};

struct session {
	const struct config *cfg;
	struct providers *ps;
	struct transport *t;
	struct router *rt;
	char *fallback[SESSION_CHAIN_MAX]; /* the chain after the model */
	size_t nfallback;
	/* key_cmd of a config provider, run the first time it is used (never
	 * at start: it may ask for a passphrase, and it is slow) */
	char *key_cmd[PROVIDERS_MAX];
	int sig[2]; /* the self-pipe: a handler writes the signal's number */
	char record_prefix[64];
};

/* Sets up s: providers, keys registered for redaction, the router from the
 * config's settings (or the defaults), the transport, the debug log.
 * Problems that do not stop a run (a duplicate provider, a debug log that
 * cannot be opened) are one line each in warnings. Returns 0, or -1 when
 * the signal pipe cannot be made (a message in warnings). */
int session_open(struct session *s, const struct session_opts *o, struct buf *warnings);
void session_close(struct session *s);

/* Replaces the fallback chain ("M1,M2"; NULL or "none": no fallback). */
void session_set_fallback(struct session *s, const char *list);
/* The chain as the user wrote it, "M1,M2" ("none" when empty). */
void session_fallback_text(const struct session *s, struct buf *out);

/* Checks that model names a provider and a model circuit knows. A missing
 * key is no error when a later model of the chain could answer instead
 * (with_fallback): the router skips it, saying so. Returns 0, or with a
 * one-line message in err -1 (an unknown model or provider) or -2 (no key,
 * and nothing after it in the chain can answer). */
int session_check_model(struct session *s, const char *model, bool with_fallback, char *err,
                        size_t errlen);

/* Starts a request on model, then (with_fallback) the chain; see
 * router_start. A config provider's key_cmd runs here, the first time its
 * provider is in a chain. NULL with a message in err when no model of the
 * chain can be used. */
struct routed *session_start(struct session *s, const char *model, bool with_fallback,
                             const struct wire_request *req, const char *prompt,
                             const struct routed_callbacks *cb, void *ctx, long long now,
                             char *err, size_t errlen);

/* The label of a model as the user named it: the mock's variant alone
 * ("mock-fast", not "mock:mock-fast"), else spec itself. */
const char *session_label(const char *spec);
/* The label of the reply rr: after a fallback, who answered
 * ("openai:gpt-4o (fallback)"), else session_label(spec). */
void session_reply_label(const struct routed *rr, const char *spec, char *out, size_t size);

/* The model to use when none is given: the config's, else the first
 * provider with a key, else mock. */
const char *session_default_model(struct session *s);
/* True when some provider has an API key (so mock was a choice). */
bool session_any_key(const struct session *s);

/* Catches sigs (SIGINT, SIGTERM...) into the self-pipe; once_each: the
 * handler is reset after its first signal (a second one kills at once).
 * session_signal() returns the next caught signal, 0 when none. */
void session_catch(struct session *s, const int *sigs, size_t n, bool once_each);
void session_uncatch(const int *sigs, size_t n);
int session_signal_fd(const struct session *s);
int session_signal(struct session *s);

#endif
