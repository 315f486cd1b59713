/* SPDX-License-Identifier: GPL-3.0-or-later */
/* images: a model's image saved to a private file. */
#include "app/images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/base64.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/paths.h"
#include "util/sha256.h"
#include "util/units.h"

/* The extension for mime; "img" when it is none of these. */
static const char *extension(const char *mime)
{
	static const char *const known[][2] = {
	    {"image/png", "png"},   {"image/jpeg", "jpg"}, {"image/jpg", "jpg"},
	    {"image/webp", "webp"}, {"image/gif", "gif"},  {"image/svg+xml", "svg"},
	    {"image/avif", "avif"}, {"image/heic", "heic"}, {"image/bmp", "bmp"},
	};
	for (size_t i = 0; mime != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(mime, known[i][0]) == 0)
			return known[i][1];
	return "img";
}

/* The folder, made when missing; into dirbuf. NULL with err set. */
static const char *folder(const char *dir, char *dirbuf, size_t n, char *err, size_t errcap)
{
	if (dir == NULL) {
		dir = paths_user(PATHS_DATA, "images", true, dirbuf, n);
		if (dir == NULL) {
			snprintf(err, errcap, "no folder for images (HOME is not set); not saved: "
			                      "give one with --save-images DIR");
			return NULL;
		}
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errcap, "cannot make %s for the image: %s; not saved", dir,
		         strerror(errno));
		return NULL;
	}
	return dir;
}

/* Writes n bytes at p to path, a new file (0600). 0, or -1 with errno. */
static int write_new(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			close(fd);
			unlink(path);
			errno = e;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(path);
		errno = e;
		return -1;
	}
	return 0;
}

/* The file's name in dir: when, hash, extension. */
static void name(const char *dir, const struct buf *bytes, const char *mime, long long now,
                 char *path, size_t cap)
{
	char hex[SHA256_HEX], when[32] = "0";
	sha256_hex(bytes->data, bytes->len, hex);
	time_t t = (time_t)now;
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	snprintf(path, cap, "%s/%s-%.8s.%s", dir, when, hex, extension(mime));
}

long long image_save(const char *dir, const char *mime, const char *b64, size_t len,
                     long long now_unix, char *path, size_t cap, char *err, size_t errcap)
{
	*path = '\0';
	*err = '\0';
	struct buf bytes;
	buf_init(&bytes, 0);
	char dirbuf[1024];
	const char *where = NULL;
	if (len == 0)
		snprintf(err, errcap, "an image (%s) came with no data; nothing saved", mime);
	else if (base64_decode(b64, len, &bytes) < 0 || bytes.len == 0)
		snprintf(err, errcap, "an image (%s) came that is not valid base64; nothing saved",
		         mime);
	else
		where = folder(dir, dirbuf, sizeof(dirbuf), err, errcap);
	long long size = -1;
	if (where != NULL) {
		name(where, &bytes, mime, now_unix, path, cap);
		size = (long long)bytes.len;
		if (write_new(path, bytes.data, bytes.len) < 0 && errno != EEXIST) {
			snprintf(err, errcap, "cannot save the image as %s: %s", path, strerror(errno));
			*path = '\0';
			size = -1;
		}
	}
	buf_done(&bytes);
	return size;
}

void image_line(long long size, const char *path, const char *mime, const char *err, char *out,
                size_t cap)
{
	if (size < 0) {
		snprintf(out, cap, "[%s]", err);
		return;
	}
	char n[32];
	units_bytes((unsigned long long)size, n, sizeof(n));
	snprintf(out, cap, "[image saved: %s (%s, %s)]", path, mime, n);
}

long long image_keep(const char *dir, const char *mime, const char *b64, size_t len, char *path,
                     size_t pathcap, char *line, size_t linecap)
{
	char err[1200];
	long long size = image_save(dir, mime, b64, len, clock_unix(), path, pathcap, err,
	                            sizeof(err));
	image_line(size, path, mime, err, line, linecap);
	return size;
}
