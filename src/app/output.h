/* SPDX-License-Identifier: GPL-3.0-or-later */
/* output: write errors on standard output (a closed pipe, a full disk).
 *
 * stdio keeps only a flag for a failed write (ferror), and a failed fwrite
 * empties the buffer, so a later fflush succeeds: the reason (errno) is
 * caught right after the write that failed, by output_note, and kept. The
 * front ends stop the run when output has failed (a reader that went away
 * must not leave a provider generating billed tokens) and end with
 * output_status. Only stdout is tracked; other streams are ignored. */
#ifndef CIRCUIT_APP_OUTPUT_H
#define CIRCUIT_APP_OUTPUT_H

#include <stdio.h>

/* The exit status when standard output's reader went away (EPIPE): 128 +
 * SIGPIPE, what a shell shows for a program killed by SIGPIPE. */
#define OUTPUT_EPIPE_STATUS 141

/* Call right after a write to f (fwrite, fputs, printf, fflush): when f is
 * stdout, its error flag is set and no error was noted yet, notes errno
 * (EIO if errno says nothing). Returns the error noted for stdout, 0 none
 * (always 0 for another stream). */
int output_note(FILE *f);

/* Flushes f (any stream), then output_note(f). Returns what output_note
 * returns. */
int output_flush(FILE *f);

/* The error noted for stdout, 0 none. */
int output_error(void);

/* Flushes stdout and says how its writing went: 0 when it all went out;
 * OUTPUT_EPIPE_STATUS, silently, when the reader went away (as a program
 * killed by SIGPIPE: `circuit -p … | head` is not a failure worth a
 * line); else 1 after one line on stderr naming the error. */
int output_status(void);

/* Forgets the noted error and clears stdout's error flag (tests). */
void output_reset(void);

#endif
