/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transport: the one libcurl multi handle, its transfers, and timers. */
#ifndef CIRCUIT_NET_TRANSPORT_H
#define CIRCUIT_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

/* One transport per process: its multi handle is the connection pool
 * (HTTP/2 multiplexed where the server allows). It also keeps the timers
 * of everything else the loop waits for (the mock provider, watchdogs), so
 * the loop asks one place how long it may sleep. Nothing here reads the
 * clock: now_ms is passed in. */
struct transport;
struct xfer;

struct xfer_request {
	const char *url;
	const char *const *headers; /* "Name: value" lines; may hold a key */
	size_t nheaders;
	const char *body; /* POSTed as is; copied */
	size_t body_len;
	long connect_timeout_ms;
};

/* What the transfer learned before its body: status and the headers the
 * router needs. Strings are borrowed for the call. */
struct xfer_head {
	long status;
	const char *content_type;   /* "" if none */
	const char *retry_after;    /* NULL if none */
	const char *retry_after_ms; /* NULL if none */
	const char *request_id;     /* x-request-id / request-id, "" if none */
	const char *location;       /* a redirect's Location, NULL if none (never followed) */
};

/* How a transfer ended. */
struct xfer_end {
	int curl_code;       /* CURLE_OK (0) when the body arrived whole */
	const char *message; /* curl's explanation when curl_code != 0 */
	long status;
	bool cancelled; /* ended by xfer_cancel */
};

struct xfer_handlers {
	/* Once, before the first body byte (or at the end if there was none). */
	void (*head)(void *ctx, const struct xfer_head *h);
	/* Body bytes as they arrive. Return false to abort the transfer. */
	bool (*data)(void *ctx, const char *p, size_t n);
	/* Once, last. The xfer is released by the transport after it returns. */
	void (*end)(void *ctx, const struct xfer_end *e);
};

typedef void (*timer_fn)(void *ctx, long long now_ms);

/* Setup failure (curl_global_init, the multi handle) aborts: nothing works
 * without them. */
struct transport *transport_new(void);
void transport_free(struct transport *t);

/* Starts a POST. Returns the transfer (owned by the transport; valid until
 * its end handler has run), or NULL with *err set when curl refuses it. */
struct xfer *xfer_start(struct transport *t, const struct xfer_request *req,
                        const struct xfer_handlers *h, void *ctx, const char **err);
/* Ends a transfer: its end handler runs (cancelled = true) from the next
 * transport_run, never from inside this call. */
void xfer_cancel(struct transport *t, struct xfer *x);

/* Like xfer_cancel, for an owner that goes away first: the transfer is
 * removed from the loop and none of its handlers ever runs again. */
void xfer_abandon(struct transport *t, struct xfer *x);

/* One-shot timer at deadline_ms; returns an id for timer_cancel. */
unsigned long timer_add(struct transport *t, long long deadline_ms, timer_fn fn, void *ctx);
void timer_cancel(struct transport *t, unsigned long id);

/* How long the loop may wait, in ms (-1: forever), given now. */
long transport_timeout(struct transport *t, long long now_ms);
/* Waits up to timeout_ms for network activity or one of the extra fds
 * (readable). Returns the number of extra fds ready, or -1 on error. The
 * only blocking call of the program. */
int transport_wait(struct transport *t, const int *fds, size_t nfds, long timeout_ms, bool *ready);
/* Moves bytes, runs due timers, reaps finished transfers; callbacks run
 * from here. */
void transport_run(struct transport *t, long long now_ms);
/* The now_ms of the transport_run in progress (or the last one): what
 * callbacks running inside it use as the time. */
long long transport_now(const struct transport *t);
/* Transfers and timers pending: false when nothing is left to wait for. */
bool transport_busy(const struct transport *t);

/* Writes libcurl's traffic description (headers, never bodies) to the
 * debug log, secrets redacted by util/log. */
void transport_set_debug(struct transport *t, bool on);

#endif
