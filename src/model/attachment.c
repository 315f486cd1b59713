/* SPDX-License-Identifier: GPL-3.0-or-later */
/* attachment: files read for a prompt, their type by their first bytes,
 * text folded into the prompt in a fence no content can close. */
#include "model/attachment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/units.h"
#include "util/untrusted.h"
#include "util/utf8.h"

const char *attachment_sniff(const void *p, size_t n)
{
	const unsigned char *b = p;
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

/* s made one inert line (controls and bidi marks visible, UTF-8 repaired),
 * malloc'd. */
static char *inert(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	untrusted_field(&b, s, strlen(s));
	char *out = xstrdup(buf_str(&b));
	buf_done(&b);
	return out;
}

/* err = "PATH: " and the rest, printf-style. Returns -1. */
static int refuse(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return -1;
	char *q = inert(path);
	int k = snprintf(err, errlen, "%s: ", q);
	free(q);
	if (k >= 0 && (size_t)k < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Why open failed, and what to do. */
static int refuse_open(char *err, size_t errlen, const char *path, int e)
{
	if (e == ENOENT || e == ENOTDIR)
		return refuse(err, errlen, path, "no such file; check the path");
	if (e == EACCES || e == EPERM)
		return refuse(err, errlen, path, "cannot read it (permission denied); check its "
		                                 "permissions");
	return refuse(err, errlen, path, "cannot open it (%s); check the path", strerror(e));
}

/* The whole of fd, a regular file of about size bytes, into *out (malloc'd,
 * NUL after it): at most ATTACH_FILE_MAX + 1 bytes are read, so a file
 * that grew is still caught by the caller's cap. 0 or an errno. */
static int read_all(int fd, size_t size, char **out, size_t *len)
{
	size_t cap = (size < ATTACH_FILE_MAX ? size : ATTACH_FILE_MAX) + 2, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap) {
			if (n > ATTACH_FILE_MAX)
				break;
			cap = cap * 2 < ATTACH_FILE_MAX + 2 ? cap * 2 : ATTACH_FILE_MAX + 2;
			b = xrealloc(b, cap);
		}
		ssize_t k = read(fd, b + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(b);
			return e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* Whether the first 8 KiB of text hold more than one control byte in 32
 * (not tab, newline, CR, form feed, backspace or ESC): a binary file
 * rather than text in another encoding, which iconv would fix. */
static bool control_bytes(const char *p, size_t n)
{
	size_t look = n < 8192 ? n : 8192, k = 0;
	for (size_t i = 0; i < look; i++) {
		unsigned char c = (unsigned char)p[i];
		k += (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\b' &&
		      c != 0x1b) || c == 0x7f;
	}
	return k * 32 > look;
}

/* The bytes read: an image, or text (UTF-8, no NUL) under its cap. 0, -1
 * or -2 as attachment_load. */
static int classify(struct attachment *a, const char *path, bool force, char *err,
                    size_t errlen)
{
	char size[UNITS_MAX];
	units_bytes(a->size, size, sizeof(size));
	const char *mime = attachment_sniff(a->data, a->size);
	if (a->size > ATTACH_FILE_MAX)
		return refuse(err, errlen, path, "%s over 20 MiB, the most circuit attaches; make it "
		              "smaller", mime ? "an image" : "a file");
	if (mime != NULL) {
		snprintf(a->mime, sizeof(a->mime), "%s", mime);
		a->image = true;
		return 0;
	}
	const char *nul = memchr(a->data, '\0', a->size);
	if (nul != NULL)
		return refuse(err, errlen, path, "binary (a NUL byte at offset %zu), and not a png, "
		              "jpeg, webp or gif image; only text files and those images can be "
		              "attached", (size_t)(nul - a->data));
	if (!utf8_valid(a->data, a->size) && control_bytes(a->data, a->size))
		return refuse(err, errlen, path, "binary (not UTF-8, control bytes in it), and not a "
		              "png, jpeg, webp or gif image; only text files and those images can be "
		              "attached");
	if (!utf8_valid(a->data, a->size)) {
		size_t at = utf8_valid_prefix(a->data, a->size);
		return refuse(err, errlen, path, "not UTF-8 text (byte 0x%02X at offset %zu), nor a "
		              "png, jpeg, webp or gif image; convert it: iconv -f ENCODING -t UTF-8",
		              (unsigned char)a->data[at], at);
	}
	if (a->size > ATTACH_TEXT_MAX && !force) {
		refuse(err, errlen, path, "text of %s, over the 1 MiB limit for text", size);
		return -2;
	}
	snprintf(a->mime, sizeof(a->mime), "text/plain");
	return 0;
}

/* The last component of path ("notes.txt" for "a/b/notes.txt/"). */
static char *base_name(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	char *raw = xstrndup(path + start, n - start);
	char *name = inert(raw);
	free(raw);
	return name;
}

int attachment_load(const char *path, bool force, struct attachment *a, char *err,
                    size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (path == NULL || *path == '\0')
		return refuse(err, errlen, "\"\"", "an empty path; name a file");
	/* Non-blocking: a FIFO nobody writes would hang an open; it is refused
	 * below, unread, like a device. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return refuse_open(err, errlen, path, errno);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0)
		rc = refuse(err, errlen, path, "cannot read it (%s)", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = refuse(err, errlen, path, "a directory; attach the files in it one by one");
	else if (!S_ISREG(st.st_mode))
		rc = refuse(err, errlen, path, "not a regular file (a FIFO, socket or device); save "
		            "what it holds to a file and attach that");
	else if ((unsigned long long)st.st_size > ATTACH_FILE_MAX)
		rc = refuse(err, errlen, path, "over 20 MiB, the most circuit attaches; make it "
		            "smaller");
	int e = rc == 0 ? read_all(fd, (size_t)st.st_size, &a->data, &a->size) : 0;
	close(fd);
	if (e != 0)
		rc = e == EISDIR ? refuse(err, errlen, path, "a directory; attach the files in it one "
		                          "by one")
		                 : refuse(err, errlen, path, "cannot read it (%s)", strerror(e));
	if (rc == 0)
		rc = classify(a, path, force, err, errlen);
	if (rc != 0) {
		attachment_done(a);
		return rc;
	}
	a->name = base_name(path);
	sha256_hex(a->data, a->size, a->sha256);
	return 0;
}

void attachment_set(struct attachment *a, const char *name, const char *mime, const void *data,
                    size_t n, const char *sha256)
{
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name ? name : "");
	snprintf(a->mime, sizeof(a->mime), "%s", mime ? mime : "text/plain");
	a->image = strncmp(a->mime, "image/", 6) == 0;
	a->data = xmalloc(n + 1);
	if (n > 0)
		memcpy(a->data, data, n);
	a->data[n] = '\0';
	a->size = n;
	if (sha256 != NULL && strlen(sha256) == SHA256_HEX - 1)
		memcpy(a->sha256, sha256, SHA256_HEX);
	else
		sha256_hex(a->data, n, a->sha256);
}

void attachment_done(struct attachment *a)
{
	free(a->name);
	free(a->data);
	memset(a, 0, sizeof(*a));
}

void attachment_describe(const struct attachment *a, char *out, size_t cap)
{
	char size[UNITS_MAX];
	units_bytes(a->size, size, sizeof(size));
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s (%s, %s)", a->name ? a->name : "", a->mime, size);
	utf8_copy(out, cap, buf_str(&b)); /* a long name cut between characters */
	buf_done(&b);
}

size_t attachment_fence(const char *text, size_t n)
{
	size_t longest = 0, run = 0;
	for (size_t i = 0; i < n; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest + 1 > 3 ? longest + 1 : 3;
}

void attachments_init(struct attachments *l)
{
	l->v = NULL;
	l->n = 0;
}

void attachments_done(struct attachments *l)
{
	for (size_t i = 0; i < l->n; i++)
		attachment_done(&l->v[i]);
	free(l->v);
	attachments_init(l);
}

void attachments_take(struct attachments *l, struct attachment *a)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *a;
	memset(a, 0, sizeof(*a));
}

void attachments_copy(struct attachments *dst, const struct attachments *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct attachment *s = &src->v[i];
		struct attachment a;
		attachment_set(&a, s->name, s->mime, s->data, s->size, s->sha256);
		attachments_take(dst, &a);
	}
}

void attachments_move(struct attachments *dst, struct attachments *src)
{
	for (size_t i = 0; i < src->n; i++)
		attachments_take(dst, &src->v[i]);
	free(src->v);
	attachments_init(src);
}

void attachments_fold(struct buf *out, const char *prompt, const struct attachments *l)
{
	buf_append_str(out, prompt ? prompt : "");
	for (size_t i = 0; i < l->n; i++) {
		const struct attachment *a = &l->v[i];
		if (a->image)
			continue;
		size_t fence = attachment_fence(a->data, a->size);
		buf_append_str(out, "\n\n");
		for (size_t k = 0; k < fence; k++)
			buf_append_char(out, '`');
		for (const char *p = a->name; p != NULL && *p != '\0'; p++)
			buf_append_char(out, *p == '`' ? '_' : *p);
		buf_append_char(out, '\n');
		buf_append(out, a->data, a->size);
		if (a->size > 0 && a->data[a->size - 1] != '\n')
			buf_append_char(out, '\n');
		for (size_t k = 0; k < fence; k++)
			buf_append_char(out, '`');
	}
}

size_t attachments_images(const struct attachments *l, struct wire_image *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n && k < max; i++)
		if (l->v[i].image)
			out[k++] = (struct wire_image){l->v[i].mime, (const unsigned char *)l->v[i].data,
			                               l->v[i].size};
	return k;
}
