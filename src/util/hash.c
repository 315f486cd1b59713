/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hash: a fast 64-bit hash of what a screen row shows. */
#include "util/hash.h"

#include <string.h>

uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	h = hash_mix(h, n);
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		h = hash_mix(h, v);
	}
	uint64_t v = 0;
	if (n > 0)
		memcpy(&v, s, n);
	return hash_mix(h, v);
}
