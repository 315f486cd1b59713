/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stream: one streaming request, from start to its last event.
 *
 * transport (bytes) -> decoder (events) -> metrics + the owner's callback.
 * The offline mock takes the same path: its planned bytes are fed to the
 * same decoder on timers instead of arriving from a socket. */
#include "net/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/mock.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/utf8.h"
#include "util/mem.h"

#define ERROR_BODY_MAX 65536
#define DEFAULT_TIMEOUT_MS 60000
#define TIMEOUT_MAX_MS 86400000L /* a day: the clock plus it never overflows */

struct stream {
	struct transport *t;
	enum wire_format format;
	struct stream_callbacks cb;
	void *ctx;
	long first_byte_ms, idle_ms;
	long long now_unix;
	struct xfer *x;
	struct wire_decoder *dec;
	struct stream_metrics m;
	struct wire_error err;
	bool have_err;
	bool finished, cancelled;
	int timed_out; /* 0, or 1 waiting for the first byte, 2 idle mid-reply */
	long long last_byte;
	unsigned long watchdog;
	bool http_error;
	struct buf errbody;         /* an error response's body, up to ERROR_BODY_MAX */
	long long errbody_deadline; /* when reading it stops, whatever arrives */
	char *retry_after, *retry_after_ms;
	char *location; /* a redirect's, NULL if none */
	int record_fd;
	struct redactor redact; /* no registered secret reaches the record */
	struct wire_clean clean; /* the choke point for the events' fields */
	struct buf record_out;
	/* mock */
	struct mock_plan plan;
	size_t next_chunk;
	unsigned long mock_timer;
	bool is_mock;
};

static long long now(const struct stream *s)
{
	return transport_now(s->t);
}

/* An event on to the owner, as the choke point left it; the figures the
 * server's fields give (usage, stop reason, error) are noted from it. */
static void deliver(void *ctx, const struct wire_event *ev)
{
	struct stream *s = ctx;
	struct stream_metrics *m = &s->m;
	switch (ev->type) {
	case WIRE_EV_USAGE:
		m->usage = ev->usage;
		m->have_usage = true;
		break;
	case WIRE_EV_STOP:
		m->stop_kind = ev->stop;
		utf8_copy(m->stop_reason, sizeof(m->stop_reason), ev->reason);
		break;
	case WIRE_EV_ERROR:
		s->have_err = true;
		wire_error_set(&s->err, ev->error->kind, ev->error->code, ev->error->message);
		s->err.http_status = ev->error->http_status;
		s->err.retry_after_ms = ev->error->retry_after_ms;
		break;
	default:
		break;
	}
	s->cb.event(s->ctx, s, ev);
}

/* Every event leaves the stream here, from the decoder or from the stream
 * itself, through the choke point (wire_clean_pass): fields pass
 * util/untrusted, deltas have keys redacted. Timings and byte counts are
 * the server's, taken as the bytes arrive. */
static void on_event(void *ctx, const struct wire_event *raw)
{
	struct stream *s = ctx;
	struct stream_metrics *m = &s->m;
	if (raw->type == WIRE_EV_TEXT || raw->type == WIRE_EV_THINKING) {
		long long at = now(s) - m->t0;
		if (raw->type == WIRE_EV_TEXT && m->ttfo < 0)
			m->ttfo = at;
		if (m->ttft < 0)
			m->ttft = at;
		m->last = at;
		m->deltas++;
		if (raw->type == WIRE_EV_TEXT)
			m->text_bytes += raw->len;
		else
			m->thinking_bytes += raw->len;
	}
	wire_clean_pass(&s->clean, raw, deliver, s);
}

/* An error the stream itself finds (HTTP status, network, timeout). */
static void fail(struct stream *s, enum wire_error_kind kind, const char *code, const char *msg)
{
	if (s->have_err)
		return;
	struct wire_error e;
	wire_error_init(&e);
	wire_error_set(&e, kind, code, msg);
	e.http_status = s->http_error ? (int)s->m.status : 0;
	struct wire_event ev = {.type = WIRE_EV_ERROR, .error = &e};
	on_event(s, &ev);
	wire_error_done(&e);
}

/* Writes what the redactor released; a full disk stops the recording,
 * not the reply. */
static void record(struct stream *s)
{
	size_t len = s->record_out.len;
	if (len > 0 && write(s->record_fd, s->record_out.data, len) != (ssize_t)len) {
		close(s->record_fd);
		s->record_fd = -1;
	}
}

static void record_close(struct stream *s)
{
	if (s->record_fd < 0)
		return;
	buf_reset(&s->record_out);
	redactor_finish(&s->redact, &s->record_out);
	record(s);
	if (s->record_fd >= 0)
		close(s->record_fd);
	s->record_fd = -1;
}

static void on_watchdog(void *ctx, long long t);

/* The first byte ends the wait for a response: from here the watchdog
 * guards the gap between bytes (idle), which is usually much shorter. */
static void first_byte(struct stream *s, long long t)
{
	s->m.ttfb = t - s->m.t0;
	if (s->watchdog != 0) {
		timer_cancel(s->t, s->watchdog);
		s->watchdog = timer_add(s->t, t + s->idle_ms, on_watchdog, s);
	}
}

/* Bytes arrived at t: the idle watchdog's reference and the gap figures. */
static void note_bytes(struct stream *s, long long t)
{
	if (s->m.ttfb < 0) {
		first_byte(s, t);
	} else {
		long long gap = t - s->last_byte;
		if (gap > s->m.max_gap)
			s->m.max_gap = gap;
	}
	s->last_byte = t;
	s->m.last_byte = t - s->m.t0;
}

static bool feed(struct stream *s, const char *p, size_t n)
{
	note_bytes(s, now(s));
	if (s->record_fd >= 0) {
		buf_reset(&s->record_out);
		redactor_feed(&s->redact, p, n, &s->record_out);
		record(s);
	}
	if (s->http_error) {
		/* What was read is reported; the rest is never read: a body that
		 * fills the cap ends the transfer, however much more (a gzip bomb
		 * inflating) would follow. */
		size_t room = ERROR_BODY_MAX - s->errbody.len;
		buf_append(&s->errbody, p, n < room ? n : room);
		return s->errbody.len < ERROR_BODY_MAX;
	}
	return wire_decoder_feed(s->dec, p, n) == 0;
}

static void http_failure(struct stream *s)
{
	struct wire_error e;
	wire_error_init(&e);
	if (s->m.status >= 300 && s->m.status <= 399)
		wire_redirect_error((int)s->m.status, s->location, &e); /* never followed */
	else
		wire_parse_error_body(s->format, (int)s->m.status, buf_str(&s->errbody),
		                      s->errbody.len, &e);
	long long hint = wire_retry_after_ms(s->retry_after_ms, s->retry_after, s->now_unix);
	if (hint >= 0)
		e.retry_after_ms = hint;
	struct wire_event ev = {.type = WIRE_EV_ERROR, .error = &e};
	on_event(s, &ev);
	wire_error_done(&e);
}

/* The end, however it came: curl_code is curl's result (0 for mock). */
static void finish(struct stream *s, int curl_code, const char *curl_msg)
{
	if (s->finished)
		return;
	s->finished = true;
	if (s->watchdog != 0)
		timer_cancel(s->t, s->watchdog);
	if (s->mock_timer != 0)
		timer_cancel(s->t, s->mock_timer);
	s->watchdog = s->mock_timer = 0;
	char msg[320];
	if (s->cancelled) {
		/* The user's choice: the text stays, no error. */
	} else if (s->http_error) {
		/* Whole, cut at its cap or by the watchdog: the status and what
		 * was read say more than the timeout would. */
		http_failure(s);
	} else if (s->timed_out == 1) {
		snprintf(msg, sizeof(msg), "no response within %g s of the request",
		         (double)s->first_byte_ms / 1000.0);
		fail(s, WIRE_ERR_TIMEOUT, "first_byte_timeout", msg);
	} else if (s->timed_out == 2) {
		snprintf(msg, sizeof(msg), "the stream went quiet for %g s mid-reply",
		         (double)s->idle_ms / 1000.0);
		fail(s, WIRE_ERR_TIMEOUT, "idle_timeout", msg);
	} else if (curl_code != 0 && !s->have_err) {
		if (s->m.ttfb < 0) {
			snprintf(msg, sizeof(msg), "could not reach the server: %s", curl_msg);
			fail(s, WIRE_ERR_CONNECT, "connect", msg);
		} else {
			snprintf(msg, sizeof(msg), "the connection failed mid-reply: %s", curl_msg);
			fail(s, WIRE_ERR_NETWORK, "network", msg);
		}
	} else if (!s->have_err) {
		wire_decoder_finish(s->dec);
	}
	s->m.malformed = wire_decoder_malformed(s->dec);
	s->m.total = now(s) - s->m.t0;
	record_close(s);
	wire_clean_flush(&s->clean, deliver, s);
	s->cb.done(s->ctx, s);
}

static void on_head(void *ctx, const struct xfer_head *h)
{
	struct stream *s = ctx;
	s->m.status = h->status;
	note_bytes(s, now(s));
	if (h->status < 200 || h->status > 299) {
		s->http_error = true;
		/* An error body gets one idle timeout to arrive whole: one that
		 * trickles just fast enough to never go idle ends there too. */
		s->errbody_deadline = now(s) + s->idle_ms;
		free(s->retry_after);
		free(s->retry_after_ms);
		s->retry_after = h->retry_after ? xstrdup(h->retry_after) : NULL;
		s->retry_after_ms = h->retry_after_ms ? xstrdup(h->retry_after_ms) : NULL;
		free(s->location);
		s->location = h->location ? xstrdup(h->location) : NULL;
	}
}

static bool on_data(void *ctx, const char *p, size_t n)
{
	return feed(ctx, p, n);
}

static void on_end(void *ctx, const struct xfer_end *e)
{
	struct stream *s = ctx;
	s->x = NULL;
	finish(s, e->curl_code, e->message);
}

/* First-byte and idle watchdog: one timer, re-armed lazily from the time
 * of the last byte rather than on every chunk. */
static void on_watchdog(void *ctx, long long t)
{
	struct stream *s = ctx;
	s->watchdog = 0;
	if (s->finished)
		return;
	long long deadline = s->m.ttfb < 0 ? s->m.t0 + s->first_byte_ms : s->last_byte + s->idle_ms;
	if (s->http_error && s->errbody_deadline < deadline)
		deadline = s->errbody_deadline;
	if (t < deadline) {
		s->watchdog = timer_add(s->t, deadline, on_watchdog, s);
		return;
	}
	s->timed_out = s->m.ttfb < 0 ? 1 : 2;
	if (s->x != NULL)
		xfer_cancel(s->t, s->x); /* on_end follows from the loop */
	else
		finish(s, 0, "");
}

static void on_mock_timer(void *ctx, long long t)
{
	struct stream *s = ctx;
	s->mock_timer = 0;
	if (s->finished)
		return;
	while (s->next_chunk < s->plan.nchunks && s->m.t0 + s->plan.chunks[s->next_chunk].at_ms <= t) {
		const struct mock_chunk *c = &s->plan.chunks[s->next_chunk++];
		if (!feed(s, c->bytes, c->len)) {
			finish(s, 0, "");
			return;
		}
	}
	if (s->next_chunk == s->plan.nchunks) {
		finish(s, 0, "");
		return;
	}
	s->mock_timer = timer_add(s->t, s->m.t0 + s->plan.chunks[s->next_chunk].at_ms, on_mock_timer, s);
}

static void on_cancel_timer(void *ctx, long long t)
{
	(void)t;
	finish(ctx, 0, "");
}

static int open_record(const char *path)
{
	if (path == NULL)
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* A spec's timeout: 0 or less is the default; past a day is a day, so the
 * deadlines (a time plus it) cannot overflow whatever a caller passes. */
static long timeout_of(long ms)
{
	if (ms <= 0)
		return DEFAULT_TIMEOUT_MS;
	return ms < TIMEOUT_MAX_MS ? ms : TIMEOUT_MAX_MS;
}

struct stream *stream_start(struct transport *t, const struct stream_spec *spec,
                            const struct stream_callbacks *cb, void *ctx, long long now_ms,
                            const char **err)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	s->t = t;
	s->format = spec->format;
	s->cb = *cb;
	s->ctx = ctx;
	s->first_byte_ms = timeout_of(spec->first_byte_timeout_ms);
	s->idle_ms = timeout_of(spec->idle_timeout_ms);
	s->now_unix = spec->now_unix;
	wire_error_init(&s->err);
	buf_init(&s->errbody, ERROR_BODY_MAX);
	struct stream_metrics *m = &s->m;
	m->t0 = now_ms;
	m->ttfb = m->ttft = m->ttfo = m->last = m->total = m->last_byte = m->max_gap = -1;
	m->usage.input = m->usage.output = m->usage.thinking = -1;
	m->stop_kind = WIRE_STOP_OTHER;
	s->dec = wire_decoder_new(spec->format, &spec->limits, on_event, s);
	s->record_fd = open_record(spec->record_path);
	redactor_init(&s->redact);
	wire_clean_init(&s->clean);
	buf_init(&s->record_out, 0);

	if (spec->mock != NULL) {
		s->is_mock = true;
		if (mock_plan(spec->mock, spec->mock_prompt ? spec->mock_prompt : "", spec->mock_attempt,
		              &s->plan) < 0) {
			*err = "unknown mock variant";
			stream_free(s);
			return NULL;
		}
		if (s->plan.status != 200) {
			s->http_error = true;
			m->status = s->plan.status;
		} else {
			m->status = 200;
		}
		s->mock_timer = timer_add(t, now_ms + (s->plan.nchunks ? s->plan.chunks[0].at_ms : 0),
		                          on_mock_timer, s);
		return s;
	}

	struct xfer_request req = {
		.url = spec->url,
		.headers = spec->headers,
		.nheaders = spec->nheaders,
		.body = spec->body,
		.body_len = spec->body_len,
		.connect_timeout_ms = spec->connect_timeout_ms,
	};
	static const struct xfer_handlers h = {on_head, on_data, on_end};
	s->x = xfer_start(t, &req, &h, s, err);
	if (s->x == NULL) {
		stream_free(s);
		return NULL;
	}
	s->watchdog = timer_add(t, now_ms + s->first_byte_ms, on_watchdog, s);
	return s;
}

void stream_cancel(struct stream *s)
{
	if (s->finished || s->cancelled)
		return;
	s->cancelled = true;
	if (s->x != NULL) {
		xfer_cancel(s->t, s->x);
		return;
	}
	if (s->mock_timer != 0)
		timer_cancel(s->t, s->mock_timer);
	s->mock_timer = timer_add(s->t, 0, on_cancel_timer, s);
}

void stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	if (s->watchdog != 0)
		timer_cancel(s->t, s->watchdog);
	if (s->mock_timer != 0)
		timer_cancel(s->t, s->mock_timer);
	if (s->x != NULL)
		xfer_abandon(s->t, s->x); /* freed mid-transfer: it must not call back */
	record_close(s);
	redactor_done(&s->redact);
	wire_clean_done(&s->clean);
	buf_done(&s->record_out);
	wire_decoder_free(s->dec);
	wire_error_done(&s->err);
	buf_done(&s->errbody);
	free(s->retry_after);
	free(s->retry_after_ms);
	free(s->location);
	if (s->is_mock)
		mock_plan_done(&s->plan);
	free(s);
}

bool stream_finished(const struct stream *s)
{
	return s->finished;
}

bool stream_cancelled(const struct stream *s)
{
	return s->cancelled;
}

const struct wire_error *stream_error(const struct stream *s)
{
	return s->have_err ? &s->err : NULL;
}

const struct stream_metrics *stream_metrics(const struct stream *s)
{
	return &s->m;
}
