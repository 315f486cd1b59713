/* SPDX-License-Identifier: GPL-3.0-or-later */
/* apikey: whether a key may go into an HTTP header, and the line a key file
 * or a key command gives. */
#ifndef CIRCUIT_UTIL_APIKEY_H
#define CIRCUIT_UTIL_APIKEY_H

#include <stddef.h>

/* A key is printable ASCII without blanks (0x21-0x7E): a control byte (CR,
 * LF) would start a header line of its own, and no provider issues keys with
 * blanks or non-ASCII bytes. Returns 0 when every byte of key is fine;
 * otherwise -1 and, in why (size n), what the first bad byte is and where,
 * never the key itself: "a control character (0x0d) at byte 5", "a space at
 * byte 0", "a byte outside ASCII (0xe2) at byte 3". */
int apikey_check(const char *key, char *why, size_t n);

/* The length of the first line of data[0..len): up to its LF, less one CR
 * just before it (CRLF). Nothing else is trimmed: what is left is the key,
 * checked as it is. */
size_t apikey_line(const char *data, size_t len);

#endif
