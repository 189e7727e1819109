#!/usr/bin/env python3
"""Markdown tables of bench/ldap/run.sh's figures: reads its TSV (store,
round, scenario, wall ms, the report's duration_ms, max RSS KiB, exit code,
report summary) and prints, per store, each measurement's median and
min-max next to its target (issue 6), then what each sync reported."""

import statistics
import sys

TARGETS = [
    # scenario, what, target text, limit, unit
    ("full", "full sync (first import), wall time", "≤ 60 s", 60.0, "s"),
    ("full-rss", "full sync, peak RSS growth", "≤ 100 MB", 100.0, "MB"),
    ("nochange", "incremental sync, no change, wall time", "≤ 2 s", 2.0, "s"),
    ("changes", "incremental sync, 100 changes, wall time", "≤ 3 s", 3.0, "s"),
]


def fmt(v, unit):
    return ("%.2f" % v) if unit == "s" and v < 10 else ("%.1f" % v)


def main(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (8 - len(parts))
            rows.append(dict(zip(
                ("store", "round", "scenario", "wall", "sync", "rss", "rc", "report"), parts)))
    stores = []
    for r in rows:
        if r["store"] not in stores:
            stores.append(r["store"])
    print("| store | measurement | target | median | min–max | rounds | sync ms (median) | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for store in stores:
        mine = [r for r in rows if r["store"] == store]
        ok = lambda r: r["rc"] == "0" and r["wall"]
        for scenario, what, target, limit, unit in TARGETS:
            values, syncs = [], []
            if scenario == "full-rss":
                base = {r["round"]: int(r["rss"]) for r in mine
                        if r["scenario"] == "baseline" and ok(r) and r["rss"]}
                for r in mine:
                    if r["scenario"] == "full" and ok(r) and r["rss"] and r["round"] in base:
                        values.append((int(r["rss"]) - base[r["round"]]) * 1024 / 1e6)
            else:
                for r in mine:
                    if r["scenario"] == scenario and ok(r):
                        values.append(int(r["wall"]) / 1000)
                        if r["sync"]:
                            syncs.append(int(r["sync"]))
            if not values:
                failed = [r["report"] for r in mine if r["scenario"] in (scenario, "set-up")
                          and r["rc"] != "0"]
                why = failed[0] if failed else "not measured"
                print("| %s | %s | %s | – | – | 0 | – | %s |" % (store, what, target, why))
                continue
            med = statistics.median(values)
            spread = "%s–%s" % (fmt(min(values), unit), fmt(max(values), unit))
            sync_med = "%d" % statistics.median(syncs) if syncs else "–"
            verdict = "met" if med <= limit else "**not met**"
            print("| %s | %s | %s | %s %s | %s | %d | %s | %s |"
                  % (store, what, target, fmt(med, unit), unit, spread, len(values), sync_med,
                     verdict))
    print()
    print("What each sync reported (every round):")
    print()
    for store in stores:
        for r in rows:
            if r["store"] == store and r["scenario"] in ("full", "nochange", "changes"):
                extra = "" if r["rc"] == "0" else " (exit %s)" % r["rc"]
                print("- %s round %s, %s: %s%s" % (store, r["round"], r["scenario"],
                                                  r["report"] or "–", extra))
    print()
    base = [int(r["rss"]) / 1024 for r in rows if r["scenario"] == "baseline" and r["rss"]]
    full = [int(r["rss"]) / 1024 for r in rows if r["scenario"] == "full" and r["rss"]]
    if base and full:
        print("Max RSS of the processes: `usso ldap list` %.1f–%.1f MiB; `usso ldap sync --full` "
              "%.1f–%.1f MiB." % (min(base), max(base), min(full), max(full)))
        print()


if __name__ == "__main__":
    main(sys.argv[1])
