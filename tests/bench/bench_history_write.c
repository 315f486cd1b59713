/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_history_write: the history's cost for one long reply, as the
 * screen writes it (issue 16 item 14).
 *
 * A reply of SIZE bytes streams in 4 KiB deltas into a message; every
 * CHECKPOINT bytes (2 s at 1 MiB/s, the screen's checkpoint every 2 s at
 * the speed of the report) the row is checkpointed with
 * history_update(final false), and once at the end (final true). Each
 * size runs in a child of its own, which reports its CPU (user + sys)
 * and peak RSS (ru_maxrss); the floor is the same child streaming the same
 * reply into the same message without a history. Two sizes, SIZE and 2 x
 * SIZE:
 *   cpu   the history's CPU (the run's minus the floor's) at 2 x SIZE over
 *         at SIZE: linear is 2, a checkpoint that rewrites the whole reply
 *         (its cost grows with the reply: quadratic in all) is 4. Target
 *         <= 2.6.
 *   rss   the history's peak RSS over the floor's (which holds the reply
 *         twice already: its text and its raw bytes), at both sizes: it
 *         grows at most 2 bytes a byte of reply (the slope between the
 *         sizes: the row's record, the index's pending entries for one
 *         document, both built once at the end) plus at most 16 MiB
 *         (SQLite's page cache, the statements).
 *   file  the file after the reply, for information (the 40 MiB
 *         reply left a 173 MB file and a 162 MB WAL).
 * Prints one line per figure ("history write ... PASS|FAIL"); exits 0
 * (a report), 1 when a run could not be made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/conversation.h"
#include "model/history.h"

#define MIB        (1024.0 * 1024.0)
#define SIZE       ((size_t)12 << 20)
#define DELTA      4096
#define CHECKPOINT ((size_t)2 << 20)
#define CPU_TARGET 2.6
#define RSS_SLOPE  2.0
#define RSS_SLACK  (16.0 * MIB)

struct figures {
	double cpu;    /* seconds, user + sys */
	double rss;    /* bytes, peak */
	double db;     /* bytes, the file after the run (its WAL is gone: closed) */
	int ok;
};

static double cpu_of(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static double size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/* The child: size bytes of words streamed into a reply, written to the
 * history at path as the screen does (NULL: no history, the floor).
 * 0, or 1 when a write failed. */
static int stream(const char *path, size_t size)
{
	struct history *h = NULL;
	char err[512];
	if (path != NULL && (h = history_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_history_write: %s\n", err);
		return 1;
	}
	struct conversation c;
	conv_init(&c);
	conv_add(&c, MSG_USER, "you", "write me a long story");
	long long conv = h ? history_begin(h, NULL, 1) : 0;
	if (h != NULL && history_add(h, conv, 0, 0, c.v[0], 1) < 0)
		return 1;
	struct message *m = conv_add(&c, MSG_ASSISTANT, "model", NULL);
	m->streaming = true;
	long long id = h ? history_add(h, conv, 0, 0, m, 1) : 0;
	char delta[DELTA];
	for (size_t i = 0; i < DELTA; i++)
		delta[i] = "lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"[i % 57];
	size_t last = 0;
	for (size_t n = 0; n < size; n += DELTA) {
		msg_append_text(m, delta, DELTA);
		if (h != NULL && n + DELTA - last >= CHECKPOINT) {
			if (history_update(h, id, m, false, 2) < 0)
				return 1;
			last = n + DELTA;
		}
	}
	msg_finish(m, false, "");
	if (h != NULL && history_update(h, id, m, true, 3) < 0)
		return 1;
	history_close(h);
	conv_done(&c);
	return 0;
}

/* One run in a child: its figures; its file measured, then removed. */
static struct figures run(const char *dir, size_t size, bool history)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/history-%zu.db", dir, size);
	struct figures f = {0, 0, 0, 0};
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(stream(history ? path : NULL, size));
	int status = 0;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return f;
	f.cpu = cpu_of(&ru);
	f.rss = (double)ru.ru_maxrss * 1024.0;
	f.db = size_of(path);
	f.ok = 1;
	unlink(path);
	return f;
}

int main(void)
{
	char dir[] = "/tmp/circuit-bench-write-XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("bench_history_write: mkdtemp");
		return 1;
	}
	struct figures base[2], hist[2];
	int ok = 1;
	/* The floor and the run take turns, the smaller size first. */
	for (int k = 0; k < 2; k++) {
		size_t size = SIZE << k;
		base[k] = run(dir, size, false);
		hist[k] = run(dir, size, true);
		ok &= base[k].ok && hist[k].ok;
	}
	rmdir(dir);
	if (!ok) {
		fprintf(stderr, "bench_history_write: a run failed\n");
		return 1;
	}
	double c1 = hist[0].cpu - base[0].cpu, c2 = hist[1].cpu - base[1].cpu;
	double ratio = c1 > 0 ? c2 / c1 : 0;
	printf("history write cpu  %.0f MiB reply %.3f s, %.0f MiB %.3f s (floor %.3f, %.3f s)  "
	       "ratio %.2fx  (target <=%.1fx)  %s\n",
	       SIZE / MIB, c1, 2 * SIZE / MIB, c2, base[0].cpu, base[1].cpu, ratio, CPU_TARGET,
	       ratio > 0 && ratio <= CPU_TARGET ? "PASS" : "FAIL");
	/* Peak RSS over the floor's, at each size: its growth per byte of reply
	 * (the slope between the sizes) is the figure; what is left is the
	 * constant. */
	double e1 = hist[0].rss - base[0].rss, e2 = hist[1].rss - base[1].rss;
	double slope = (e2 - e1) / (double)SIZE, constant = e2 - slope * 2.0 * SIZE;
	printf("history write rss  %.1f MiB over the floor's %.1f MiB for a %.0f MiB reply, %.1f "
	       "over %.1f for %.0f  slope %.2fx the reply + %.1f MiB  (target <=%.1fx + %.0f MiB)  "
	       "%s\n",
	       e2 / MIB, base[1].rss / MIB, 2 * SIZE / MIB, e1 / MIB, base[0].rss / MIB,
	       SIZE / MIB, slope, constant / MIB, RSS_SLOPE, RSS_SLACK / MIB,
	       slope <= RSS_SLOPE && constant <= RSS_SLACK ? "PASS" : "FAIL");
	printf("history write file  %.1f MiB for a %.0f MiB reply (%.1f MiB for %.0f MiB)\n",
	       hist[1].db / MIB, 2 * SIZE / MIB, hist[0].db / MIB, SIZE / MIB);
	return 0;
}
