/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blind: the shuffle, the letters, votes' words and redaction of a blind
 * compare. */
#include "app/blind.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/glyphs.h"

int blind_mode_of(const char *value)
{
	if (value == NULL || *value == '\0')
		return BLIND_ON;
	if (strcmp(value, "strict") == 0)
		return BLIND_STRICT;
	return -1;
}

uint64_t blind_seed(void)
{
	uint64_t seed = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	bool got = fd >= 0 && read(fd, &seed, sizeof(seed)) == (ssize_t)sizeof(seed);
	if (fd >= 0)
		close(fd);
	if (!got)
		seed = (uint64_t)clock_ms() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	return seed;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void blind_shuffle(char **items, int n, uint64_t seed)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(splitmix(&seed) % (uint64_t)(i + 1));
		char *t = items[i];
		items[i] = items[j];
		items[j] = t;
	}
}

void blind_letter(int col, char *out)
{
	out[0] = (char)('A' + col);
	out[1] = '\0';
}

int blind_vote_of(const char *word, int ncol)
{
	if (word == NULL)
		return BLIND_BAD_VOTE;
	if (strcasecmp(word, "tie") == 0)
		return VOTE_TIE;
	if (strcasecmp(word, "none") == 0)
		return VOTE_NONE;
	if (word[0] != '\0' && word[1] == '\0') {
		int c = (unsigned char)word[0];
		int col = c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? c - 'A'
		          : c >= '1' && c <= '9' ? c - '1' : -1;
		if (col >= 0 && col < ncol)
			return col;
	}
	return BLIND_BAD_VOTE;
}

void blind_vote_name(int winner, char *out, size_t size)
{
	if (winner == VOTE_TIE)
		snprintf(out, size, "a tie");
	else if (winner == VOTE_NONE)
		snprintf(out, size, "none");
	else
		snprintf(out, size, "%c", 'A' + winner);
}

/* The length of the longest name that starts at p, 0 none. */
static size_t match(const char *p, const char *const *names, int n)
{
	size_t best = 0;
	for (int i = 0; i < n; i++) {
		size_t len = names[i] ? strlen(names[i]) : 0;
		if (len >= 2 && len > best && strncasecmp(p, names[i], len) == 0)
			best = len;
	}
	return best;
}

void blind_redact(const char *text, const char *const *names, int n, const char *letter,
                  struct buf *out)
{
	const char *p = text, *run = text;
	while (*p != '\0') {
		size_t len = match(p, names, n);
		if (len == 0) {
			p++;
			continue;
		}
		buf_append(out, run, (size_t)(p - run));
		buf_append_str(out, letter);
		p += len;
		run = p;
	}
	buf_append(out, run, (size_t)(p - run));
}

void blind_mask(struct reply_metrics *f, enum blind_mode mode)
{
	if (mode == BLIND_OFF)
		return;
	f->cost = -1;
	if (mode != BLIND_STRICT)
		return;
	f->ttfb = f->ttft = f->ttfo = f->total = -1;
	f->tps = -1;
}

void blind_reveal_line(const char *const *names, int n, struct buf *out)
{
	for (int i = 0; i < n; i++)
		buf_printf(out, "%s%s%s%c was %s", i > 0 ? " " : "", i > 0 ? glyph->dot : "",
		           i > 0 ? " " : "", 'A' + i, names[i]);
}
