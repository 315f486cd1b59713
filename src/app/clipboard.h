/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clipboard: what /copy copies and how it reaches the clipboard.
 *
 * Two ways: OSC 52 (ESC ] 52 ; c ; BASE64 BEL), which circuit writes to its
 * terminal itself (tmux with set-clipboard on, kitty, iTerm2, WezTerm,
 * foot); or a command (wl-copy, xclip, xsel) run with the text on its
 * stdin, without a shell, waited for at most a bound. The text is the
 * model's: base64 makes it inert in the escape, and a command only ever
 * reads it on its stdin. The pure parts (base64, the escape, the choice of
 * a command, a code block's numbering) are separate for the tests. */
#ifndef CIRCUIT_APP_CLIPBOARD_H
#define CIRCUIT_APP_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* OSC 52 carries at most this much text (terminals cap the escape: tmux
 * at its buffer limit, some terminals near 100 kB); past it, a command. */
#define CLIP_OSC52_MAX (100 * 1024)
/* How long a command may take to read the text and exit. */
#define CLIP_COMMAND_MS 2000

/* Appends the OSC 52 escape that sets the clipboard ("c") to n bytes of
 * text: ESC ] 52 ; c ; BASE64 BEL. */
void clip_osc52(const char *text, size_t n, struct buf *out);

/* A clipboard command: its program and its arguments after it. */
struct clip_command {
	const char *name; /* "wl-copy" */
	const char *args[3]; /* NULL-ended: {"-selection", "clipboard", NULL} */
	bool wayland;        /* wants WAYLAND_DISPLAY, else DISPLAY */
};

/* The command to use given the environment's WAYLAND_DISPLAY, DISPLAY and
 * PATH (each may be NULL): wl-copy when WAYLAND_DISPLAY is set, else xclip
 * -selection clipboard, else xsel -b when DISPLAY is set, the first whose
 * program is an executable file in a folder of PATH. Writes that file's
 * path to prog (n bytes). Returns a static entry, or NULL when none fits
 * (prog is then ""). */
const struct clip_command *clip_choose(const char *wayland, const char *display,
                                       const char *path, char *prog, size_t n);

/* Runs the program at prog (a path) with argv (argv[0] its name, NULL-ended)
 * and n bytes of text on its stdin, its stdout and stderr on /dev/null, in
 * a process group of its own; waits at most timeout_ms for it to read the
 * text and exit (a wait on a pipe, never a sleep), and kills the group past
 * that. Returns 0 when it exited with status 0, else -1 with why in err
 * ("xclip exited with status 1", "xclip took over 2 s"). */
int clip_run(const char *prog, const char *const *argv, const char *text, size_t n,
             int timeout_ms, char *err, size_t errlen);

/* The code blocks of a reply's Markdown (n bytes at md), through
 * ui/markdown. want: 1-based, 0 for the last. Sets *count to how many there
 * are; appends block want's source (no fences) to out and returns its
 * 1-based number, or returns 0 when there is no such block. */
size_t clip_code_block(const char *md, size_t n, size_t want, struct buf *out, size_t *count);
/* The language code block want (as clip_code_block counts) names, into
 * lang (size n; "" when none). */
void clip_code_lang(const char *md, size_t len, size_t want, char *lang, size_t n);

/* How the text went: "OSC 52", "wl-copy", ... */
struct clip_result {
	char how[32];
	char err[160]; /* when it failed: one line, no "circuit: " */
};

/* Copies n bytes of text the configured way (an enum config_clipboard):
 * OSC 52 written to fd (the terminal), or a command found through the
 * environment. CONFIG_CLIPBOARD_AUTO: a command when one fits, else OSC 52.
 * OSC 52 past CLIP_OSC52_MAX bytes tries a command, else fails. Returns 0
 * with r->how set, or -1 with r->err. */
int clip_copy(int how, int fd, const char *text, size_t n, struct clip_result *r);

#endif
