/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transport: the one libcurl multi handle, its transfers, and timers.
 *
 * Known traps (DESIGN.md "libcurl multi"), and where they are handled:
 *   - easy handles are removed and cleaned up in transport_run, never in a
 *     callback: xfer_cancel only marks, reap() does the work;
 *   - CURLOPT_NOSIGNAL, and SIGPIPE is ignored by main;
 *   - no CURLOPT_TIMEOUT (it would cut a healthy long answer): a connect
 *     timeout here, first-byte and idle watchdogs in net/stream;
 *   - CURLOPT_VERBOSE output goes through a debug function that redacts.
 *
 * curl is driven with curl_multi_socket_action on an epoll set, not
 * curl_multi_poll + curl_multi_perform (docs/architecture.md, "The loop"):
 * perform visits every transfer on every wakeup, a token per stream costing
 * a recv() per stream; socket_action touches only the transfer whose socket
 * is ready. The set holds curl's sockets (on_socket keeps it) and is itself
 * one fd: the loop polls it with the terminal and the signal pipe.
 *
 * libcurl itself is loaded when the first transfer starts (net/libcurl.h):
 * timers and the epoll set work without it, so a screen that never sends
 * a request to the network never pays for loading it. */
#include "net/transport.h"

#include "net/libcurl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"

#define HEADER_MAX 8192

struct xfer {
	struct transport *t;
	CURL *easy;
	struct curl_slist *headers;
	struct xfer_handlers h;
	void *ctx;
	bool head_sent;
	bool finished; /* curl said done, or cancelled: reap it */
	bool cancelled;
	bool abandoned; /* the owner is gone: no handler may run */
	int code;
	char errbuf[CURL_ERROR_SIZE];
	/* Response headers of the final response (reset on each status line). */
	struct buf content_type, retry_after, retry_after_ms, request_id, location;
	bool have_retry_after, have_retry_after_ms, have_location;
	struct xfer *next;
};

struct timer {
	unsigned long id;
	long long deadline;
	timer_fn fn;
	void *ctx;
};

struct transport {
	CURLM *multi;
	int epfd;                /* curl's sockets, as curl asks (on_socket) */
	long long curl_deadline; /* when curl wants its timeout action; -1 none */
	struct xfer *xfers;
	struct timer *timers;
	size_t ntimers, timers_alloc;
	unsigned long next_timer;
	long long now;
	bool debug;
};

static int global_refs;              /* transports with a multi handle */
static const struct libcurl *C;       /* libcurl, once loaded */

/* curl says which sockets to watch, and for what. A socket curl closed
 * left the set with its close; one that comes back under the same number
 * is added again. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct transport *t = userp;
	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(t->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	struct epoll_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
		epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

/* curl's one timer: when to call it with CURL_SOCKET_TIMEOUT (connects,
 * retries, its own timeouts; 0 right after a transfer is added). Taken
 * from the time of the turn in progress: nothing here reads the clock. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct transport *t = userp;
	(void)multi;
	t->curl_deadline = timeout_ms < 0 ? -1 : t->now + timeout_ms;
	return 0;
}

struct transport *transport_new(void)
{
	struct transport *t = xcalloc(1, sizeof(*t));
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0) {
		perror("circuit: epoll_create1");
		abort();
	}
	t->curl_deadline = -1;
	t->next_timer = 1;
	return t;
}

/* The multi handle, made (and libcurl loaded) on the first transfer.
 * NULL with a message in err when libcurl cannot be loaded. */
static CURLM *multi_of(struct transport *t, char *err, size_t errlen)
{
	if (t->multi != NULL)
		return t->multi;
	if (C == NULL && (C = libcurl_get(err, errlen)) == NULL)
		return NULL;
	global_refs++;
	t->multi = C->multi_init();
	if (t->multi == NULL) {
		fputs("circuit: libcurl failed to create its multi handle\n", stderr);
		abort();
	}
	C->multi_setopt(t->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	C->multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	C->multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
	C->multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	C->multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
	return t->multi;
}

static void xfer_free(struct xfer *x)
{
	C->slist_free_all(x->headers);
	buf_done(&x->content_type);
	buf_done(&x->retry_after);
	buf_done(&x->retry_after_ms);
	buf_done(&x->request_id);
	buf_done(&x->location);
	free(x);
}

void transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	while (t->xfers != NULL) {
		struct xfer *x = t->xfers;
		t->xfers = x->next;
		C->multi_remove_handle(t->multi, x->easy);
		C->easy_cleanup(x->easy);
		xfer_free(x);
	}
	if (t->multi != NULL) {
		C->multi_cleanup(t->multi);
		if (--global_refs == 0) {
			libcurl_release();
			C = NULL;
		}
	}
	close(t->epfd);
	free(t->timers);
	free(t);
}

/* "Name: value" header line: copies the trimmed value into b when the name
 * matches. */
static bool header_value(const char *line, size_t n, const char *name, struct buf *b)
{
	size_t len = strlen(name);
	if (n <= len || strncasecmp(line, name, len) != 0 || line[len] != ':')
		return false;
	const char *v = line + len + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	buf_reset(b);
	buf_append(b, v, (size_t)(end - v));
	return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (x->cancelled)
		return 0;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): forget the last one's. */
		buf_reset(&x->content_type);
		buf_reset(&x->request_id);
		x->have_retry_after = x->have_retry_after_ms = x->have_location = false;
		return len;
	}
	header_value(p, len, "content-type", &x->content_type);
	if (header_value(p, len, "retry-after", &x->retry_after))
		x->have_retry_after = true;
	if (header_value(p, len, "retry-after-ms", &x->retry_after_ms))
		x->have_retry_after_ms = true;
	if (header_value(p, len, "location", &x->location))
		x->have_location = true;
	if (!header_value(p, len, "x-request-id", &x->request_id))
		header_value(p, len, "request-id", &x->request_id);
	return len;
}

static void send_head(struct xfer *x)
{
	if (x->head_sent)
		return;
	x->head_sent = true;
	long status = 0;
	C->easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	struct xfer_head h = {
		.status = status,
		.content_type = buf_str(&x->content_type),
		.retry_after = x->have_retry_after ? buf_str(&x->retry_after) : NULL,
		.retry_after_ms = x->have_retry_after_ms ? buf_str(&x->retry_after_ms) : NULL,
		.request_id = buf_str(&x->request_id),
		.location = x->have_location ? buf_str(&x->location) : NULL,
	};
	if (x->h.head != NULL)
		x->h.head(x->ctx, &h);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (x->cancelled)
		return 0;
	send_head(x);
	if (x->cancelled || !x->h.data(x->ctx, p, len))
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	return len;
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
	(void)easy;
	(void)ud;
	/* Headers and curl's own notes only: bodies may be large and hold
	 * the user's text. log_msg redacts key headers and secrets. */
	if (type == CURLINFO_TEXT || type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT) {
		const char *dir = type == CURLINFO_HEADER_OUT ? "> " : type == CURLINFO_HEADER_IN ? "< " : "* ";
		size_t start = 0;
		for (size_t i = 0; i <= size; i++) {
			if (i == size || data[i] == '\n') {
				size_t end = i;
				while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n'))
					end--;
				if (end > start)
					log_msg("%s%.*s", dir, (int)(end - start), data + start);
				start = i + 1;
			}
		}
	}
	return 0;
}

struct xfer *xfer_start(struct transport *t, const struct xfer_request *req,
                        const struct xfer_handlers *h, void *ctx, const char **err)
{
	static char no_curl[256];
	if (multi_of(t, no_curl, sizeof(no_curl)) == NULL) {
		*err = no_curl;
		return NULL;
	}
	struct xfer *x = xcalloc(1, sizeof(*x));
	x->t = t;
	x->h = *h;
	x->ctx = ctx;
	buf_init(&x->content_type, HEADER_MAX);
	buf_init(&x->retry_after, HEADER_MAX);
	buf_init(&x->retry_after_ms, HEADER_MAX);
	buf_init(&x->request_id, HEADER_MAX);
	buf_init(&x->location, HEADER_MAX);
	x->easy = C->easy_init();
	if (x->easy == NULL) {
		*err = "libcurl could not create a transfer";
		xfer_free(x);
		return NULL;
	}
	for (size_t i = 0; i < req->nheaders; i++)
		x->headers = C->slist_append(x->headers, req->headers[i]);
	x->headers = C->slist_append(x->headers, "Content-Type: application/json");
	x->headers = C->slist_append(x->headers, "Expect:"); /* no 100-continue wait */
	CURL *e = x->easy;
	C->easy_setopt(e, CURLOPT_URL, req->url);
	C->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	C->easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	C->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	C->easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body);
	C->easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	C->easy_setopt(e, CURLOPT_WRITEDATA, x);
	C->easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	C->easy_setopt(e, CURLOPT_HEADERDATA, x);
	C->easy_setopt(e, CURLOPT_PRIVATE, x);
	C->easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	C->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	C->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	/* A redirect is reported, never followed: following would send the
	 * key's header to wherever a server points (issue 16, item 13). */
	C->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* Wait to multiplex on a connection being set up only where HTTP/2
	 * can be negotiated (TLS ALPN); on cleartext HTTP/1.1 it would hold
	 * every request of a fan-out until the first one's headers arrive. */
	if (strncmp(req->url, "https://", 8) == 0)
		C->easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	C->easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	C->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 10000L);
	C->easy_setopt(e, CURLOPT_USERAGENT, "circuit/" CIRCUIT_VERSION);
	if (t->debug) {
		C->easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		C->easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
	CURLMcode mc = C->multi_add_handle(t->multi, e);
	if (mc != CURLM_OK) {
		*err = C->multi_strerror(mc);
		C->easy_cleanup(e);
		xfer_free(x);
		return NULL;
	}
	x->next = t->xfers;
	t->xfers = x;
	return x;
}

void xfer_abandon(struct transport *t, struct xfer *x)
{
	x->abandoned = true;
	xfer_cancel(t, x);
}

void xfer_cancel(struct transport *t, struct xfer *x)
{
	(void)t;
	if (!x->finished) {
		x->cancelled = true;
		x->finished = true;
	}
}

/* Takes finished transfers out of the multi handle, then runs their end
 * handlers: a handler may start or cancel other transfers safely. */
static void reap(struct transport *t)
{
	struct xfer *done = NULL, **pp = &t->xfers;
	while (*pp != NULL) {
		struct xfer *x = *pp;
		if (!x->finished) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		C->multi_remove_handle(t->multi, x->easy);
		x->next = done;
		done = x;
	}
	while (done != NULL) {
		struct xfer *x = done;
		done = x->next;
		long status = 0;
		C->easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		/* A response without a body still has its head; no response at
		 * all (refused, DNS, TLS) has none. */
		if (x->abandoned) {
			C->easy_cleanup(x->easy);
			xfer_free(x);
			continue;
		}
		if (!x->cancelled && status > 0)
			send_head(x);
		struct xfer_end e = {
			.curl_code = x->code,
			.message = x->errbuf[0] ? x->errbuf : C->easy_strerror((CURLcode)x->code),
			.status = status,
			.cancelled = x->cancelled,
		};
		x->h.end(x->ctx, &e);
		C->easy_cleanup(x->easy);
		xfer_free(x);
	}
}

unsigned long timer_add(struct transport *t, long long deadline_ms, timer_fn fn, void *ctx)
{
	if (t->ntimers == t->timers_alloc) {
		t->timers_alloc = t->timers_alloc ? t->timers_alloc * 2 : 16;
		t->timers = xrealloc(t->timers, t->timers_alloc * sizeof(*t->timers));
	}
	struct timer *tm = &t->timers[t->ntimers++];
	tm->id = t->next_timer++;
	tm->deadline = deadline_ms;
	tm->fn = fn;
	tm->ctx = ctx;
	return tm->id;
}

void timer_cancel(struct transport *t, unsigned long id)
{
	for (size_t i = 0; i < t->ntimers; i++) {
		if (t->timers[i].id == id) {
			t->timers[i] = t->timers[--t->ntimers];
			return;
		}
	}
}

long transport_timeout(struct transport *t, long long now_ms)
{
	/* A transfer cancelled outside transport_run ends in the next one: now. */
	for (const struct xfer *x = t->xfers; x != NULL; x = x->next)
		if (x->finished)
			return 0;
	long best = -1;
	if (t->curl_deadline >= 0) {
		long long d = t->curl_deadline - now_ms;
		best = d < 0 ? 0 : d > 86400000 ? 86400000 : (long)d;
	}
	for (size_t i = 0; i < t->ntimers; i++) {
		long long d = t->timers[i].deadline - now_ms;
		long ms = d < 0 ? 0 : d > 86400000 ? 86400000 : (long)d;
		if (best < 0 || ms < best)
			best = ms;
	}
	return best;
}

int transport_wait(struct transport *t, const int *fds, size_t nfds, long timeout_ms, bool *ready)
{
	struct pollfd p[9];
	if (nfds > 8)
		nfds = 8;
	p[0].fd = t->epfd; /* readable when one of curl's sockets is ready */
	p[0].events = POLLIN;
	for (size_t i = 0; i < nfds; i++) {
		p[i + 1].fd = fds[i];
		p[i + 1].events = POLLIN;
	}
	int ms = timeout_ms < 0 ? 3600000 : timeout_ms > 3600000 ? 3600000 : (int)timeout_ms;
	int rc = poll(p, nfds + 1, ms);
	if (rc < 0 && errno != EINTR)
		return -1;
	int n = 0;
	for (size_t i = 0; i < nfds; i++) {
		/* a hung-up or failed fd counts as ready: its read says which */
		ready[i] = rc > 0 && (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
		n += ready[i];
	}
	return n;
}

/* Runs each timer due at now once; timers they add wait for the next turn. */
static void run_timers(struct transport *t, long long now_ms)
{
	unsigned long last = t->next_timer;
	for (;;) {
		size_t best = t->ntimers;
		for (size_t i = 0; i < t->ntimers; i++)
			if (t->timers[i].deadline <= now_ms && t->timers[i].id < last &&
			    (best == t->ntimers || t->timers[i].deadline < t->timers[best].deadline))
				best = i;
		if (best == t->ntimers)
			return;
		struct timer tm = t->timers[best];
		t->timers[best] = t->timers[--t->ntimers];
		tm.fn(tm.ctx, now_ms);
	}
}

/* curl's part of a turn: the ready sockets, its timer, the ended transfers. */
static void run_curl(struct transport *t, long long now_ms)
{
	int running = 0;
	/* Only the transfers whose sockets are ready; more than a batch wait
	 * for the next turn (the set is level-triggered: they stay ready). */
	struct epoll_event ev[64];
	int n = epoll_wait(t->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), 0);
	for (int i = 0; i < n; i++) {
		/* An error or hang-up also counts as readable, as poll() would
		 * have it: curl's read then finds out what happened. */
		bool bad = (ev[i].events & (EPOLLERR | EPOLLHUP)) != 0;
		int mask = ((ev[i].events & EPOLLIN) || bad ? CURL_CSELECT_IN : 0) |
		           ((ev[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
		           (bad ? CURL_CSELECT_ERR : 0);
		C->multi_socket_action(t->multi, ev[i].data.fd, mask, &running);
	}
	if (t->curl_deadline >= 0 && now_ms >= t->curl_deadline) {
		t->curl_deadline = -1; /* curl sets it again if it wants */
		C->multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	CURLMsg *msg;
	int left;
	while ((msg = C->multi_info_read(t->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct xfer *x = NULL;
		C->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x != NULL && !x->finished) {
			x->finished = true;
			x->code = (int)msg->data.result;
		}
	}
}

void transport_run(struct transport *t, long long now_ms)
{
	t->now = now_ms;
	if (t->multi != NULL) /* no transfer yet: libcurl not even loaded */
		run_curl(t, now_ms);
	reap(t);
	run_timers(t, now_ms);
	reap(t); /* timers may have cancelled transfers */
}

long long transport_now(const struct transport *t)
{
	return t->now;
}

bool transport_busy(const struct transport *t)
{
	return t->xfers != NULL || t->ntimers > 0;
}

void transport_set_debug(struct transport *t, bool on)
{
	t->debug = on;
}
