/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libsqlite: SQLite loaded the first time a history file is opened, not
 * linked, as net/libcurl loads libcurl. Linked, libsqlite3 and the libm
 * it needs cost every start about half a MiB of resident memory (the
 * loader's relocations and libm's IFUNC resolvers) in a run that never
 * opens the history: --no-history, a shell's one-shot question with it
 * off, a benchmark's stream. docs/benchmarks.md has the measurement.
 *
 * The history's files call SQLite by its own names: each sqlite3_ function
 * they use is a macro for this table's field, as sqlite3ext.h does for an
 * extension. So only the files that include model/history_db.h (which
 * includes this) call SQLite, and only after history.c has opened a file,
 * which loads the library first. */
#ifndef CIRCUIT_MODEL_LIBSQLITE_H
#define CIRCUIT_MODEL_LIBSQLITE_H

#include <sqlite3.h>
#include <stddef.h>

typedef void (*libsqlite_dtor)(void *);

struct libsqlite {
	int (*open_v2)(const char *name, sqlite3 **db, int flags, const char *vfs);
	int (*close)(sqlite3 *db);
	const char *(*errmsg)(sqlite3 *db);
	int (*extended_result_codes)(sqlite3 *db, int on);
	int (*busy_timeout)(sqlite3 *db, int ms);
	int (*db_readonly)(sqlite3 *db, const char *name);
	int (*exec)(sqlite3 *db, const char *sql, int (*row)(void *, int, char **, char **),
	            void *arg, char **err);
	void (*free)(void *p);
	int (*changes)(sqlite3 *db);
	sqlite3_int64 (*last_insert_rowid)(sqlite3 *db);
	int (*wal_checkpoint_v2)(sqlite3 *db, const char *name, int mode, int *log, int *done);
	int (*prepare_v2)(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail);
	int (*prepare_v3)(sqlite3 *db, const char *sql, int n, unsigned int flags,
	                  sqlite3_stmt **st, const char **tail);
	int (*step)(sqlite3_stmt *st);
	int (*reset)(sqlite3_stmt *st);
	int (*finalize)(sqlite3_stmt *st);
	int (*clear_bindings)(sqlite3_stmt *st);
	int (*bind_null)(sqlite3_stmt *st, int i);
	int (*bind_int)(sqlite3_stmt *st, int i, int v);
	int (*bind_int64)(sqlite3_stmt *st, int i, sqlite3_int64 v);
	int (*bind_double)(sqlite3_stmt *st, int i, double v);
	int (*bind_text)(sqlite3_stmt *st, int i, const char *s, int n, libsqlite_dtor d);
	int (*bind_text64)(sqlite3_stmt *st, int i, const char *s, sqlite3_uint64 n,
	                   libsqlite_dtor d, unsigned char encoding);
	int (*bind_blob64)(sqlite3_stmt *st, int i, const void *p, sqlite3_uint64 n,
	                   libsqlite_dtor d);
	int (*column_type)(sqlite3_stmt *st, int i);
	int (*column_int)(sqlite3_stmt *st, int i);
	sqlite3_int64 (*column_int64)(sqlite3_stmt *st, int i);
	double (*column_double)(sqlite3_stmt *st, int i);
	const unsigned char *(*column_text)(sqlite3_stmt *st, int i);
	const void *(*column_blob)(sqlite3_stmt *st, int i);
	int (*column_bytes)(sqlite3_stmt *st, int i);
};

/* The table: every field NULL until libsqlite_load has succeeded. */
extern struct libsqlite libsqlite_fn;

/* Loads libsqlite3.so.0 and fills the table, the first time; later calls
 * return at once. 0, or -1 with one line in err saying why and what to
 * install (and every later call says the same). */
int libsqlite_load(char *err, size_t errlen);

#ifndef LIBSQLITE_NO_NAMES
#define sqlite3_open_v2 libsqlite_fn.open_v2
#define sqlite3_close libsqlite_fn.close
#define sqlite3_errmsg libsqlite_fn.errmsg
#define sqlite3_extended_result_codes libsqlite_fn.extended_result_codes
#define sqlite3_busy_timeout libsqlite_fn.busy_timeout
#define sqlite3_db_readonly libsqlite_fn.db_readonly
#define sqlite3_exec libsqlite_fn.exec
#define sqlite3_free libsqlite_fn.free
#define sqlite3_changes libsqlite_fn.changes
#define sqlite3_last_insert_rowid libsqlite_fn.last_insert_rowid
#define sqlite3_wal_checkpoint_v2 libsqlite_fn.wal_checkpoint_v2
#define sqlite3_prepare_v2 libsqlite_fn.prepare_v2
#define sqlite3_prepare_v3 libsqlite_fn.prepare_v3
#define sqlite3_step libsqlite_fn.step
#define sqlite3_reset libsqlite_fn.reset
#define sqlite3_finalize libsqlite_fn.finalize
#define sqlite3_clear_bindings libsqlite_fn.clear_bindings
#define sqlite3_bind_null libsqlite_fn.bind_null
#define sqlite3_bind_int libsqlite_fn.bind_int
#define sqlite3_bind_int64 libsqlite_fn.bind_int64
#define sqlite3_bind_double libsqlite_fn.bind_double
#define sqlite3_bind_text libsqlite_fn.bind_text
#define sqlite3_bind_text64 libsqlite_fn.bind_text64
#define sqlite3_bind_blob64 libsqlite_fn.bind_blob64
#define sqlite3_column_type libsqlite_fn.column_type
#define sqlite3_column_int libsqlite_fn.column_int
#define sqlite3_column_int64 libsqlite_fn.column_int64
#define sqlite3_column_double libsqlite_fn.column_double
#define sqlite3_column_text libsqlite_fn.column_text
#define sqlite3_column_blob libsqlite_fn.column_blob
#define sqlite3_column_bytes libsqlite_fn.column_bytes
#endif

#endif
