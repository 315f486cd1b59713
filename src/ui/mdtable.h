/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdtable: a Markdown table's cells laid out in aligned columns with box
 * rules, fitted to a width (cells wrap; too many columns: one line per row).
 * Private to ui/mdrender. */
#ifndef CIRCUIT_UI_MDTABLE_H
#define CIRCUIT_UI_MDTABLE_H

#include <stddef.h>

#include "ui/markdown.h"

struct md_out;

struct mdtable {
	struct md_line *cells;
	unsigned char *align; /* per cell: 0 left, 1 centre, 2 right */
	size_t ncells, cellcap;
	size_t *rows; /* the index of each row's first cell */
	size_t nrows, rowcap;
};

/* Empties t (memory kept). */
void mdtable_begin(struct mdtable *t);
/* Starts a row. */
void mdtable_row(struct mdtable *t);
/* Adds a cell to the row: takes cell's text and runs (cell is zeroed). */
void mdtable_cell(struct mdtable *t, struct md_line *cell, int align);
/* Appends the table's lines to o in cw columns, each line first given
 * pre(arg, line); extra flags go on every run. */
void mdtable_emit(const struct mdtable *t, struct md_out *o, unsigned cw, unsigned extra,
                  void (*pre)(void *, struct md_line *), void *arg);
/* Frees everything. */
void mdtable_done(struct mdtable *t);

#endif
