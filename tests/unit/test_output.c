/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_output: a failed write on stdout is caught with its reason, and
 * says what the exit status is. fd 1 is pointed at /dev/full or a pipe
 * with no reader for a moment, then put back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "app/console.h"
#include "app/output.h"

static int saved = -1;

/* stdout now writes to fd (taken). */
static void stdout_to(int fd)
{
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	close(fd);
	output_reset();
}

static void stdout_back(void)
{
	fflush(stdout); /* may fail: that is what was tested */
	output_reset();
	dup2(saved, STDOUT_FILENO);
	close(saved);
	saved = -1;
}

static int closed_pipe(void)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	return p[1];
}

static void test_output_full_disk_is_enospc_and_status_1(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	stdout_to(fd);
	fputs("a reply", stdout);
	int flushed = output_flush(stdout);
	int err = output_error();
	int status = output_status();
	stdout_back();
	assert_int_equal(flushed, ENOSPC);
	assert_int_equal(err, ENOSPC);
	assert_int_equal(status, 1);
}

static void test_output_closed_pipe_is_epipe_and_status_141(void **state)
{
	(void)state;
	stdout_to(closed_pipe());
	fputs("a reply", stdout);
	int flushed = output_flush(stdout);
	int status = output_status();
	stdout_back();
	assert_int_equal(flushed, EPIPE);
	assert_int_equal(status, OUTPUT_EPIPE_STATUS);
}

/* A big fwrite fails inside stdio, which then drops its buffer: the next
 * fflush succeeds. The reason noted at the write is the one kept. */
static void test_output_reason_survives_a_flush_that_succeeds(void **state)
{
	(void)state;
	static char big[1 << 17];
	memset(big, 'x', sizeof(big));
	stdout_to(closed_pipe());
	fwrite(big, 1, sizeof(big), stdout);
	output_note(stdout);
	errno = EINVAL; /* whatever ran between */
	int flushed = output_flush(stdout);
	stdout_back();
	assert_int_equal(flushed, EPIPE);
}

static void test_output_console_notes_the_failure_where_it_writes(void **state)
{
	(void)state;
	static char big[1 << 17];
	memset(big, 'y', sizeof(big));
	stdout_to(closed_pipe());
	struct console c;
	console_init(&c, stdout, stderr, true, false);
	console_text(&c, big, sizeof(big));
	int err = output_error();
	console_done(&c);
	stdout_back();
	assert_int_equal(err, EPIPE);
}

static void test_output_other_streams_are_not_tracked(void **state)
{
	(void)state;
	output_reset();
	FILE *f = fopen("/dev/full", "w");
	if (f == NULL)
		skip();
	fputs("x", f);
	assert_int_equal(output_flush(f), 0);
	assert_int_equal(output_error(), 0);
	fclose(f);
	assert_int_equal(output_status(), 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as circuit's main does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_full_disk_is_enospc_and_status_1),
		cmocka_unit_test(test_output_closed_pipe_is_epipe_and_status_141),
		cmocka_unit_test(test_output_reason_survives_a_flush_that_succeeds),
		cmocka_unit_test(test_output_console_notes_the_failure_where_it_writes),
		cmocka_unit_test(test_output_other_streams_are_not_tracked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
