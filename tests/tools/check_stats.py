#!/usr/bin/env python3
"""Checks `vmlab run --stats=json` output: the schema (docs/stats.schema.json), the sums the
schema cannot state, and that every counter of src/trace/counters.def is present.
usage: check_stats.py STATS.json [TEXT-STATS]  -- prints what is wrong, exits 1 if anything is.
With TEXT-STATS (the --stats text of the same run), the text's numbers must be the JSON's."""
import json, re, sys, os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
errors = []

def check(cond, msg):
    if not cond:
        errors.append(msg)

d = json.load(open(sys.argv[1]))
schema = json.load(open(os.path.join(root, "docs", "stats.schema.json")))
try:
    import jsonschema
    v = jsonschema.Draft202012Validator(schema)
    for e in v.iter_errors(d):
        errors.append("schema: %s at %s" % (e.message, "/".join(map(str, e.path))))
except ImportError:
    errors.append("python3-jsonschema is not installed: cannot check the schema")

names = re.findall(r"^COUNTER\((\w+),", open(os.path.join(root, "src/trace/counters.def")).read(), re.M)
check(sorted(d.get("counters", {})) == sorted(names), "counters: not exactly the set of counters.def")
f, t, c = d["faults"], d["tlb"], d["counters"]
check(f["total"] == f["minor"] + f["major"], "faults: total != minor + major")
check(f["total"] == sum(f["by_kind"].values()), "faults: the kinds sum to %d, not the total %d" % (sum(f["by_kind"].values()), f["total"]))
check(f["minor"] == c["fault_minor"] and f["major"] == c["fault_major"], "faults: minor/major != counters")
check(t["lookups"] == t["data_lookups"] + t["fetch_lookups"], "tlb: lookups != data + fetch")
check(t["lookups"] == t["hits"] + t["misses"], "tlb: lookups != hits + misses")
fl = t["flushes"]
check(fl["invlpg"] == fl["invlpg_user"] + fl["invlpg_kernel"], "tlb: invlpg != user + kernel")
check(d["instructions"] == c["insns_retired"], "instructions != insns_retired")
# the per-process table: its rows sum to the totals where they are sums
procs = d["processes"]
check(not d["exit"]["ran"] or len(procs) >= 1, "processes: none, but the program ran")
if procs:
    check(sum(p["instructions"] for p in procs) == d["instructions"], "processes: instructions do not sum to the total")
    for k in ("total", "minor", "major"):
        check(sum(p["faults"][k] for p in procs) == f[k], "processes: faults.%s do not sum to the total" % k)
    for k in f["by_kind"]:
        check(sum(p["faults"]["by_kind"][k] for p in procs) == f["by_kind"][k], "processes: kind %s does not sum to the total" % k)
    for p in procs:
        check(p["faults"]["total"] == p["faults"]["minor"] + p["faults"]["major"], "process %d: total != minor + major" % p["pid"])
        check(p["faults"]["total"] == sum(p["faults"]["by_kind"].values()), "process %d: kinds do not sum to its total" % p["pid"])
        check(p["exit"]["ended"], "process %d: not ended at exit" % p["pid"])
    check(len({p["pid"] for p in procs}) == len(procs), "processes: a pid twice")
    check(procs[0]["exit"]["code"] == d["exit"]["code"] and procs[0]["exit"]["signal"] == d["exit"]["signal"], "processes: the first is not the program's exit")
if d["exit"]["ran"] and d["exit"]["signal"] is None:
    check(d["exit"]["status"] == d["exit"]["code"], "exit: status != code")

if len(sys.argv) > 2:
    text = open(sys.argv[2]).read()
    def num(pattern):
        m = re.search(pattern, text, re.M)
        check(m is not None, "text: no line matching %r" % pattern)
        return int(m.group(1)) if m else None
    check(num(r"^instructions retired: (\d+)$") == d["instructions"], "text: instructions differ")
    check(num(r"^faults: (\d+) =") == f["total"], "text: fault total differs")
    check(num(r"^  by kind: .* = (\d+)$") == f["total"], "text: kinds do not sum to the total")
    check(num(r"^tlb: lookups (\d+) =") == t["lookups"], "text: tlb lookups differ")
    check(num(r"^peak RSS: (\d+) kB$") == d["peak_rss_kb"], "text: peak RSS differs")
    check("not classified" not in text, "text: unclassified faults")
    rows = re.findall(r"^process (\d+) \(.*?\) parent (\d+): (\d+) instructions; faults (\d+) =", text, re.M)
    check([tuple(map(int, r)) for r in rows] == [(p["pid"], p["ppid"], p["instructions"], p["faults"]["total"]) for p in procs],
          "text: the process lines differ from the JSON's")

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
