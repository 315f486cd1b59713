/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_history_sources: the sources a reply cites (schema step "sources"):
 * stored with the reply (added whole, or at a live reply's last write),
 * loaded with it, exported after it (Markdown list, JSON array), gone with
 * its conversation; a file from before the step read as it is, upgraded
 * when opened to write. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "testhistory.h"

#include <unistd.h>

#include "model/conversation.h"

struct fx {
	char dir[64], path[256];
	struct history *h;
	struct conversation c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	th_make(f->dir, sizeof(f->dir), f->path, sizeof(f->path), "circuit-hsrc");
	conv_init(&f->c);
	f->h = th_open(f->path);
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

/* A prompt and a reply citing two sources, stored; the conversation's id. */
static long long store(struct fx *f)
{
	long long conv = history_begin(f->h, NULL, 1);
	history_add(f->h, conv, 0, 0, conv_add(&f->c, MSG_USER, "you", "rust runtimes?"), 1);
	struct message *m = conv_add(&f->c, MSG_ASSISTANT, "anthropic:claude", "Tokio.");
	sources_add(&m->sources, "https://tokio.rs/", "Tokio");
	sources_add(&m->sources, "https://docs.rs/smol", "");
	assert_true(history_add(f->h, conv, 0, 0, m, 2) > 0);
	return conv;
}

static void test_sources_are_kept_and_loaded_with_the_reply(void **state)
{
	struct fx *f = *state;
	long long conv = store(f);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(f->h, conv, &c, NULL), 2);
	assert_int_equal(c.v[0]->sources.n, 0);
	const struct sources *s = &c.v[1]->sources;
	assert_int_equal(s->n, 2);
	assert_string_equal(s->v[0].url, "https://tokio.rs/");
	assert_string_equal(s->v[0].title, "Tokio");
	assert_string_equal(s->v[1].url, "https://docs.rs/smol");
	assert_string_equal(s->v[1].title, "");
	conv_done(&c);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM sources"), 2);
	assert_int_equal(history_delete(f->h, conv), 1);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM sources"), 0);
}

/* The screen's way: the row added as the reply starts, its sources at its
 * last write (written again, not twice). */
static void test_a_live_reply_gets_its_sources_at_the_end(void **state)
{
	struct fx *f = *state;
	long long conv = history_begin(f->h, NULL, 1);
	struct message *m = conv_add(&f->c, MSG_ASSISTANT, "mock", NULL);
	m->streaming = true;
	long long id = history_add(f->h, conv, 0, 0, m, 1);
	assert_true(id > 0);
	msg_append_text(m, "cited", 5);
	assert_int_equal(history_update(f->h, id, m, false, 2), 0);
	sources_add(&m->sources, "https://a.example/", "A");
	msg_finish(m, false, "");
	assert_int_equal(history_update(f->h, id, m, true, 3), 0);
	assert_int_equal(history_update(f->h, id, m, true, 4), 0);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM sources"), 1);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(f->h, conv, &c, NULL), 1);
	assert_int_equal(c.v[0]->sources.n, 1);
	assert_string_equal(c.v[0]->sources.v[0].title, "A");
	conv_done(&c);
}

static void test_exports_list_the_sources_after_the_reply(void **state)
{
	struct fx *f = *state;
	long long conv = store(f);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(f->h, conv, HISTORY_MD, &out), 0);
	assert_non_null(strstr(buf_str(&out), "Tokio.\n\nSources:\n1. [Tokio](https://tokio.rs/)\n"
	                                      "2. [https://docs.rs/smol](https://docs.rs/smol)\n"));
	buf_reset(&out);
	assert_int_equal(history_export(f->h, conv, HISTORY_JSON, &out), 0);
	assert_non_null(strstr(buf_str(&out), "\"sources\":[{\"url\":\"https://tokio.rs/\","
	                                      "\"title\":\"Tokio\"},{\"url\":\"https://docs.rs/"
	                                      "smol\",\"title\":\"\"}]"));
	assert_non_null(strstr(buf_str(&out), "\"sources\":[]")); /* the prompt's */
	buf_done(&out);
}

/* A file from before the step: read-only, read as it is (no sources);
 * opened to write, it gains the table and keeps its rows. */
static void test_a_file_before_the_step(void **state)
{
	struct fx *f = *state;
	long long conv = store(f);
	history_close(f->h);
	f->h = NULL;
	exec_sql(f->path, HISTORY_BACK_TO_4);
	char err[512] = "";
	f->h = history_open_readonly(f->path, err, sizeof(err));
	assert_non_null(f->h);
	struct conversation c;
	conv_init(&c);
	assert_int_equal(history_load(f->h, conv, &c, NULL), 2);
	assert_string_equal(buf_str(&c.v[1]->text), "Tokio.");
	assert_int_equal(c.v[1]->sources.n, 0);
	conv_done(&c);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(history_export(f->h, conv, HISTORY_MD, &out), 0);
	assert_null(strstr(buf_str(&out), "Sources:"));
	buf_done(&out);
	history_close(f->h);
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), 4);
	f->h = history_open(f->path, err, sizeof(err));
	assert_non_null(f->h);
	assert_int_equal(peek_int(f->path, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(peek_int(f->path, "SELECT count(*) FROM sources"), 0);
	conv_init(&c);
	assert_int_equal(history_load(f->h, conv, &c, NULL), 2);
	conv_done(&c);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sources_are_kept_and_loaded_with_the_reply),
		T(test_a_live_reply_gets_its_sources_at_the_end),
		T(test_exports_list_the_sources_after_the_reply),
		T(test_a_file_before_the_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
