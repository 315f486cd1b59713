/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hash: a fast 64-bit hash of what a screen row shows, so a row is drawn
 * again only when its key changes (ui/transcript, ui/mdview). Not for
 * anything an attacker could aim at: equal keys are trusted. */
#ifndef CIRCUIT_UTIL_HASH_H
#define CIRCUIT_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* h with v folded in. */
uint64_t hash_mix(uint64_t h, uint64_t v);
/* h with the n bytes at s folded in, eight a step (a 200-byte row is 25
 * multiplies); s may be NULL when n is 0. */
uint64_t hash_bytes(uint64_t h, const char *s, size_t n);

#endif
