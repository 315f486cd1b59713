/* SPDX-License-Identifier: GPL-3.0-or-later */
/* console: a reply written to a shell (headless, --replay). */
#include "app/console.h"

#include <string.h>

#include "app/output.h"
#include "app/traces.h"

void console_init(struct console *c, FILE *out, FILE *err, bool raw, bool dim)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->err = err;
	c->raw = raw;
	c->dim = dim;
	c->text_ends_nl = true;
	sanitizer_init(&c->text);
	sanitizer_init(&c->thinking);
	buf_init(&c->line, 0);
	buf_init(&c->refusal, 0);
	sources_init(&c->sources);
}

void console_render(struct console *c, struct mdterm *md)
{
	mdterm_free(c->md);
	c->md = md;
}

void console_done(struct console *c)
{
	mdterm_free(c->md);
	c->md = NULL;
	sanitizer_done(&c->text);
	sanitizer_done(&c->thinking);
	buf_done(&c->line);
	buf_done(&c->refusal);
	sources_done(&c->sources);
}

/* Writes c->line to f, minding where each stream's line stands. stdout is
 * flushed once per turn of the loop (a write per token was a fifth of the
 * CPU); whatever goes to stderr first lets out the text before it. */
static void put(struct console *c, FILE *f)
{
	if (c->line.len == 0)
		return;
	if (f != c->out) {
		if (c->md != NULL)
			mdterm_settle(c->md); /* the tail off the screen: stderr may share it */
		output_flush(c->out);
	}
	fwrite(c->line.data, 1, c->line.len, f);
	output_note(f); /* stdout's failure is caught here, where errno says why */
	bool nl = c->line.data[c->line.len - 1] == '\n';
	if (f == c->out)
		c->text_ends_nl = nl;
	else
		c->err_open = !nl;
}

/* Ends an open line on stderr before something else is written; a
 * refusal whose pieces are all in goes out first, whole, on its own line. */
static void close_err(struct console *c)
{
	if (c->err_open)
		fputc('\n', c->err);
	c->err_open = false;
	if (c->refusal.len == 0)
		return;
	buf_reset(&c->line);
	buf_append_str(&c->line, "[refusal] ");
	buf_append(&c->line, c->refusal.data, c->refusal.len);
	buf_append_char(&c->line, '\n');
	buf_reset(&c->refusal);
	put(c, c->err);
}

static void model_text(struct console *c, struct sanitizer *san, const char *p, size_t n)
{
	buf_reset(&c->line);
	if (c->raw)
		buf_append(&c->line, p, n);
	else
		sanitizer_feed(san, p, n, &c->line);
}

void console_text(struct console *c, const char *p, size_t n)
{
	close_err(c);
	c->any_text = true;
	if (c->md != NULL) {
		buf_reset(&c->line);
		sanitizer_feed(&c->text, p, n, &c->line);
		mdterm_append(c->md, buf_str(&c->line), c->line.len);
		return;
	}
	model_text(c, &c->text, p, n);
	put(c, c->out);
}

void console_thinking(struct console *c, const char *p, size_t n)
{
	if (c->refusal.len > 0)
		close_err(c);
	model_text(c, &c->thinking, p, n);
	if (c->line.len == 0)
		return;
	output_flush(c->out);
	if (c->dim)
		fputs("\x1b[2m", c->err);
	put(c, c->err);
	if (c->dim)
		fputs("\x1b[22m", c->err);
}

void console_refusal(struct console *c, const char *p, size_t n)
{
	if (c->refusal.len == 0 && c->err_open)
		close_err(c); /* a line of thinking ends before the refusal */
	struct buf t;
	buf_init(&t, 0);
	sanitize_append(&t, p, n);
	for (size_t i = 0; i < t.len; i++)
		if (t.data[i] == '\n' || t.data[i] == '\t')
			t.data[i] = ' '; /* one line */
	buf_append(&c->refusal, buf_str(&t), t.len);
	buf_done(&t);
}

/* One line of circuit's own in c->line to stderr, dimmed when asked. */
static void err_line(struct console *c, bool dim)
{
	buf_append_char(&c->line, '\n');
	output_flush(c->out);
	if (dim && c->dim)
		fputs("\x1b[2m", c->err);
	put(c, c->err);
	if (dim && c->dim)
		fputs("\x1b[22m", c->err);
}

void console_server_tool(struct console *c, const char *name, const char *arg, bool result,
                         const char *summary, size_t n)
{
	close_err(c);
	buf_reset(&c->line);
	trace_server_tool(&c->line, name, arg, result, summary, n);
	err_line(c, true);
}

void console_marker(struct console *c, const char *words, size_t n)
{
	close_err(c);
	buf_reset(&c->line);
	trace_marker(&c->line, words, n);
	err_line(c, true);
}

void console_citation(struct console *c, const char *url, const char *title)
{
	sources_add(&c->sources, url, title);
}

void console_line(struct console *c, const char *text)
{
	close_err(c);
	buf_reset(&c->line);
	sanitize_append(&c->line, text, strlen(text));
	err_line(c, false);
}

/* The sources cited, once, after the reply's text. */
static void sources_list(struct console *c)
{
	if (c->sources_out || c->sources.n == 0)
		return;
	c->sources_out = true;
	buf_reset(&c->line);
	struct buf t;
	buf_init(&t, 0);
	sources_format(&c->sources, SOURCES_PLAIN, &t);
	sanitize_append(&c->line, buf_str(&t), t.len);
	buf_done(&t);
	put(c, c->err);
}

void console_tool_call(struct console *c, const char *name, const char *args)
{
	close_err(c);
	buf_reset(&c->line);
	buf_append_str(&c->line, "[tool call] ");
	sanitize_append(&c->line, name, strlen(name));
	buf_append_char(&c->line, ' ');
	sanitize_append(&c->line, args, strlen(args));
	buf_append_char(&c->line, '\n');
	put(c, c->err);
}

void console_notice(struct console *c, const char *text)
{
	close_err(c);
	buf_reset(&c->line);
	buf_append_str(&c->line, "circuit: ");
	sanitize_append(&c->line, text, strlen(text));
	buf_append_char(&c->line, '\n');
	put(c, c->err);
}

void console_end(struct console *c)
{
	buf_reset(&c->line);
	if (c->md != NULL) {
		sanitizer_finish(&c->text, &c->line);
		mdterm_append(c->md, buf_str(&c->line), c->line.len);
		mdterm_finish(c->md);
		c->text_ends_nl = true;
		output_flush(c->out);
		close_err(c);
		sources_list(c);
		return;
	}
	if (!c->raw)
		sanitizer_finish(&c->text, &c->line);
	put(c, c->out);
	if (c->any_text && !c->text_ends_nl) {
		fputc('\n', c->out);
		c->text_ends_nl = true;
	}
	output_flush(c->out);
	close_err(c);
	sources_list(c);
}
