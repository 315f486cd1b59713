/* SPDX-License-Identifier: GPL-3.0-or-later */
/* turns: a conversation's messages as the provider sees them. */
#include "app/turns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/attachment.h"
#include "util/buf.h"
#include "util/mem.h"

static struct wire_message user_turn(struct turns *t, const struct message *m)
{
	struct wire_message w = {.role = WIRE_ROLE_USER, .text = buf_str(&m->raw)};
	if (m->att.n == 0)
		return w;
	struct buf b;
	buf_init(&b, 0);
	attachments_fold(&b, buf_str(&m->raw), &m->att);
	t->joined[t->njoined++] = xstrdup(buf_str(&b));
	buf_done(&b);
	w.text = t->joined[t->njoined - 1];
	w.images = t->images + t->nimages;
	w.nimages = attachments_images(&m->att, t->images + t->nimages, m->att.n);
	t->nimages += w.nimages;
	return w;
}

static void reply_turn(struct turns *t, const struct message *m)
{
	struct wire_message *prev = t->n > 0 ? &t->msgs[t->n - 1] : NULL;
	if (prev == NULL || prev->role != WIRE_ROLE_ASSISTANT) {
		t->msgs[t->n++] =
			(struct wire_message){.role = WIRE_ROLE_ASSISTANT, .text = buf_str(&m->raw)};
		return;
	}
	size_t len = strlen(prev->text) + m->raw.len + 1;
	char *j = xmalloc(len);
	snprintf(j, len, "%s%s", prev->text, buf_str(&m->raw));
	t->joined[t->njoined++] = j;
	prev->text = j;
}

void turns_build(struct turns *t, const struct conversation *conv, size_t from)
{
	memset(t, 0, sizeof(*t));
	t->msgs = xcalloc(conv->n + 1, sizeof(*t->msgs));
	t->joined = xcalloc(conv->n + 1, sizeof(*t->joined));
	size_t files = 0;
	for (size_t i = from; i < conv->n; i++)
		files += conv->v[i]->att.n;
	t->images = xcalloc(files + 1, sizeof(*t->images));
	for (size_t i = from; i < conv->n; i++) {
		const struct message *m = conv->v[i];
		if (m->dropped || m->queued)
			continue;
		if (m->kind == MSG_USER) {
			t->msgs[t->n] = user_turn(t, m);
			t->bytes += strlen(t->msgs[t->n++].text);
		} else if (m->kind == MSG_ASSISTANT && !m->streaming && m->raw.len > 0) {
			reply_turn(t, m);
			t->bytes += m->raw.len;
		}
	}
}

void turns_free(struct turns *t)
{
	for (size_t i = 0; i < t->njoined; i++)
		free(t->joined[i]);
	free(t->joined);
	free(t->images);
	free(t->msgs);
	memset(t, 0, sizeof(*t));
}
