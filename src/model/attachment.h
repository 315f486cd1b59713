/* SPDX-License-Identifier: GPL-3.0-or-later */
/* attachment: a file sent with a prompt (-f, /file). A text file (valid
 * UTF-8, no NUL) is folded into the prompt as a fenced block labelled
 * with its name; an image (png, jpeg, webp, gif, known by its first
 * bytes, not its name) goes as an image part of the request. A message
 * owns its attachments; the history keeps them (name, type, size, hash,
 * and the bytes) so a resumed conversation sends them again. */
#ifndef CIRCUIT_MODEL_ATTACHMENT_H
#define CIRCUIT_MODEL_ATTACHMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/sha256.h"
#include "wire/request.h"

/* Text over this is refused unless forced. */
#define ATTACH_TEXT_MAX ((size_t)1 << 20)
/* Nothing over this is attached: an image, or forced text. */
#define ATTACH_FILE_MAX ((size_t)20 << 20)
/* The most files one message takes. */
#define ATTACH_MAX 16

struct attachment {
	char *name;     /* the file's last path component, one inert line (sanitised) */
	char mime[16];  /* "text/plain", or the image's "image/png"... */
	size_t size;    /* of data, in bytes */
	char sha256[SHA256_HEX]; /* of data, lowercase hex */
	char *data;     /* the text (NUL after it) or the image's bytes */
	bool image;
};

/* A message's attachments, in the order they were given. */
struct attachments {
	struct attachment *v;
	size_t n;
};

/* The image type n bytes begin with: "image/png", "image/jpeg",
 * "image/webp", "image/gif", or NULL when none of them. */
const char *attachment_sniff(const void *p, size_t n);

/* Reads the file at path into a (zeroed first; attachment_done frees it).
 * The file is opened without blocking and must be a regular file: a FIFO
 * or a device is refused unread. Returns 0; -1 refused, with err set to
 * one line "PATH: what; what to do" (PATH sanitised); -2 for text over
 * ATTACH_TEXT_MAX when not force: err says so without the advice, which
 * is the caller's ("--force attaches it anyway"). */
int attachment_load(const char *path, bool force, struct attachment *a, char *err,
                    size_t errlen);
/* Makes a from bytes at hand (a row of the history): name and data
 * copied, image from mime ("image/..."), sha256 computed when NULL. */
void attachment_set(struct attachment *a, const char *name, const char *mime, const void *data,
                    size_t n, const char *sha256);
/* Frees a's name and bytes; a is zeroed. */
void attachment_done(struct attachment *a);

/* "name (image/png, 120.0 KiB)" into out (cap > 0 bytes; cut between
 * characters when longer). */
void attachment_describe(const struct attachment *a, char *out, size_t cap);

/* The backticks of the fence around n bytes of text: one more than its
 * longest run of backticks, and at least 3. */
size_t attachment_fence(const char *text, size_t n);

void attachments_init(struct attachments *l);
/* Frees every attachment and the list; l is empty after. */
void attachments_done(struct attachments *l);
/* Appends *a to l, taking what it owns (*a is zeroed). */
void attachments_take(struct attachments *l, struct attachment *a);
/* dst gets copies of src's attachments, appended. */
void attachments_copy(struct attachments *dst, const struct attachments *src);
/* dst takes every attachment of src, appended; src is left empty. */
void attachments_move(struct attachments *dst, struct attachments *src);

/* The prompt as sent: its text, then each text attachment as
 * "\n\n```name\n" content "\n```" (no second newline when the content
 * ends in one; the fence from attachment_fence, the name with its
 * backticks made '_'), in order, appended to out. Images are not in it. */
void attachments_fold(struct buf *out, const char *prompt, const struct attachments *l);
/* The images of l as the wire borrows them (pointing into l): into out,
 * at most max; returns how many. */
size_t attachments_images(const struct attachments *l, struct wire_image *out, size_t max);

#endif
