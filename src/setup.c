/* SPDX-License-Identifier: GPL-3.0-or-later */
/* setup: what the config file adds to the providers. */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/mem.h"

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

/* The first line key_cmd prints (a password manager, say), or NULL. */
static char *run_key_cmd(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	if (f == NULL)
		return NULL;
	char line[4096];
	char *key = NULL;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			key = xstrdup(line);
	}
	/* Drain and close; the status decides. */
	while (fgets(line, sizeof(line), f) != NULL) {
	}
	int status = pclose(f);
	if (status != 0) {
		free(key);
		return NULL;
	}
	return key;
}

void setup_providers(struct providers *ps, const struct config *cfg, env_fn env,
                     struct buf *warnings)
{
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
			key = run_key_cmd(cp->key_cmd);
			source = "key_cmd";
			if (key == NULL)
				buf_printf(warnings, "%s:%d: key_cmd of [provider.%s] printed no key\n",
				           cfg->path ? cfg->path : "config", cp->line, cp->name);
		}
		log_add_secret(key);
		if (providers_add(ps, cp->name, format_of(cp->kind), cp->base_url, key, source,
		                  (const char *const *)cp->models, cp->nmodels) == NULL)
			buf_printf(warnings, "%s:%d: [provider.%s]: that name is taken (or too many "
			           "providers); ignored\n",
			           cfg->path ? cfg->path : "config", cp->line, cp->name);
		if (key != NULL) {
			memset(key, 0, strlen(key));
			free(key);
		}
	}
}

int split_list(const char *list, char **out, size_t max)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0) {
			if (n == max) {
				while (n > 0)
					free(out[--n]);
				return -1;
			}
			out[n++] = xstrndup(p, len);
		}
		p += end ? (size_t)(end - p) + 1 : strlen(p);
	}
	return (int)n;
}
