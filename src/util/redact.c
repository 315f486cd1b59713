/* SPDX-License-Identifier: GPL-3.0-or-later */
/* redact: secrets never leave circuit, however a server quotes them back. */
#include "util/redact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/jsonesc.h"
#include "util/mem.h"

/* The longest form of one secret byte: "\u002d". */
#define ESCAPED_MAX 6

static size_t userinfo_end(const char *s, size_t i, size_t n);

static char **secrets;
static size_t nsecrets;
static size_t longest;           /* bytes of the longest secret */
static bool first_byte[256];     /* bytes a secret (or its escape) starts with */

void redact_add_secret(const char *secret)
{
	if (secret == NULL || strlen(secret) < 4)
		return;
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof(*secrets));
	secrets[nsecrets++] = xstrdup(secret);
	if (strlen(secret) > longest)
		longest = strlen(secret);
	first_byte[(unsigned char)secret[0]] = true;
	first_byte['\\'] = true;
}

void redact_add_url(const char *url)
{
	const char *scheme = url != NULL ? strstr(url, "://") : NULL;
	if (scheme == NULL)
		return;
	size_t at = userinfo_end(url, (size_t)(scheme - url), strlen(url));
	const char *colon = at > 0 ? memchr(scheme + 3, ':', at - (size_t)(scheme + 3 - url)) : NULL;
	if (colon == NULL)
		return;
	char *pw = xstrndup(colon + 1, (size_t)(url + at - colon - 1));
	redact_add_secret(pw);
	free(pw);
}

bool redact_active(void)
{
	return nsecrets > 0;
}

bool redact_may_hold(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!first_byte[c])
			continue;
		if (c == '\\' || i + 1 == n)
			return true; /* an escape, or a start the next piece may go on */
		for (size_t k = 0; k < nsecrets; k++)
			if (secrets[k][0] == (char)c && (secrets[k][1] == p[i + 1] || p[i + 1] == '\\'))
				return true;
	}
	return false;
}

void redact_clear(void)
{
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	longest = 0;
	memset(first_byte, 0, sizeof(first_byte));
}

/* Bytes that spell the secret byte c at s[i..n) as JSON may write it: c
 * itself, "\/" (or "\\", "\"") for those three, or \uXXXX; 0 if not. */
static size_t spelled(const char *s, size_t i, size_t n, unsigned char c)
{
	if ((unsigned char)s[i] == c)
		return 1;
	if (s[i] != '\\' || n - i < 2)
		return 0;
	if ((unsigned char)s[i + 1] == c && (c == '/' || c == '"' || c == '\\'))
		return 2;
	if (s[i + 1] != 'u' || n - i < 6 || c >= 0x80)
		return 0;
	int v = 0;
	for (size_t k = 2; k < 6; k++) {
		int h = jsonesc_hex(s[i + k]);
		if (h < 0)
			return 0;
		v = v * 16 + h;
	}
	return v == c ? 6 : 0;
}

/* Walks a spelling of secret from s[i]: its end when the whole secret is
 * there; else i, with *more set when the input ran out mid-way (a cut
 * escape included), so that more bytes could still complete it. */
static size_t walk(const char *s, size_t i, size_t n, const char *secret, bool *more)
{
	size_t j = i;
	*more = false;
	for (const char *c = secret; *c; c++) {
		size_t len = j < n ? spelled(s, j, n, (unsigned char)*c) : 0;
		if (len == 0) {
			*more = j >= n || (s[j] == '\\' && n - j < ESCAPED_MAX);
			return i;
		}
		j += len;
	}
	return j;
}

/* End of the secret written from s[i], or i if it is not there. */
static size_t match(const char *s, size_t i, size_t n, const char *secret)
{
	bool more;
	return walk(s, i, n, secret, &more);
}

/* True when s[i..n) is the start of a spelling of secret that more bytes
 * could complete. */
static bool could_become(const char *s, size_t i, size_t n, const char *secret)
{
	bool more;
	walk(s, i, n, secret, &more);
	return more;
}

/* Where the tail of s[0..n) that could still become a secret begins; n if
 * no tail could. */
static size_t pending_tail(const char *s, size_t n)
{
	size_t from = n > longest * ESCAPED_MAX ? n - longest * ESCAPED_MAX : 0;
	for (size_t i = from; i < n; i++) {
		if (!first_byte[(unsigned char)s[i]])
			continue;
		for (size_t k = 0; k < nsecrets; k++)
			if (could_become(s, i, n, secrets[k]))
				return i;
	}
	return n;
}

/* End of the longest registered secret that starts at s[i]; i if none. */
static size_t secret_end(const char *s, size_t i, size_t n)
{
	if (!first_byte[(unsigned char)s[i]])
		return i;
	size_t end = i;
	for (size_t k = 0; k < nsecrets; k++) {
		size_t e = match(s, i, n, secrets[k]);
		if (e > end)
			end = e;
	}
	return end;
}

/* The end of the secret run at s[i] widened over every secret that starts
 * inside it: stopping at the first match would write the rest of a longer
 * or overlapping secret. i if no secret starts there. */
static size_t secret_run(const char *s, size_t i, size_t n)
{
	size_t end = secret_end(s, i, n);
	for (size_t j = i + 1; j < end; j++) {
		size_t e = secret_end(s, j, n);
		if (e > end)
			end = e;
	}
	return end;
}

static const char *const header_names[] = {
	"authorization:", "proxy-authorization:", "x-api-key:",
	"x-goog-api-key:", "cookie:", "set-cookie:",
};

static const char *const query_names[] = {"key=", "api_key=", "apikey="};

static bool prefix_at(const char *s, size_t i, size_t n, const char *p, size_t len)
{
	return n - i >= len && strncasecmp(s + i, p, len) == 0;
}

/* Length of a sensitive prefix at s[i], 0 if none. Header names count only
 * at the start of a line (or after "> "/"< " as curl's debug output has). */
static size_t sensitive_at(const char *s, size_t i, size_t n, bool line_start, bool *to_eol)
{
	*to_eol = false;
	if (line_start) {
		for (size_t k = 0; k < sizeof(header_names) / sizeof(*header_names); k++) {
			size_t len = strlen(header_names[k]);
			if (prefix_at(s, i, n, header_names[k], len)) {
				*to_eol = true;
				return len;
			}
		}
	}
	if (prefix_at(s, i, n, "bearer ", 7))
		return 7;
	if (i > 0 && (s[i - 1] == '?' || s[i - 1] == '&')) {
		for (size_t k = 0; k < sizeof(query_names) / sizeof(*query_names); k++) {
			size_t len = strlen(query_names[k]);
			if (prefix_at(s, i, n, query_names[k], len))
				return len;
		}
	}
	return 0;
}

/* At s[i] == "://": the end of a URL's userinfo (the '@'), or 0 if the URL
 * has none. */
static size_t userinfo_end(const char *s, size_t i, size_t n)
{
	if (n - i < 4 || memcmp(s + i, "://", 3) != 0)
		return 0;
	for (size_t j = i + 3; j < n; j++) {
		if (s[j] == '@')
			return j > i + 3 ? j : 0;
		if (strchr("/?#\\ \t\r\n\"'<>", s[j]) != NULL)
			return 0;
	}
	return 0;
}

/* A header value, token or query value from s[i]: how far it runs. */
static size_t value_end(const char *s, size_t i, size_t n, bool to_eol)
{
	while (i < n && s[i] != '\n' && s[i] != '\r' &&
	       (to_eol || (s[i] != ' ' && s[i] != '&' && s[i] != '"' && s[i] != ',')))
		i++;
	return i;
}

/* A pattern (header, token, query value, userinfo) at s[i]: true with
 * *keep, the bytes from i written as they are, and *end, where the hidden
 * value ends (nothing is hidden when *end is i + *keep). */
static bool pattern_at(const char *s, size_t i, size_t n, bool line_start, size_t *keep,
                       size_t *end)
{
	size_t ui = s[i] == ':' ? userinfo_end(s, i, n) : 0;
	if (ui > 0) {
		*keep = 3;
		*end = ui;
		return true;
	}
	bool to_eol;
	size_t len = sensitive_at(s, i, n, line_start, &to_eol);
	if (len == 0)
		return false;
	size_t at = i + len;
	while (at < n && s[at] == ' ')
		at++;
	*keep = at - i;
	*end = value_end(s, at, n, to_eol);
	return true;
}

/* Bytes that can start a pattern: ':' of "://", and the first letters of
 * the header names, "bearer" and the query names. */
static bool may_start_pattern(char c)
{
	return c != '\0' && strchr(":aApPxXcCsSbBkK", c) != NULL;
}

void redact_append(struct buf *out, const char *s, size_t n)
{
	bool line_start = true;
	size_t i = 0, run = 0, keep, end;
	while (i < n) {
		end = secret_run(s, i, n);
		if (end == i && may_start_pattern(s[i]) &&
		    pattern_at(s, i, n, line_start, &keep, &end)) {
			i += keep;
			if (end == i)
				continue;
		}
		if (end > i) {
			buf_append(out, s + run, i - run);
			buf_append_str(out, REDACTED);
			i = run = end;
			line_start = false;
			continue;
		}
		char c = s[i++];
		if (c == '\n')
			line_start = true;
		else if (!(line_start && (c == '>' || c == '<' || c == ' ')))
			line_start = false;
	}
	buf_append(out, s + run, n - run);
}

void redactor_init(struct redactor *r)
{
	buf_init(&r->carry, 0);
}

void redactor_done(struct redactor *r)
{
	buf_done(&r->carry);
}

/* Replaces secrets in carry[0..limit) (a match may run past limit) and
 * moves what was scanned to out. */
static void redact_upto(struct redactor *r, size_t limit, struct buf *out)
{
	const char *c = r->carry.data;
	size_t i = 0, run = 0;
	while (i < limit) {
		size_t end = secret_run(c, i, r->carry.len);
		if (end == i) {
			i++;
			continue;
		}
		buf_append(out, c + run, i - run);
		buf_append_str(out, REDACTED);
		i = run = end;
	}
	if (i > run)
		buf_append(out, c + run, i - run);
	buf_consume(&r->carry, i);
}

void redactor_feed(struct redactor *r, const char *p, size_t n, struct buf *out)
{
	if (longest == 0 && r->carry.len == 0) {
		buf_append(out, p, n);
		return;
	}
	buf_append(&r->carry, p, n);
	size_t hold = longest * ESCAPED_MAX - 1;
	if (r->carry.len > hold)
		redact_upto(r, r->carry.len - hold, out);
}

void redactor_feed_eager(struct redactor *r, const char *p, size_t n, struct buf *out)
{
	if (nsecrets == 0 && r->carry.len == 0) {
		buf_append(out, p, n);
		return;
	}
	buf_append(&r->carry, p, n);
	redact_upto(r, pending_tail(r->carry.data, r->carry.len), out);
}

bool redactor_holds(const struct redactor *r)
{
	return r->carry.len > 0;
}

void redactor_finish(struct redactor *r, struct buf *out)
{
	redact_upto(r, r->carry.len, out);
}
