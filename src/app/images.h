/* SPDX-License-Identifier: GPL-3.0-or-later */
/* images: an image a model made (issue 19's WIRE_EV_IMAGE), saved to a
 * file: the headless run, --replay and the screen name the file instead
 * of showing the bytes. */
#ifndef CIRCUIT_APP_IMAGES_H
#define CIRCUIT_APP_IMAGES_H

#include <stddef.h>

/* Decodes the len base64 characters at b64 (util/base64) and writes the
 * bytes to a new file in dir, or, dir NULL, in $XDG_DATA_HOME/circuit/images
 * (util/paths): the folder made when missing (0700; the ones above it
 * too for the default), the file 0600, never over another (O_EXCL, no
 * symlink followed), named from now (seconds, UTC), the first 8 hex digits
 * of the bytes' SHA-256 and an extension from mime ("20261208-003641-
 * 1a2b3c4d.png"; "img" for a type it does not know). The same image in the
 * same second is the same file: saved once. Returns the image's size in
 * bytes with the path in path (cap bytes); -1 with one line in err (errcap
 * bytes) saying what happened (no data, not base64, the folder or the
 * file refused and why), nothing written then. */
long long image_save(const char *dir, const char *mime, const char *b64, size_t len,
               long long now_unix, char *path, size_t cap, char *err, size_t errcap);

/* What the transcript and stderr say of an image: "[image saved: PATH
 * (image/png, 1.2 KiB)]" for size >= 0 (image_save's result), else err's
 * words in brackets, into out (cap bytes). */
void image_line(long long size, const char *path, const char *mime, const char *err, char *out,
                size_t cap);

/* image_save now (clock_unix), then image_line into line (linecap bytes):
 * what a sink does with an image. Returns image_save's result; path is ""
 * when nothing was saved. */
long long image_keep(const char *dir, const char *mime, const char *b64, size_t len, char *path,
                     size_t pathcap, char *line, size_t linecap);

#endif
