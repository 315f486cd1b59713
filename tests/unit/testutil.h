/* SPDX-License-Identifier: GPL-3.0-or-later */
/* testutil: what the cmocka suites share (include after <cmocka.h>). */
#ifndef CIRCUIT_TESTUTIL_H
#define CIRCUIT_TESTUTIL_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests run from the repository root (tests/run-suites sees to it). */
#define FIXTURES "tests/fixtures"

/* Whole file, NUL-terminated; fails the test if it cannot be read. */
static inline char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		print_error("cannot open %s\n", path);
		fail();
	}
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t got;
	while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			cap *= 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
	}
	fclose(f);
	s[n] = '\0';
	if (len != NULL)
		*len = n;
	return s;
}

/* Compares n bytes with an expected string, printing both when they differ. */
#define assert_bytes_equal(got, got_len, want)                                          \
	do {                                                                            \
		const char *w_ = (want);                                                \
		size_t wl_ = strlen(w_);                                                \
		if ((got_len) != wl_ || memcmp((got), w_, wl_) != 0) {                  \
			print_error("got  (%zu) \"%.*s\"\nwant (%zu) \"%s\"\n", (size_t)(got_len), \
			            (int)(got_len), (const char *)(got), wl_, w_);          \
			fail();                                                         \
		}                                                                       \
	} while (0)

static inline int tu_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* Removes dir and everything under it (a test's temporary folder). Returns
 * 0, or -1 (nftw's). */
static inline int tu_rmtree(const char *dir)
{
	return nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A small generator of the same numbers on every run, for the suites that
 * draw random runs of changes: seed tu_rnd_state, then call tu_rnd (24 bits). */
static uint32_t tu_rnd_state;

static inline uint32_t tu_rnd(void)
{
	tu_rnd_state = tu_rnd_state * 1103515245u + 12345u;
	return (tu_rnd_state >> 8) & 0xFFFFFF;
}

/* SQL that takes a history file back to schema 4: the tables of every
 * later step dropped (one place, for the tests of each step's upgrade). */
#define HISTORY_BACK_TO_4                                                                          \
	"DROP TABLE attachments; DROP TABLE reply_errors; DROP TABLE sources; DROP TABLE votes;"   \
	"PRAGMA user_version = 4;"

#endif
