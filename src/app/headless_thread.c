/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless_thread: the conversation a headless run goes on with (circuit -c,
 * --resume ID -p). */
#include "app/headless_thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mem.h"

#define NOTHING_YET                                                                               \
	"circuit: the history has no conversation yet to go on with; start one without -c\n"

/* The model that answered last in the thread, as the screen's --resume
 * picks it (screen_history.c), when s still knows it. */
static char *model_of_thread(const struct conversation *c, struct session *s)
{
	for (size_t i = c->n; i-- > 0;) {
		const struct message *m = c->v[i];
		if (m->kind != MSG_ASSISTANT || m->dropped || !m->has_metrics || !m->metrics.provider[0])
			continue;
		char name[128], err[256];
		snprintf(name, sizeof(name), "%s:%s", m->metrics.provider, m->metrics.model);
		if (session_check_model(s, name, true, err, sizeof(err)) != 0)
			return NULL;
		return xstrdup(strcmp(m->metrics.provider, "mock") == 0 ? m->metrics.model : name);
	}
	return NULL;
}

/* A reply that follows a reply (a /continue) is one turn with it, joined
 * with nothing between, as the screen sends it. */
static void add_reply(struct headless_thread *t, const struct message *m)
{
	struct wire_message *prev = t->nmsgs > 0 ? &t->msgs[t->nmsgs - 1] : NULL;
	if (prev == NULL || prev->role != WIRE_ROLE_ASSISTANT) {
		t->msgs[t->nmsgs++] = (struct wire_message){WIRE_ROLE_ASSISTANT, buf_str(&m->raw)};
		return;
	}
	size_t len = strlen(prev->text) + m->raw.len + 1;
	char *j = xmalloc(len);
	snprintf(j, len, "%s%s", prev->text, buf_str(&m->raw));
	t->joined[t->njoined++] = j;
	prev->text = j;
}

/* The turns the provider should see: prompts and replies of the thread,
 * those a /retry replaced and a compare's columns not adopted left out
 * (loaded dropped), replies without text (failed before their first
 * token) too. One slot is left for the new prompt. */
static void turns_of(struct headless_thread *t)
{
	t->msgs = xcalloc(t->c.n + 1, sizeof(*t->msgs));
	t->joined = xcalloc(t->c.n + 1, sizeof(*t->joined));
	for (size_t i = 0; i < t->c.n; i++) {
		const struct message *m = t->c.v[i];
		if (m->dropped)
			continue;
		if (m->kind == MSG_USER)
			t->msgs[t->nmsgs++] = (struct wire_message){WIRE_ROLE_USER, buf_str(&m->raw)};
		else if (m->kind == MSG_ASSISTANT && m->raw.len > 0)
			add_reply(t, m);
		else
			continue;
		t->bytes += m->raw.len;
	}
}

int headless_thread_open(struct headless_thread *t, const char *path, long long id,
                         struct session *s)
{
	memset(t, 0, sizeof(*t));
	conv_init(&t->c);
	char buf[1024], err[512];
	const char *p = path ? path : history_default_path(buf, sizeof(buf));
	if (p == NULL) {
		fputs("circuit: neither XDG_DATA_HOME nor HOME says where the history is\n", stderr);
		return 1;
	}
	struct stat st;
	if (stat(p, &st) < 0 && errno == ENOENT) { /* not made just to say there is nothing */
		fputs(NOTHING_YET, stderr);
		return 2;
	}
	t->h = history_open(p, err, sizeof(err));
	if (t->h == NULL) {
		fprintf(stderr, "circuit: %s\n", err);
		return 1;
	}
	long long conv = id > 0 ? id : history_last(t->h);
	int has = conv > 0 ? history_has(t->h, conv) : (int)conv;
	if (has == 0 && conv == 0) {
		fputs(NOTHING_YET, stderr);
		return 2;
	}
	if (has == 0) {
		fprintf(stderr, "circuit: there is no conversation %lld in the history; circuit "
		        "--sessions lists them\n", conv);
		return 2;
	}
	if (has < 0 || history_load(t->h, conv, &t->c, &t->system) < 0) {
		fprintf(stderr, "circuit: cannot read the history: %s\n", history_error(t->h));
		return 1;
	}
	t->conv = conv;
	t->model = model_of_thread(&t->c, s);
	turns_of(t);
	return 0;
}

void headless_thread_request(struct headless_thread *t, const char *system,
                             const struct wire_message *prompt, struct wire_request *req)
{
	t->msgs[t->nmsgs] = *prompt;
	req->system = system != NULL ? system : t->system;
	req->messages = t->msgs;
	req->nmessages = t->nmsgs + 1;
}

void headless_thread_close(struct headless_thread *t)
{
	for (size_t i = 0; i < t->njoined; i++)
		free(t->joined[i]);
	free(t->joined);
	free(t->msgs);
	free(t->model);
	free(t->system);
	conv_done(&t->c);
	history_close(t->h);
	memset(t, 0, sizeof(*t));
}
