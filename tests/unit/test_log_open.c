/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_log_open: which files --debug writes to, and what it leaves alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

/* A fresh directory of the test's own; removed by done(). */
struct dir {
	char path[256];
	char file[300];
};

static void dir_new(struct dir *d, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(d->path, sizeof(d->path), "%s/circuit-test-logopen-XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/%s", d->path, name);
}

static void dir_done(struct dir *d)
{
	unlink(d->file);
	rmdir(d->path);
}

static int reset(void **state)
{
	(void)state;
	log_close();
	return 0;
}

static void test_log_open_creates_a_new_file_0600_even_with_umask_0(void **state)
{
	(void)state;
	struct dir d;
	dir_new(&d, "debug.log");
	mode_t old = umask(0);
	int rc = log_open(d.file);
	umask(old);
	assert_int_equal(rc, 0);
	log_msg("hello");
	log_close();
	struct stat st;
	assert_int_equal(stat(d.file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_size > 0);
	dir_done(&d);
}

static void test_log_open_appends_to_an_existing_file_keeping_its_mode(void **state)
{
	(void)state;
	struct dir d;
	dir_new(&d, "debug.log");
	int fd = open(d.file, O_WRONLY | O_CREAT, 0640);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0640), 0);
	assert_int_equal(write(fd, "before\n", 7), 7);
	close(fd);
	assert_int_equal(log_open(d.file), 0);
	log_msg("after");
	log_close();
	size_t n;
	char *text = tu_read_file(d.file, &n);
	assert_true(strncmp(text, "before\n", 7) == 0);
	assert_non_null(strstr(text, "after"));
	free(text);
	struct stat st;
	assert_int_equal(stat(d.file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	dir_done(&d);
}

static void test_log_open_uses_dev_null_and_leaves_its_mode(void **state)
{
	(void)state;
	struct stat before, after;
	assert_int_equal(stat("/dev/null", &before), 0);
	assert_int_equal(log_open("/dev/null"), 0);
	assert_true(log_enabled());
	log_msg("into nothing");
	log_close();
	assert_int_equal(stat("/dev/null", &after), 0);
	if (after.st_mode != before.st_mode) /* put it back before failing */
		chmod("/dev/null", before.st_mode & 07777);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(after.st_uid, before.st_uid);
}

static void test_log_open_refuses_another_device_without_writing(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(log_open("/dev/zero"), -1);
	assert_int_equal(errno, ENODEV);
	assert_false(log_enabled());
}

static void test_log_open_refuses_a_fifo_nobody_reads_without_blocking(void **state)
{
	(void)state;
	struct dir d;
	dir_new(&d, "fifo");
	assert_int_equal(mkfifo(d.file, 0600), 0);
	errno = 0;
	assert_int_equal(log_open(d.file), -1); /* a blocking open would hang here */
	assert_int_equal(errno, ENXIO);
	assert_false(log_enabled());
	dir_done(&d);
}

static void test_log_open_writes_to_a_fifo_with_a_reader(void **state)
{
	(void)state;
	struct dir d;
	dir_new(&d, "fifo");
	assert_int_equal(mkfifo(d.file, 0600), 0);
	int rd = open(d.file, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(log_open(d.file), 0);
	log_msg("through the fifo");
	log_close();
	char got[256] = {0};
	ssize_t n = read(rd, got, sizeof(got) - 1);
	assert_true(n > 0);
	assert_non_null(strstr(got, "through the fifo"));
	close(rd);
	dir_done(&d);
}

static void test_log_open_refuses_a_directory(void **state)
{
	(void)state;
	struct dir d;
	dir_new(&d, "");
	errno = 0;
	assert_int_equal(log_open(d.path), -1);
	assert_int_equal(errno, EISDIR);
	assert_false(log_enabled());
	rmdir(d.path);
}

static void test_log_open_under_a_regular_file_fails_with_enotdir(void **state)
{
	(void)state;
	struct dir d;
	dir_new(&d, "plain");
	int fd = open(d.file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	char below[400];
	snprintf(below, sizeof(below), "%s/debug.log", d.file);
	errno = 0;
	assert_int_equal(log_open(below), -1);
	assert_int_equal(errno, ENOTDIR);
	dir_done(&d);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, reset, reset)
	const struct CMUnitTest tests[] = {
		T(test_log_open_creates_a_new_file_0600_even_with_umask_0),
		T(test_log_open_appends_to_an_existing_file_keeping_its_mode),
		T(test_log_open_uses_dev_null_and_leaves_its_mode),
		T(test_log_open_refuses_another_device_without_writing),
		T(test_log_open_refuses_a_fifo_nobody_reads_without_blocking),
		T(test_log_open_writes_to_a_fifo_with_a_reader),
		T(test_log_open_refuses_a_directory),
		T(test_log_open_under_a_regular_file_fails_with_enotdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
