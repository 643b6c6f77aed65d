/*
 * The SVG drawings of the report (report.h): line charts on the instruction clock, the
 * address-space map, the page-directory occupancy grid. Numbers are printed with fixed
 * precision so that the same data gives the same bytes.
 */
#ifndef VMLAB_CLI_REPORT_SVG_H
#define VMLAB_CLI_REPORT_SVG_H
#include <stddef.h>
#include <stdio.h>

#include "cli/report.h"

/* s with & < > " ' escaped, for text and attribute values alike. */
void html_escape(FILE *f, const char *s);
/* 1536 -> "1.5k", 2500000 -> "2.5M": a short label for an axis. */
void svg_short_number(char *buf, size_t n, double v);

struct svg_series {
	const char *name;
	const double *x, *y;
	size_t n;
};

/* A line chart of the series (one colour each, a legend at the right), x from 0 to the
 * largest x, y from 0 to the largest y. id names the figure for the tests and links. */
void svg_line_chart(FILE *f, const char *id, const char *title, const char *xlabel,
		    const char *ylabel, const struct svg_series *s, size_t ns);
/* The VMAs of p side by side in address order: widths on a log scale of their sizes, the
 * gaps between them cut short (a broken axis, with their size written), each VMA's
 * resident part filled from the bottom. */
void svg_vma_map(FILE *f, const char *id, const struct report_view *p);
/* One cell per user PDE slot (PAE: per PDPT entry's directory): empty, a page table
 * shaded by the share of its PTEs present, or a huge page. */
void svg_pde_grid(FILE *f, const char *id, const struct report_view *p);
#endif
