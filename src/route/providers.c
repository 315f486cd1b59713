/* SPDX-License-Identifier: GPL-3.0-or-later */
/* providers: the built-in providers, model -> provider, and requests. */
#include "route/providers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/mock.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/url.h"

enum { P_OPENAI, P_ANTHROPIC, P_GOOGLE, P_OLLAMA, P_MOCK, P_COUNT };

struct providers {
	struct provider p[PROVIDERS_MAX];
	size_t n;
	char *default_model;
};

const char *env_process(const char *name)
{
	return getenv(name);
}

static char *env_dup(env_fn env, const char *name)
{
	const char *v = env(name);
	return v != NULL && *v ? xstrdup(v) : NULL;
}

/* Where each wire format's own service listens. */
static const char *usual_base(enum wire_format f)
{
	switch (f) {
	case WIRE_OPENAI:
	case WIRE_OPENAI_RESPONSES: return "https://api.openai.com/v1";
	case WIRE_ANTHROPIC: return "https://api.anthropic.com";
	case WIRE_GEMINI:
	case WIRE_GEMINI_JSON: return "https://generativelanguage.googleapis.com";
	case WIRE_OLLAMA: return "http://127.0.0.1:11434";
	case WIRE_FORMAT_COUNT: break;
	}
	return "";
}

/* base without slashes ending its path (a query such as Azure's
 * ?api-version=... stays); OLLAMA_HOST may be bare host:port. */
static char *base_url(env_fn env, const char *var, const char *fallback, bool add_scheme)
{
	const char *v = env(var);
	struct buf b;
	buf_init(&b, 0);
	if (v == NULL || *v == '\0')
		v = fallback;
	if (add_scheme && strstr(v, "://") == NULL)
		buf_append_str(&b, "http://");
	buf_append_str(&b, v);
	url_trim_slashes(&b);
	return b.data;
}

struct providers *providers_new(env_fn env)
{
	struct providers *ps = xcalloc(1, sizeof(*ps));
	ps->p[P_OPENAI] = (struct provider){
		.name = "openai", .format = WIRE_OPENAI, .key_env = "OPENAI_API_KEY",
		.key = env_dup(env, "OPENAI_API_KEY"), .base_env = "OPENAI_BASE_URL",
		.base_url = base_url(env, "OPENAI_BASE_URL", usual_base(WIRE_OPENAI), false),
		.default_model = "gpt-4o-mini",
	};
	ps->p[P_ANTHROPIC] = (struct provider){
		.name = "anthropic", .format = WIRE_ANTHROPIC, .key_env = "ANTHROPIC_API_KEY",
		.key = env_dup(env, "ANTHROPIC_API_KEY"), .base_env = "ANTHROPIC_BASE_URL",
		.base_url = base_url(env, "ANTHROPIC_BASE_URL", usual_base(WIRE_ANTHROPIC), false),
		.default_model = "claude-sonnet-4-5",
	};
	char *gkey = env_dup(env, "GEMINI_API_KEY");
	const char *gvar = "GEMINI_API_KEY";
	if (gkey == NULL && (gkey = env_dup(env, "GOOGLE_API_KEY")) != NULL)
		gvar = "GOOGLE_API_KEY";
	ps->p[P_GOOGLE] = (struct provider){
		.name = "google", .format = WIRE_GEMINI, .key_env = gvar, .key = gkey,
		.base_env = "GEMINI_BASE_URL",
		.base_url = base_url(env, "GEMINI_BASE_URL", usual_base(WIRE_GEMINI), false),
		.default_model = "gemini-2.5-flash",
	};
	ps->p[P_OLLAMA] = (struct provider){
		.name = "ollama", .format = WIRE_OLLAMA, .key_env = "", .base_env = "OLLAMA_HOST",
		.base_url = base_url(env, "OLLAMA_HOST", usual_base(WIRE_OLLAMA), true),
		.default_model = "llama3.2",
	};
	ps->p[P_MOCK] = (struct provider){
		.name = "mock", .format = WIRE_OPENAI, .key_env = "", .default_model = "mock",
	};
	ps->n = P_COUNT;
	return ps;
}

void providers_free(struct providers *ps)
{
	if (ps == NULL)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		struct provider *p = &ps->p[i];
		free(p->key);
		free(p->key_problem);
		free(p->base_url);
		for (size_t k = 0; k < p->nmodels; k++)
			free(p->models[k]);
		free(p->models);
		if (p->owned) {
			free((char *)p->name);
			free((char *)p->key_env);
			free((char *)p->default_model);
		}
	}
	free(ps->default_model);
	free(ps);
}

void providers_refuse_key(struct provider *p, const char *why)
{
	if (p->key != NULL) {
		memset(p->key, 0, strlen(p->key));
		free(p->key);
		p->key = NULL;
	}
	free(p->key_problem);
	p->key_problem = xstrdup(why);
}

struct provider *providers_get(struct providers *ps, const char *name)
{
	if (strcmp(name, "gemini") == 0)
		name = "google";
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, name) == 0)
			return &ps->p[i];
	return NULL;
}

size_t providers_count(const struct providers *ps)
{
	return ps->n;
}

struct provider *providers_at(struct providers *ps, size_t i)
{
	return i < ps->n ? &ps->p[i] : NULL;
}

const char *providers_default_model(struct providers *ps)
{
	for (int i = P_OPENAI; i <= P_GOOGLE; i++) {
		if (ps->p[i].key != NULL) {
			free(ps->default_model);
			size_t n = strlen(ps->p[i].name) + strlen(ps->p[i].default_model) + 2;
			ps->default_model = xmalloc(n);
			snprintf(ps->default_model, n, "%s:%s", ps->p[i].name, ps->p[i].default_model);
			return ps->default_model;
		}
	}
	return "mock:mock";
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static struct provider *by_model_name(struct providers *ps, const char *model)
{
	if (starts(model, "gpt-") || starts(model, "chatgpt-") ||
	    (model[0] == 'o' && model[1] >= '0' && model[1] <= '9'))
		return &ps->p[P_OPENAI];
	if (starts(model, "claude-"))
		return &ps->p[P_ANTHROPIC];
	if (starts(model, "gemini-"))
		return &ps->p[P_GOOGLE];
	if (mock_is_variant(model))
		return &ps->p[P_MOCK];
	for (size_t i = P_COUNT; i < ps->n; i++)
		for (size_t k = 0; k < ps->p[i].nmodels; k++)
			if (strcmp(ps->p[i].models[k], model) == 0)
				return &ps->p[i];
	return NULL;
}

const char *providers_key_names(const struct providers *ps, const struct provider *p)
{
	if (p == &ps->p[P_GOOGLE] && p->key == NULL)
		return "GEMINI_API_KEY or GOOGLE_API_KEY";
	return p->key_env;
}

int providers_resolve(struct providers *ps, const char *spec, struct provider **p,
                      const char **model, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	struct provider *found = NULL;
	const char *name = spec;
	if (colon != NULL) {
		char prov[32];
		size_t n = (size_t)(colon - spec);
		if (n < sizeof(prov)) {
			memcpy(prov, spec, n);
			prov[n] = '\0';
			found = providers_get(ps, prov);
		}
		if (found != NULL)
			name = colon + 1;
		else if (n < sizeof(prov) && n > 0 && strchr(colon + 1, ':') == NULL &&
		         by_model_name(ps, spec) == NULL) {
			/* Every name there is, the config's [provider.NAME]s too. */
			struct buf names;
			buf_init(&names, 0);
			for (size_t i = 0; i < ps->n; i++)
				buf_printf(&names, "%s%s", i == 0 ? "" : i + 1 == ps->n ? " or " : ", ",
				           ps->p[i].name);
			snprintf(err, errlen, "unknown provider '%.*s' in '%s': use %s", (int)n, spec,
			         spec, buf_str(&names));
			buf_done(&names);
			return -1;
		}
	}
	if (found == NULL)
		found = by_model_name(ps, spec);
	if (found == NULL) {
		snprintf(err, errlen,
		         "unknown model '%s': name its provider, e.g. -m ollama:%s or -m openai:%s",
		         spec, spec, spec);
		return -1;
	}
	if (*name == '\0')
		name = found->default_model;
	if (found == &ps->p[P_MOCK] && !mock_is_variant(name)) {
		snprintf(err, errlen,
		         "unknown mock model '%s': use mock, mock-fast, mock-slow or mock-flaky", name);
		return -1;
	}
	if (found->key == NULL && found->key_problem != NULL) {
		snprintf(err, errlen, "%s has no usable key: %s; fix it (or use -m mock to try "
		         "circuit offline)", found->name, found->key_problem);
		*p = found;
		return -2;
	}
	if (*found->key_env != '\0' && found->key == NULL) {
		snprintf(err, errlen, "%s needs an API key: set %s (or use -m mock to try circuit "
		         "offline)", found->name, providers_key_names(ps, found));
		*p = found;
		return -2;
	}
	*p = found;
	*model = name;
	return 0;
}

struct provider *providers_add(struct providers *ps, const char *name, enum wire_format format,
                               const char *base_url, const char *key, const char *key_source,
                               const char *const *models, size_t nmodels)
{
	if (ps->n == PROVIDERS_MAX || providers_get(ps, name) != NULL)
		return NULL;
	struct provider *p = &ps->p[ps->n++];
	memset(p, 0, sizeof(*p));
	p->owned = true;
	p->name = xstrdup(name);
	p->format = format;
	p->key = key != NULL && *key ? xstrdup(key) : NULL;
	p->key_env = xstrdup(key_source ? key_source : "");
	struct buf b;
	buf_init(&b, 0);
	/* No base_url in the config: the kind's usual address. */
	buf_append_str(&b, base_url != NULL && *base_url ? base_url : usual_base(format));
	url_trim_slashes(&b);
	p->base_url = b.data ? b.data : xstrdup("");
	p->base_env = NULL;
	p->models = xcalloc(nmodels ? nmodels : 1, sizeof(*p->models));
	for (size_t i = 0; i < nmodels; i++)
		p->models[p->nmodels++] = xstrdup(models[i]);
	p->default_model = xstrdup(nmodels > 0 ? models[0] : "");
	return p;
}

/* Model names go into Gemini's URL path: percent-encode anything unusual. */
static void append_path_segment(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			buf_append_char(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_append(b, e, 3);
		}
	}
}

static char *header(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	char *h = xmalloc(n);
	snprintf(h, n, "%s: %s", name, value);
	return h;
}

void provider_request_build(const struct provider *p, const char *model,
                            const struct wire_request *req, struct provider_request *out)
{
	memset(out, 0, sizeof(*out));
	struct wire_request r = *req;
	r.model = model;
	out->body = wire_build_request(p->format, &r, &out->body_len);
	if (p->base_url == NULL)
		return; /* mock: no URL, no headers */
	/* The path after the base URL's; its query, if any, goes last. */
	struct buf path, url;
	buf_init(&path, 0);
	buf_init(&url, 0);
	const char *query = NULL;
	switch (p->format) {
	case WIRE_OPENAI:
		buf_append_str(&path, "/chat/completions");
		break;
	case WIRE_OPENAI_RESPONSES:
		buf_append_str(&path, "/responses");
		break;
	case WIRE_ANTHROPIC:
		buf_append_str(&path, "/v1/messages");
		break;
	case WIRE_GEMINI:
	case WIRE_GEMINI_JSON:
		buf_append_str(&path, "/v1beta/models/");
		append_path_segment(&path, model);
		buf_append_str(&path, ":streamGenerateContent");
		query = p->format == WIRE_GEMINI ? "alt=sse" : NULL;
		break;
	case WIRE_OLLAMA:
		buf_append_str(&path, "/api/chat");
		break;
	case WIRE_FORMAT_COUNT:
		break;
	}
	url_join(&url, p->base_url, buf_str(&path), query);
	buf_done(&path);
	out->url = url.data;
	if (p->key != NULL) {
		switch (p->format) {
		case WIRE_ANTHROPIC:
			out->headers[out->nheaders++] = header("x-api-key", p->key);
			break;
		case WIRE_GEMINI:
		case WIRE_GEMINI_JSON:
			out->headers[out->nheaders++] = header("x-goog-api-key", p->key);
			break;
		default: {
			size_t n = strlen(p->key) + 8;
			char *v = xmalloc(n);
			snprintf(v, n, "Bearer %s", p->key);
			out->headers[out->nheaders++] = header("Authorization", v);
			free(v);
		}
		}
	}
	if (p->format == WIRE_ANTHROPIC)
		out->headers[out->nheaders++] = header("anthropic-version", "2023-06-01");
	out->headers[out->nheaders++] = header("Accept", p->format == WIRE_OLLAMA
	                                                     ? "application/x-ndjson"
	                                                     : "text/event-stream");
}

void provider_request_done(struct provider_request *r)
{
	free(r->url);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
