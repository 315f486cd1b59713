/* SPDX-License-Identifier: GPL-3.0-or-later */
/* textenc: a prompt's bytes as UTF-8, or why they are not. Pure: no I/O.
 *
 * A prompt piped from Windows tools or PowerShell often arrives as UTF-16
 * with a byte-order mark; read as UTF-8 it was cut at its first NUL. Here
 * UTF-16LE (FF FE) and UTF-16BE (FE FF) with a BOM become UTF-8, a UTF-8
 * BOM is dropped, and anything else must already be UTF-8. What cannot be
 * converted faithfully is refused, never repaired: a NUL, invalid UTF-8, a
 * lone UTF-16 surrogate (refused rather than turned into U+FFFD: a prompt
 * silently changed is worse than one the user is asked to fix), an odd
 * number of UTF-16 bytes. */
#ifndef CIRCUIT_UTIL_TEXTENC_H
#define CIRCUIT_UTIL_TEXTENC_H

#include <stddef.h>

#include "util/buf.h"

/* The encoding the bytes were found in. */
enum textenc_found {
	TEXTENC_UTF8,     /* no BOM */
	TEXTENC_UTF8_BOM, /* EF BB BF, dropped */
	TEXTENC_UTF16LE,  /* FF FE */
	TEXTENC_UTF16BE,  /* FE FF */
};

/* Why bytes were refused. */
enum textenc_problem {
	TEXTENC_NUL,            /* a NUL byte (UTF-8) or U+0000 (UTF-16) */
	TEXTENC_BAD_UTF8,       /* an invalid or incomplete UTF-8 sequence */
	TEXTENC_LONE_SURROGATE, /* UTF-16: a surrogate without its other half */
	TEXTENC_ODD_LENGTH,     /* UTF-16: half a code unit at the end */
	TEXTENC_TOO_LONG,       /* the output passed out's cap */
};

struct textenc_error {
	enum textenc_problem problem;
	enum textenc_found found; /* the encoding the bytes claimed */
	size_t offset;            /* where in the input (bytes, BOM included) */
	unsigned char byte;       /* TEXTENC_BAD_UTF8: the byte found there */
};

/* Appends the n bytes at p, converted to UTF-8 as the top of this file
 * says, to out. Returns the encoding found, or -1 with *err filled in (out
 * may then hold part of the text: reset it). */
int textenc_to_utf8(const char *p, size_t n, struct buf *out, struct textenc_error *err);

/* The n bytes at p are UTF-8 with no NUL (no BOM handling: a command-line
 * argument). Returns 0, or -1 with *err filled in. */
int textenc_check_utf8(const char *p, size_t n, struct textenc_error *err);

/* The encoding's name as iconv spells it ("UTF-16LE"). */
const char *textenc_name(enum textenc_found f);

#endif
