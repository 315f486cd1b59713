/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sha256: FIPS 180-4 SHA-256, small and incremental: an attachment's
 * fingerprint in the history and its exports (no libcrypto linked). */
#ifndef CIRCUIT_UTIL_SHA256_H
#define CIRCUIT_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32
#define SHA256_HEX   (2 * SHA256_BYTES + 1) /* hex digits and the NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t bits;       /* message length so far */
	unsigned char block[64];
	size_t used;         /* bytes waiting in block */
};

/* Starts a digest. */
void sha256_init(struct sha256 *s);
/* Feeds n bytes (any split gives the same digest). */
void sha256_update(struct sha256 *s, const void *p, size_t n);
/* Ends it: the 32 bytes of the digest into out; s must be started again
 * before another use. */
void sha256_final(struct sha256 *s, unsigned char out[SHA256_BYTES]);
/* The digest of n bytes as 64 lowercase hex digits and a NUL into hex. */
void sha256_hex(const void *p, size_t n, char hex[SHA256_HEX]);

#endif
