/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_stream: one request's life, driven by the mock on a clock we turn
 * by hand (time is a parameter: nothing here sleeps). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/mock.h"
#include "net/stream.h"
#include "util/buf.h"

struct seen {
	struct buf text;
	size_t errors, stops, events;
	bool done;
	long long done_at;
	enum wire_event_type last;
};

static void on_event(void *ctx, struct stream *s, const struct wire_event *ev)
{
	struct seen *w = ctx;
	(void)s;
	assert_false(w->done);
	w->events++;
	w->last = ev->type;
	if (ev->type == WIRE_EV_TEXT)
		buf_append(&w->text, ev->text, ev->len);
	w->errors += ev->type == WIRE_EV_ERROR;
	w->stops += ev->type == WIRE_EV_STOP;
}

static void on_done(void *ctx, struct stream *s)
{
	struct seen *w = ctx;
	assert_false(w->done); /* once */
	w->done = true;
	w->done_at = stream_metrics(s)->total;
}

static const struct stream_callbacks cb = {on_event, on_done};

/* Runs the loop on a hand-turned clock until the stream is done; each turn
 * jumps to the next deadline the transport asks for. */
static long long run_until_done(struct transport *t, struct seen *w, long long now, long long limit)
{
	while (!w->done && now < limit) {
		long wait = transport_timeout(t, now);
		assert_true(wait >= 0); /* a pending mock always has a timer */
		now += wait;
		transport_run(t, now);
	}
	return now;
}

static struct stream *start_mock(struct transport *t, const char *variant, const char *prompt,
                                 unsigned attempt, struct seen *w, long long t0)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->text, 0);
	struct stream_spec spec = {
		.format = WIRE_OPENAI, .mock = variant, .mock_prompt = prompt, .mock_attempt = attempt,
	};
	const char *err = NULL;
	struct stream *s = stream_start(t, &spec, &cb, w, t0, &err);
	assert_non_null(s);
	return s;
}

static void test_mock_stream_timings_follow_the_plan(void **state)
{
	(void)state;
	struct mock_plan plan;
	assert_int_equal(mock_plan("mock", "timings", 0, &plan), 0);
	/* When the first and last content chunks are due, from the plan. */
	long long first = -1, last = -1;
	for (size_t i = 0; i < plan.nchunks; i++) {
		if (strstr(plan.chunks[i].bytes, "\"content\":\"") != NULL &&
		    strstr(plan.chunks[i].bytes, "\"content\":\"\"") == NULL) {
			if (first < 0)
				first = plan.chunks[i].at_ms;
			last = plan.chunks[i].at_ms;
		}
	}
	long long end = plan.chunks[plan.nchunks - 1].at_ms;
	mock_plan_done(&plan);

	struct transport *t = transport_new();
	struct seen w;
	long long t0 = 1000000;
	struct stream *s = start_mock(t, "mock", "timings", 0, &w, t0);
	run_until_done(t, &w, t0, t0 + 60000);
	assert_true(w.done);
	assert_null(stream_error(s));
	const struct stream_metrics *m = stream_metrics(s);
	assert_int_equal(m->ttft, first);
	assert_int_equal(m->ttfo, first);
	assert_int_equal(m->last, last);
	assert_int_equal(m->total, end);
	assert_true(m->ttfb >= 0 && m->ttfb < m->ttft);
	assert_string_equal(m->stop_reason, "stop");
	assert_int_equal(m->stop_kind, WIRE_STOP_END);
	assert_true(m->have_usage);
	double tps = (double)m->usage.output * 1000.0 / (double)(m->last - m->ttft);
	assert_true(tps > 25 && tps < 90); /* mock: 30-80 tok/s with jitter */
	/* The last byte is the end marker, after the last token; the longest
	 * wait between bytes is one of the mock's token gaps. */
	assert_true(m->last_byte >= m->last && m->last_byte <= m->total);
	assert_true(m->max_gap > 0 && m->max_gap <= m->ttft + (m->last - m->ttft));
	assert_int_equal(w.stops, 1);
	stream_free(s);
	buf_done(&w.text);
	transport_free(t);
}

static void test_cancel_keeps_text_without_error(void **state)
{
	(void)state;
	struct transport *t = transport_new();
	struct seen w;
	long long now = 5000;
	struct stream *s = start_mock(t, "mock", "cancel me", 0, &w, now);
	/* Run until some text has arrived, then cancel. */
	while (w.text.len < 20) {
		now += transport_timeout(t, now);
		transport_run(t, now);
	}
	size_t before = w.text.len;
	stream_cancel(s);
	assert_false(w.done); /* done runs from the loop, not from cancel */
	transport_run(t, now);
	assert_true(w.done);
	assert_true(stream_cancelled(s));
	assert_null(stream_error(s));
	assert_int_equal(w.text.len, before);
	assert_int_equal(w.stops, 0);
	/* Nothing left to wait for: no stray timer keeps the loop awake. */
	assert_false(transport_busy(t));
	stream_free(s);
	buf_done(&w.text);
	transport_free(t);
}

static void test_flaky_failures_end_in_one_error(void **state)
{
	(void)state;
	struct transport *t = transport_new();
	size_t failures = 0;
	for (unsigned attempt = 0; attempt < 9; attempt++) {
		struct seen w;
		struct stream *s = start_mock(t, "mock-flaky", "flaky", attempt, &w, 0);
		run_until_done(t, &w, 0, 60000);
		assert_true(w.done);
		const struct wire_error *e = stream_error(s);
		if (e != NULL) {
			failures++;
			assert_int_equal(w.errors, 1);
			assert_int_equal(w.last, WIRE_EV_ERROR); /* the error is the last event */
			if (e->http_status == 503)
				assert_int_equal(e->kind, WIRE_ERR_OVERLOADED);
			else
				assert_true(w.text.len > 0); /* mid-stream: text kept */
		}
		stream_free(s);
		buf_done(&w.text);
	}
	assert_int_equal(failures, 3); /* one outage of 3 in each cycle of 9 */
	transport_free(t);
}

static void test_idle_loop_has_nothing_to_wait_for(void **state)
{
	(void)state;
	struct transport *t = transport_new();
	/* No transfer, no timer: the loop may sleep until a key is pressed. */
	assert_false(transport_busy(t));
	assert_int_equal(transport_timeout(t, 0), -1);
	transport_free(t);
}

/* A real transfer to a port nobody listens on: refused at once, no head,
 * a connect error naming no HTTP status. */
static void test_refused_connection_is_a_connect_error(void **state)
{
	(void)state;
	struct transport *t = transport_new();
	struct seen w;
	memset(&w, 0, sizeof(w));
	buf_init(&w.text, 0);
	static const char body[] = "{}";
	struct stream_spec spec = {
		.format = WIRE_OPENAI, .url = "http://127.0.0.1:1/v1/chat/completions",
		.body = body, .body_len = 2,
	};
	const char *err = NULL;
	struct stream *s = stream_start(t, &spec, &cb, &w, 0, &err);
	assert_non_null(s);
	for (int i = 0; i < 200 && !w.done; i++) {
		bool ready;
		transport_wait(t, NULL, 0, 100, &ready);
		transport_run(t, 0);
	}
	assert_true(w.done);
	const struct wire_error *e = stream_error(s);
	assert_non_null(e);
	assert_int_equal(e->kind, WIRE_ERR_CONNECT);
	assert_int_equal(e->http_status, 0);
	assert_int_equal(stream_metrics(s)->ttfb, -1);
	stream_free(s);
	buf_done(&w.text);
	transport_free(t);
}

/* An owner may free a stream whose transfer is still under way (the app
 * quitting mid-reply): the transport must not call back into it later. */
static void test_free_mid_transfer_never_calls_back(void **state)
{
	(void)state;
	struct transport *t = transport_new();
	struct seen w;
	memset(&w, 0, sizeof(w));
	buf_init(&w.text, 0);
	static const char body[] = "{}";
	struct stream_spec spec = {
		.format = WIRE_OPENAI, .url = "http://127.0.0.1:1/v1/chat/completions",
		.body = body, .body_len = 2,
	};
	const char *err = NULL;
	struct stream *s = stream_start(t, &spec, &cb, &w, 0, &err);
	assert_non_null(s);
	stream_free(s); /* before the loop ever ran the transfer */
	for (int i = 0; i < 200 && transport_busy(t); i++) {
		bool ready;
		transport_wait(t, NULL, 0, 50, &ready);
		transport_run(t, 0);
	}
	assert_false(transport_busy(t));
	assert_false(w.done); /* done never ran: the stream was gone */
	assert_int_equal(w.events, 0);
	buf_done(&w.text);
	transport_free(t);
}

/* A huge timeout (CIRCUIT_FIRST_BYTE_TIMEOUT_MS=9223372036854775807 once
 * overflowed now + it into the past and failed every request at once) is
 * cut to a day: a server that has not answered yet is still waited for,
 * and the wait does end, a day on. */
static void test_huge_timeouts_are_a_day_not_an_overflow(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0); /* never accepted: no answer ever */
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", ntohs(a.sin_port));

	struct transport *t = transport_new();
	struct seen w;
	memset(&w, 0, sizeof(w));
	buf_init(&w.text, 0);
	static const char body[] = "{}";
	struct stream_spec spec = {
		.format = WIRE_OPENAI, .url = url, .body = body, .body_len = 2,
		.first_byte_timeout_ms = LONG_MAX, .idle_timeout_ms = LONG_MAX,
	};
	const char *err = NULL;
	long long now = 1000000;
	struct stream *s = stream_start(t, &spec, &cb, &w, now, &err);
	assert_non_null(s);
	for (int i = 0; i < 10 && !w.done; i++) {
		bool ready;
		transport_wait(t, NULL, 0, 20, &ready);
		transport_run(t, now);
	}
	assert_false(w.done); /* still waiting, not failed at once */
	transport_run(t, now + 86400000LL - 1);
	assert_false(w.done);
	transport_run(t, now + 86400000LL);
	for (int i = 0; i < 100 && !w.done; i++) {
		bool ready;
		transport_wait(t, NULL, 0, 20, &ready);
		transport_run(t, now + 86400000LL);
	}
	assert_true(w.done);
	const struct wire_error *e = stream_error(s);
	assert_non_null(e);
	assert_int_equal(e->kind, WIRE_ERR_TIMEOUT);
	stream_free(s);
	buf_done(&w.text);
	transport_free(t);
	close(fd);
}

/* ---- a one-shot loopback server (127.0.0.1 only) ------------------------ */

/* Reads the request (headers, then Content-Length bytes of body), so the
 * client never meets a reset while it is still sending. */
static void read_request(int c)
{
	char req[8192];
	size_t n = 0;
	char *end = NULL;
	while (n < sizeof(req) - 1 && end == NULL) {
		ssize_t got = read(c, req + n, sizeof(req) - 1 - n);
		if (got <= 0)
			return;
		n += (size_t)got;
		req[n] = '\0';
		end = strstr(req, "\r\n\r\n");
	}
	if (end == NULL)
		return;
	size_t want = 0;
	const char *cl = strstr(req, "Content-Length:");
	if (cl != NULL)
		want = strtoul(cl + 15, NULL, 10);
	size_t have = n - (size_t)(end + 4 - req);
	while (have < want) {
		ssize_t got = read(c, req, sizeof(req));
		if (got <= 0)
			return;
		have += (size_t)got;
	}
}

/* Forks a child that answers one request on 127.0.0.1 with a 200 and body,
 * then exits. Returns its pid; *port is where it listens. */
static pid_t serve_once(const char *ctype, const char *body, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			_exit(1);
		read_request(c);
		char head[256];
		int hn = snprintf(head, sizeof(head),
		                  "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		                  "Connection: close\r\n\r\n", ctype, strlen(body));
		if (write(c, head, (size_t)hn) != hn || write(c, body, strlen(body)) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

/* One stream of `format` against a server that sends body; returns it
 * finished (the caller frees it). */
static struct stream *stream_from(struct transport *t, enum wire_format format, const char *ctype,
                                  const char *body, struct seen *w)
{
	int port;
	pid_t pid = serve_once(ctype, body, &port);
	memset(w, 0, sizeof(*w));
	buf_init(&w->text, 0);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/stream", port);
	static const char req[] = "{}";
	struct stream_spec spec = {.format = format, .url = url, .body = req, .body_len = 2};
	const char *err = NULL;
	struct stream *s = stream_start(t, &spec, &cb, w, 0, &err);
	assert_non_null(s);
	/* Real sockets: wait on them; the clock stands still, so no watchdog. */
	for (int i = 0; i < 500 && !w->done; i++) {
		bool ready;
		transport_wait(t, NULL, 0, 20, &ready);
		transport_run(t, 0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(w->done);
	return s;
}

#define SSE(ev, json) "event: " ev "\ndata: " json "\n\n"

/* The token limit reaches the metrics as WIRE_STOP_LENGTH, whatever the
 * provider calls it, with the provider's own word kept beside it. */
static void test_token_limit_stop_reaches_the_metrics_as_length(void **state)
{
	(void)state;
	static const struct {
		enum wire_format format;
		const char *ctype, *body, *reason;
	} cases[] = {
	    {WIRE_OPENAI, "text/event-stream",
	     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"cut\"},\"finish_reason\":null}]}\n\n"
	     "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
	     "data: [DONE]\n\n",
	     "length"},
	    {WIRE_OPENAI_RESPONSES, "text/event-stream",
	     SSE("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"delta\":\"cut\"}")
	     SSE("response.incomplete", "{\"type\":\"response.incomplete\",\"response\":{\"status\":"
	                                "\"incomplete\",\"incomplete_details\":{\"reason\":"
	                                "\"max_output_tokens\"}}}"),
	     "incomplete"},
	    {WIRE_ANTHROPIC, "text/event-stream",
	     SSE("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
	                          "\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":"
	                          "{\"input_tokens\":3,\"output_tokens\":1}}}")
	     SSE("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
	                                "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
	     SSE("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
	                                "{\"type\":\"text_delta\",\"text\":\"cut\"}}")
	     SSE("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	     SSE("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	                          "\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}")
	     SSE("message_stop", "{\"type\":\"message_stop\"}"),
	     "max_tokens"},
	    {WIRE_GEMINI, "text/event-stream",
	     "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"cut\"}],\"role\": "
	     "\"model\"},\"finishReason\": \"MAX_TOKENS\",\"index\": 0}]}\r\n\r\n",
	     "MAX_TOKENS"},
	    {WIRE_OLLAMA, "application/x-ndjson",
	     "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"cut\"},\"done\":false}\n"
	     "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
	     "\"done_reason\":\"length\",\"eval_count\":1}\n",
	     "length"},
	};
	struct transport *t = transport_new();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen w;
		struct stream *s = stream_from(t, cases[i].format, cases[i].ctype, cases[i].body, &w);
		const struct stream_metrics *m = stream_metrics(s);
		if (stream_error(s) != NULL)
			print_error("case %zu: %s\n", i, stream_error(s)->message);
		assert_null(stream_error(s));
		assert_bytes_equal(w.text.data, w.text.len, "cut");
		assert_int_equal(m->stop_kind, WIRE_STOP_LENGTH);
		assert_string_equal(m->stop_reason, cases[i].reason);
		stream_free(s);
		buf_done(&w.text);
	}
	transport_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mock_stream_timings_follow_the_plan),
		cmocka_unit_test(test_cancel_keeps_text_without_error),
		cmocka_unit_test(test_flaky_failures_end_in_one_error),
		cmocka_unit_test(test_idle_loop_has_nothing_to_wait_for),
		cmocka_unit_test(test_refused_connection_is_a_connect_error),
		cmocka_unit_test(test_huge_timeouts_are_a_day_not_an_overflow),
		cmocka_unit_test(test_free_mid_transfer_never_calls_back),
		cmocka_unit_test(test_token_limit_stop_reaches_the_metrics_as_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
