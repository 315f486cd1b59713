/* SPDX-License-Identifier: GPL-3.0-or-later */
/* url: the few URL operations circuit needs, on text, without a parser
 * library: request URLs joined onto a base URL that may carry a query,
 * and a URL shown without its userinfo. */
#ifndef CIRCUIT_UTIL_URL_H
#define CIRCUIT_UTIL_URL_H

#include <stddef.h>

#include "util/buf.h"

/* Where url's path ends: the offset of its first '?' or '#', or its length. */
size_t url_path_end(const char *url);

/* Drops the slashes that end b's path ("http://h/v1/?q=1" -> "http://h/v1?q=1"),
 * in place; the query and fragment stay as they are. */
void url_trim_slashes(struct buf *b);

/* Appends the request URL for base (a provider's base URL, borrowed) with
 * path appended to its path ("/chat/completions") and query ("alt=sse", or
 * NULL / "" for none) as the query. base's own query (an Azure-style
 * "?api-version=...") is kept at the end, after '&' when there is a query
 * of path's; base's fragment ("#...") is dropped, as are slashes ending its
 * path. Returns 0, or -1 when out's cap is reached. */
int url_join(struct buf *out, const char *base, const char *path, const char *query);

/* Appends the first len bytes of url without its userinfo ("user:password@"
 * in "scheme://user:password@host/..." or "//user@host/..."); a relative
 * URL ("/v1/x") has none and is appended whole. Bytes are copied as they
 * are: sanitising for a terminal is the caller's. Returns 0, or -1 when
 * out's cap is reached. */
int url_append_without_userinfo(struct buf *out, const char *url, size_t len);

#endif
