/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log: the --debug log. Secrets never reach it. */
#ifndef CIRCUIT_UTIL_LOG_H
#define CIRCUIT_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Opens (appends to) the debug log at path. A file it creates is 0600; an
 * existing one is used as it is, its mode untouched, when it is a regular
 * file, a FIFO with a reader, a terminal or /dev/null. Never blocks. Returns
 * 0, or -1 with errno set: ENXIO for a FIFO nobody reads (or a socket),
 * ENODEV for any other device, EISDIR, ELOOP for a symlink, or what open
 * said. Logging is off until this succeeds. */
int log_open(const char *path);
void log_close(void);
bool log_enabled(void);

/* printf-style line; a newline is added. It passes util/untrusted before
 * it is written: secrets redacted, control bytes escaped ("\x1b"), so the
 * file is safe to cat. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
