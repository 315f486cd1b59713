/* SPDX-License-Identifier: GPL-3.0-or-later */
/* url: request URLs onto a base with a query; URLs without userinfo. */
#include "util/url.h"

#include <stdbool.h>
#include <string.h>

size_t url_path_end(const char *url)
{
	return strcspn(url, "?#");
}

void url_trim_slashes(struct buf *b)
{
	if (b->data == NULL)
		return;
	size_t end = url_path_end(b->data);
	size_t cut = end;
	while (cut > 0 && b->data[cut - 1] == '/')
		cut--;
	if (cut == end)
		return;
	memmove(b->data + cut, b->data + end, b->len - end + 1); /* with the NUL */
	b->len -= end - cut;
}

int url_join(struct buf *out, const char *base, const char *path, const char *query)
{
	size_t end = url_path_end(base);
	size_t cut = end;
	while (cut > 0 && base[cut - 1] == '/')
		cut--;
	/* base's query: from its '?' to its fragment, if any. */
	const char *bq = base[end] == '?' ? base + end + 1 : "";
	size_t bqlen = strcspn(bq, "#");
	bool own = query != NULL && *query != '\0';
	int rc = buf_append(out, base, cut);
	rc |= buf_append_str(out, path);
	if (own || bqlen > 0)
		rc |= buf_append_char(out, '?');
	if (own)
		rc |= buf_append_str(out, query);
	if (own && bqlen > 0)
		rc |= buf_append_char(out, '&');
	rc |= buf_append(out, bq, bqlen);
	return rc < 0 ? -1 : 0;
}

int url_append_without_userinfo(struct buf *out, const char *url, size_t len)
{
	/* The authority starts after "scheme://" or a leading "//". */
	size_t start = 0;
	const char *sep = memchr(url, ':', len);
	if (len >= 2 && url[0] == '/' && url[1] == '/') {
		start = 2;
	} else if (sep != NULL && (size_t)(sep - url) + 3 <= len && sep[1] == '/' && sep[2] == '/' &&
	           memchr(url, '/', (size_t)(sep - url)) == NULL) {
		start = (size_t)(sep - url) + 3;
	} else {
		return buf_append(out, url, len);
	}
	size_t auth_end = start;
	while (auth_end < len && strchr("/?#", url[auth_end]) == NULL)
		auth_end++;
	/* The userinfo ends at the authority's last '@' (a password may hold '@'
	 * unescaped in what a server sends). */
	size_t host = start;
	for (size_t i = start; i < auth_end; i++)
		if (url[i] == '@')
			host = i + 1;
	int rc = buf_append(out, url, start);
	rc |= buf_append(out, url + host, len - host);
	return rc < 0 ? -1 : 0;
}
