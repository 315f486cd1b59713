/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clipboard: OSC 52 written by circuit itself, or a clipboard command run
 * without a shell and waited for within a bound (see clipboard.h). */
#include "app/clipboard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/config.h"
#include "ui/markdown.h"
#include "util/base64.h"
#include "util/fdio.h"
#include "util/utf8.h"

void clip_osc52(const char *text, size_t n, struct buf *out)
{
	buf_append_str(out, "\033]52;c;");
	base64_append(out, text, n);
	buf_append_char(out, '\a');
}

static const struct clip_command commands[] = {
	{"wl-copy", {NULL}, true},
	{"xclip", {"-selection", "clipboard", NULL}, false},
	{"xsel", {"-b", NULL}, false},
};

/* The first executable file called name in a folder of path ("" is the
 * current folder, as the shell has it), its path in prog. */
static bool on_path(const char *name, const char *path, char *prog, size_t n)
{
	const char *p = path;
	while (p != NULL) {
		const char *colon = strchr(p, ':');
		int len = (int)(colon ? (size_t)(colon - p) : strlen(p));
		struct stat st;
		int w = snprintf(prog, n, "%.*s%s%s", len, p, len ? "/" : "./", name);
		if (w > 0 && (size_t)w < n && stat(prog, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(prog, X_OK) == 0)
			return true;
		p = colon ? colon + 1 : NULL;
	}
	return false;
}

const struct clip_command *clip_choose(const char *wayland, const char *display,
                                       const char *path, char *prog, size_t n)
{
	bool has_wayland = wayland != NULL && *wayland != '\0';
	bool has_x = display != NULL && *display != '\0';
	if (n > 0)
		prog[0] = '\0';
	if (path == NULL || *path == '\0' || n == 0)
		return NULL;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const struct clip_command *c = &commands[i];
		if ((c->wayland ? has_wayland : has_x) && on_path(c->name, path, prog, n))
			return c;
	}
	prog[0] = '\0';
	return NULL;
}

static void cloexec(int fd)
{
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The runner: in its own process group, starts the command with a pipe on
 * its stdin, writes the text, waits for it, and tells the parent its exit
 * status in one byte on done (255: killed by a signal). Only calls that are
 * safe after a fork in a program with threads. */
static void runner(const char *prog, const char *const *argv, const char *text, size_t n,
                   int done)
{
	int in[2];
	(void)setpgid(0, 0);
	if (pipe(in) < 0)
		_exit(1);
	pid_t cmd = fork();
	if (cmd == 0) {
		int null = open("/dev/null", O_RDWR);
		if (dup2(in[0], 0) < 0 || null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		for (int fd = 3; fd < 1024; fd++)
			(void)close(fd); /* the history, sockets, the terminal: not for a daemon */
		execv(prog, (char *const *)(void *)argv);
		_exit(127);
	}
	(void)close(in[0]);
	if (cmd > 0)
		(void)fd_write_all(in[1], text, n); /* a command that stops reading: EPIPE */
	(void)close(in[1]);
	int st = 0;
	unsigned char b = 126;
	if (cmd > 0) {
		while (waitpid(cmd, &st, 0) < 0 && errno == EINTR)
			;
		b = WIFEXITED(st) ? (unsigned char)WEXITSTATUS(st) : 255;
	}
	(void)fd_write_all(done, (const char *)&b, 1);
	_exit(0);
}

int clip_run(const char *prog, const char *const *argv, const char *text, size_t n,
             int timeout_ms, char *err, size_t errlen)
{
	int done[2];
	if (pipe(done) < 0) {
		snprintf(err, errlen, "%s could not be started: %s", argv[0], strerror(errno));
		return -1;
	}
	cloexec(done[0]);
	cloexec(done[1]);
	pid_t pid = fork();
	if (pid == 0)
		runner(prog, argv, text, n, done[1]);
	(void)close(done[1]);
	if (pid < 0) {
		(void)close(done[0]);
		snprintf(err, errlen, "%s could not be started: %s", argv[0], strerror(errno));
		return -1;
	}
	(void)setpgid(pid, pid); /* as the runner does: whichever runs first */
	struct pollfd pf = {.fd = done[0], .events = POLLIN};
	int r;
	while ((r = poll(&pf, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	unsigned char b = 254;
	if (r == 0) {
		(void)kill(-pid, SIGKILL); /* the runner, the command and what it started */
	} else if (read(done[0], &b, 1) != 1) {
		b = 254;
	}
	(void)close(done[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r == 0)
		snprintf(err, errlen, "%s took over %d ms and was stopped", argv[0], timeout_ms);
	else if (b == 127 || b == 126)
		snprintf(err, errlen, "%s could not be run", argv[0]);
	else if (b == 255 || b == 254)
		snprintf(err, errlen, "%s was killed by a signal", argv[0]);
	else if (b != 0)
		snprintf(err, errlen, "%s exited with status %d", argv[0], b);
	return b == 0 && r > 0 ? 0 : -1;
}

/* The reply's Markdown rendered whole (for its code blocks), and how many
 * code blocks it has. */
static struct md_doc *blocks_of(const char *md, size_t n, size_t *count)
{
	struct md_doc *d = md_new(80);
	md_append(d, md, n);
	md_finish(d);
	size_t k = 0;
	while (md_code_block(d, k, NULL) != NULL)
		k++;
	*count = k;
	return d;
}

size_t clip_code_block(const char *md, size_t n, size_t want, struct buf *out, size_t *count)
{
	struct md_doc *d = blocks_of(md, n, count);
	size_t k = *count;
	size_t got = want == 0 ? k : want;
	if (got == 0 || got > k) {
		md_free(d);
		return 0;
	}
	size_t len = 0;
	const char *src = md_code_block(d, got - 1, &len);
	buf_append(out, src, len);
	md_free(d);
	return got;
}

void clip_code_lang(const char *md, size_t len, size_t want, char *lang, size_t n)
{
	size_t k;
	struct md_doc *d = blocks_of(md, len, &k);
	const char *l = want >= 1 && want <= k ? md_code_lang(d, want - 1) : NULL;
	utf8_copy(lang, n, l != NULL ? l : "");
	md_free(d);
}

/* By a command found through the environment; -1 with r->err when none. */
static int by_command(const char *text, size_t n, struct clip_result *r)
{
	char prog[1024];
	const struct clip_command *c =
		clip_choose(getenv("WAYLAND_DISPLAY"), getenv("DISPLAY"), getenv("PATH"), prog,
	                sizeof prog);
	if (c == NULL) {
		snprintf(r->err, sizeof r->err, "no clipboard command: wl-copy (Wayland), xclip or "
		         "xsel (X) on PATH with a display");
		return -1;
	}
	const char *argv[4] = {c->name, c->args[0], c->args[0] ? c->args[1] : NULL, NULL};
	if (clip_run(prog, argv, text, n, CLIP_COMMAND_MS, r->err, sizeof r->err) < 0)
		return -1;
	snprintf(r->how, sizeof r->how, "%s", c->name);
	return 0;
}

int clip_copy(int how, int fd, const char *text, size_t n, struct clip_result *r)
{
	memset(r, 0, sizeof *r);
	if (how == CONFIG_CLIPBOARD_OFF) {
		snprintf(r->err, sizeof r->err, "the clipboard is off in the config (clipboard = off)");
		return -1;
	}
	if (how == CONFIG_CLIPBOARD_COMMAND)
		return by_command(text, n, r);
	char prog[1024];
	bool have = clip_choose(getenv("WAYLAND_DISPLAY"), getenv("DISPLAY"), getenv("PATH"),
	                        prog, sizeof prog) != NULL;
	if (have && (how == CONFIG_CLIPBOARD_AUTO || n > CLIP_OSC52_MAX))
		return by_command(text, n, r);
	if (n > CLIP_OSC52_MAX) {
		snprintf(r->err, sizeof r->err, "over OSC 52's %d KiB: install wl-copy, xclip or xsel "
		         "and set clipboard = command", CLIP_OSC52_MAX / 1024);
		return -1;
	}
	struct buf esc;
	buf_init(&esc, 0);
	clip_osc52(text, n, &esc);
	bool ok = fd_write_all(fd, esc.data, esc.len);
	buf_done(&esc);
	if (!ok) {
		snprintf(r->err, sizeof r->err, "the terminal could not be written: %s",
		         strerror(errno));
		return -1;
	}
	snprintf(r->how, sizeof r->how, "OSC 52");
	return 0;
}
