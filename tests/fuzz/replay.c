/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay: runs a libFuzzer target over its seed corpus, without clang.
 *
 * Linked with one tests/fuzz/fuzz_X.c. Run as build/tests/replay_fuzz_X from
 * the repository root, it feeds every file of tests/fuzz/corpus/X/ (sorted
 * by name) to LLVMFuzzerTestOneInput and ends with "N passed, 0 failed". A
 * target reports a failure by crashing or aborting, so a failed input never
 * returns here: the process dies and tests/run-suites counts it failed.
 * With arguments, it runs those files instead (to reproduce one crash).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CORPUS_ROOT "tests/fuzz/corpus/"
#define PREFIX "replay_fuzz_"

/* The whole file at path in a buffer of exactly its size (so that a read
 * past the end shows under AddressSanitizer), or NULL. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0, got;
	uint8_t *data = malloc(cap);
	if (data == NULL) {
		fclose(f);
		return NULL;
	}
	while ((got = fread(data + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *more = realloc(data, cap * 2);
			if (more == NULL) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = more;
			cap *= 2;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(data);
		return NULL;
	}
	/* Exact size; malloc(0) may return NULL, so keep at least one byte. */
	uint8_t *exact = malloc(n > 0 ? n : 1);
	if (exact == NULL) {
		free(data);
		return NULL;
	}
	memcpy(exact, data, n);
	free(data);
	*len = n;
	return exact;
}

/* Runs the target on one file. Returns 0, or -1 if it cannot be read. */
static int run_file(const char *path)
{
	size_t len = 0;
	uint8_t *data = read_file(path, &len);
	if (data == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted, as new strings; *n their count. NULL
 * with *n == 0 when the directory cannot be read. */
static char **list_dir(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return NULL;
	char **names = NULL;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* ., .., .gitkeep */
		size_t len = strlen(dir) + 1 + strlen(de->d_name) + 1;
		char *path = malloc(len);
		if (path == NULL)
			abort();
		snprintf(path, len, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			char **more = realloc(names, cap * sizeof(*names));
			if (more == NULL)
				abort();
			names = more;
		}
		names[(*n)++] = path;
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

int main(int argc, char **argv)
{
	size_t passed = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			if (run_file(argv[i]) < 0) {
				printf("%zu passed, 1 failed\n", passed);
				return 1;
			}
			passed++;
		}
		printf("%zu passed, 0 failed\n", passed);
		return 0;
	}

	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (strncmp(base, PREFIX, strlen(PREFIX)) != 0 || base[strlen(PREFIX)] == '\0') {
		printf("replay: cannot tell the target from the name %s (want %sX)\n", base, PREFIX);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s%s", CORPUS_ROOT, base + strlen(PREFIX));

	size_t n;
	char **files = list_dir(dir, &n);
	if (n == 0) {
		printf("replay: no corpus in %s (missing or empty; run from the repository root)\n",
		       dir);
		printf("0 passed, 1 failed\n");
		free(files);
		return 1;
	}
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (run_file(files[i]) < 0)
			failed++;
		else
			passed++;
		free(files[i]);
	}
	free(files);
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
