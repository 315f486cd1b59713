/* SPDX-License-Identifier: GPL-3.0-or-later */
/* editor: a text through the user's editor. */
#include "app/editor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fdio.h"
#include "util/paths.h"
#include "util/words.h"

static bool blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
}

const char *editor_command(const char *visual, const char *editor)
{
	if (!blank(visual))
		return visual;
	if (!blank(editor))
		return editor;
	return "vi";
}

/* The child: signals as a shell would leave them (circuit ignores SIGPIPE,
 * and SIGINT and SIGQUIT while it waits; ignored stays ignored across
 * exec), none blocked, none of circuit's files open. On failure, errno
 * goes up the pipe fail, which closes by itself on a successful exec. */
static void child(char *const *argv, int fail)
{
	static const int reset[] = {SIGINT, SIGQUIT, SIGTSTP, SIGPIPE, SIGTTOU, SIGTTIN};
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		signal(reset[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != fail)
			(void)close(fd); /* the history, sockets, the signal pipe */
	execvp(argv[0], argv);
	int e = errno;
	(void)fd_write_all(fail, (const char *)&e, sizeof(e));
	_exit(127);
}

/* What waitpid said, as the end of a sentence about the editor. */
static int status_said(int st, const char *name, char *err, size_t errlen)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(err, errlen, "the editor '%s' exited with status %d", name,
		         WEXITSTATUS(st));
	else
		snprintf(err, errlen, "the editor '%s' was ended by signal %d", name,
		         WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}

/* Runs argv (NULL-ended) and waits for it; 0 when it exited with status 0. */
static int spawn_wait(char *const *argv, char *err, size_t errlen)
{
	int fail[2];
	if (pipe(fail) < 0) {
		snprintf(err, errlen, "the editor could not be started: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(fail[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fail[1], F_SETFD, FD_CLOEXEC);
	struct sigaction ign, dfl, old_int, old_quit, old_tstp;
	memset(&ign, 0, sizeof(ign));
	sigemptyset(&ign.sa_mask);
	dfl = ign;
	ign.sa_handler = SIG_IGN;
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGTSTP, &dfl, &old_tstp); /* Ctrl-Z stops us with the editor */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		child(argv, fail[1]);
	int e = errno;
	(void)close(fail[1]);
	int child_errno = 0;
	if (pid > 0) {
		ssize_t k;
		while ((k = read(fail[0], &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
			;
		if (k != (ssize_t)sizeof(child_errno))
			child_errno = 0;
	}
	(void)close(fail[0]);
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
	if (pid < 0 || child_errno != 0) {
		snprintf(err, errlen,
		         "the editor '%s' could not be started: %s (set VISUAL or EDITOR)", argv[0],
		         strerror(pid < 0 ? e : child_errno));
		return -1;
	}
	return status_said(st, argv[0], err, errlen);
}

/* The file at path into out (emptied first), capped; 0 or -1 with err. */
static int read_back(const char *path, struct buf *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "the edited file could not be read: %s", strerror(errno));
		return -1;
	}
	struct buf b;
	buf_init(&b, EDITOR_MAX);
	char chunk[65536];
	size_t k;
	int rc = 0;
	while (rc == 0 && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(&b, chunk, k);
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "the edited file could not be read: %s", strerror(errno));
		rc = -2;
	}
	fclose(f);
	if (rc == -1)
		snprintf(err, errlen, "the edited text is over %zu MiB", EDITOR_MAX >> 20);
	if (rc == 0 && memchr(b.data, '\0', b.len) != NULL) {
		snprintf(err, errlen, "the edited text holds a NUL byte (binary?)");
		rc = -1;
	}
	if (rc == 0) {
		size_t n = b.len;
		if (n > 0 && b.data[n - 1] == '\n')
			n -= n > 1 && b.data[n - 2] == '\r' ? 2 : 1; /* the newline editors add */
		buf_reset(out);
		buf_append(out, b.data, n);
	}
	buf_done(&b);
	return rc == 0 ? 0 : -1;
}

/* A new private file holding text; its path in path. -1 with err. */
static int write_temp(const char *text, char *path, size_t n, char *err, size_t errlen)
{
	if (paths_temp("circuit-edit-XXXXXX", path, n) == NULL) {
		snprintf(err, errlen, "the temporary folder's path is too long (TMPDIR)");
		return -1;
	}
	int fd = mkstemp(path); /* 0600 */
	if (fd < 0) {
		snprintf(err, errlen, "cannot make a file in the temporary folder (%.200s): %s",
		         path, strerror(errno));
		return -1;
	}
	bool ok = fd_write_all(fd, text, strlen(text));
	int e = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		snprintf(err, errlen, "cannot write %.200s: %s", path, strerror(e));
		(void)unlink(path);
		return -1;
	}
	return 0;
}

int editor_run(const char *cmd, const char *text, struct buf *out, char *err, size_t errlen)
{
	char *words[EDITOR_WORDS_MAX];
	int n = words_split(cmd, " \t", words, EDITOR_WORDS_MAX);
	if (n <= 0) {
		if (n == 0)
			snprintf(err, errlen, "the editor command is empty (VISUAL, EDITOR)");
		else
			snprintf(err, errlen,
			         "the editor command has over %d words (VISUAL, EDITOR)",
			         EDITOR_WORDS_MAX);
		return -1;
	}
	char path[1024];
	int rc = write_temp(text, path, sizeof(path), err, errlen);
	if (rc == 0) {
		char *argv[EDITOR_WORDS_MAX + 2];
		for (int i = 0; i < n; i++)
			argv[i] = words[i];
		argv[n] = path;
		argv[n + 1] = NULL;
		rc = spawn_wait(argv, err, errlen);
		if (rc == 0)
			rc = read_back(path, out, err, errlen);
		(void)unlink(path);
	}
	words_free(words, (size_t)n);
	return rc;
}
