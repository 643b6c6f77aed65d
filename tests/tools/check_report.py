#!/usr/bin/env python3
"""Checks a page written by `vmlab run --report` (tests/e2e/report.sh).

  check_report.py wellformed PAGE   every element closed in order, one <html>, nothing
                                    fetched (no src=, no external href, no <link>)
  check_report.py dom DUMP PID...   the DOM Chromium rendered (--dump-dom) holds what a
                                    run of examples/report_demo shows, for each PID given

Prints what is wrong and exits 1, or exits 0.
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "wbr"}


class Tree(HTMLParser):
    """A small DOM: elements with their attributes, children and text."""

    def __init__(self, strict):
        super().__init__(convert_charrefs=True)
        self.strict = strict
        self.root = {"tag": "#root", "attrs": {}, "kids": [], "text": ""}
        self.stack = [self.root]
        self.errors = []

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "kids": [], "text": "", "parent": self.stack[-1]}
        self.stack[-1]["kids"].append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "kids": [], "text": "", "parent": self.stack[-1]}
        self.stack[-1]["kids"].append(el)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.stack[-1]["tag"] != tag:
            self.errors.append("line %d: </%s> closes <%s>" % (self.getpos()[0], tag, self.stack[-1]["tag"]))
            # recover: pop to the matching element if there is one
            for k in range(len(self.stack) - 1, 0, -1):
                if self.stack[k]["tag"] == tag:
                    del self.stack[k:]
                    return
            return
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1]["text"] += data


def walk(el):
    yield el
    for k in el["kids"]:
        yield from walk(k)


def text(el):
    return el["text"] + "".join(text(k) for k in el["kids"])


def classes(el):
    return el["attrs"].get("class", "").split()


def parse(path, strict):
    t = Tree(strict)
    with open(path, encoding="utf-8") as f:
        t.feed(f.read())
    t.close()
    return t


def wellformed(path):
    t = parse(path, True)
    errs = list(t.errors)
    if len(t.stack) != 1:
        errs.append("unclosed at the end: " + " ".join(e["tag"] for e in t.stack[1:]))
    els = list(walk(t.root))
    if sum(e["tag"] == "html" for e in els) != 1:
        errs.append("not exactly one <html>")
    for e in els:
        if e["tag"] in ("link", "script") and ("src" in e["attrs"] or "href" in e["attrs"]):
            errs.append("<%s> fetches %s" % (e["tag"], e["attrs"]))
        if "src" in e["attrs"]:
            errs.append("<%s src=...> fetches" % e["tag"])
        href = e["attrs"].get("href")
        if href is not None and not href.startswith("#"):
            errs.append("link out of the page: " + href)
    return errs


def by_id(els, i):
    for e in els:
        if e["attrs"].get("id") == i:
            return e
    return None


def dom(path, pids):
    t = parse(path, False)
    els = list(walk(t.root))
    errs = []
    # the plots: each an <svg> with polylines of real points
    for pid_plot in ("plot-rss", "plot-faults", "plot-tlb", "plot-swap", "plot-proc-faults"):
        fig = by_id(els, pid_plot)
        if fig is None:
            errs.append("no figure #" + pid_plot)
            continue
        svgs = [e for e in walk(fig) if e["tag"] == "svg"]
        lines = [e for e in walk(fig) if e["tag"] == "polyline"]
        if not svgs or not lines:
            errs.append("#%s: no svg or no polyline" % pid_plot)
            continue
        if pid_plot in ("plot-rss", "plot-faults", "plot-proc-faults"):
            best = max(len(l["attrs"].get("points", "").split()) for l in lines)
            if best < 3:
                errs.append("#%s: at most %d points in a series" % (pid_plot, best))
    # the address-space map of each process: the VMAs report_demo has
    for pid in pids:
        fig = by_id(els, "vmamap-%s" % pid)
        if fig is None:
            errs.append("no address-space map of pid " + pid)
            continue
        vmas = [e for e in walk(fig) if "vma" in classes(e)]
        names = [v["attrs"].get("data-name", "") for v in vmas]
        for want in ("[heap]", "[stack]", "[vdso]", "[vvar]"):
            if want not in names:
                errs.append("pid %s: no %s VMA in %s" % (pid, want, names))
        if not any(n.endswith("/report_demo") for n in names):
            errs.append("pid %s: the program's own VMAs are missing" % pid)
        area = [v for v in vmas if not v["attrs"].get("data-name")
                and int(v["attrs"]["data-end"], 16) - int(v["attrs"]["data-start"], 16) == 1 << 20]
        if len(area) != 1 or area[0]["attrs"].get("data-rss-kb") != "512":
            errs.append("pid %s: the 1 MB mapping with 512 kB resident is not there: %s"
                        % (pid, [(v["attrs"]) for v in area]))
        tab = by_id(els, "vmas-%s" % pid)
        if tab is None or len([e for e in walk(tab) if e["tag"] == "tr"]) != len(vmas) + 1:
            errs.append("pid %s: the VMA table does not list the map's VMAs" % pid)
        grid = by_id(els, "pdegrid-%s" % pid)
        if grid is None or not [e for e in walk(grid) if "pdtable" in classes(e)]:
            errs.append("pid %s: no page-table grid with a table in it" % pid)
    # the faulting instructions: disassembled, the faulting line marked, touch() among them
    ft = by_id(els, "faulting-eips")
    if ft is None:
        errs.append("no table #faulting-eips")
    else:
        rows = [e for e in walk(ft) if "feip" in classes(e)]
        marked = [e for e in walk(ft) if e["tag"] == "tr" and "fault" in classes(e)]
        if not rows or len(marked) < len(rows) // 2:
            errs.append("faulting-eips: %d rows, %d disassembled" % (len(rows), len(marked)))
        syms = [text(r["kids"][2]) for r in rows if len(r["kids"]) > 2]
        if not any(s.startswith("touch") for s in syms):
            errs.append("touch() is not among the faulting functions: %s" % syms)
        if marked and not re.match(r"^[a-z]", text(marked[0]["kids"][2]).strip()):
            errs.append("the marked line is not an instruction: " + text(marked[0]))
    ctr = by_id(els, "counters")
    if ctr is None or "fault_cow" not in text(ctr):
        errs.append("the totals do not count the child's copy-on-write faults")
    return errs


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("wellformed", "dom"):
        print(__doc__)
        return 2
    errs = wellformed(sys.argv[2]) if sys.argv[1] == "wellformed" else dom(sys.argv[2], sys.argv[3:])
    for e in errs[:10]:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
