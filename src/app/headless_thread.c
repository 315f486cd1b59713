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
		fprintf(stderr, NO_SUCH_CONVERSATION, conv);
		return 2;
	}
	if (has < 0 || history_load(t->h, conv, &t->c, &t->system) < 0) {
		fprintf(stderr, "circuit: cannot read the history: %s\n", history_error(t->h));
		return 1;
	}
	t->conv = conv;
	t->model = model_of_thread(&t->c, s);
	turns_build(&t->turns, &t->c, 0);
	return 0;
}

void headless_thread_request(struct headless_thread *t, const char *system,
                             const struct wire_message *prompt, struct wire_request *req)
{
	t->turns.msgs[t->turns.n] = *prompt;
	req->system = system != NULL ? system : t->system;
	req->messages = t->turns.msgs;
	req->nmessages = t->turns.n + 1;
}

void headless_thread_close(struct headless_thread *t)
{
	turns_free(&t->turns);
	free(t->model);
	free(t->system);
	conv_done(&t->c);
	history_close(t->h);
	memset(t, 0, sizeof(*t));
}
