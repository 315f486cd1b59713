/* SPDX-License-Identifier: GPL-3.0-or-later */
/* paths: where circuit's files are, decided in one place. */
#include "util/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CIRCUIT_SHAREDIR
#define CIRCUIT_SHAREDIR "/usr/local/share/circuit"
#endif

static const struct {
	const char *var, *home_rel;
} bases[] = {
	[PATHS_CONFIG] = {"XDG_CONFIG_HOME", ".config"},
	[PATHS_DATA] = {"XDG_DATA_HOME", ".local/share"},
	[PATHS_STATE] = {"XDG_STATE_HOME", ".local/state"},
};

/* mkdir -p of every folder above the last '/' of path, private (a folder
 * that cannot be made shows when the file in it is opened). */
static void make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
}

const char *paths_user(enum paths_kind kind, const char *rel, bool create, char *buf, size_t n)
{
	const char *xdg = getenv(bases[kind].var);
	const char *home = getenv("HOME");
	int len;
	if (xdg != NULL && xdg[0] == '/')
		len = snprintf(buf, n, "%s/circuit/%s", xdg, rel);
	else if (home != NULL && home[0] == '/')
		len = snprintf(buf, n, "%s/%s/circuit/%s", home, bases[kind].home_rel, rel);
	else
		return NULL;
	if (len < 0 || (size_t)len >= n)
		return NULL;
	if (create)
		make_parents(buf);
	return buf;
}

const char *paths_expand(const char *path, char *buf, size_t n)
{
	int len;
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		const char *home = getenv("HOME");
		if (home == NULL || home[0] != '/')
			return NULL;
		len = snprintf(buf, n, "%s%s", home, path + 1);
	} else {
		len = snprintf(buf, n, "%s", path);
	}
	return len >= 0 && (size_t)len < n ? buf : NULL;
}

const char *paths_temp(const char *name, char *buf, size_t n)
{
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	int len = snprintf(buf, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return len >= 0 && (size_t)len < n ? buf : NULL;
}

/* The folder the running executable is in, or "" (not Linux, no /proc). */
static void exe_dir(char *out, size_t n)
{
	ssize_t k = readlink("/proc/self/exe", out, n - 1);
	out[k > 0 ? (size_t)k : 0] = '\0';
	char *slash = strrchr(out, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		out[0] = '\0';
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

size_t paths_shipped(const char *sub, char (*dirs)[512], size_t max)
{
	char exe[400];
	exe_dir(exe, sizeof(exe));
	char cand[PATHS_SHIPPED_MAX + 1][512];
	size_t nc = 0;
	if (exe[0] != '\0') {
		/* build/circuit in a checkout: the tree's own folder one up;
		 * build/asan/circuit (another build folder): two up. */
		snprintf(cand[nc++], sizeof(cand[0]), "%s/../%s", exe, sub);
		snprintf(cand[nc++], sizeof(cand[0]), "%s/../../%s", exe, sub);
		/* PREFIX/bin/circuit: PREFIX/share/circuit/SUB. */
		snprintf(cand[nc++], sizeof(cand[0]), "%s/../share/circuit/%s", exe, sub);
	}
	snprintf(cand[nc++], sizeof(cand[0]), "%s/%s", CIRCUIT_SHAREDIR, sub);
	size_t n = 0;
	for (size_t i = 0; i < nc && n < max; i++)
		if (is_dir(cand[i]))
			snprintf(dirs[n++], sizeof(dirs[0]), "%s", cand[i]);
	return n;
}

size_t paths_search(const char *sub, char (*dirs)[512], size_t max)
{
	size_t n = 0;
	if (max > 0 && paths_user(PATHS_CONFIG, sub, false, dirs[0], sizeof(dirs[0])) != NULL)
		n++;
	return n + paths_shipped(sub, dirs + n, max - n);
}
