/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_history: the SQLite history: files, round trips, sessions, search, export. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "testhistory.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/conversation.h"
#include "model/history.h"
#include "model/history_db.h" /* HDB_INDEX_CHARS_N */
#include "util/utf8.h"

/* ---- fixtures ------------------------------------------------------------ */

struct fx {
	char dir[64];
	char path[256];
	struct history *h;
	struct conversation c; /* messages to store */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	th_make(f->dir, sizeof(f->dir), f->path, sizeof(f->path), "circuit-history");
	conv_init(&f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	th_remove(f->h, f->dir);
	conv_done(&f->c);
	free(f);
	return 0;
}

/* The fixture's history, opened; fails the test when it cannot be. */
static struct history *open_h(struct fx *f)
{
	f->h = NULL; /* not a closed one left for teardown, should this fail */
	f->h = th_open(f->path);
	return f->h;
}

static void reopen(struct fx *f)
{
	history_close(f->h);
	f->h = NULL;
	open_h(f);
}

/* A prompt, as the app makes one. */
static struct message *prompt(struct fx *f, const char *text)
{
	return conv_add(&f->c, MSG_USER, "you", text);
}

/* A reply streamed in one delta and finished, without figures. */
static struct message *reply(struct fx *f, const char *label, const char *text)
{
	struct message *m = conv_add(&f->c, MSG_ASSISTANT, label, NULL);
	msg_append_text(m, text, strlen(text));
	msg_finish(m, false, "");
	return m;
}

/* Figures with a distinct, non-default value in every field. */
static void full_metrics(struct reply_metrics *r)
{
	reply_metrics_init(r);
	snprintf(r->provider, sizeof(r->provider), "openai");
	snprintf(r->model, sizeof(r->model), "gpt-4o-mini");
	snprintf(r->stop, sizeof(r->stop), "end_turn");
	r->outcome = REPLY_CANCELLED;
	r->ttfb = 101;
	r->ttft = 202;
	r->ttfo = 303;
	r->last = 4004;
	r->total = 5005;
	r->last_byte = 4999;
	r->max_gap = 777;
	r->deltas = 88;
	r->text_bytes = 1234;
	r->thinking_bytes = 567;
	r->prompt_bytes = 890;
	r->usage_in = 11;
	r->usage_out = 22;
	r->usage_thinking = 33;
	r->tokens_in = 44;
	r->tokens_out = 55;
	r->tokens_thinking = 66;
	r->in_estimated = true;
	r->out_estimated = false;
	r->thinking_estimated = true;
	r->tps = 12.345678901234567;
	r->tps_estimated = true;
	r->cost = 0.000123456789;
	r->cost_estimated = true;
}

static void assert_metrics_equal(const struct reply_metrics *g, const struct reply_metrics *w)
{
	assert_string_equal(g->provider, w->provider);
	assert_string_equal(g->model, w->model);
	assert_string_equal(g->stop, w->stop);
	assert_int_equal(g->outcome, w->outcome);
	assert_int_equal(g->ttfb, w->ttfb);
	assert_int_equal(g->ttft, w->ttft);
	assert_int_equal(g->ttfo, w->ttfo);
	assert_int_equal(g->last, w->last);
	assert_int_equal(g->total, w->total);
	assert_int_equal(g->last_byte, w->last_byte);
	assert_int_equal(g->max_gap, w->max_gap);
	assert_int_equal(g->deltas, w->deltas);
	assert_int_equal(g->text_bytes, w->text_bytes);
	assert_int_equal(g->thinking_bytes, w->thinking_bytes);
	assert_int_equal(g->prompt_bytes, w->prompt_bytes);
	assert_int_equal(g->usage_in, w->usage_in);
	assert_int_equal(g->usage_out, w->usage_out);
	assert_int_equal(g->usage_thinking, w->usage_thinking);
	assert_int_equal(g->tokens_in, w->tokens_in);
	assert_int_equal(g->tokens_out, w->tokens_out);
	assert_int_equal(g->tokens_thinking, w->tokens_thinking);
	assert_int_equal(g->in_estimated, w->in_estimated);
	assert_int_equal(g->out_estimated, w->out_estimated);
	assert_int_equal(g->thinking_estimated, w->thinking_estimated);
	assert_true(g->tps == w->tps);
	assert_int_equal(g->tps_estimated, w->tps_estimated);
	assert_true(g->cost == w->cost);
	assert_int_equal(g->cost_estimated, w->cost_estimated);
	/* Both were built field by field on a cleared struct: a field added to
	 * struct reply_metrics that history does not store shows here. */
	assert_memory_equal(g, w, sizeof(*g));
}

static void assert_buf_equal(const struct buf *g, const struct buf *w)
{
	assert_int_equal(g->len, w->len);
	if (w->len > 0)
		assert_memory_equal(g->data, w->data, w->len);
}

static bool contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!contains((hay), (needle))) {                                                  \
			print_error("\"%s\"\ndoes not contain \"%s\"\n", (hay), (needle));         \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

/* FTS5's own check that the index matches the messages table exactly. */
static void assert_index_intact(struct fx *f)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db,
	                      "INSERT INTO messages_fts(messages_fts, rank) VALUES "
	                      "('integrity-check', 1)",
	                      NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		print_error("integrity-check: %s\n", msg);
		fail();
	}
	sqlite3_close(db);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		print_error("stat %s: %s\n", path, strerror(errno));
		fail();
	}
	return st.st_mode & 07777;
}

static void write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* history_open must fail; returns its message. */
static const char *refused(struct fx *f, char *err, size_t n)
{
	err[0] = '\0';
	struct history *h = history_open(f->path, err, n);
	if (h != NULL) {
		history_close(h);
		print_error("%s opened, should have been refused\n", f->path);
		fail();
	}
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	return err;
}

/* ---- the file ------------------------------------------------------------- */

static void test_history_open_creates_a_0600_wal_file_with_the_schema(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	assert_int_equal(mode_of(f->path), 0600);
	long long conv = history_begin(h, NULL, 1000);
	assert_true(conv > 0);
	assert_true(history_add(h, conv, 0, 0, prompt(f, "hello"), 1000) > 0);

	/* Written and still open: the WAL and its index are there, private too. */
	char wal[sizeof(f->path) + 8], shm[sizeof(f->path) + 8];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	snprintf(shm, sizeof(shm), "%s-shm", f->path);
	assert_int_equal(mode_of(wal) & 077, 0);
	assert_int_equal(mode_of(shm) & 077, 0);

	char mode[16];
	peek_text(f->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM messages"), 1);
}

static void test_history_open_tightens_a_file_others_can_read(void **state)
{
	struct fx *f = *state;
	write_file(f->path, "", 0, 0600);
	assert_int_equal(chmod(f->path, 0644), 0);
	open_h(f);
	assert_int_equal(mode_of(f->path), 0600);
}

static void test_history_reopen_keeps_the_data(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, "be brief", 1000);
	history_add(h, conv, 0, 0, prompt(f, "first question"), 1000);
	history_add(h, conv, 0, 0, reply(f, "mock", "first answer"), 1001);
	reopen(f);

	struct conversation c;
	conv_init(&c);
	char *system = NULL;
	assert_int_equal(history_load(f->h, conv, &c, &system), 2);
	assert_string_equal(system, "be brief");
	assert_string_equal(buf_str(&c.v[0]->text), "first question");
	assert_string_equal(buf_str(&c.v[1]->text), "first answer");
	assert_int_equal(history_last(f->h), conv);
	free(system);
	conv_done(&c);
}

static void test_history_a_newer_schema_is_refused(void **state)
{
	struct fx *f = *state;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", HISTORY_SCHEMA_VERSION + 1);
	exec_sql(f->path, sql);
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	assert_contains(e, f->path);
	assert_contains(e, "newer circuit");
	assert_contains(e, "history is off");
}

static void test_history_a_junk_file_is_refused(void **state)
{
	struct fx *f = *state;
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	write_file(f->path, junk, sizeof(junk), 0600);
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	assert_contains(e, f->path);
	assert_contains(e, "not a history database (corrupt?)");
	assert_contains(e, "history is off for this run");
	assert_contains(e, "move it away");
}

static void test_history_a_damaged_header_is_refused(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "something worth keeping"), 1);
	history_close(h);
	f->h = NULL;
	int fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not the header you are looking for", 42), 42);
	close(fd);
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	assert_contains(e, f->path);
	assert_contains(e, "corrupt?");
	assert_contains(e, "history is off");
}

static void test_history_another_programs_database_is_refused(void **state)
{
	struct fx *f = *state;
	exec_sql(f->path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
	                  "INSERT INTO notes (body) VALUES ('mine');");
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	assert_contains(e, f->path);
	assert_contains(e, "not a circuit history");
	/* and it is left as it was */
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM sqlite_master"), 1);
}

static void test_history_a_read_only_file_is_refused(void **state)
{
	struct fx *f = *state;
	open_h(f);
	history_close(f->h);
	f->h = NULL;
	char err[512] = "";
	if (geteuid() != 0) {
		assert_int_equal(chmod(f->path, 0444), 0);
		refused(f, err, sizeof(err));
	} else {
		/* Root writes through any mode: try as nobody, who may read the
		 * file but not write it. */
		assert_int_equal(chmod(f->dir, 0755), 0);
		assert_int_equal(chmod(f->path, 0644), 0);
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
			char e[512] = "";
			struct history *h = history_open(f->path, e, sizeof(e));
			ssize_t w = write(fds[1], e, strlen(e));
			(void)w;
			_exit(h == NULL ? 0 : 1);
		}
		close(fds[1]);
		size_t n = 0;
		ssize_t got;
		while ((got = read(fds[0], err + n, sizeof(err) - 1 - n)) > 0)
			n += (size_t)got;
		err[n] = '\0';
		close(fds[0]);
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 77) {
			print_message("note: running as root and cannot become nobody: "
			              "the read-only check is skipped\n");
			return;
		}
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_contains(err, f->path);
	assert_contains(err, "read-only");
	assert_contains(err, "history is off");
}

static void test_history_a_missing_folder_is_a_clear_error(void **state)
{
	struct fx *f = *state;
	snprintf(f->path, sizeof(f->path), "%s/no/such/folder/history.db", f->dir);
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	assert_contains(e, f->path);
	assert_contains(e, "No such file or directory");
	assert_contains(e, "history is off");
}

static void test_history_a_symbolic_link_is_refused(void **state)
{
	struct fx *f = *state;
	char target[160];
	snprintf(target, sizeof(target), "%s/elsewhere.db", f->dir);
	assert_int_equal(symlink(target, f->path), 0);
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	assert_contains(e, "symbolic link");
	assert_int_equal(access(target, F_OK), -1); /* nothing created through it */
}

static void test_history_a_path_with_controls_is_quoted_in_the_message(void **state)
{
	struct fx *f = *state;
	snprintf(f->path, sizeof(f->path), "%s/x\x1b]2;pwn\a\n/history.db", f->dir);
	char err[512];
	const char *e = refused(f, err, sizeof(err));
	for (const char *p = e; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20);
	assert_contains(e, "history is off");
}

/* ---- writing and loading ---------------------------------------------------- */

static void test_history_round_trip_keeps_every_field_and_figure(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1700000000);
	struct message *p = prompt(f, "quote \" and\ttab\nnewline 🦀");
	struct message *r = conv_add(&f->c, MSG_ASSISTANT, "openai:gpt-4o-mini", NULL);
	static const char raw[] = "text \x1b[31mred\x1b[0m \xff\xfe ok\r\n日本 🦀";
	msg_append_thinking(r, "let me think\nhard", 17);
	msg_append_text(r, raw, sizeof(raw) - 1);
	msg_finish(r, false, "202 ms · 12.3 tok/s · 55 tokens");
	full_metrics(&r->metrics);
	r->has_metrics = true;
	r->dropped = true;
	assert_true(history_add(h, conv, 0, 0, p, 1700000000) > 0);
	assert_true(history_add(h, conv, 0, 0, r, 1700000005) > 0);
	reopen(f);

	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(f->h, conv, &c, NULL), 2);
	const struct message *lp = c.v[0], *lr = c.v[1];
	assert_int_equal(lp->kind, MSG_USER);
	assert_string_equal(lp->label, "you");
	assert_buf_equal(&lp->text, &p->text);
	assert_buf_equal(&lp->raw, &p->raw);
	assert_false(lp->has_metrics);
	assert_false(lp->interrupted);

	assert_int_equal(lr->kind, MSG_ASSISTANT);
	assert_string_equal(lr->label, "openai:gpt-4o-mini");
	assert_buf_equal(&lr->text, &r->text); /* sanitised, as shown */
	assert_buf_equal(&lr->raw, &r->raw);   /* the exact bytes received */
	assert_buf_equal(&lr->thinking, &r->thinking);
	assert_int_equal(lr->raw.len, sizeof(raw) - 1);
	assert_string_equal(lr->meta, r->meta);
	assert_false(lr->interrupted);
	assert_false(lr->streaming);
	assert_true(lr->dropped);
	assert_true(lr->has_metrics);
	assert_metrics_equal(&lr->metrics, &r->metrics);
	conv_done(&c);
}

static void test_history_a_message_without_figures_loads_them_unknown(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *r = reply(f, "mock", "no figures here");
	r->metrics.ttft = 999; /* not has_metrics: not stored */
	history_add(h, conv, 0, 0, r, 1);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_false(c.v[0]->has_metrics);
	struct reply_metrics unknown;
	reply_metrics_init(&unknown);
	assert_metrics_equal(&c.v[0]->metrics, &unknown);
	conv_done(&c);
}

static void test_history_a_checkpoint_is_interrupted_until_the_final_write(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 10);
	struct message *r = conv_add(&f->c, MSG_ASSISTANT, "mock", NULL);
	r->streaming = true;
	long long id = history_add(h, conv, 0, 0, r, 10);
	assert_true(id > 0);

	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_true(c.v[0]->interrupted); /* killed now: a partial reply */
	conv_clear(&c);

	msg_append_text(r, "partial", 7);
	assert_int_equal(history_update(h, id, r, false, 12), 0);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_true(c.v[0]->interrupted);
	assert_string_equal(buf_str(&c.v[0]->text), "partial");
	conv_clear(&c);

	msg_append_text(r, " and the rest", 13);
	msg_finish(r, false, "done");
	assert_int_equal(history_update(h, id, r, true, 14), 0);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_false(c.v[0]->interrupted);
	assert_string_equal(buf_str(&c.v[0]->text), "partial and the rest");
	assert_string_equal(c.v[0]->meta, "done");
	conv_clear(&c);

	/* A final write of a cancelled reply says so. */
	r->interrupted = true;
	assert_int_equal(history_update(h, id, r, true, 15), 0);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_true(c.v[0]->interrupted);
	conv_done(&c);

	assert_int_equal(history_update(h, id + 100, r, true, 16), -1);
	assert_contains(history_error(h), "no message");
	struct history_session s;
	assert_int_equal(history_sessions(h, &s, 1, 0), 1);
	assert_int_equal(s.updated, 15); /* every write moved it; the failed one did not */
}

static void test_history_kill_9_loses_nothing_committed(void **state)
{
	struct fx *f = *state;
	open_h(f);
	history_close(f->h);
	f->h = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char e[512];
		struct history *h = history_open(f->path, e, sizeof(e));
		if (h == NULL)
			_exit(1);
		long long conv = history_begin(h, NULL, 1);
		struct message m = {0};
		m.kind = MSG_USER;
		m.label = (char *)"you";
		buf_init(&m.text, 0);
		buf_init(&m.raw, 0);
		buf_init(&m.thinking, 0);
		buf_append_str(&m.text, "survives the kill");
		buf_append_str(&m.raw, "survives the kill");
		if (conv < 0 || history_add(h, conv, 0, 0, &m, 1) < 0)
			_exit(1);
		kill(getpid(), SIGKILL); /* no close, no checkpoint */
		_exit(1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	/* What it wrote is only in the WAL: reopening must replay it. */
	char wal[sizeof(f->path) + 8];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	struct stat st;
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);

	struct history *h = open_h(f);
	long long conv = history_last(h);
	assert_true(conv > 0);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_string_equal(buf_str(&c.v[0]->text), "survives the kill");
	conv_done(&c);
}

static void test_history_notices_are_not_stored(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *n = conv_add(&f->c, MSG_NOTICE, "circuit", "fell back to mock");
	struct message *e = conv_add(&f->c, MSG_ERROR, "circuit", "HTTP 500");
	assert_int_equal(history_add(h, conv, 0, 0, n, 1), -1);
	assert_int_equal(history_add(h, conv, 0, 0, e, 1), -1);
	assert_true(history_error(h)[0] != '\0');
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM messages"), 0);
}

static void test_history_writes_need_an_existing_conversation(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	assert_int_equal(history_add(h, 42, 0, 0, prompt(f, "orphan"), 1), -1);
	assert_true(history_error(h)[0] != '\0');
	assert_int_equal(history_begin_compare(h, 42, "a,b", 1), -1);
	assert_int_equal(history_set_system(h, 42, "x"), -1);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, 42, &c, NULL), -1);
	assert_contains(history_error(h), "no conversation 42");
	assert_int_equal(c.n, 0);
	conv_done(&c);
}

static void test_history_system_prompt_set_and_cleared(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct conversation c;
	conv_init(&c);
	char *system = (char *)"sentinel";
	assert_int_equal(history_load(h, conv, &c, &system), 0);
	assert_null(system);
	assert_int_equal(history_set_system(h, conv, "answer in French"), 0);
	assert_int_equal(history_load(h, conv, &c, &system), 0);
	assert_string_equal(system, "answer in French");
	free(system);
	assert_int_equal(history_set_system(h, conv, NULL), 0);
	assert_int_equal(history_load(h, conv, &c, &system), 0);
	assert_null(system);
	conv_done(&c);
}

/* A thread prompt and reply, then a compare of two columns. */
static long long compare_fixture(struct fx *f, long long *group)
{
	struct history *h = f->h;
	long long conv = history_begin(h, NULL, 100);
	history_add(h, conv, 0, 0, prompt(f, "thread question"), 100);
	history_add(h, conv, 0, 0, reply(f, "mock", "thread answer"), 101);
	*group = history_begin_compare(h, conv, "alpha,beta", 102);
	assert_true(*group > 0);
	history_add(h, conv, *group, 1, prompt(f, "compare question"), 103);
	history_add(h, conv, *group, 2, prompt(f, "compare question"), 103);
	history_add(h, conv, *group, 1, reply(f, "alpha", "alpha says aardvark"), 104);
	history_add(h, conv, *group, 2, reply(f, "beta", "beta says bison"), 105);
	return conv;
}

/* What history_load gave: kind, label, text and dropped of each message. */
static void assert_loaded(const struct conversation *c, size_t n, const char *const want[][3],
                          const bool dropped[])
{
	assert_int_equal(c->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct message *m = c->v[i];
		const char *kind = m->kind == MSG_USER ? "user" : "assistant";
		if (strcmp(kind, want[i][0]) != 0 || strcmp(m->label, want[i][1]) != 0 ||
		    strcmp(buf_str(&m->text), want[i][2]) != 0 || m->dropped != dropped[i]) {
			print_error("message %zu: %s \"%s\" \"%s\" dropped %d; want %s \"%s\" "
			            "\"%s\" dropped %d\n",
			            i, kind, m->label, buf_str(&m->text), m->dropped, want[i][0],
			            want[i][1], want[i][2], dropped[i]);
			fail();
		}
		assert_true(m->hist_id > 0);
		assert_false(m->streaming);
	}
}

/* Defect: --resume of a compare showed none of it. Loaded, a compare
 * reads as it happened, its prompt once; the thread sent to a model is
 * the thread: a compare not adopted is dropped, an adopted one's other
 * columns too. */
static void test_history_load_shows_a_compare_once_and_keeps_the_thread(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long group;
	long long conv = compare_fixture(f, &group);

	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 5);
	static const char *const before[][3] = {
	    {"user", "you", "thread question"},       {"assistant", "mock", "thread answer"},
	    {"user", "you", "compare question"},      {"assistant", "alpha", "alpha says aardvark"},
	    {"assistant", "beta", "beta says bison"},
	};
	assert_loaded(&c, 5, before, (const bool[]){false, false, true, true, true});
	conv_clear(&c);

	assert_int_equal(history_adopt(h, group, 2), 0);
	assert_int_equal(history_load(h, conv, &c, NULL), 5);
	assert_loaded(&c, 5, before, (const bool[]){false, false, false, true, false});
	/* The prompt shown is the thread's copy: column 2's row, now column 0. */
	assert_int_equal(peek_int(f->path,
	                          "SELECT col FROM messages WHERE text = 'compare question'"
	                          " ORDER BY col DESC LIMIT 1"),
	                 1);
	assert_int_equal(c.v[2]->hist_id,
	                 peek_int(f->path, "SELECT id FROM messages WHERE text = 'compare question'"
	                                   " AND col = 0"));
	conv_done(&c);

	struct history_session s;
	assert_int_equal(history_sessions(h, &s, 1, 0), 1);
	assert_int_equal(s.turns, 2);
	assert_int_equal(s.updated, 105); /* adopting does not move it in time */
	assert_int_equal(history_adopt(h, group, 0), -1);
}

/* Two turns of a compare stored as the app stores them (each column's
 * prompt, then the replies as they began, column 2 first the second
 * time), then the thread going on: each turn's prompt once, the replies
 * in column order, the thread after it. */
static void test_history_load_a_compare_of_two_turns_turn_by_turn(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	long long g = history_begin_compare(h, conv, "a:m-a,b:m-b", 1);
	history_add(h, conv, g, 1, prompt(f, "first"), 1);
	history_add(h, conv, g, 2, prompt(f, "first"), 1);
	history_add(h, conv, g, 1, reply(f, "a:m-a", "a one"), 2);
	history_add(h, conv, g, 2, reply(f, "b:m-b", "b one"), 2);
	history_add(h, conv, g, 1, prompt(f, "second"), 3);
	history_add(h, conv, g, 2, prompt(f, "second"), 3);
	history_add(h, conv, g, 2, reply(f, "b:m-b", "b two"), 4);
	history_add(h, conv, g, 1, reply(f, "a:m-a", "a two"), 4);
	history_add(h, conv, 0, 0, prompt(f, "back to the thread"), 5);
	history_add(h, conv, 0, 0, reply(f, "mock", "thread again"), 6);

	struct conversation c;
	conv_init(&c);
	conv_add(&c, MSG_NOTICE, "circuit", "already there");
	assert_int_equal(history_load(h, conv, &c, NULL), 8);
	assert_string_equal(buf_str(&c.v[0]->text), "already there");
	struct conversation loaded = {c.v + 1, c.n - 1, 0, 0, 0};
	static const char *const want[][3] = {
	    {"user", "you", "first"},
	    {"assistant", "a:m-a", "a one"},
	    {"assistant", "b:m-b", "b one"},
	    {"user", "you", "second"},
	    {"assistant", "a:m-a", "a two"},
	    {"assistant", "b:m-b", "b two"},
	    {"user", "you", "back to the thread"},
	    {"assistant", "mock", "thread again"},
	};
	assert_loaded(&loaded, 8, want,
	              (const bool[]){true, true, true, true, true, true, false, false});
	conv_done(&c);
}

/* A headless compare: the conversation is the compare alone. */
static void test_history_load_a_compare_only_conversation(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	long long g = history_begin_compare(h, conv, "x,y", 1);
	history_add(h, conv, g, 1, prompt(f, "which?"), 1);
	history_add(h, conv, g, 2, prompt(f, "which?"), 1);
	history_add(h, conv, g, 2, reply(f, "y", "this"), 2); /* ended first: stored first */
	history_add(h, conv, g, 1, reply(f, "x", "that"), 3);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 3);
	static const char *const want[][3] = {
	    {"user", "you", "which?"}, {"assistant", "x", "that"}, {"assistant", "y", "this"}};
	assert_loaded(&c, 3, want, (const bool[]){true, true, true});
	conv_done(&c);
}

static void test_history_load_appends_after_what_is_there(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "stored"), 1);
	struct conversation c;
	conv_init(&c);
	conv_add(&c, MSG_NOTICE, "circuit", "welcome");
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_int_equal(c.n, 2);
	assert_string_equal(buf_str(&c.v[1]->text), "stored");
	conv_done(&c);
}

/* ---- sessions ---------------------------------------------------------------- */

static void test_history_sessions_newest_first_with_titles_models_turns(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long a = history_begin(h, NULL, 100);
	history_add(h, a, 0, 0, prompt(f, "  How do\n\tcircuits   work?\n"), 100);
	history_add(h, a, 0, 0, reply(f, "openai:gpt-4o", "with current"), 101);
	history_add(h, a, 0, 0, prompt(f, "and breakers?"), 102);
	history_add(h, a, 0, 0, reply(f, "mock", "they trip"), 103);
	history_add(h, a, 0, 0, prompt(f, "thanks"), 104);
	long long g = history_begin_compare(h, a, "x,y", 105);
	history_add(h, a, g, 1, prompt(f, "compare"), 105);
	history_add(h, a, g, 1, reply(f, "openai:gpt-4o", "again"), 106);
	history_add(h, a, g, 2, reply(f, "claude", "also"), 106);

	long long b = history_begin(h, NULL, 200);
	history_add(h, b, 0, 0, prompt(f, "second"), 200);
	long long c = history_begin(h, NULL, 300);

	struct history_session s[8];
	assert_int_equal(history_sessions(h, s, 8, 0), 3);
	assert_int_equal(s[0].id, c);
	assert_int_equal(s[1].id, b);
	assert_int_equal(s[2].id, a);
	assert_string_equal(s[0].title, "");
	assert_int_equal(s[0].turns, 0);
	assert_string_equal(s[1].title, "second");
	assert_int_equal(s[1].turns, 1);
	/* The first line that is not blank: a prompt and a piped file is titled
	 * by the prompt. */
	assert_string_equal(s[2].title, "How do");
	assert_string_equal(s[2].models, "openai:gpt-4o, mock, claude");
	assert_int_equal(s[2].turns, 3);
	assert_int_equal(s[2].created, 100);
	assert_int_equal(s[2].updated, 106);

	/* A write moves its conversation to the top; max is respected. */
	history_add(h, a, 0, 0, reply(f, "mock", "you're welcome"), 400);
	assert_int_equal(history_sessions(h, s, 2, 0), 2);
	assert_int_equal(s[0].id, a);
	assert_int_equal(s[0].updated, 400);
	assert_int_equal(s[1].id, c);
	assert_int_equal(history_last(h), a);
	assert_int_equal(history_sessions(h, s, 0, 0), 0);
}

static void test_history_sessions_equal_times_newest_id_first(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long a = history_begin(h, NULL, 5);
	long long b = history_begin(h, NULL, 5);
	struct history_session s[2];
	assert_int_equal(history_sessions(h, s, 2, 0), 2);
	assert_int_equal(s[0].id, b);
	assert_int_equal(s[1].id, a);
}

static void test_history_a_long_title_is_cut_at_a_character(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct buf p;
	buf_init(&p, 0);
	buf_append_str(&p, "x");
	for (int i = 0; i < 60; i++)
		buf_append_str(&p, "é"); /* 2 bytes: an odd cut would split one */
	history_add(h, conv, 0, 0, prompt(f, buf_str(&p)), 1);
	buf_done(&p);
	struct history_session s;
	assert_int_equal(history_sessions(h, &s, 1, 0), 1);
	size_t n = strlen(s.title);
	assert_true(n < sizeof(s.title));
	assert_true(n > sizeof(s.title) - 8); /* uses the room */
	assert_true(utf8_valid(s.title, n));
	assert_string_equal(s.title + n - 3, "…");
	assert_true(strncmp(s.title, "xéé", 5) == 0);
}

static void test_history_last_is_zero_when_empty(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	assert_int_equal(history_last(h), 0);
	struct history_session s;
	assert_int_equal(history_sessions(h, &s, 1, 0), 0);
}

/* Times are whole seconds: a conversation written to last is the newest
 * among those updated in the same second (-c, --last), also when it is
 * the older one. */
static void test_history_same_second_the_one_written_last_is_newest(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long a = history_begin(h, NULL, 500);
	history_add(h, a, 0, 0, prompt(f, "first"), 500);
	long long b = history_begin(h, NULL, 500);
	history_add(h, b, 0, 0, prompt(f, "second"), 500);
	assert_int_equal(history_last(h), b);
	history_add(h, a, 0, 0, prompt(f, "first again"), 500);
	assert_int_equal(history_last(h), a);
	struct history_session s[2];
	assert_int_equal(history_sessions(h, s, 2, 0), 2);
	assert_int_equal(s[0].id, a);
	assert_int_equal(s[1].id, b);
}

static void test_history_has_says_whether_a_conversation_is_there(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long a = history_begin(h, NULL, 10);
	assert_int_equal(history_has(h, a), 1);
	assert_int_equal(history_has(h, a + 1), 0);
	assert_string_equal(history_error(h), "no conversation 2");
}

static void test_history_a_compare_first_conversation_has_a_title(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	long long g = history_begin_compare(h, conv, "a,b", 1);
	history_add(h, conv, g, 1, prompt(f, "which is faster?"), 1);
	struct history_session s;
	assert_int_equal(history_sessions(h, &s, 1, 0), 1);
	assert_string_equal(s.title, "which is faster?");
	assert_int_equal(s.turns, 1); /* the compare's prompt: a turn, once */
}

/* ---- search ------------------------------------------------------------------ */

static void test_history_search_finds_a_word_from_a_reply(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 50);
	history_add(h, conv, 0, 0, prompt(f, "tell me about\nanimals"), 50);
	long long id = history_add(h, conv, 0, 0,
	                           reply(f, "openai:gpt-4o",
	                                 "The quick brown fox\njumps over the lazy dog, said the "
	                                 "narrator while the zebra slept under a tree."),
	                           51);
	struct history_hit hit[4];
	assert_int_equal(history_find(h, "zebra", hit, 4), 1);
	assert_int_equal(hit[0].conv, conv);
	assert_int_equal(hit[0].message, id);
	assert_int_equal(hit[0].when, 51);
	assert_string_equal(hit[0].label, "openai:gpt-4o");
	assert_string_equal(hit[0].title, "tell me about");
	assert_contains(hit[0].snippet, "[zebra]");
	assert_null(strchr(hit[0].snippet, '\n'));
	/* Both words, anywhere in the message; case does not matter. */
	assert_int_equal(history_find(h, "FOX zebra", hit, 4), 1);
	assert_int_equal(history_find(h, "fox unicorn", hit, 4), 0);
	assert_int_equal(history_find(h, "animals", hit, 4), 1);
	assert_string_equal(hit[0].label, "you");
}

static void test_history_search_newest_first_at_most_max(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	long long ids[5];
	for (int i = 0; i < 5; i++) {
		char t[64];
		snprintf(t, sizeof(t), "needle number %d", i);
		ids[i] = history_add(h, conv, 0, 0, prompt(f, t), 1 + i);
	}
	struct history_hit hit[5];
	assert_int_equal(history_find(h, "needle", hit, 3), 3);
	assert_int_equal(hit[0].message, ids[4]);
	assert_int_equal(hit[1].message, ids[3]);
	assert_int_equal(hit[2].message, ids[2]);
	assert_int_equal(history_find(h, "needle", hit, 0), 0);
}

static void test_history_search_takes_every_word_literally(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	long long near = history_add(h, conv, 0, 0, prompt(f, "near the end"), 1);
	long long apple = history_add(h, conv, 0, 0, prompt(f, "an apple"), 2);
	long long a = history_add(h, conv, 0, 0, prompt(f, "a word"), 3);
	long long colx = history_add(h, conv, 0, 0, prompt(f, "col x marks it"), 4);
	long long quote = history_add(h, conv, 0, 0, prompt(f, "she said \"hi\" to text"), 5);
	struct history_hit hit[8];

	assert_int_equal(history_find(h, "NEAR", hit, 8), 1);
	assert_int_equal(hit[0].message, near);
	/* a* is the word a, matched as a prefix like every word (not because
	 * of the *): apple and a */
	assert_int_equal(history_find(h, "a*", hit, 8), 2);
	assert_int_equal(hit[0].message, a);
	assert_int_equal(hit[1].message, apple);
	/* -x is the word x, not "not x" */
	assert_int_equal(history_find(h, "-x", hit, 8), 1);
	assert_int_equal(hit[0].message, colx);
	/* col:x is the phrase "col x", not a column filter */
	assert_int_equal(history_find(h, "col:x", hit, 8), 1);
	assert_int_equal(hit[0].message, colx);
	assert_int_equal(history_find(h, "\"hi\"", hit, 8), 1);
	assert_int_equal(hit[0].message, quote);
	assert_int_equal(history_find(h, "text:said", hit, 8), 0);

	/* Nothing here may reach SQLite as syntax. */
	static const char *const odd[] = {
	    "\"", "\"\"\"", "AND", "OR", "NOT", "( )", "(", "NEAR(a b)",  "^the",     "{text}: hi",
	    "*",  "-",      ":",   "a:", "+",   "\\",  "'", "x\" OR \"y", "\xff\xfe", "🦀*",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		int n = history_find(h, odd[i], hit, 8);
		if (n < 0) {
			print_error("search \"%s\": %s\n", odd[i], history_error(h));
			fail();
		}
	}
	assert_int_equal(history_find(h, "AND", hit, 8), 0);
}

static void test_history_search_empty_query_finds_nothing(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "something"), 1);
	struct history_hit hit[2];
	assert_int_equal(history_find(h, "", hit, 2), 0);
	assert_int_equal(history_find(h, " \t\n ", hit, 2), 0);
}

/* Issue 16 item 14: each checkpoint rewrote the whole reply and its
 * index (quadratic in the reply). A checkpoint appends what is new as a
 * part and leaves the index alone; the end writes the row whole, indexed
 * once, and drops the parts. */
static void test_history_search_indexes_a_reply_at_its_end(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *r = conv_add(&f->c, MSG_ASSISTANT, "mock", NULL);
	r->streaming = true;
	msg_append_text(r, "alpha", 5);
	long long id = history_add(h, conv, 0, 0, r, 1);
	struct history_hit hit[2];
	assert_int_equal(history_find(h, "alpha", hit, 2), 1);

	msg_append_text(r, " omega", 6);
	assert_int_equal(history_update(h, id, r, false, 2), 0);
	assert_int_equal(history_find(h, "omega", hit, 2), 0); /* not indexed while live */
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM message_parts"), 1);
	/* An unchanged checkpoint adds no part. */
	assert_int_equal(history_update(h, id, r, false, 3), 0);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM message_parts"), 1);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_string_equal(buf_str(&c.v[0]->text), "alpha omega");
	assert_true(c.v[0]->interrupted);
	conv_done(&c);

	msg_append_thinking(r, "pondering", 9);
	msg_finish(r, false, "");
	assert_int_equal(history_update(h, id, r, true, 4), 0);
	assert_int_equal(history_find(h, "omega", hit, 2), 1);
	assert_int_equal(history_find(h, "pondering", hit, 2), 1);
	assert_contains(hit[0].snippet, "[pondering]");
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM message_parts"), 0);
	assert_index_intact(f);
}

/* A reply checkpointed many times and never ended (kill -9): the row
 * holds its first text, the parts each one's growth, nothing twice;
 * read back (load, export) it is whole, interrupted. Thinking that starts
 * over (another provider after a failure) is written whole once. */
static void test_history_checkpoints_write_only_what_is_new(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *r = conv_add(&f->c, MSG_ASSISTANT, "mock", NULL);
	r->streaming = true;
	long long id = history_add(h, conv, 0, 0, r, 1);
	struct buf want;
	buf_init(&want, 0);
	msg_append_thinking(r, "first thoughts", 14);
	for (int i = 0; i < 200; i++) {
		char piece[32];
		int n = snprintf(piece, sizeof(piece), "word%d ", i);
		msg_append_text(r, piece, (size_t)n);
		buf_append(&want, piece, (size_t)n);
		if (i == 100) {
			msg_reset_thinking(r);
			msg_append_thinking(r, "second", 6);
		}
		assert_int_equal(history_update(h, id, r, false, 2 + i), 0);
	}
	long long stored = peek_int(f->path, "SELECT sum(length(text)) FROM message_parts") +
	                   peek_int(f->path, "SELECT length(text) FROM messages");
	assert_int_equal(stored, (long long)want.len);
	assert_true(peek_int(f->path, "SELECT count(*) FROM message_parts") < 200);
	history_close(f->h); /* never ended: killed */
	f->h = NULL;
	h = open_h(f);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_string_equal(buf_str(&c.v[0]->text), buf_str(&want));
	assert_string_equal(buf_str(&c.v[0]->raw), buf_str(&want));
	assert_string_equal(buf_str(&c.v[0]->thinking), "second");
	assert_true(c.v[0]->interrupted);
	conv_done(&c);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv, HISTORY_JSON, &out), 0);
	assert_non_null(strstr(buf_str(&out), "word199 "));
	buf_done(&out);
	buf_done(&want);
}

static void test_history_ids_are_never_reused(void **state)
{
	/* An id a user wrote down (--export 3) must not name another
	 * conversation after a /delete of the newest one. */
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long a = history_begin(h, NULL, 1);
	long long b = history_begin(h, NULL, 2);
	assert_true(a > 0 && b > a);
	assert_int_equal(history_delete(h, b), 1);
	long long c = history_begin(h, NULL, 3);
	assert_true(c > b);
}

static void test_history_delete_removes_rows_and_index(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long group;
	long long conv = compare_fixture(f, &group);
	long long other = history_begin(h, NULL, 500);
	history_add(h, other, 0, 0, prompt(f, "bison elsewhere"), 500);
	struct history_hit hit[4];
	assert_int_equal(history_find(h, "bison", hit, 4), 2);

	assert_int_equal(history_delete(h, conv), 1);
	assert_int_equal(history_delete(h, conv), 0);
	assert_int_equal(history_find(h, "aardvark", hit, 4), 0);
	assert_int_equal(history_find(h, "bison", hit, 4), 1);
	assert_int_equal(hit[0].conv, other);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), -1);
	conv_done(&c);
	struct history_session s[4];
	assert_int_equal(history_sessions(h, s, 4, 0), 1);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM messages"), 1);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM compare_groups"), 0);
	assert_index_intact(f);
}

/* How many times needle is in the file at path (0: no file). */
static int bytes_holding(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return 0;
	size_t cap = 1 << 16, len = 0, got;
	char *b = malloc(cap);
	assert_non_null(b);
	while ((got = fread(b + len, 1, cap - len, fp)) > 0) {
		len += got;
		if (len == cap) {
			cap *= 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
	}
	fclose(fp);
	int n = 0;
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= len; i++)
		n += memcmp(b + i, needle, k) == 0;
	free(b);
	return n;
}

/* Issue 16 item 6: a deleted conversation's words were still in the file
 * (free pages, the FTS segments, the WAL) for `grep -a` to find. */
static void test_history_delete_leaves_no_trace_in_the_files(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long keep = history_begin(h, NULL, 1);
	history_add(h, keep, 0, 0, prompt(f, "keepsake words stay"), 1);
	long long gone = 0;
	/* Enough rows and checkpoints that the words sit in several pages,
	 * segments and WAL frames. */
	for (int i = 0; i < 40; i++) {
		gone = history_begin(h, NULL, 2);
		history_add(h, gone, 0, 0, prompt(f, "quokkasecret in the prompt"), 2);
		struct message *m = reply(f, "m", "a reply with quokkasecret and more");
		long long id = history_add(h, gone, 0, 0, m, 2);
		assert_int_equal(history_update(h, id, m, true, 3), 0);
		if (i < 39)
			assert_int_equal(history_delete(h, gone), 1);
	}
	char wal[300];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_true(bytes_holding(f->path, "quokkasecret") + bytes_holding(wal, "quokkasecret") > 0);
	assert_int_equal(history_delete(h, gone), 1);
	assert_int_equal(bytes_holding(f->path, "quokkasecret"), 0);
	assert_int_equal(bytes_holding(wal, "quokkasecret"), 0);
	struct history_hit hit[4];
	assert_int_equal(history_find(h, "keepsake", hit, 4), 1);
	assert_int_equal(history_find(h, "quokkasecret", hit, 4), 0);
	assert_index_intact(f);
	reopen(f);
	assert_int_equal(history_find(f->h, "keepsake", hit, 4), 1);
}

/* Issue 16 item 16: 2000 repeats of a common word took 6.7 s (one walk
 * of the index each); a repeat counts once, and too many different words
 * are refused, saying so. */
static void test_history_find_bounds_its_words(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "the cat and the dog"), 1);
	struct buf q;
	buf_init(&q, 0);
	for (int i = 0; i < 2000; i++)
		buf_append_str(&q, i % 2 ? "the " : "THE ");
	struct history_hit hit[4];
	assert_int_equal(history_find(h, buf_str(&q), hit, 4), 1);
	assert_non_null(strstr(hit[0].snippet, "[the]"));
	buf_reset(&q);
	for (int i = 0; i < HISTORY_FIND_WORDS; i++)
		buf_printf(&q, "w%d ", i);
	assert_int_equal(history_find(h, buf_str(&q), hit, 4), 0);
	buf_append_str(&q, "one-too-many");
	assert_int_equal(history_find(h, buf_str(&q), hit, 4), -1);
	assert_non_null(strstr(history_error(h), "at most 32 different words"));
	assert_null(strstr(history_error(h), "search failed"));
	buf_done(&q);
}

/* ---- export ------------------------------------------------------------------ */

static void test_history_export_markdown_has_every_message(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long group;
	long long conv = compare_fixture(f, &group);
	history_set_system(h, conv, "be terse");
	struct message *r = reply(f, "openai:gpt-4o", "figured");
	full_metrics(&r->metrics);
	r->has_metrics = true;
	history_add(h, conv, 0, 0, r, 200);

	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv, HISTORY_MD, &out), 0);
	const char *md = buf_str(&out);
	assert_true(strncmp(md, "# thread question\n", 18) == 0);
	assert_contains(md, "be terse");
	assert_contains(md, "thread answer");
	assert_contains(md, "compare question");
	assert_contains(md, "alpha says aardvark");
	assert_contains(md, "beta says bison");
	assert_contains(md, "## beta");
	assert_contains(md, "column 2");
	assert_contains(md, "TTFT 202ms");
	assert_contains(md, "stop end_turn");
	assert_true(utf8_valid(out.data, out.len));
	buf_done(&out);

	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv + 99, HISTORY_MD, &out), -1);
	assert_int_equal(out.len, 0);
	buf_done(&out);
}

static void test_history_export_markdown_never_carries_terminal_control(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, "\x1b]52;c;evil\a", 1);
	history_add(h, conv, 0, 0, reply(f, "mock", "\x1b[2J cleared \x9b"), 1);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv, HISTORY_MD, &out), 0);
	for (size_t i = 0; i < out.len; i++) {
		unsigned char ch = (unsigned char)out.data[i];
		assert_true(ch >= 0x20 || ch == '\n' || ch == '\t');
	}
	assert_contains(buf_str(&out), "cleared");
	buf_done(&out);
}

static json_t *export_json(struct fx *f, long long conv)
{
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(f->h, conv, HISTORY_JSON, &out), 0);
	json_error_t e;
	json_t *j = json_loadb(out.data, out.len, JSON_ALLOW_NUL, &e);
	if (j == NULL) {
		print_error("export is not JSON: %s at %d:%d\n%s\n", e.text, e.line, e.column,
		            buf_str(&out));
		fail();
	}
	buf_done(&out);
	return j;
}

static void assert_json_string(json_t *obj, const char *key, const char *want, size_t wlen)
{
	json_t *v = json_object_get(obj, key);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), wlen);
	assert_memory_equal(json_string_value(v), want, wlen);
}

static void test_history_export_json_parses_and_keeps_the_raw_text(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1700000000);
	/* quotes, backslash, newline, CR, controls, NUL, emoji, invalid UTF-8 */
	static const char raw[] =
	    "say \"hi\" \\ back\nline\r\n\x01\x1b[0m\x7f 🦀 日本 \xff end\0tail";
	static const char want[] =
	    "say \"hi\" \\ back\nline\r\n\x01\x1b[0m\x7f 🦀 日本 " UTF8_REPLACEMENT
	    " end\0tail";
	struct message *p = prompt(f, "what \"is\" it?");
	history_add(h, conv, 0, 0, p, 1700000000);
	struct message *r = conv_add(&f->c, MSG_ASSISTANT, "openai:gpt-4o", NULL);
	msg_append_thinking(r, "hmm\t\"", 5);
	msg_append_text(r, raw, sizeof(raw) - 1);
	msg_finish(r, true, "");
	full_metrics(&r->metrics);
	r->metrics.usage_thinking = -1; /* unknown: null */
	r->has_metrics = true;
	history_add(h, conv, 0, 0, r, 1700000001);
	long long g = history_begin_compare(h, conv, "a,b", 1700000002);
	history_add(h, conv, g, 2, reply(f, "b", "column two"), 1700000003);

	json_t *j = export_json(f, conv);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), conv);
	assert_json_string(j, "title", "what \"is\" it?", 13);
	assert_true(json_is_null(json_object_get(j, "system")));
	assert_int_equal(json_integer_value(json_object_get(j, "created")), 1700000000);
	assert_int_equal(json_integer_value(json_object_get(j, "updated")), 1700000003);
	json_t *ms = json_object_get(j, "messages");
	assert_int_equal(json_array_size(ms), 3);

	json_t *m0 = json_array_get(ms, 0);
	assert_json_string(m0, "role", "user", 4);
	assert_json_string(m0, "text", "what \"is\" it?", 13);
	assert_true(json_is_null(json_object_get(m0, "metrics")));

	json_t *m1 = json_array_get(ms, 1);
	assert_json_string(m1, "role", "assistant", 9);
	assert_json_string(m1, "label", "openai:gpt-4o", 13);
	assert_json_string(m1, "provider", "openai", 6);
	assert_json_string(m1, "model", "gpt-4o-mini", 11);
	assert_json_string(m1, "text", want, sizeof(want) - 1);
	assert_json_string(m1, "thinking", "hmm\t\"", 5);
	assert_json_string(m1, "stop", "end_turn", 8);
	assert_true(json_is_true(json_object_get(m1, "interrupted")));
	assert_int_equal(json_integer_value(json_object_get(m1, "created")), 1700000001);
	assert_int_equal(json_integer_value(json_object_get(m1, "group")), 0);
	assert_int_equal(json_integer_value(json_object_get(m1, "column")), 0);
	json_t *mx = json_object_get(m1, "metrics");
	assert_true(json_is_object(mx));
	assert_int_equal(json_integer_value(json_object_get(mx, "ttfb_ms")), 101);
	assert_int_equal(json_integer_value(json_object_get(mx, "ttft_ms")), 202);
	assert_int_equal(json_integer_value(json_object_get(mx, "ttfo_ms")), 303);
	assert_int_equal(json_integer_value(json_object_get(mx, "total_ms")), 5005);
	assert_int_equal(json_integer_value(json_object_get(mx, "tokens_in")), 44);
	assert_int_equal(json_integer_value(json_object_get(mx, "tokens_out")), 55);
	assert_int_equal(json_integer_value(json_object_get(mx, "tokens_thinking")), 66);
	assert_true(json_is_null(json_object_get(mx, "usage_thinking")));
	assert_true(json_real_value(json_object_get(mx, "tokens_per_second")) ==
	            12.345678901234567);
	assert_true(json_real_value(json_object_get(mx, "cost_usd")) == 0.000123456789);
	assert_true(json_is_true(json_object_get(mx, "cost_estimated")));
	assert_json_string(mx, "outcome", "cancelled", 9);

	json_t *m2 = json_array_get(ms, 2);
	assert_int_equal(json_integer_value(json_object_get(m2, "group")), g);
	assert_int_equal(json_integer_value(json_object_get(m2, "column")), 2);
	json_decref(j);
}

static void test_history_export_json_system_and_empty_thread(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, "line\none \"q\"", 7);
	json_t *j = export_json(f, conv);
	assert_json_string(j, "system", "line\none \"q\"", 12);
	assert_json_string(j, "title", "", 0);
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 0);
	json_decref(j);
}

static void test_history_export_respects_the_buffer_cap(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "a prompt longer than the cap"), 1);
	struct buf out;
	buf_init(&out, 16);
	assert_int_equal(history_export(h, conv, HISTORY_JSON, &out), -1);
	assert_int_equal(out.len, 0);
	assert_true(history_error(h)[0] != '\0');
	buf_done(&out);
}

/* ---- defects of issue 15 ------------------------------------------------------- */

/* Defect: /sessions showed a fixed 20. Pages of them, and how many. */
static void test_history_sessions_pages_with_an_offset_and_a_count(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	assert_int_equal(history_count(h), 0);
	long long id[5];
	for (int i = 0; i < 5; i++)
		id[i] = history_begin(h, NULL, 10 + i);
	assert_int_equal(history_count(h), 5);
	struct history_session s[2];
	assert_int_equal(history_sessions(h, s, 2, 0), 2);
	assert_int_equal(s[0].id, id[4]);
	assert_int_equal(s[1].id, id[3]);
	assert_int_equal(history_sessions(h, s, 2, 2), 2);
	assert_int_equal(s[0].id, id[2]);
	assert_int_equal(s[1].id, id[1]);
	assert_int_equal(history_sessions(h, s, 2, 4), 1);
	assert_int_equal(s[0].id, id[0]);
	assert_int_equal(history_sessions(h, s, 2, 5), 0);
	assert_int_equal(history_sessions(h, s, 2, 99), 0);
	assert_int_equal(history_sessions(h, s, 2, -3), 2); /* negative: from the newest */
	assert_int_equal(s[0].id, id[4]);
	assert_int_equal(history_delete(h, id[2]), 1);
	assert_int_equal(history_count(h), 4);
}

/* The one hit of query; fails the test when there is not exactly one. */
static const char *snip(struct history *h, const char *query, struct history_hit *hit)
{
	int n = history_find(h, query, hit, 2);
	if (n != 1) {
		print_error("search \"%s\": %d hits (%s)\n", query, n,
		            n < 0 ? history_error(h) : "");
		fail();
	}
	return hit->snippet;
}

/* Defect: search matched whole words only ("Head" missed "Heading").
 * Each word is the start of a word, still taken literally. */
static void test_history_search_matches_every_word_as_a_prefix(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	long long heading = history_add(h, conv, 0, 0, prompt(f, "Heading of the order"), 1);
	history_add(h, conv, 0, 0, prompt(f, "nothing to see"), 2);
	struct history_hit hit[4];
	assert_int_equal(history_find(h, "Head", hit, 4), 1);
	assert_int_equal(hit[0].message, heading);
	assert_int_equal(history_find(h, "head ord", hit, 4), 1);
	assert_int_equal(history_find(h, "ding", hit, 4), 0);  /* a start, not a middle */
	assert_int_equal(history_find(h, "Headx", hit, 4), 0); /* the whole word, at least */
	assert_int_equal(history_find(h, "head nope", hit, 4), 0);
	/* FTS operators and quotes around the word are text: each still finds it */
	static const char *const found[] = {
	    "Head*", "\"Head\"", "\"Head",  "-Head",  "^Head",  "Head:",
	    "+Head", "OR",       "Head OR", "(Head)", "{Head}", "HEAD''",
	};
	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
		int n = history_find(h, found[i], hit, 4);
		if (n != 1 || hit[0].message != heading) {
			print_error("search \"%s\": %d hits (%s)\n", found[i], n,
			            n < 0 ? history_error(h) : "");
			fail();
		}
	}
	/* ...and an operator is never one: NOT does not exclude, OR does not widen */
	assert_int_equal(history_find(h, "Head NOT order", hit, 4), 0);
	assert_int_equal(history_find(h, "nothing OR Head", hit, 4), 0);
	assert_int_equal(history_find(h, "\"", hit, 4), 0);
	assert_int_equal(history_find(h, "*", hit, 4), 0);
}

/* Defect: the marks landed on the wrong characters ("[f(x])"). They
 * surround exactly the matched words as the snippet shows them. */
static void test_history_search_marks_surround_the_matched_words(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "compute f(x), then stop"), 1);
	history_add(h, conv, 0, 0, prompt(f, "(foo) comes first"), 2);
	history_add(h, conv, 0, 0, prompt(f, "she said \"hello\" twice"), 3);
	history_add(h, conv, 0, 0, prompt(f, "Heading\nof a [list]"), 4);
	history_add(h, conv, 0, 0, prompt(f, "at the very end: g(y)"), 5);
	history_add(h, conv, 0, 0, prompt(f, "Ünïcødé naïve café, 日本語 and résumé."), 6);
	struct history_hit hit[2];

	assert_string_equal(snip(h, "f(x)", hit), "compute [f(x)], then stop");
	assert_string_equal(snip(h, "F(X),", hit), "compute [f(x),] then stop");
	assert_string_equal(snip(h, "comp", hit), "[compute] f(x), then stop");
	assert_string_equal(snip(h, "(foo)", hit), "[(foo)] comes first");
	assert_string_equal(snip(h, "foo", hit), "([foo]) comes first");
	assert_string_equal(snip(h, "\"hello\"", hit), "she said [\"hello\"] twice");
	assert_string_equal(snip(h, "hell", hit), "she said \"[hello]\" twice");
	assert_string_equal(snip(h, "Head list", hit), "[Heading] of a [[list]]");
	assert_string_equal(snip(h, "g(y)", hit), "at the very end: [g(y)]");
	assert_string_equal(snip(h, "end: g(y)", hit), "at the very [end:] [g(y)]");
	assert_string_equal(snip(h, "cafe", hit), "Ünïcødé naïve [café], 日本語 and résumé.");
	assert_string_equal(snip(h, "uni resume.", hit),
	                    "[Ünïcødé] naïve café, 日本語 and [résumé.]");
	assert_string_equal(snip(h, "日本", hit), "Ünïcødé naïve café, [日本語] and résumé.");
}

/* Marks in a snippet cut to fit: every "[" has its "]", the text stays
 * whole characters, the match is shown. */
static void test_history_search_a_long_snippet_keeps_its_marks_whole(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct buf t;
	buf_init(&t, 0);
	for (int i = 0; i < 30; i++)
		buf_append_str(&t, i == 6 ? "日本語日本語日本語 " : "ééééééééééé日本 ");
	history_add(h, conv, 0, 0, prompt(f, buf_str(&t)), 1);
	buf_done(&t);
	struct history_hit hit[2];
	const char *s = snip(h, "日本語", hit);
	size_t n = strlen(s);
	assert_true(n < sizeof(hit[0].snippet));
	assert_true(utf8_valid(s, n));
	assert_contains(s, "[日本語日本語日本語]");
	assert_string_equal(s + n - strlen("…"), "…");
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		depth += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
		assert_true(depth == 0 || depth == 1);
	}
	assert_int_equal(depth, 0);
}

/* Figures in an export go through util/units: one formatter per
 * quantity, and never "$0.0000". */
static void test_history_export_figures_are_written_by_units(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *r = reply(f, "openai:gpt-4o", "cheap");
	reply_metrics_init(&r->metrics);
	r->metrics.outcome = REPLY_OK;
	r->metrics.ttft = 412;
	r->metrics.total = 12345;
	r->metrics.tps = 123.4;
	r->metrics.tokens_in = 12345;
	r->metrics.tokens_out = 1;
	r->metrics.out_estimated = true;
	r->metrics.tokens_thinking = 0;
	r->metrics.cost = 0.00002;
	r->has_metrics = true;
	history_add(h, conv, 0, 0, r, 2);
	r->metrics.cost = 0;
	history_add(h, conv, 0, 0, r, 3);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv, HISTORY_MD, &out), 0);
	const char *md = buf_str(&out);
	assert_contains(md, "*ok · TTFT 412ms · total 12.3s · 123 tok/s · 12.3k tokens in · "
	                    "≈1 token out · <$0.0001*");
	assert_contains(md, "tokens in · ≈1 token out · $0*");
	assert_null(strstr(md, "$0.0000"));
	assert_null(strstr(md, " ms"));
	buf_done(&out);
}

/* Item 8: the app may begin a conversation only once a reply has something
 * to keep; the prompt and the ended reply are added then, and read back
 * as if stored live. */
static void test_history_a_conversation_begun_after_its_reply_ended(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	struct message *p = prompt(f, "late question");
	struct message *r = reply(f, "mock", "late answer");
	full_metrics(&r->metrics);
	r->metrics.outcome = REPLY_OK;
	r->has_metrics = true;
	long long conv = history_begin(h, NULL, 50);
	assert_true(conv > 0);
	assert_true(history_add(h, conv, 0, 0, p, 40) > 0);
	assert_true(history_add(h, conv, 0, 0, r, 50) > 0);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 2);
	assert_false(c.v[1]->interrupted);
	assert_false(c.v[1]->dropped);
	assert_metrics_equal(&c.v[1]->metrics, &r->metrics);
	conv_done(&c);
	struct history_session s;
	assert_int_equal(history_sessions(h, &s, 1, 0), 1);
	assert_string_equal(s.title, "late question");
	assert_int_equal(s.updated, 50);
	assert_int_equal(history_last(h), conv);
}

/* Schema 1, as circuit wrote it before the column table: word for word. */
static const char schema_1[] =
    "CREATE TABLE conversations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " system TEXT);"
    "CREATE INDEX conversations_by_update ON conversations(updated, id);"
    "CREATE TABLE compare_groups ("
    " id INTEGER PRIMARY KEY,"
    " conv INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
    " models TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX compare_groups_by_conv ON compare_groups(conv);"
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY,"
    " conv INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
    " grp INTEGER NOT NULL DEFAULT 0,"
    " col INTEGER NOT NULL DEFAULT 0,"
    " role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),"
    " created INTEGER NOT NULL,"
    " label TEXT NOT NULL DEFAULT '',"
    " provider TEXT NOT NULL DEFAULT '',"
    " model TEXT NOT NULL DEFAULT '',"
    " text TEXT NOT NULL DEFAULT '',"
    " raw BLOB NOT NULL DEFAULT x'',"
    " thinking TEXT NOT NULL DEFAULT '',"
    " meta TEXT NOT NULL DEFAULT '',"
    " interrupted INTEGER NOT NULL DEFAULT 0,"
    " dropped INTEGER NOT NULL DEFAULT 0,"
    " stop TEXT NOT NULL DEFAULT '',"
    " updated INTEGER NOT NULL,"
    " has_metrics INTEGER NOT NULL DEFAULT 0,"
    " outcome TEXT NOT NULL DEFAULT 'live',"
    " ttfb INTEGER NOT NULL DEFAULT -1,"
    " ttft INTEGER NOT NULL DEFAULT -1,"
    " ttfo INTEGER NOT NULL DEFAULT -1,"
    " last_tok INTEGER NOT NULL DEFAULT -1,"
    " total INTEGER NOT NULL DEFAULT -1,"
    " last_byte INTEGER NOT NULL DEFAULT -1,"
    " max_gap INTEGER NOT NULL DEFAULT -1,"
    " deltas INTEGER NOT NULL DEFAULT 0,"
    " text_bytes INTEGER NOT NULL DEFAULT 0,"
    " thinking_bytes INTEGER NOT NULL DEFAULT 0,"
    " prompt_bytes INTEGER NOT NULL DEFAULT 0,"
    " usage_in INTEGER NOT NULL DEFAULT -1,"
    " usage_out INTEGER NOT NULL DEFAULT -1,"
    " usage_thinking INTEGER NOT NULL DEFAULT -1,"
    " tokens_in INTEGER NOT NULL DEFAULT -1,"
    " tokens_out INTEGER NOT NULL DEFAULT -1,"
    " tokens_thinking INTEGER NOT NULL DEFAULT -1,"
    " in_est INTEGER NOT NULL DEFAULT 0,"
    " out_est INTEGER NOT NULL DEFAULT 0,"
    " thinking_est INTEGER NOT NULL DEFAULT 0,"
    " tps REAL NOT NULL DEFAULT -1,"
    " tps_est INTEGER NOT NULL DEFAULT 0,"
    " cost REAL NOT NULL DEFAULT -1,"
    " cost_est INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX messages_by_conv ON messages(conv, col, id);"
    "CREATE INDEX messages_by_group ON messages(grp, col) WHERE grp <> 0;"
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, thinking, content='messages',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts(rowid, text, thinking) VALUES (new.id, new.text, new.thinking);"
    " UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"
    " END;"
    "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text, thinking)"
    "  VALUES ('delete', old.id, old.text, old.thinking);"
    " END;"
    "CREATE TRIGGER messages_au AFTER UPDATE OF text, thinking ON messages"
    " WHEN old.text IS NOT new.text OR old.thinking IS NOT new.thinking BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text, thinking)"
    "  VALUES ('delete', old.id, old.text, old.thinking);"
    " INSERT INTO messages_fts(rowid, text, thinking) VALUES (new.id, new.text, new.thinking);"
    " END;"
    "CREATE TRIGGER messages_touch AFTER UPDATE OF updated ON messages BEGIN"
    " UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"
    " END;"
    "CREATE TRIGGER compare_groups_touch AFTER INSERT ON compare_groups BEGIN"
    " UPDATE conversations SET updated = max(updated, new.created) WHERE id = new.conv;"
    " END;";

/* A file of schema 2 (before the parts of item 14): read as it is when
 * opened read-only (nothing changes in it), upgraded to 3 when opened to
 * write, its rows read back either way. */
static void test_history_a_file_of_schema_2_reads_and_is_upgraded(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "walrus of schema two"), 1);
	history_close(h);
	f->h = NULL;
	/* Back to schema 2: no parts, the index over whole rows, no attachments, no sources. */
	exec_sql(f->path,
	         "DROP TABLE sources; DROP TABLE reply_errors; DROP TABLE attachments;"
	         "DROP TABLE message_parts; DROP TRIGGER messages_ai; DROP TRIGGER messages_ad;"
	         " DROP TRIGGER IF EXISTS messages_au; DROP TABLE messages_fts; DROP VIEW messages_indexed;"
	         " DROP INDEX messages_in_order; DROP TABLE votes;"
	         "CREATE VIRTUAL TABLE messages_fts USING fts5(text, thinking, content='messages',"
	         " content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');"
	         "CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
	         " INSERT INTO messages_fts(rowid, text, thinking) VALUES (new.id, new.text, new.thinking);"
	         " UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"
	         " END;"
	         "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
	         " INSERT INTO messages_fts(messages_fts, rowid, text, thinking)"
	         "  VALUES ('delete', old.id, old.text, old.thinking);"
	         " END;"
	         "CREATE TRIGGER messages_au AFTER UPDATE OF text, thinking ON messages"
	         " WHEN old.text IS NOT new.text OR old.thinking IS NOT new.thinking BEGIN"
	         " INSERT INTO messages_fts(messages_fts, rowid, text, thinking)"
	         "  VALUES ('delete', old.id, old.text, old.thinking);"
	         " INSERT INTO messages_fts(rowid, text, thinking) VALUES (new.id, new.text, new.thinking);"
	         " END;"
	         "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');"
	         "PRAGMA user_version = 2;");
	char err[512] = "";
	h = history_open_readonly(f->path, err, sizeof(err));
	assert_non_null(h);
	struct history_hit hit[2];
	assert_int_equal(history_find(h, "walrus", hit, 2), 1);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_string_equal(buf_str(&c.v[0]->text), "walrus of schema two");
	assert_int_equal(history_update(h, c.v[0]->hist_id, c.v[0], true, 2), -1);
	conv_done(&c);
	history_close(h);
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), 2);
	h = open_h(f);
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_string_equal(buf_str(&c.v[0]->text), "walrus of schema two");
	conv_done(&c);
	assert_int_equal(history_find(h, "walrus", hit, 2), 1); /* the index rebuilt */
	assert_index_intact(f);
}

/* The index covers the first HDB_INDEX_CHARS characters of a message: a
 * word there is found, one past it is not, and the message is whole. */
static void test_history_index_covers_the_start_of_a_huge_message(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct buf t;
	buf_init(&t, 0);
	buf_append_str(&t, "aardvark ");
	while (t.len < HDB_INDEX_CHARS_N + 64)
		buf_append_str(&t, "filler ");
	buf_append_str(&t, "zebrafinch");
	struct message *m = prompt(f, buf_str(&t));
	history_add(h, conv, 0, 0, m, 1);
	struct history_hit hit[2];
	assert_int_equal(history_find(h, "aardvark", hit, 2), 1);
	assert_int_equal(history_find(h, "zebrafinch", hit, 2), 0);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_int_equal(c.v[0]->text.len, t.len);
	conv_done(&c);
	assert_int_equal(history_delete(h, conv), 1);
	assert_int_equal(history_find(h, "aardvark", hit, 2), 0);
	assert_index_intact(f);
	buf_done(&t);
}

/* --search and --export open the file read-only: one that is not there
 * is not created. */
static void test_history_open_readonly_creates_nothing(void **state)
{
	struct fx *f = *state;
	char err[512] = "";
	assert_null(history_open_readonly(f->path, err, sizeof(err)));
	assert_contains(err, "no history yet");
	assert_int_equal(access(f->path, F_OK), -1);
}

/* Every object of the file's schema, one per line, by name. */
static void schema_of(const char *path, struct buf *out)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT type, name, tbl_name, sql FROM sqlite_master"
	                                    " ORDER BY name",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < 4; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			buf_printf(out, "%s%c", t != NULL ? (const char *)t : "",
			           i == 3 ? '\n' : '|');
		}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A file written before the column table and the prefix index (schema 1)
 * is upgraded when opened: its rows read back, its search index rebuilt,
 * and its schema is then a new file's, word for word. */
static void test_history_a_file_of_schema_1_is_upgraded_and_reads(void **state)
{
	struct fx *f = *state;
	exec_sql(f->path, schema_1);
	exec_sql(f->path,
	         "PRAGMA user_version = 1; PRAGMA application_id = 0x63697263;"
	         "INSERT INTO conversations (created, updated, system) VALUES (5, 5, 'sys');"
	         "INSERT INTO compare_groups (conv, models, created) VALUES (1, 'a,b', 6);"
	         "INSERT INTO messages (conv, role, created, label, text, raw, updated)"
	         " VALUES (1, 'user', 5, 'you', 'old question', 'old question', 5);"
	         "INSERT INTO messages (conv, role, created, label, provider, model, text, raw,"
	         " updated, has_metrics, outcome, ttft, tokens_out, tps, cost)"
	         " VALUES (1, 'assistant', 6, 'mock', 'mock', 'm', 'old answer', 'old answer', 6,"
	         " 1, 'ok', 321, 42, 12.5, 0.25);"
	         "INSERT INTO messages (conv, grp, col, role, created, label, text, raw, updated)"
	         " VALUES (1, 1, 1, 'user', 7, 'you', 'old compare', 'old compare', 7);"
	         "INSERT INTO messages (conv, grp, col, role, created, label, text, raw, updated)"
	         " VALUES (1, 1, 2, 'user', 7, 'you', 'old compare', 'old compare', 7);");
	struct history *h = open_h(f);
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	struct conversation c;
	conv_init(&c);
	char *system = NULL;
	assert_int_equal(history_load(h, 1, &c, &system), 3);
	assert_string_equal(system, "sys");
	free(system);
	assert_string_equal(buf_str(&c.v[1]->text), "old answer");
	assert_true(c.v[1]->has_metrics);
	assert_int_equal(c.v[1]->metrics.outcome, REPLY_OK);
	assert_int_equal(c.v[1]->metrics.ttft, 321);
	assert_int_equal(c.v[1]->metrics.tokens_out, 42);
	assert_true(c.v[1]->metrics.tps == 12.5);
	assert_int_equal(c.v[1]->metrics.ttfb, -1);
	assert_true(c.v[2]->dropped);
	conv_done(&c);
	struct history_hit hit[2];
	assert_int_equal(history_find(h, "answ", hit, 2), 1);
	assert_true(history_add(h, 1, 0, 0, prompt(f, "new question"), 8) > 0);
	assert_index_intact(f);
	history_close(f->h);
	f->h = NULL;

	char fresh[sizeof(f->path) + 8];
	snprintf(fresh, sizeof(fresh), "%s/fresh.db", f->dir);
	char err[512];
	struct history *n = history_open(fresh, err, sizeof(err));
	assert_non_null(n);
	history_close(n);
	struct buf old, now;
	buf_init(&old, 0);
	buf_init(&now, 0);
	schema_of(f->path, &old);
	schema_of(fresh, &now);
	assert_string_equal(buf_str(&now), buf_str(&old));
	assert_contains(buf_str(&now), "cost_est INTEGER NOT NULL DEFAULT 0)");
	assert_contains(buf_str(&now), "prefix='2 3'");
	buf_done(&old);
	buf_done(&now);
}

/* ---- the default path ---------------------------------------------------------- */

static void test_history_default_path_follows_xdg_then_home(void **state)
{
	struct fx *f = *state;
	char *old_xdg = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	char want[256], xdg[160], buf[256];

	snprintf(xdg, sizeof(xdg), "%s/data", f->dir);
	setenv("XDG_DATA_HOME", xdg, 1);
	snprintf(want, sizeof(want), "%s/data/circuit/history.db", f->dir);
	assert_string_equal(history_default_path(buf, sizeof(buf)), want);
	snprintf(want, sizeof(want), "%s/data/circuit", f->dir);
	assert_int_equal(mode_of(want), 0700);

	setenv("XDG_DATA_HOME", "relative/data", 1); /* invalid per the spec: ignored */
	setenv("HOME", f->dir, 1);
	snprintf(want, sizeof(want), "%s/.local/share/circuit/history.db", f->dir);
	assert_string_equal(history_default_path(buf, sizeof(buf)), want);
	snprintf(want, sizeof(want), "%s/.local/share/circuit", f->dir);
	assert_int_equal(mode_of(want), 0700);
	assert_int_equal(access("relative", F_OK), -1);

	assert_null(history_default_path(buf, 10)); /* does not fit */
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	assert_null(history_default_path(buf, sizeof(buf)));

	if (old_xdg != NULL)
		setenv("XDG_DATA_HOME", old_xdg, 1);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
}

/* The whole of a file opened at the default path works: nothing asks for a key. */
static void test_history_works_at_the_default_path(void **state)
{
	struct fx *f = *state;
	char *old_xdg = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
	setenv("XDG_DATA_HOME", f->dir, 1);
	char buf[sizeof(f->path)];
	assert_non_null(history_default_path(buf, sizeof(buf)));
	snprintf(f->path, sizeof(f->path), "%s", buf);
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	assert_true(history_add(h, conv, 0, 0, prompt(f, "hi"), 1) > 0);
	assert_int_equal(mode_of(buf), 0600);
	if (old_xdg != NULL)
		setenv("XDG_DATA_HOME", old_xdg, 1);
	else
		unsetenv("XDG_DATA_HOME");
	free(old_xdg);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* ---- attachments (schema 5) -------------------------------------------- */

/* A prompt with a text file and a png, as -f makes one. */
static struct message *prompt_with_files(struct fx *f, const char *text)
{
	struct message *m = prompt(f, text);
	struct attachment a;
	attachment_set(&a, "notes.txt", "text/plain", "line one\n", 9, NULL);
	attachments_take(&m->att, &a);
	attachment_set(&a, "dot.png", "image/png", "\x89PNG\r\n\x1a\n\0\x01", 10, NULL);
	attachments_take(&m->att, &a);
	return m;
}

static void test_history_keeps_a_prompts_files_and_loads_them_whole(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *m = prompt_with_files(f, "look");
	assert_true(history_add(h, conv, 0, 0, m, 1) > 0);
	assert_true(history_add(h, conv, 0, 0, reply(f, "mock", "a dot"), 2) > 0);
	reopen(f);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(f->h, conv, &c, NULL), 2);
	const struct attachments *l = &c.v[0]->att;
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].name, "notes.txt");
	assert_string_equal(l->v[0].mime, "text/plain");
	assert_false(l->v[0].image);
	assert_string_equal(l->v[0].data, "line one\n");
	assert_string_equal(l->v[0].sha256, m->att.v[0].sha256);
	assert_string_equal(l->v[1].mime, "image/png");
	assert_true(l->v[1].image);
	assert_int_equal(l->v[1].size, 10);
	assert_memory_equal(l->v[1].data, "\x89PNG\r\n\x1a\n\0\x01", 10);
	assert_int_equal(c.v[1]->att.n, 0);
	conv_done(&c);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM attachments"), 2);
	assert_int_equal(history_delete(f->h, conv), 1);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM attachments"), 0);
}

/* Exports name each file, its type, size and (JSON) hash: never its bytes. */
static void test_history_exports_list_files_without_their_content(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	struct message *m = prompt_with_files(f, "look");
	history_add(h, conv, 0, 0, m, 1);
	history_add(h, conv, 0, 0, reply(f, "mock", "a dot"), 2);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv, HISTORY_MD, &out), 0);
	assert_non_null(strstr(buf_str(&out), "look\n\n- attached: notes.txt (text/plain, 9 bytes)\n"
	                                      "- attached: dot.png (image/png, 10 bytes)\n"));
	assert_null(strstr(buf_str(&out), "line one"));
	buf_reset(&out);
	assert_int_equal(history_export(h, conv, HISTORY_JSON, &out), 0);
	char want[400];
	snprintf(want, sizeof(want),
	         ",\"attachments\":[{\"name\":\"notes.txt\",\"type\":\"text/plain\",\"size\":9,"
	         "\"sha256\":\"%s\"},{\"name\":\"dot.png\",\"type\":\"image/png\",\"size\":10,"
	         "\"sha256\":\"%s\"}]}",
	         m->att.v[0].sha256, m->att.v[1].sha256);
	assert_non_null(strstr(buf_str(&out), want));
	assert_null(strstr(buf_str(&out), "line one"));
	/* The reply has none: no key at all, as before attachments. */
	assert_null(strstr(strstr(buf_str(&out), want) + strlen(want), "attachments"));
	buf_done(&out);
}

/* A file of schema 4 reads as it is read-only (no files), and gets the
 * table when opened to write. */
static void test_history_a_file_of_schema_4_is_upgraded(void **state)
{
	struct fx *f = *state;
	struct history *h = open_h(f);
	long long conv = history_begin(h, NULL, 1);
	history_add(h, conv, 0, 0, prompt(f, "before files"), 1);
	history_close(h);
	f->h = NULL;
	exec_sql(f->path, HISTORY_BACK_TO_4);
	char err[512] = "";
	h = history_open_readonly(f->path, err, sizeof(err));
	assert_non_null(h);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(h, conv, &c, NULL), 1);
	assert_int_equal(c.v[0]->att.n, 0);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(h, conv, HISTORY_JSON, &out), 0);
	assert_null(strstr(buf_str(&out), "attachments"));
	buf_done(&out);
	conv_done(&c);
	history_close(h);
	h = open_h(f);
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM reply_errors"), 0);
	assert_true(history_add(h, conv, 0, 0, prompt_with_files(f, "now"), 2) > 0);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM attachments"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_history_open_creates_a_0600_wal_file_with_the_schema),
	    T(test_history_open_tightens_a_file_others_can_read),
	    T(test_history_reopen_keeps_the_data),
	    T(test_history_a_newer_schema_is_refused),
	    T(test_history_a_junk_file_is_refused),
	    T(test_history_a_damaged_header_is_refused),
	    T(test_history_another_programs_database_is_refused),
	    T(test_history_a_read_only_file_is_refused),
	    T(test_history_a_missing_folder_is_a_clear_error),
	    T(test_history_a_symbolic_link_is_refused),
	    T(test_history_a_path_with_controls_is_quoted_in_the_message),
	    T(test_history_round_trip_keeps_every_field_and_figure),
	    T(test_history_a_message_without_figures_loads_them_unknown),
	    T(test_history_a_checkpoint_is_interrupted_until_the_final_write),
	    T(test_history_kill_9_loses_nothing_committed),
	    T(test_history_notices_are_not_stored),
	    T(test_history_writes_need_an_existing_conversation),
	    T(test_history_system_prompt_set_and_cleared),
	    T(test_history_load_shows_a_compare_once_and_keeps_the_thread),
	    T(test_history_load_a_compare_of_two_turns_turn_by_turn),
	    T(test_history_load_a_compare_only_conversation),
	    T(test_history_load_appends_after_what_is_there),
	    T(test_history_sessions_newest_first_with_titles_models_turns),
	    T(test_history_sessions_equal_times_newest_id_first),
	    T(test_history_a_long_title_is_cut_at_a_character),
	    T(test_history_last_is_zero_when_empty),
	    T(test_history_same_second_the_one_written_last_is_newest),
	    T(test_history_has_says_whether_a_conversation_is_there),
	    T(test_history_a_compare_first_conversation_has_a_title),
	    T(test_history_search_finds_a_word_from_a_reply),
	    T(test_history_search_newest_first_at_most_max),
	    T(test_history_search_takes_every_word_literally),
	    T(test_history_search_empty_query_finds_nothing),
	    T(test_history_search_indexes_a_reply_at_its_end),
	    T(test_history_checkpoints_write_only_what_is_new),
	    T(test_history_ids_are_never_reused),
	    T(test_history_delete_removes_rows_and_index),
	    T(test_history_delete_leaves_no_trace_in_the_files),
	    T(test_history_find_bounds_its_words),
	    T(test_history_export_markdown_has_every_message),
	    T(test_history_export_markdown_never_carries_terminal_control),
	    T(test_history_export_json_parses_and_keeps_the_raw_text),
	    T(test_history_export_json_system_and_empty_thread),
	    T(test_history_export_respects_the_buffer_cap),
	    T(test_history_sessions_pages_with_an_offset_and_a_count),
	    T(test_history_search_matches_every_word_as_a_prefix),
	    T(test_history_search_marks_surround_the_matched_words),
	    T(test_history_search_a_long_snippet_keeps_its_marks_whole),
	    T(test_history_export_figures_are_written_by_units),
	    T(test_history_a_conversation_begun_after_its_reply_ended),
	    T(test_history_a_file_of_schema_1_is_upgraded_and_reads),
	    T(test_history_a_file_of_schema_2_reads_and_is_upgraded),
	    T(test_history_index_covers_the_start_of_a_huge_message),
	    T(test_history_open_readonly_creates_nothing),
	    T(test_history_default_path_follows_xdg_then_home),
	    T(test_history_works_at_the_default_path),
	    T(test_history_keeps_a_prompts_files_and_loads_them_whole),
	    T(test_history_exports_list_files_without_their_content),
	    T(test_history_a_file_of_schema_4_is_upgraded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
