/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session: providers, keys, router, fallback chain, labels and signals,
 * shared by the screen and headless. */
#include "app/session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/apikey.h"
#include "util/words.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/sanitize.h"
#include "util/mem.h"
#include "util/redact.h"

static enum wire_format format_of(enum config_kind k)
{
	switch (k) {
	case CONFIG_KIND_ANTHROPIC: return WIRE_ANTHROPIC;
	case CONFIG_KIND_GEMINI: return WIRE_GEMINI;
	case CONFIG_KIND_OLLAMA: return WIRE_OLLAMA;
	case CONFIG_KIND_OPENAI_RESPONSES: return WIRE_OPENAI_RESPONSES;
	case CONFIG_KIND_OPENAI: break;
	}
	return WIRE_OPENAI;
}

static void wipe(char *key)
{
	if (key != NULL) {
		memset(key, 0, strlen(key));
		free(key);
	}
}

/* The first line key_cmd prints (a password manager, say) less its LF or
 * CRLF, or NULL with why (size n) saying what went wrong. */
static char *run_key_cmd(const char *cmd, char *why, size_t n)
{
	FILE *f = popen(cmd, "r");
	if (f == NULL) {
		snprintf(why, n, "could not be started: %s", strerror(errno));
		return NULL;
	}
	char line[4096];
	char *key = NULL;
	char what[96];
	snprintf(why, n, "printed nothing");
	if (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		line[apikey_line(line, len)] = '\0';
		if (len + 1 == sizeof(line) && line[len - 1] != '\n')
			snprintf(why, n, "printed a line longer than %zu bytes", sizeof(line) - 2);
		else if (apikey_check(line, what, sizeof(what)) < 0)
			snprintf(why, n, "printed %s", what);
		else if (line[0] != '\0')
			key = xstrdup(line);
		redact_add_secret(line); /* a refused key too: never written anywhere */
		memset(line, 0, sizeof(line));
	}
	/* Drain and close; the status decides. */
	while (fgets(line, sizeof(line), f) != NULL) {
	}
	memset(line, 0, sizeof(line));
	int status = pclose(f);
	if (status != 0) {
		snprintf(why, n, "failed (status %d)", status == -1 ? -1 : WEXITSTATUS(status));
		wipe(key);
		return NULL;
	}
	return key;
}

/* Refuses p's key from the environment (p->key_env names the variable) if
 * it holds a byte no HTTP header may carry: a CR or LF would start a header
 * line of its own. One line in warnings; the provider is then left without
 * a key, like one not set, and says why when it is asked for. */
static void check_env_key(struct provider *p, struct buf *warnings)
{
	char what[96], why[256];
	if (p->key == NULL || apikey_check(p->key, what, sizeof(what)) == 0)
		return;
	redact_add_secret(p->key); /* refused, and still never written anywhere */
	snprintf(why, sizeof(why), "%s holds %s", p->key_env, what);
	buf_printf(warnings, "circuit: %s; %s is left without a key until it is fixed\n", why,
	           p->name);
	providers_refuse_key(p, why);
}

/* Adds each [provider.NAME] of the config. Its key comes from key_env,
 * else key_file (read by the config), else key_cmd, which waits for the
 * provider's first use (session_start). */
static void add_config_providers(struct session *s, env_fn env, struct buf *warnings)
{
	const struct config *cfg = s->cfg;
	const char *file = cfg->path ? cfg->path : "config";
	size_t builtin = providers_count(s->ps);
	for (size_t i = 0; i < cfg->nproviders; i++) {
		const struct config_provider *cp = &cfg->providers[i];
		if (cp->bad_base_url)
			continue; /* its warning says so; the default address is not what was meant */
		char *key = NULL;
		const char *source = "";
		if (cp->key_env != NULL) {
			const char *v = env(cp->key_env);
			key = v && *v ? xstrdup(v) : NULL;
			source = cp->key_env;
		} else if (cp->key != NULL) {
			key = xstrdup(cp->key);
			source = cp->key_file;
		} else if (cp->key_cmd != NULL) {
			source = "key_cmd";
		}
		redact_add_secret(key);
		struct provider *p = providers_add(s->ps, cp->name, format_of(cp->kind), cp->base_url,
		                                   key, source, (const char *const *)cp->models,
		                                   cp->nmodels);
		wipe(key);
		if (p == NULL && providers_get(s->ps, cp->name) != NULL) {
			buf_printf(warnings, "%s:%d: [provider.%s]: that name is a built-in provider's; "
			           "ignored (give it another name)\n", file, cp->line, cp->name);
		} else if (p == NULL) {
			buf_printf(warnings, "%s:%d: [provider.%s]: too many providers (at most %d with "
			           "the %zu built-in ones); it and the %zu after it are ignored\n", file,
			           cp->line, cp->name, PROVIDERS_MAX, builtin, cfg->nproviders - i - 1);
			break;
		} else if (cp->key_env != NULL)
			check_env_key(p, warnings);
		else if (cp->key == NULL && cp->key_problem != NULL)
			providers_refuse_key(p, cp->key_problem); /* the config warned already */
		else if (cp->key == NULL && cp->key_cmd != NULL)
			s->key_cmd[providers_count(s->ps) - 1] = xstrdup(cp->key_cmd);
	}
}

/* The longest timeout the environment may set: a day. Far past any real
 * wait, and far enough from LLONG_MAX that now + it never overflows. */
#define ENV_TIMEOUT_MAX_MS 86400000L

/* A timeout in ms from the environment (tests use it for short ones), else
 * fallback (the config's). A value that is not a positive whole number is
 * ignored, one past a day is cut to a day: either way one line in warnings
 * names the variable and says what is used instead. */
static long env_ms(env_fn env, const char *name, long fallback, struct buf *warnings)
{
	const char *v = env(name);
	if (v == NULL || *v == '\0')
		return fallback;
	char *end;
	errno = 0;
	long ms = strtol(v, &end, 10);
	bool number = end != v && *end == '\0';
	if (number && errno == 0 && ms > 0 && ms <= ENV_TIMEOUT_MAX_MS)
		return ms;
	long use = fallback;
	const char *what = "is not a whole number of milliseconds";
	if (number && ms <= 0) {
		what = "is not a positive number of milliseconds";
	} else if (number) {
		what = "is more than a day";
		use = ENV_TIMEOUT_MAX_MS;
	}
	size_t n = strlen(v);
	buf_printf(warnings, "circuit: %s='", name);
	sanitize_append(warnings, v, n > 40 ? 40 : n);
	buf_printf(warnings, "%s' %s; using %ld\n", n > 40 ? "..." : "", what, use);
	return use;
}

/* The router's settings: the config's (its defaults when there is none),
 * the environment's timeouts over them. */
static void router_settings(const struct config *cfg, env_fn env, struct router_config *rc,
                            struct buf *warnings)
{
	router_config_init(rc);
	if (cfg != NULL) {
		rc->max_retries = cfg->max_retries;
		rc->breaker.consecutive = cfg->breaker_failures;
		/* "Half of the last 10" must not open it sooner than the failures
		 * in a row the user asked for. */
		if (rc->breaker.window_min_failures < cfg->breaker_failures)
			rc->breaker.window_min_failures = cfg->breaker_failures;
		rc->breaker.open_ms = cfg->breaker_open_ms;
		rc->breaker.open_max_ms = cfg->breaker_open_max_ms;
		rc->connect_timeout_ms = cfg->connect_timeout_ms;
		rc->first_byte_timeout_ms = cfg->first_byte_timeout_ms;
		rc->idle_timeout_ms = cfg->idle_timeout_ms;
	}
	rc->connect_timeout_ms =
		env_ms(env, "CIRCUIT_CONNECT_TIMEOUT_MS", rc->connect_timeout_ms, warnings);
	rc->first_byte_timeout_ms =
		env_ms(env, "CIRCUIT_FIRST_BYTE_TIMEOUT_MS", rc->first_byte_timeout_ms, warnings);
	rc->idle_timeout_ms = env_ms(env, "CIRCUIT_IDLE_TIMEOUT_MS", rc->idle_timeout_ms, warnings);
}

static int open_pipe(struct session *s, struct buf *warnings)
{
	if (pipe(s->sig) < 0) {
		buf_printf(warnings, "circuit: cannot create a pipe: %s\n", strerror(errno));
		s->sig[0] = s->sig[1] = -1;
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(s->sig[i], F_SETFL, O_NONBLOCK);
		fcntl(s->sig[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

/* The --debug log. One that cannot be opened is a warning; the run goes
 * on without it. */
static void open_debug(struct session *s, const char *path, struct buf *warnings)
{
	if (log_open(path) == 0) {
		transport_set_debug(s->t, true);
		return;
	}
	const char *why = errno == ENXIO   ? "nobody reads that FIFO (or it is a socket)"
	                  : errno == ENODEV ? "it is a device, not a file"
	                  : errno == ELOOP  ? "it is a symbolic link"
	                                    : strerror(errno);
	buf_printf(warnings, "circuit: cannot open the debug log %s: %s; going on without it (give "
	           "--debug a file you can write)\n", path, why);
}

int session_open(struct session *s, const struct session_opts *o, struct buf *warnings)
{
	memset(s, 0, sizeof(*s));
	env_fn env = o->env ? o->env : env_process;
	s->cfg = o->config;
	s->ps = providers_new(env);
	for (size_t i = 0; i < providers_count(s->ps); i++)
		check_env_key(providers_at(s->ps, i), warnings);
	if (s->cfg != NULL)
		add_config_providers(s, env, warnings);
	/* Every key is registered whether or not there is a debug log: error
	 * lines, --json and --record files pass the same redaction. */
	for (size_t i = 0; i < providers_count(s->ps); i++) {
		redact_add_secret(providers_at(s->ps, i)->key);
		redact_add_url(providers_at(s->ps, i)->base_url);
	}
	struct router_config rc;
	router_settings(s->cfg, env, &rc, warnings);
	snprintf(s->record_prefix, sizeof(s->record_prefix), "%lld-%ld", clock_unix(),
	         (long)getpid());
	rc.record_dir = o->record_dir;
	rc.record_prefix = s->record_prefix;
	s->rt = router_new(s->ps, &rc, (uint64_t)clock_ms() ^ (uint64_t)getpid());
	s->t = transport_new();
	if (o->fallback != NULL)
		session_set_fallback(s, o->fallback);
	else if (s->cfg != NULL)
		for (size_t i = 0; i < s->cfg->nfallback && s->nfallback < SESSION_CHAIN_MAX; i++)
			s->fallback[s->nfallback++] = xstrdup(s->cfg->fallback[i]);
	if (o->debug_file != NULL)
		open_debug(s, o->debug_file, warnings);
	return open_pipe(s, warnings);
}

void session_close(struct session *s)
{
	transport_free(s->t);
	router_free(s->rt);
	providers_free(s->ps);
	session_set_fallback(s, NULL);
	for (size_t i = 0; i < PROVIDERS_MAX; i++)
		free(s->key_cmd[i]);
	for (int i = 0; i < 2; i++)
		if (s->sig[i] >= 0)
			close(s->sig[i]);
	log_close();
	redact_clear();
	memset(s, 0, sizeof(*s));
	s->sig[0] = s->sig[1] = -1;
}

void session_set_fallback(struct session *s, const char *list)
{
	for (size_t i = 0; i < s->nfallback; i++)
		free(s->fallback[i]);
	s->nfallback = 0;
	if (list == NULL || strcmp(list, "none") == 0)
		return;
	int n = words_split(list, ",", s->fallback, SESSION_CHAIN_MAX);
	s->nfallback = n > 0 ? (size_t)n : 0;
}

void session_fallback_text(const struct session *s, struct buf *out)
{
	if (s->nfallback == 0)
		buf_append_str(out, "none");
	for (size_t i = 0; i < s->nfallback; i++)
		buf_printf(out, "%s%s", i ? "," : "", s->fallback[i]);
}

/* The chain for model: it, then (with_fallback) each fallback but itself. */
static size_t chain_of(const struct session *s, const char *model, bool with_fallback,
                       const char **chain)
{
	size_t n = 0;
	chain[n++] = model;
	for (size_t i = 0; with_fallback && i < s->nfallback && n < SESSION_CHAIN_MAX; i++)
		if (strcmp(s->fallback[i], model) != 0)
			chain[n++] = s->fallback[i];
	return n;
}

/* Runs the key_cmd of spec's provider if it waits for its first use. */
static void load_key(struct session *s, const char *spec)
{
	struct provider *p = NULL;
	const char *m;
	char err[256];
	if (providers_resolve(s->ps, spec, &p, &m, err, sizeof(err)) != -2 || p == NULL)
		return;
	for (size_t i = 0; i < providers_count(s->ps); i++) {
		if (providers_at(s->ps, i) != p || s->key_cmd[i] == NULL)
			continue;
		char why[160], problem[256];
		char *key = run_key_cmd(s->key_cmd[i], why, sizeof(why));
		free(s->key_cmd[i]);
		s->key_cmd[i] = NULL; /* once: a failed command is not run again */
		if (key != NULL) {
			redact_add_secret(key);
			p->key = key;
		} else {
			snprintf(problem, sizeof(problem), "the key_cmd of [provider.%s] %s", p->name,
			         why);
			providers_refuse_key(p, problem);
		}
	}
}

int session_check_model(struct session *s, const char *model, bool with_fallback, char *err,
                        size_t errlen)
{
	const char *chain[SESSION_CHAIN_MAX];
	size_t n = chain_of(s, model, with_fallback, chain);
	struct provider *p;
	const char *m;
	int rc = providers_resolve(s->ps, model, &p, &m, err, errlen);
	if (rc != -2 || p == NULL)
		return rc;
	for (size_t i = 0; i < providers_count(s->ps); i++)
		if (providers_at(s->ps, i) == p && s->key_cmd[i] != NULL)
			return 0; /* its key comes at its first use */
	char skip[256];
	for (size_t i = 1; i < n; i++)
		if (providers_resolve(s->ps, chain[i], &p, &m, skip, sizeof(skip)) == 0)
			return 0; /* the router skips it, saying so */
	return -2;
}

struct routed *session_start(struct session *s, const char *model, bool with_fallback,
                             const struct wire_request *req, const char *prompt,
                             const struct routed_callbacks *cb, void *ctx, long long now,
                             char *err, size_t errlen)
{
	const char *chain[SESSION_CHAIN_MAX];
	size_t n = chain_of(s, model, with_fallback, chain);
	for (size_t i = 0; i < n; i++)
		load_key(s, chain[i]);
	router_set_wall_clock(s->rt, clock_unix());
	return router_start(s->rt, s->t, chain, n, req, prompt, cb, ctx, now, err, errlen);
}

const char *session_label(const char *spec)
{
	return strncmp(spec, "mock:", 5) == 0 && spec[5] != '\0' ? spec + 5 : spec;
}

void session_reply_label(const struct routed *rr, const char *spec, char *out, size_t size)
{
	if (routed_fell_back(rr))
		snprintf(out, size, "%s:%s (fallback)", routed_provider(rr)->name, routed_model(rr));
	else
		snprintf(out, size, "%s", session_label(spec));
}

const char *session_default_model(struct session *s)
{
	if (s->cfg != NULL && s->cfg->model != NULL)
		return s->cfg->model;
	/* "mock", as the user would type it, not "mock:mock". */
	return session_label(providers_default_model(s->ps));
}

bool session_any_key(const struct session *s)
{
	for (size_t i = 0; i < providers_count(s->ps); i++)
		if (providers_at(s->ps, i)->key != NULL)
			return true;
	return false;
}

/* ---- signals ------------------------------------------------------------ */

static int sig_write_fd = -1; /* the handler's end of the pipe */

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (sig_write_fd >= 0 && write(sig_write_fd, &b, 1) < 0) {
		/* a full pipe already holds a wakeup */
	}
	errno = saved;
}

void session_catch(struct session *s, const int *sigs, size_t n, bool once_each)
{
	sig_write_fd = s->sig[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = once_each ? (int)SA_RESETHAND : 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &sa, NULL);
}

void session_uncatch(const int *sigs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		signal(sigs[i], SIG_DFL);
	sig_write_fd = -1;
}

int session_signal_fd(const struct session *s)
{
	return s->sig[0];
}

int session_signal(struct session *s)
{
	unsigned char b;
	if (s->sig[0] >= 0 && read(s->sig[0], &b, 1) == 1)
		return b;
	return 0;
}
