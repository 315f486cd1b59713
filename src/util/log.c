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
#include "util/untrusted.h"

static FILE *log_file;

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
	untrusted_escape(&clean, raw.data != NULL ? raw.data : "", raw.len);
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
