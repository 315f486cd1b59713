/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libsqlite: SQLite loaded the first time a history file is opened (see
 * libsqlite.h). */
#define LIBSQLITE_NO_NAMES /* here sqlite3_step is SQLite's declaration */
#include "model/libsqlite.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

struct libsqlite libsqlite_fn;
static int state; /* 0 not tried, 1 loaded, -1 failed */
static char why[256];

/* Each entry: the table's field, and SQLite's function of that name. */
#define SYMBOLS(X)                                                                                \
	X(open_v2, sqlite3_open_v2)                                                                   \
	X(close, sqlite3_close)                                                                       \
	X(errmsg, sqlite3_errmsg)                                                                     \
	X(extended_result_codes, sqlite3_extended_result_codes)                                       \
	X(busy_timeout, sqlite3_busy_timeout)                                                         \
	X(db_readonly, sqlite3_db_readonly)                                                           \
	X(exec, sqlite3_exec)                                                                         \
	X(free, sqlite3_free)                                                                         \
	X(changes, sqlite3_changes)                                                                   \
	X(last_insert_rowid, sqlite3_last_insert_rowid)                                               \
	X(wal_checkpoint_v2, sqlite3_wal_checkpoint_v2)                                               \
	X(prepare_v2, sqlite3_prepare_v2)                                                             \
	X(prepare_v3, sqlite3_prepare_v3)                                                             \
	X(step, sqlite3_step)                                                                         \
	X(reset, sqlite3_reset)                                                                       \
	X(finalize, sqlite3_finalize)                                                                 \
	X(clear_bindings, sqlite3_clear_bindings)                                                     \
	X(bind_null, sqlite3_bind_null)                                                               \
	X(bind_int, sqlite3_bind_int)                                                                 \
	X(bind_int64, sqlite3_bind_int64)                                                             \
	X(bind_double, sqlite3_bind_double)                                                           \
	X(bind_text, sqlite3_bind_text)                                                               \
	X(bind_text64, sqlite3_bind_text64)                                                           \
	X(bind_blob64, sqlite3_bind_blob64)                                                           \
	X(column_type, sqlite3_column_type)                                                           \
	X(column_int, sqlite3_column_int)                                                             \
	X(column_int64, sqlite3_column_int64)                                                         \
	X(column_double, sqlite3_column_double)                                                       \
	X(column_text, sqlite3_column_text)                                                           \
	X(column_blob, sqlite3_column_blob)                                                           \
	X(column_bytes, sqlite3_column_bytes)

static int load(void)
{
	/* prepare_v3 and SQLITE_PREPARE_PERSISTENT came with SQLite 3.20. */
	void *h = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(why, sizeof(why), "cannot load SQLite for the history (%s): install libsqlite3-0",
		         dlerror());
		return -1;
	}
	struct libsqlite t;
	/* The assignment inside sizeof is never evaluated, so it references
	 * nothing at link time, but the compiler checks that SQLite's own
	 * declaration has the field's type. dlsym's void * to a function
	 * pointer: POSIX guarantees it; memcpy keeps ISO C's pedantic warning
	 * quiet. */
#define RESOLVE(field, fn)                                                                        \
	do {                                                                                          \
		(void)sizeof(t.field = fn);                                                               \
		void *p = dlsym(h, #fn);                                                                  \
		if (p == NULL) {                                                                          \
			snprintf(why, sizeof(why),                                                            \
			         "libsqlite3.so.0 has no " #fn ": install libsqlite3-0 3.20 or later");       \
			dlclose(h);                                                                           \
			return -1;                                                                            \
		}                                                                                         \
		memcpy(&t.field, &p, sizeof(p));                                                          \
	} while (0);
	SYMBOLS(RESOLVE)
#undef RESOLVE
	libsqlite_fn = t;
	return 0;
}

int libsqlite_load(char *err, size_t errlen)
{
	if (state == 0)
		state = load() == 0 ? 1 : -1;
	if (state < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return state > 0 ? 0 : -1;
}
