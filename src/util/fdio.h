/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fdio: whole writes to a file descriptor. */
#ifndef CIRCUIT_UTIL_FDIO_H
#define CIRCUIT_UTIL_FDIO_H

#include <stdbool.h>
#include <stddef.h>

/* Writes every byte of p[0..n) to fd, going on after EINTR and short
 * writes. Returns false on any other error (errno set) or a write of 0. */
bool fd_write_all(int fd, const void *p, size_t n);

#endif
