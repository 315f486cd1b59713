/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_markdown: the Markdown renderer's cost per token stays flat as a
 * reply grows (issue 17), in memory, judged by ratios in the same run.
 *
 * Two replies, each fed to md_append 6 bytes at a time as a stream brings
 * them:
 *
 *   code   one fenced Python block of 5 000 lines (highlighted as each line
 *          completes): the CPU per append over its first 500 lines against
 *          its last 500
 *   prose  1 MiB of paragraphs with emphasis, inline code and links: the
 *          first 64 KiB against the last 64 KiB
 *
 * Each is built ROUNDS times; the least CPU of each window is kept. Target:
 * the late window costs at most 1.2x the early one. Prints one line per
 * reply; exits 0 whether it passes or fails (a report). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/markdown.h"
#include "util/buf.h"

#define PIECE 6
#define ROUNDS 5
#define TARGET 1.2

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void code_reply(struct buf *b, size_t *early_end, size_t *late_start)
{
	buf_append_str(b, "Here is the module:\n\n```python\n");
	for (int i = 0; i < 5000; i++) {
		if (i == 500)
			*early_end = b->len;
		if (i == 4500)
			*late_start = b->len;
		buf_printf(b, "    value_%d = compute(%d, \"text\")  # note %d\n", i, i * 7, i);
	}
}

static void prose_reply(struct buf *b, size_t *early_end, size_t *late_start)
{
	for (int i = 0; b->len < (1u << 20); i++) {
		buf_printf(b, "Paragraph %d has **bold** words, an *aside*, `code_%d()` and a "
		              "[link](https://example.com/%d) before it ends with a plain sentence "
		              "that runs on for a while.\n\n", i, i, i);
	}
	*early_end = 64 * 1024;
	*late_start = b->len - 64 * 1024;
}

/* One build of text: the CPU seconds of the appends before byte a1, and
 * of those from byte b0 to the end. */
static void feed(const struct buf *text, size_t a1, size_t b0, double *early, double *late)
{
	struct md_doc *d = md_new(100);
	double t0 = 0;
	for (size_t off = 0; off < text->len; off += PIECE) {
		size_t n = text->len - off < PIECE ? text->len - off : PIECE;
		if (off == 0)
			t0 = cpu_now();
		if (off >= a1 && off - PIECE < a1)
			*early = cpu_now() - t0;
		if (off >= b0 && off - PIECE < b0)
			t0 = cpu_now();
		md_append(d, text->data + off, n);
	}
	*late = cpu_now() - t0;
	md_free(d);
}

static void figure(const char *name, void (*build)(struct buf *, size_t *, size_t *))
{
	struct buf text;
	buf_init(&text, 0);
	size_t early_end = 0, late_start = 0;
	build(&text, &early_end, &late_start);
	/* windows on PIECE boundaries, as the feed sees them */
	early_end -= early_end % PIECE;
	late_start -= late_start % PIECE;
	double best_e = 1e9, best_l = 1e9;
	for (int r = 0; r < ROUNDS; r++) {
		double e = 0, l = 0;
		feed(&text, early_end, late_start, &e, &l);
		if (e < best_e)
			best_e = e;
		if (l < best_l)
			best_l = l;
	}
	double ne = (double)early_end / PIECE, nl = (double)(text.len - late_start) / PIECE;
	double ue = best_e / ne * 1e6, ul = best_l / nl * 1e6, ratio = ul / ue;
	printf("md-%-15s early %.2f µs/append  late %.2f  ratio %.2f× early  (target ≤%.1f×)  %s\n",
	       name, ue, ul, ratio, TARGET, ratio <= TARGET ? "PASS" : "FAIL");
	printf("%-18s %.2f MiB fed %d bytes at a time, the least CPU of %d rounds per window\n", "",
	       (double)text.len / (1 << 20), PIECE, ROUNDS);
	buf_done(&text);
}

int main(void)
{
	figure("code-block", code_reply);
	figure("prose", prose_reply);
	return 0;
}
