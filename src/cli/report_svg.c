/* The report's SVG drawings (report_svg.h). */
#include "cli/report_svg.h"

#include <math.h>
#include <string.h>

#include "kernel/mm/mmap.h"

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
#define NCOLORS (sizeof palette / sizeof palette[0])

void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			/* control characters from a hostile program's names: not in the page */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

void svg_short_number(char *buf, size_t n, double v)
{
	static const char suffix[] = {0, 'k', 'M', 'G', 'T'};
	int k = 0;
	while (fabs(v) >= 1000 && k < 4) {
		v /= 1000;
		k++;
	}
	if (v == floor(v))
		snprintf(buf, n, "%.0f%.*s", v, k ? 1 : 0, &suffix[k]);
	else
		snprintf(buf, n, "%.1f%.*s", v, k ? 1 : 0, &suffix[k]);
}

/* A round step (1, 2 or 5 times a power of ten) giving about 5 ticks up to max. */
static double nice_step(double max)
{
	if (max <= 0)
		return 1;
	double raw = max / 5, p = pow(10, floor(log10(raw)));
	double m = raw / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

#define CW 760 /* chart */
#define CH 250
#define ML 64
#define MR 170
#define MT 26
#define MB 44

void svg_line_chart(FILE *f, const char *id, const char *title, const char *xlabel,
		    const char *ylabel, const struct svg_series *s, size_t ns)
{
	double xmax = 0, ymax = 0;
	size_t npts = 0;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < s[i].n; k++) {
			xmax = fmax(xmax, s[i].x[k]);
			ymax = fmax(ymax, s[i].y[k]);
			npts++;
		}
	double xs = nice_step(xmax), ys = nice_step(ymax);
	double xtop = xmax > 0 ? ceil(xmax / xs) * xs : 1,
	       ytop = ymax > 0 ? ceil(ymax / ys) * ys : 1;
	int pw = CW - ML - MR, ph = CH - MT - MB;
	fprintf(f, "<figure class=\"chart\" id=\"");
	html_escape(f, id);
	fprintf(f,
		"\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" data-points=\"%zu\">\n",
		CW, CH, CW, CH, npts);
	fprintf(f, "<title>");
	html_escape(f, title);
	fprintf(f, "</title>\n<text class=\"ct\" x=\"%d\" y=\"16\">", ML);
	html_escape(f, title);
	fprintf(f, "</text>\n<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
		ML, MT, pw, ph);
	char lab[32];
	for (double v = 0; v <= ytop + ys / 2; v += ys) {
		double y = MT + ph - v / ytop * ph;
		svg_short_number(lab, sizeof lab, v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
			"<text class=\"yt\" x=\"%d\" y=\"%.1f\">%s</text>\n",
			ML, y, ML + pw, y, ML - 4, y + 4, lab);
	}
	for (double v = 0; v <= xtop + xs / 2; v += xs) {
		double x = ML + v / xtop * pw;
		svg_short_number(lab, sizeof lab, v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
			"<text class=\"xt\" x=\"%.1f\" y=\"%d\">%s</text>\n",
			x, MT, x, MT + ph, x, MT + ph + 14, lab);
	}
	fprintf(f, "<text class=\"xl\" x=\"%d\" y=\"%d\">", ML + pw / 2, CH - 6);
	html_escape(f, xlabel);
	fprintf(f, "</text><text class=\"yl\" transform=\"rotate(-90 12 %d)\" x=\"12\" y=\"%d\">",
		MT + ph / 2, MT + ph / 2);
	html_escape(f, ylabel);
	fprintf(f, "</text>\n");
	for (size_t i = 0; i < ns; i++) {
		const char *col = palette[i % NCOLORS];
		fprintf(f, "<polyline class=\"series\" data-series=\"");
		html_escape(f, s[i].name);
		fprintf(f, "\" data-points=\"%zu\" stroke=\"%s\" points=\"", s[i].n, col);
		for (size_t k = 0; k < s[i].n; k++)
			fprintf(f, "%s%.1f,%.1f", k ? " " : "", ML + s[i].x[k] / xtop * pw,
				MT + ph - s[i].y[k] / ytop * ph);
		fprintf(f, "\"/>\n");
		if (s[i].n <= 120)
			for (size_t k = 0; k < s[i].n; k++)
				fprintf(f,
					"<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"2\" "
					"fill=\"%s\"><title>%.0f: %.6g</title></circle>\n",
					ML + s[i].x[k] / xtop * pw, MT + ph - s[i].y[k] / ytop * ph,
					col, s[i].x[k], s[i].y[k]);
		int ly = MT + 8 + (int)i * 16;
		fprintf(f,
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			"stroke-width=\"3\"/><text class=\"lg\" x=\"%d\" y=\"%d\">",
			ML + pw + 10, ly, ML + pw + 26, ly, col, ML + pw + 30, ly + 4);
		html_escape(f, s[i].name);
		fprintf(f, "</text>\n");
	}
	if (!npts)
		fprintf(f, "<text class=\"ct\" x=\"%d\" y=\"%d\">no data</text>\n",
			ML + pw / 2 - 30, MT + ph / 2);
	fprintf(f, "</svg></figure>\n");
}

static void size_label(char *buf, size_t n, uint64_t bytes)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, n, "%llu GB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ull << 20))
		snprintf(buf, n, "%.1f MB", (double)bytes / (1 << 20));
	else
		snprintf(buf, n, "%llu kB", (unsigned long long)(bytes >> 10));
}

/* what a VMA holds, for its colour and legend */
static const char *vma_class(const struct report_vma *v)
{
	if (v->name[0] == '[')
		return !strcmp(v->name, "[stack]")  ? "stack"
		       : !strcmp(v->name, "[heap]") ? "heap"
						    : "special";
	if (v->flags & VM_EXEC)
		return "code";
	if (v->name[0])
		return "file";
	return "anon";
}

#define VMA_BAR_H 46
#define VMA_BREAK_W 18

static double vma_width(const struct report_vma *v)
{
	double pages = (double)(v->end - v->start) / 4096.0;
	return 10 + 12 * log2(pages);
}

void svg_vma_map(FILE *f, const char *id, const struct report_view *p)
{
	double total = 0;
	for (size_t i = 0; i < p->nvmas; i++) {
		total += vma_width(&p->vmas[i]);
		if (i == 0 || p->vmas[i].start != p->vmas[i - 1].end)
			total += VMA_BREAK_W;
	}
	total += VMA_BREAK_W;
	const double avail = 920;
	double scale = total > avail ? avail / total : 1;
	int width = 960, height = VMA_BAR_H + 120;
	fprintf(f, "<figure class=\"vmamap\" id=\"");
	html_escape(f, id);
	fprintf(f,
		"\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" data-vmas=\"%zu\">\n",
		width, height, width, height, p->nvmas);
	fprintf(f, "<title>address space of pid %d</title>\n", p->pid);
	double x = 20, y = 30;
	char lab[32];
	for (size_t i = 0; i < p->nvmas; i++) {
		const struct report_vma *v = &p->vmas[i];
		uint32_t gap_from = i ? p->vmas[i - 1].end : 0;
		if (v->start != gap_from) {
			double bx = x + VMA_BREAK_W * scale / 2;
			fprintf(f,
				"<path class=\"break\" d=\"M%.1f %.1f l4 -6 M%.1f %.1f l4 -6\"/>",
				bx - 4, y + VMA_BAR_H / 2.0 + 3, bx, y + VMA_BAR_H / 2.0 + 3);
			size_label(lab, sizeof lab, (uint64_t)v->start - gap_from);
			fprintf(f,
				"<text class=\"gap\" x=\"%.1f\" y=\"%.1f\"><title>gap of "
				"%s</title>%s</text>\n",
				bx, y - 6, lab, (v->start - gap_from) >= (16u << 20) ? lab : "");
			x += VMA_BREAK_W * scale;
		}
		double w = vma_width(v) * scale;
		uint64_t pages = (v->end - v->start) / 4096;
		double fill = pages ? (double)v->rss_pages / (double)pages : 0;
		if (fill > 1)
			fill = 1;
		const char *cls = vma_class(v);
		size_label(lab, sizeof lab, (uint64_t)(v->end - v->start));
		fprintf(
		    f, "<g class=\"vma %s\" data-start=\"0x%08x\" data-end=\"0x%08x\" data-name=\"",
		    cls, v->start, v->end);
		html_escape(f, v->name);
		fprintf(f, "\" data-rss-kb=\"%llu\"><title>%08x-%08x %c%c%c%c ",
			(unsigned long long)v->rss_pages * 4, v->start, v->end,
			v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
			v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_MAYSHARE ? 's' : 'p');
		html_escape(f, v->name[0] ? v->name : "(anonymous)");
		fprintf(f, ": %s, RSS %llu kB, swap %llu kB</title>", lab,
			(unsigned long long)v->rss_pages * 4,
			(unsigned long long)v->swap_pages * 4);
		fprintf(f,
			"<rect class=\"vbox\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>",
			x, y, w, VMA_BAR_H);
		if (fill > 0)
			fprintf(f,
				"<rect class=\"rss\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\"/>",
				x, y + VMA_BAR_H * (1 - fill), w, VMA_BAR_H * fill);
		double tx = x + w / 2, ty = y + VMA_BAR_H + 10;
		fprintf(
		    f,
		    "<text class=\"vl\" transform=\"rotate(35 %.1f %.1f)\" x=\"%.1f\" y=\"%.1f\">",
		    tx, ty, tx, ty);
		const char *base = strrchr(v->name, '/');
		html_escape(f, base ? base + 1 : v->name[0] ? v->name : "anon");
		fprintf(f, " %s</text></g>\n", lab);
		x += w;
	}
	fprintf(f,
		"<text class=\"gap\" x=\"20\" y=\"%d\">0x00000000</text>"
		"<text class=\"gap\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\">0x%08x</text>\n",
		height - 6, x, height - 6, p->nvmas ? p->vmas[p->nvmas - 1].end : 0);
	fprintf(f, "</svg></figure>\n");
}

void svg_pde_grid(FILE *f, const char *id, const struct report_view *p)
{
	const int cell = 11, cols = p->pae ? 64 : 32;
	int rows = (int)((p->user_pdes + (uint32_t)cols - 1) / (uint32_t)cols);
	int width = cols * cell + 120, height = rows * cell + 10;
	fprintf(f, "<figure class=\"pdegrid\" id=\"");
	html_escape(f, id);
	fprintf(f,
		"\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" data-tables=\"%zu\">\n",
		width, height, width, height, p->npdes);
	fprintf(f, "<title>user page-directory entries of pid %d</title>\n", p->pid);
	fprintf(f, "<rect class=\"pdempty\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\"/>\n",
		cols * cell, rows * cell);
	uint32_t span_mb = p->pae ? 2 : 4;
	for (int r = 0; r < rows; r++)
		fprintf(f, "<text class=\"gap\" x=\"%d\" y=\"%d\">0x%08x</text>\n", cols * cell + 6,
			r * cell + 9, (uint32_t)((uint64_t)r * (uint64_t)cols * span_mb << 20));
	for (size_t i = 0; i < p->npdes; i++) {
		const struct report_pde *d = &p->pdes[i];
		uint32_t k = d->pdpt * 512 + d->index;
		int cx = (int)(k % (uint32_t)cols) * cell, cy = (int)(k / (uint32_t)cols) * cell;
		double share = (double)d->present / p->ptes_per_table;
		/* at least a visible tint for one PTE in a thousand */
		double a = d->huge ? 1 : 0.15 + 0.85 * share;
		fprintf(f,
			"<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill-opacity=\"%.2f\"><title>",
			d->huge ? "pdhuge" : "pdtable", cx, cy, cell - 1, cell - 1, a);
		if (p->pae)
			fprintf(f, "PDPT[%u] ", d->pdpt);
		fprintf(f, "PDE %u (0x%08x): ", d->index, d->base);
		if (d->huge)
			fprintf(f, "a %u MB page", span_mb);
		else
			fprintf(f, "page table, %u of %u PTEs present, %u swapped", d->present,
				p->ptes_per_table, d->swap);
		fprintf(f, "</title></rect>\n");
	}
	fprintf(f, "</svg></figure>\n");
}
