/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonl: --jsonl's event lines, written as they happen. */
#include "app/jsonl.h"

#include <string.h>

#include "util/jsonesc.h"
#include "util/utf8.h"

void jsonl_init(struct jsonl *j, FILE *out, const char *label, bool raw)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->label = label;
	j->raw = raw;
	sanitizer_init(&j->text);
	sanitizer_init(&j->thinking);
	buf_init(&j->line, 0);
}

void jsonl_done(struct jsonl *j)
{
	sanitizer_done(&j->text);
	sanitizer_done(&j->thinking);
	buf_done(&j->line);
}

/* ,"key":"value" with s repaired to UTF-8 first (a name from the config or
 * the command line may be anything). */
static void field(struct buf *b, const char *key, const char *s, size_t n)
{
	struct buf v;
	buf_init(&v, 0);
	utf8_repair(s ? s : "", s ? n : 0, &v);
	buf_printf(b, ",\"%s\":", key);
	jsonesc_append(b, buf_str(&v), v.len);
	buf_done(&v);
}

static void field_str(struct buf *b, const char *key, const char *s)
{
	field(b, key, s, s ? strlen(s) : 0);
}

/* {"label":…,"model":…,"provider":…,"kind":KIND,"t_ms":T, in j->line. */
static void head(struct jsonl *j, const char *kind, long long t_ms)
{
	buf_reset(&j->line);
	buf_append_char(&j->line, '{');
	struct buf v;
	buf_init(&v, 0);
	utf8_repair(j->label, strlen(j->label), &v);
	buf_append_str(&j->line, "\"label\":");
	jsonesc_append(&j->line, buf_str(&v), v.len);
	buf_done(&v);
	field_str(&j->line, "model", j->model);
	field_str(&j->line, "provider", j->provider);
	field_str(&j->line, "kind", kind);
	buf_printf(&j->line, ",\"t_ms\":%lld", t_ms);
}

/* The line ends and goes out. */
static void emit(struct jsonl *j)
{
	buf_append_str(&j->line, "}\n");
	fwrite(j->line.data, 1, j->line.len, j->out);
}

/* A line of kind with t as its text; nothing when t is empty. */
static void text_line(struct jsonl *j, const char *kind, long long t_ms, const struct buf *t)
{
	if (t->len == 0)
		return;
	head(j, kind, t_ms);
	buf_append_str(&j->line, ",\"text\":");
	jsonesc_append(&j->line, buf_str(t), t->len);
	emit(j);
}

/* A piece of text, thinking or a refusal: as it came (raw, repaired to
 * UTF-8), else through s (a stream's sanitizer, which may hold a CR back
 * for the next piece), else sanitised alone. */
static void piece(struct jsonl *j, const char *kind, struct sanitizer *s, bool raw,
                  long long t_ms, const char *p, size_t n)
{
	struct buf t;
	buf_init(&t, 0);
	if (raw)
		utf8_repair(p, n, &t);
	else if (s != NULL)
		sanitizer_feed(s, p, n, &t);
	else
		sanitize_append(&t, p, n);
	text_line(j, kind, t_ms, &t);
	buf_done(&t);
}

void jsonl_event(struct jsonl *j, long long t_ms, const struct wire_event *ev)
{
	switch (ev->type) {
	case WIRE_EV_TEXT:
		piece(j, "text", &j->text, j->raw, t_ms, ev->text, ev->len);
		break;
	case WIRE_EV_THINKING:
		piece(j, "thinking", &j->thinking, false, t_ms, ev->text, ev->len);
		break;
	case WIRE_EV_REFUSAL:
		piece(j, "refusal", NULL, j->raw, t_ms, ev->text, ev->len);
		break;
	case WIRE_EV_TOOL_CALL:
		head(j, "tool", t_ms);
		field_str(&j->line, "name", ev->tool_name);
		field_str(&j->line, "arguments", ev->tool_args);
		emit(j);
		break;
	case WIRE_EV_STOP:
		head(j, "stop", t_ms);
		field_str(&j->line, "stop", ev->reason);
		emit(j);
		break;
	case WIRE_EV_SERVER_TOOL:
		head(j, "server_tool", t_ms);
		field_str(&j->line, "id", ev->tool_id);
		field_str(&j->line, "name", ev->tool_name);
		field_str(&j->line, "argument", ev->tool_args);
		buf_printf(&j->line, ",\"result\":%s", ev->result ? "true" : "false");
		field(&j->line, "text", ev->text, ev->len);
		emit(j);
		break;
	case WIRE_EV_CITATION:
		head(j, "citation", t_ms);
		field_str(&j->line, "url", ev->url);
		field_str(&j->line, "title", ev->title);
		emit(j);
		break;
	case WIRE_EV_MARKER:
		head(j, "marker", t_ms);
		field(&j->line, "text", ev->text, ev->len);
		emit(j);
		break;
	case WIRE_EV_IMAGE: /* jsonl_image, once it is saved */
	case WIRE_EV_USAGE:
	case WIRE_EV_ERROR:
		break;
	}
}

void jsonl_image(struct jsonl *j, long long t_ms, const char *mime, long long size,
                 const char *path, const char *line)
{
	head(j, "image", t_ms);
	field_str(&j->line, "mime", mime);
	if (size >= 0) {
		buf_printf(&j->line, ",\"bytes\":%lld", size);
		field_str(&j->line, "path", path);
	} else {
		field_str(&j->line, "error", line);
	}
	emit(j);
}

void jsonl_note(struct jsonl *j, const char *kind, long long t_ms, const char *text)
{
	head(j, kind, t_ms);
	if (text != NULL)
		field_str(&j->line, "text", text);
	emit(j);
}

/* What s held back, as one last line of kind. */
static void held(struct jsonl *j, const char *kind, struct sanitizer *s, long long t_ms)
{
	struct buf t;
	buf_init(&t, 0);
	sanitizer_finish(s, &t);
	text_line(j, kind, t_ms, &t);
	buf_done(&t);
}

void jsonl_finish(struct jsonl *j, long long t_ms)
{
	held(j, "text", &j->text, t_ms);
	held(j, "thinking", &j->thinking, t_ms);
}
