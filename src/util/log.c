/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log: the --debug log. Secrets never reach it. */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/mem.h"

#define REDACTED "[redacted]"

static FILE *log_file;
static char **secrets;
static size_t nsecrets;

/* An existing file fits the log when writing to it appends lines and
 * harms nothing: a regular file, a FIFO (its reader is there, or the open
 * failed with ENXIO), a terminal, or /dev/null. Any other device (/dev/sda
 * as root) is refused with ENODEV before a byte is written. */
static int fits_existing(int fd)
{
	struct stat st, null;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || isatty(fd))
		return 0;
	if (S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	    st.st_rdev == null.st_rdev)
		return 0;
	errno = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
	return -1;
}

/* Opens path for appending. A file created here is 0600; an existing one
 * keeps its mode and owner (chmod of /dev/null as root would change it for
 * everyone). O_NONBLOCK: a FIFO nobody reads fails (ENXIO) instead of
 * blocking the start; it is turned off again so no line is lost to
 * EAGAIN. */
static int open_log_fd(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 || errno != EEXIST)
		return fd;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fits_existing(fd) < 0 || fcntl(fd, F_SETFL, O_APPEND) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int log_open(const char *path)
{
	int fd = open_log_fd(path);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "a");
	if (f == NULL) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	log_close();
	log_file = f;
	return 0;
}

void log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

bool log_enabled(void)
{
	return log_file != NULL;
}

void log_add_secret(const char *secret)
{
	if (secret == NULL || strlen(secret) < 4)
		return;
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof(*secrets));
	secrets[nsecrets++] = xstrdup(secret);
}

void log_clear_secrets(void)
{
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
}

static const char *const header_names[] = {
	"authorization:", "proxy-authorization:", "x-api-key:",
	"x-goog-api-key:", "cookie:", "set-cookie:",
};

static const char *const query_names[] = {"key=", "api_key=", "apikey="};

/* Length of a sensitive prefix at s[i], 0 if none. Header names count only
 * at the start of a line (or after "> "/"< " as curl's debug output has). */
static size_t sensitive_at(const char *s, size_t i, size_t n, bool line_start, bool *to_eol)
{
	if (line_start) {
		for (size_t k = 0; k < sizeof(header_names) / sizeof(*header_names); k++) {
			size_t len = strlen(header_names[k]);
			if (n - i >= len && strncasecmp(s + i, header_names[k], len) == 0) {
				*to_eol = true;
				return len;
			}
		}
	}
	if (n - i >= 7 && strncasecmp(s + i, "bearer ", 7) == 0) {
		*to_eol = false;
		return 7;
	}
	if (i > 0 && (s[i - 1] == '?' || s[i - 1] == '&')) {
		for (size_t k = 0; k < sizeof(query_names) / sizeof(*query_names); k++) {
			size_t len = strlen(query_names[k]);
			if (n - i >= len && strncasecmp(s + i, query_names[k], len) == 0) {
				*to_eol = false;
				return len;
			}
		}
	}
	return 0;
}

/* End of the longest registered secret that starts at s[i]; i if none does. */
static size_t secret_end(const char *s, size_t i, size_t n)
{
	size_t end = i;
	for (size_t k = 0; k < nsecrets; k++) {
		size_t len = strlen(secrets[k]);
		if (n - i >= len && i + len > end && memcmp(s + i, secrets[k], len) == 0)
			end = i + len;
	}
	return end;
}

void log_redact(const char *s, size_t n, struct buf *out)
{
	bool line_start = true;
	size_t i = 0;
	while (i < n) {
		size_t end = secret_end(s, i, n);
		if (end > i) {
			/* Widen over every secret that starts inside this one: stopping
			 * at the first match would write the rest of a longer or
			 * overlapping secret. */
			for (size_t j = i + 1; j < end; j++) {
				size_t e = secret_end(s, j, n);
				if (e > end)
					end = e;
			}
			buf_append_str(out, REDACTED);
			i = end;
			line_start = false;
			continue;
		}
		bool to_eol = false;
		size_t len = sensitive_at(s, i, n, line_start, &to_eol);
		if (len > 0) {
			buf_append(out, s + i, len);
			i += len;
			while (i < n && s[i] == ' ')
				buf_append_char(out, s[i++]);
			size_t j = i;
			while (j < n && s[j] != '\n' && s[j] != '\r' &&
			       (to_eol || (s[j] != ' ' && s[j] != '&' && s[j] != '"' && s[j] != ',')))
				j++;
			if (j > i)
				buf_append_str(out, REDACTED);
			i = j;
			line_start = false;
			continue;
		}
		char c = s[i++];
		buf_append_char(out, c);
		if (c == '\n')
			line_start = true;
		else if (!(line_start && (c == '>' || c == '<' || c == ' ')))
			line_start = false;
	}
}

void log_msg(const char *fmt, ...)
{
	if (log_file == NULL)
		return;
	struct buf raw, clean;
	buf_init(&raw, 0);
	buf_init(&clean, 0);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		char *tmp = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(tmp, (size_t)n + 1, fmt, ap);
		va_end(ap);
		buf_append(&raw, tmp, (size_t)n);
		free(tmp);
	}
	log_redact(raw.data != NULL ? raw.data : "", raw.len, &clean);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(log_file, "%02d:%02d:%02d.%03ld %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        ts.tv_nsec / 1000000, buf_str(&clean));
	fflush(log_file);
	buf_done(&raw);
	buf_done(&clean);
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
		size_t end = secret_end(c, i, r->carry.len);
		if (end == i) {
			i++;
			continue;
		}
		for (size_t j = i + 1; j < end; j++) {
			size_t e = secret_end(c, j, r->carry.len);
			if (e > end)
				end = e; /* overlapping secrets: no tail escapes */
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
	size_t longest = 0;
	for (size_t k = 0; k < nsecrets; k++)
		if (strlen(secrets[k]) > longest)
			longest = strlen(secrets[k]);
	if (longest == 0 && r->carry.len == 0) {
		buf_append(out, p, n);
		return;
	}
	buf_append(&r->carry, p, n);
	size_t hold = longest > 0 ? longest - 1 : 0;
	if (r->carry.len > hold)
		redact_upto(r, r->carry.len - hold, out);
}

void redactor_finish(struct redactor *r, struct buf *out)
{
	redact_upto(r, r->carry.len, out);
}
