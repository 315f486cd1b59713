/* SPDX-License-Identifier: GPL-3.0-or-later */
/* attachment: what a file is (by its first bytes), what is refused and
 * how it says so, and the fence a text attachment is folded in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/attachment.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/circuit-attach-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[400];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

/* dir/name with n bytes of p; the path into out. */
static const char *put(const char *name, const void *p, size_t n, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
	FILE *f = fopen(out, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
	return out;
}

static void test_sniff_knows_the_four_images_by_their_magic_bytes(void **state)
{
	(void)state;
	assert_string_equal(attachment_sniff("\x89PNG\r\n\x1a\n\0\0", 10), "image/png");
	assert_string_equal(attachment_sniff("\xff\xd8\xff\xe0", 4), "image/jpeg");
	assert_string_equal(attachment_sniff("GIF89a..", 8), "image/gif");
	assert_string_equal(attachment_sniff("GIF87a", 6), "image/gif");
	assert_string_equal(attachment_sniff("RIFF\x10\0\0\0WEBPVP8 ", 16), "image/webp");
	assert_null(attachment_sniff("RIFF\x10\0\0\0WAVEfmt ", 16)); /* a wav is RIFF too */
	assert_null(attachment_sniff("\x89PNG\r\n\x1a", 7));          /* cut short */
	assert_null(attachment_sniff("hello", 5));
	assert_null(attachment_sniff("", 0));
}

static void test_fence_is_longer_than_any_backtick_run(void **state)
{
	(void)state;
	assert_int_equal(attachment_fence("", 0), 3);
	assert_int_equal(attachment_fence("a `b` c", 7), 3);
	assert_int_equal(attachment_fence("``` code", 8), 4);
	assert_int_equal(attachment_fence("x ````` y ``", 12), 6);
}

static void test_fold_puts_each_text_file_in_a_labelled_fence_after_the_prompt(void **state)
{
	(void)state;
	struct attachments l;
	attachments_init(&l);
	struct attachment a;
	attachment_set(&a, "notes.md", "text/plain", "one\n```\ntwo\n", 12, NULL);
	attachments_take(&l, &a);
	attachment_set(&a, "pic.png", "image/png", "\x89PNG", 4, NULL);
	attachments_take(&l, &a);
	attachment_set(&a, "we`ird.txt", "text/plain", "no newline", 10, NULL);
	attachments_take(&l, &a);
	struct buf out;
	buf_init(&out, 0);
	attachments_fold(&out, "review this", &l);
	assert_string_equal(buf_str(&out), "review this\n\n````notes.md\none\n```\ntwo\n````"
	                                   "\n\n```we_ird.txt\nno newline\n```");
	struct wire_image img[4];
	assert_int_equal(attachments_images(&l, img, 4), 1);
	assert_string_equal(img[0].mime, "image/png");
	assert_int_equal(img[0].len, 4);
	buf_done(&out);
	attachments_done(&l);
	assert_int_equal(l.n, 0);
}

static void test_load_reads_text_and_images_with_their_hash(void **state)
{
	(void)state;
	char path[128], err[256];
	struct attachment a;
	put("hello.txt", "abc", 3, path, sizeof(path));
	assert_int_equal(attachment_load(path, false, &a, err, sizeof(err)), 0);
	assert_string_equal(a.name, "hello.txt");
	assert_string_equal(a.mime, "text/plain");
	assert_false(a.image);
	assert_int_equal(a.size, 3);
	assert_string_equal(a.sha256,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	char desc[64];
	attachment_describe(&a, desc, sizeof(desc));
	assert_string_equal(desc, "hello.txt (text/plain, 3 bytes)");
	attachment_done(&a);
	/* An image by its bytes, whatever its name says. */
	put("photo.txt", "\x89PNG\r\n\x1a\n\0\0\0\0", 12, path, sizeof(path));
	assert_int_equal(attachment_load(path, false, &a, err, sizeof(err)), 0);
	assert_true(a.image);
	assert_string_equal(a.mime, "image/png");
	assert_int_equal(a.size, 12);
	attachment_done(&a);
}

/* attachment_load refuses path with rc, its line starting with the path
 * and holding want. */
static void refused(const char *path, bool force, int rc, const char *want)
{
	char err[256];
	struct attachment a;
	assert_int_equal(attachment_load(path, force, &a, err, sizeof(err)), rc);
	assert_null(a.data);
	assert_null(a.name);
	assert_memory_equal(err, path, strlen(path));
	if (strstr(err, want) == NULL) {
		print_error("\"%s\" does not say \"%s\"\n", err, want);
		fail();
	}
	assert_null(strchr(err, '\n'));
}

static void test_load_refuses_what_is_no_file_to_send(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/missing.txt", dir);
	refused(path, false, -1, ": no such file; check the path");
	refused(dir, false, -1, ": a directory; attach the files in it one by one");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	refused(path, false, -1, ": not a regular file"); /* and did not block */
	refused("/dev/null", false, -1, ": not a regular file");
	put("blob.bin", "ab\0cd", 5, path, sizeof(path));
	refused(path, true, -1, ": binary (a NUL byte at offset 2)");
	put("random.bin", "\xd8\x01\x02\x03\xff\x10\x11\x12", 8, path, sizeof(path));
	refused(path, false, -1, ": binary (not UTF-8, control bytes in it)");
	put("latin1.txt", "caf\xe9", 4, path, sizeof(path));
	refused(path, false, -1, ": not UTF-8 text (byte 0xE9 at offset 3)");
	if (geteuid() != 0) { /* root reads anything */
		put("secret.txt", "x", 1, path, sizeof(path));
		assert_int_equal(chmod(path, 0), 0);
		refused(path, false, -1, ": cannot read it (permission denied)");
	}
}

static void test_load_refuses_text_over_1_mib_unless_forced(void **state)
{
	(void)state;
	size_t n = ATTACH_TEXT_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	char path[128], err[256];
	put("big.txt", big, n, path, sizeof(path));
	refused(path, false, -2, ": text of 1.0 MiB, over the 1 MiB limit for text");
	struct attachment a;
	assert_int_equal(attachment_load(path, true, &a, err, sizeof(err)), 0);
	assert_int_equal(a.size, n);
	attachment_done(&a);
	/* Exactly 1 MiB passes without force. */
	put("edge.txt", big, n - 1, path, sizeof(path));
	assert_int_equal(attachment_load(path, false, &a, err, sizeof(err)), 0);
	attachment_done(&a);
	free(big);
}

static void test_load_refuses_anything_over_20_mib_unread(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/huge.png", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x89PNG\r\n\x1a\n", 8), 8);
	assert_int_equal(ftruncate(fd, (off_t)ATTACH_FILE_MAX + 1), 0); /* sparse */
	close(fd);
	refused(path, true, -1, ": over 20 MiB, the most circuit attaches; make it smaller");
}

static void test_name_is_made_inert(void **state)
{
	(void)state;
	char path[128], err[256];
	put("a\x1b]0;x\x07.txt", "t", 1, path, sizeof(path));
	struct attachment a;
	assert_int_equal(attachment_load(path, false, &a, err, sizeof(err)), 0);
	assert_null(strchr(a.name, '\x1b'));
	assert_null(strchr(a.name, '\x07'));
	attachment_done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff_knows_the_four_images_by_their_magic_bytes),
		cmocka_unit_test(test_fence_is_longer_than_any_backtick_run),
		cmocka_unit_test(test_fold_puts_each_text_file_in_a_labelled_fence_after_the_prompt),
		cmocka_unit_test(test_load_reads_text_and_images_with_their_hash),
		cmocka_unit_test(test_load_refuses_what_is_no_file_to_send),
		cmocka_unit_test(test_load_refuses_text_over_1_mib_unless_forced),
		cmocka_unit_test(test_load_refuses_anything_over_20_mib_unread),
		cmocka_unit_test(test_name_is_made_inert),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
