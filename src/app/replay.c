/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay: decode a recorded response body offline (circuit --replay).
 * The bug-report tool: what a user recorded goes through exactly the
 * pipeline a live stream does. */
#include "app/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/console.h"
#include "app/images.h"
#include "app/mdterm.h"
#include "app/output.h"
#include "util/buf.h"
#include "util/jsonesc.h"
#include "util/redact.h"
#include "util/utf8.h"
#include "wire/decoder.h"
#include "wire/sse.h"

#define CHUNK 65536
#define ERROR_BODY_MAX ((size_t)1 << 20)

struct out {
	bool events;
	struct console con;
	struct buf line; /* --events: one JSON line */
	/* What the summary line reports. */
	char reason[64];
	struct wire_usage usage;
	bool have_usage;
	struct wire_clean clean; /* the choke point, as net/stream has it */
	const char *save_images; /* --save-images DIR, or NULL */
};

static void put(FILE *f, const struct buf *b)
{
	if (b->len > 0)
		fwrite(b->data, 1, b->len, f);
	output_note(f);
}

/* An error event: one line, what happened, then the facts in brackets. */
static void print_error(struct out *o, const struct wire_error *e)
{
	struct buf b;
	buf_init(&b, 0);
	const char *kind = wire_error_kind_name(e->kind);
	buf_append_str(&b, e->message);
	buf_printf(&b, " (%s", kind);
	if (*e->code && strcmp(e->code, kind) != 0)
		buf_printf(&b, ", %s", e->code);
	if (e->http_status > 0)
		buf_printf(&b, ", HTTP %d", e->http_status);
	if (e->retry_after_ms >= 0)
		buf_printf(&b, ", retry after %lld ms", e->retry_after_ms);
	buf_append_char(&b, ')');
	console_end(&o->con); /* the text so far ends its line first */
	console_notice(&o->con, buf_str(&b));
	buf_done(&b);
}

/* One event as the choke point left it: printed, and noted for the
 * summary. */
static void show(void *ctx, const struct wire_event *ev)
{
	struct out *o = ctx;
	if (ev->type == WIRE_EV_USAGE) {
		o->usage = ev->usage;
		o->have_usage = true;
	} else if (ev->type == WIRE_EV_STOP) {
		utf8_copy(o->reason, sizeof(o->reason), ev->reason);
	}
	if (o->events) {
		buf_reset(&o->line);
		wire_event_to_json(ev, &o->line);
		buf_append_char(&o->line, '\n');
		put(stdout, &o->line);
		return;
	}
	switch (ev->type) {
	case WIRE_EV_TEXT: console_text(&o->con, ev->text, ev->len); break;
	case WIRE_EV_THINKING: console_thinking(&o->con, ev->text, ev->len); break;
	case WIRE_EV_REFUSAL: console_refusal(&o->con, ev->text, ev->len); break;
	case WIRE_EV_TOOL_CALL: console_tool_call(&o->con, ev->tool_name, ev->tool_args); break;
	case WIRE_EV_ERROR: print_error(o, ev->error); break;
	case WIRE_EV_SERVER_TOOL:
		console_server_tool(&o->con, ev->tool_name, ev->tool_args, ev->result, ev->text,
		                    ev->len);
		break;
	case WIRE_EV_CITATION: console_citation(&o->con, ev->url, ev->title); break;
	case WIRE_EV_IMAGE: {
		char path[1200], line[2600];
		image_keep(o->save_images, ev->mime, ev->text, ev->len, path, sizeof(path), line,
		           sizeof(line));
		console_line(&o->con, line);
		break;
	}
	case WIRE_EV_MARKER: console_marker(&o->con, ev->text, ev->len); break;
	case WIRE_EV_USAGE:
	case WIRE_EV_STOP: break;
	}
}

/* Every decoded event passes the choke point, as in net/stream.c: fields
 * through util/untrusted, keys out of the text. */
static void on_event(void *ctx, const struct wire_event *raw)
{
	struct out *o = ctx;
	wire_clean_pass(&o->clean, raw, show, o);
}

static void on_sse(void *ctx, const struct sse_event *ev)
{
	struct buf *line = ctx;
	buf_reset(line);
	buf_append_str(line, "{\"event\":");
	jsonesc_append(line, ev->type, ev->type_len);
	buf_append_str(line, ",\"data\":");
	struct buf red; /* a server may quote a key back in any event */
	buf_init(&red, 0);
	redact_append(&red, ev->data, ev->data_len);
	jsonesc_append(line, buf_str(&red), red.len);
	buf_done(&red);
	buf_append_str(line, ",\"id\":");
	jsonesc_append(line, ev->id, ev->id_len);
	if (ev->retry >= 0)
		buf_printf(line, ",\"retry\":%lld", ev->retry);
	buf_append_str(line, "}\n");
	put(stdout, line);
}

static int open_input(const char *file)
{
	if (strcmp(file, "-") == 0)
		return STDIN_FILENO;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "circuit: cannot read %s: %s\n", file, strerror(errno));
	return fd;
}

/* Reads fd to the end, handing each read to feed; stops early when
 * standard output cannot be written (output_status says so at the end).
 * Returns 0, or -1 on a read error (reported). */
static int pump(int fd, const char *file, int (*feed)(void *, const char *, size_t), void *ctx)
{
	char *chunk = malloc(CHUNK);
	if (chunk == NULL)
		return -1;
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "circuit: cannot read %s: %s\n", file, strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0 || feed(ctx, chunk, (size_t)n) < 0 || output_flush(stdout) != 0)
			break;
	}
	free(chunk);
	return rc;
}

static int feed_sse(void *ctx, const char *p, size_t n)
{
	return sse_feed(ctx, p, n);
}

static int feed_decoder(void *ctx, const char *p, size_t n)
{
	return wire_decoder_feed(ctx, p, n);
}

static int feed_body(void *ctx, const char *p, size_t n)
{
	return buf_append(ctx, p, n);
}

static int replay_sse(int fd, const char *file)
{
	struct buf line;
	buf_init(&line, 0);
	struct sse_parser p;
	sse_init(&p, SSE_DEFAULT_MAX, on_sse, &line);
	int rc = pump(fd, file, feed_sse, &p);
	bool failed = p.failed;
	sse_finish(&p);
	sse_done(&p);
	buf_done(&line);
	if (failed)
		fprintf(stderr, "circuit: a line or event in %s passed the 1 MiB limit; stopped there\n",
		        file);
	int out = output_status();
	return out != 0 ? out : rc < 0 || failed ? 1 : 0;
}

static void summary(struct out *o, size_t malformed)
{
	if (!o->events)
		console_end(&o->con);
	if (malformed > 0)
		fprintf(stderr, "circuit: skipped %zu malformed event(s)\n", malformed);
	if (o->events || (o->reason[0] == '\0' && !o->have_usage))
		return;
	/* The stop reason passed wire_clean in on_event. */
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "[stop: %s", o->reason[0] ? o->reason : "-");
	if (o->have_usage) {
		if (o->usage.input >= 0)
			buf_printf(&b, " · in %lld", o->usage.input);
		if (o->usage.output >= 0)
			buf_printf(&b, " · out %lld", o->usage.output);
		if (o->usage.thinking >= 0)
			buf_printf(&b, " · thinking %lld", o->usage.thinking);
	}
	buf_append_str(&b, "]\n");
	put(stderr, &b);
	buf_done(&b);
}

int replay_run(const struct replay_opts *opt)
{
	enum wire_format f = WIRE_OPENAI;
	bool sse = strcmp(opt->wire, "sse") == 0;
	if (sse && !opt->events) {
		fputs("circuit: --wire sse prints raw events: add --events\n", stderr);
		return 2;
	}
	if (!sse && wire_format_parse(opt->wire, &f) < 0) {
		fprintf(stderr,
		        "circuit: unknown wire format '%s' (expected openai, openai-responses, "
		        "anthropic, gemini, gemini-json, ollama or sse)\n",
		        opt->wire);
		return 2;
	}
	int fd = open_input(opt->file);
	if (fd < 0)
		return 1;
	if (sse) {
		int rc = replay_sse(fd, opt->file);
		if (fd != STDIN_FILENO)
			close(fd);
		return rc;
	}

	struct out o = {.events = opt->events, .save_images = opt->save_images};
	console_init(&o.con, stdout, stderr, opt->raw, !opt->no_color && isatty(STDERR_FILENO));
	wire_clean_init(&o.clean);
	if (!opt->events && mdterm_wanted(opt->raw, opt->render, false, STDOUT_FILENO))
		console_render(&o.con, mdterm_for(stdout, opt->no_color));
	buf_init(&o.line, 0);
	int status = 0;
	size_t malformed = 0;

	if (opt->status > 0) {
		struct buf body;
		buf_init(&body, ERROR_BODY_MAX);
		int rc = pump(fd, opt->file, feed_body, &body);
		struct wire_error e;
		wire_error_init(&e);
		wire_parse_error_body(f, opt->status, buf_str(&body), body.len, &e);
		struct wire_event ev = {.type = WIRE_EV_ERROR, .error = &e};
		if (rc == 0)
			on_event(&o, &ev);
		wire_error_done(&e);
		buf_done(&body);
		status = 1;
	} else {
		struct wire_decoder *d = wire_decoder_new(f, NULL, on_event, &o);
		int rc = pump(fd, opt->file, feed_decoder, d);
		int done = wire_decoder_finish(d);
		wire_clean_flush(&o.clean, show, &o); /* the text held back last */
		malformed = wire_decoder_malformed(d);
		wire_decoder_free(d);
		status = rc < 0 || done < 0 ? 1 : 0;
	}
	summary(&o, malformed);
	console_done(&o.con);
	wire_clean_done(&o.clean);
	buf_done(&o.line);
	if (fd != STDIN_FILENO)
		close(fd);
	int out = output_status();
	return out != 0 ? out : status;
}
