/* SPDX-License-Identifier: GPL-3.0-or-later */
/* testhistory: what the suites on the history file share (a history.db in a
 * temporary folder, opened and torn down; a value read back, or SQL run,
 * through a connection of the test's own). Include after "testutil.h".
 * peek_int, peek_text and exec_sql keep the names test_history gave them. */
#ifndef CIRCUIT_TESTHISTORY_H
#define CIRCUIT_TESTHISTORY_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/history.h"

/* A new folder /tmp/<name>-XXXXXX into dir, the path of its history.db
 * into path; fails the test when the folder cannot be made. */
static inline void th_make(char *dir, size_t dir_cap, char *path, size_t path_cap,
                           const char *name)
{
	snprintf(dir, dir_cap, "/tmp/%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	snprintf(path, path_cap, "%s/history.db", dir);
}

/* The history at path, opened to write; fails the test, with
 * history_open's word, when it cannot be. */
static inline struct history *th_open(const char *path)
{
	char err[512] = "";
	struct history *h = history_open(path, err, sizeof(err));
	if (h == NULL) {
		print_error("history_open: %s\n", err);
		fail();
	}
	return h;
}

/* Closes h (NULL: none) and removes dir with all in it. */
static inline void th_remove(struct history *h, const char *dir)
{
	history_close(h);
	tu_rmtree(dir);
}

/* The fixture of a suite that needs no more than a history file: its
 * folder, its path and the history open on it (th_setup, th_teardown). */
struct th_fx {
	char dir[64];
	char path[256];
	struct history *h;
};

static inline int th_setup(void **state)
{
	struct th_fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	th_make(f->dir, sizeof(f->dir), f->path, sizeof(f->path), "circuit-history-test");
	f->h = th_open(f->path);
	*state = f;
	return 0;
}

static inline int th_teardown(void **state)
{
	struct th_fx *f = *state;
	th_remove(f->h, f->dir);
	free(f);
	return 0;
}

/* One integer or text from the file through a connection of our own. */
static inline long long peek_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static inline void peek_text(const char *path, const char *sql, char *out, size_t n)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *s = sqlite3_column_text(st, 0);
	snprintf(out, n, "%s", s != NULL ? (const char *)s : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Runs sql on the file (as a hand edit would); fails the test, with
 * SQLite's word, when it does not run. */
static inline void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		print_error("%s: %s\n", sql, msg);
		fail();
	}
	sqlite3_close(db);
}

#endif
