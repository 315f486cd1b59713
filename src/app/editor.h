/* SPDX-License-Identifier: GPL-3.0-or-later */
/* editor: a text through the user's editor ($VISUAL, else $EDITOR, else
 * vi), for Ctrl-X Ctrl-E and /edit on the chat screen. The text goes to a
 * private temporary file, the editor runs on it (no shell: the command is
 * split on blanks), and what it saved comes back; the file is removed.
 *
 * The editor runs in circuit's own process group, in the terminal's
 * foreground, as git runs one: Ctrl-C reaches it (circuit ignores SIGINT
 * and SIGQUIT while it waits, as the C library's shell runner does), and Ctrl-Z stops the
 * editor and circuit together, so the shell's fg brings both back. The
 * terminal is the caller's to hand over before and take back after
 * (tui_suspend, tui_resume): circuit is blocked meanwhile. */
#ifndef CIRCUIT_APP_EDITOR_H
#define CIRCUIT_APP_EDITOR_H

#include <stddef.h>

#include "util/buf.h"

/* The longest text read back (a paste's cap too). */
#define EDITOR_MAX ((size_t)16 << 20)
/* Most words in the editor command ("code --wait" is two). */
#define EDITOR_WORDS_MAX 16

/* The editor command: visual when it holds more than blanks, else editor
 * likewise, else "vi". Returns one of its arguments or a static string. */
const char *editor_command(const char *visual, const char *editor);

/* Writes text to a new file (mode 0600, in $TMPDIR or /tmp), runs cmd on
 * it (its words, then the file's path) and waits for it to end; then puts
 * the file's text into out (which it empties first), with one trailing
 * newline (LF or CR LF) dropped, and removes the file. Returns 0, or -1
 * with why in err (one line, without "circuit: "): the command is empty or
 * too long, the editor could not be started, exited with a non-zero status
 * or was killed, or the file could not be written or read back (over
 * EDITOR_MAX, or holding a NUL byte); out is then unchanged. */
int editor_run(const char *cmd, const char *text, struct buf *out, char *err, size_t errlen);

#endif
