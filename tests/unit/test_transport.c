/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_transport: the loop's libcurl driving, on loopback sockets.
 *
 * curl runs from socket events (an epoll set) and from its own timer. Each
 * is checked on real sockets in this process: a peer that answers (body
 * bytes arrive through socket events, the end follows the close) and a
 * listener whose accept queue is full (the connect never completes: only
 * curl's timer can end it, with its connect timeout). Loops are bounded by
 * a deadline, and the waits are transport_wait's own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/transport.h"
#include "util/buf.h"
#include "util/clock.h"

struct got {
	struct buf body;
	bool ended;
	struct xfer_end end;
	long status;
};

static void on_head(void *ctx, const struct xfer_head *h)
{
	struct got *g = ctx;
	g->status = h->status;
}

static bool on_data(void *ctx, const char *p, size_t n)
{
	struct got *g = ctx;
	buf_append(&g->body, p, n);
	return true;
}

static void on_end(void *ctx, const struct xfer_end *e)
{
	struct got *g = ctx;
	g->ended = true;
	g->end = *e;
}

static const struct xfer_handlers handlers = {on_head, on_data, on_end};

/* A listening socket on 127.0.0.1, its port in *port. */
static int listener(int backlog, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static struct xfer *start(struct transport *t, int port, long connect_ms, struct got *g)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	struct xfer_request r = {url, NULL, 0, "{}", 2, connect_ms};
	const char *err = NULL;
	struct xfer *x = xfer_start(t, &r, &handlers, g, &err);
	assert_non_null(x);
	return x;
}

/* Turns the loop until the transfer ends or the deadline passes. */
static void run_until_end(struct transport *t, struct got *g, long long deadline)
{
	while (!g->ended && clock_ms() < deadline) {
		long wait = transport_timeout(t, clock_ms());
		if (wait < 0 || wait > 100)
			wait = 100;
		transport_wait(t, NULL, 0, wait, NULL);
		transport_run(t, clock_ms());
	}
}

/* The server side of one exchange, driven from the same loop. */
struct peer {
	int lfd, cfd;
	struct buf req;
	bool answered;
};

static void serve(int fd, void *ctx)
{
	struct peer *p = ctx;
	if (fd == p->lfd && p->cfd < 0) {
		p->cfd = accept(p->lfd, NULL, NULL);
		assert_true(p->cfd >= 0);
		fcntl(p->cfd, F_SETFL, O_NONBLOCK);
		return;
	}
	char b[4096];
	ssize_t k = read(p->cfd, b, sizeof(b));
	if (k > 0)
		buf_append(&p->req, b, (size_t)k);
	const char *body = p->req.data ? strstr(buf_str(&p->req), "\r\n\r\n") : NULL;
	if (body != NULL && strlen(body + 4) >= 2 && !p->answered) {
		static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
		                           "Connection: close\r\n\r\ndata: one\n\ndata: two\n\n";
		assert_int_equal(write(p->cfd, resp, sizeof(resp) - 1), (ssize_t)(sizeof(resp) - 1));
		p->answered = true;
		close(p->cfd); /* the end of the body */
		p->cfd = -2;
	}
}

static void test_a_body_arrives_through_socket_events(void **state)
{
	(void)state;
	struct peer p = {.cfd = -1};
	int port;
	p.lfd = listener(4, &port);
	struct transport *t = transport_new();
	struct got g;
	memset(&g, 0, sizeof(g));
	buf_init(&g.body, 0);
	start(t, port, 2000, &g);
	long long deadline = clock_ms() + 5000;
	/* The peer's listening socket first, then its connection. */
	while (!g.ended && clock_ms() < deadline) {
		int fd = p.cfd >= 0 ? p.cfd : p.lfd;
		bool ready = false;
		long wait = transport_timeout(t, clock_ms());
		if (wait < 0 || wait > 100)
			wait = 100;
		transport_wait(t, &fd, p.answered ? 0 : 1, wait, &ready);
		if (ready)
			serve(fd, &p);
		transport_run(t, clock_ms());
	}
	assert_true(g.ended);
	assert_int_equal(g.end.curl_code, CURLE_OK);
	assert_int_equal(g.status, 200);
	assert_string_equal(buf_str(&g.body), "data: one\n\ndata: two\n\n");
	assert_false(transport_busy(t));
	transport_free(t);
	buf_done(&g.body);
	buf_done(&p.req);
	close(p.lfd);
}

static void test_curls_own_timer_ends_a_connect_that_never_completes(void **state)
{
	(void)state;
	int port;
	int lfd = listener(0, &port);
	/* Fill the accept queue: further SYNs are dropped, connects hang. */
	int fill[4];
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct sockaddr_in a;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)port);
		int rc = connect(fill[i], (struct sockaddr *)&a, sizeof(a));
		assert_true(rc == 0 || errno == EINPROGRESS);
	}
	struct transport *t = transport_new();
	struct got g;
	memset(&g, 0, sizeof(g));
	buf_init(&g.body, 0);
	long long t0 = clock_ms();
	start(t, port, 300, &g);
	run_until_end(t, &g, t0 + 5000);
	long long took = clock_ms() - t0;
	assert_true(g.ended);
	assert_int_equal(g.end.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_true(took >= 250 && took < 4000);
	transport_free(t);
	buf_done(&g.body);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
}

/* A cancel from outside the loop's run (a key, a timer of another part)
 * takes effect at once: the loop must not sleep on it. */
static void test_a_cancel_wakes_the_loop(void **state)
{
	(void)state;
	int port;
	int lfd = listener(4, &port); /* accepts, never answers */
	struct transport *t = transport_new();
	struct got g;
	memset(&g, 0, sizeof(g));
	buf_init(&g.body, 0);
	struct xfer *x = start(t, port, 2000, &g);
	long long t0 = clock_ms();
	for (int i = 0; i < 5; i++) /* connected and waiting for an answer */
		transport_run(t, clock_ms());
	assert_false(g.ended);
	assert_true(transport_timeout(t, clock_ms()) != 0);
	xfer_cancel(t, x);
	assert_int_equal(transport_timeout(t, clock_ms()), 0);
	transport_run(t, clock_ms());
	assert_true(g.ended);
	assert_true(g.end.cancelled);
	assert_true(clock_ms() - t0 < 1000);
	transport_free(t);
	buf_done(&g.body);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_body_arrives_through_socket_events),
	    cmocka_unit_test(test_curls_own_timer_ends_a_connect_that_never_completes),
	    cmocka_unit_test(test_a_cancel_wakes_the_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
