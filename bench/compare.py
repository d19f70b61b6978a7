#!/usr/bin/env python3
"""Compare a Google Benchmark JSON run against a baseline run; fail when a benchmark got slower past a threshold.

    python3 bench/compare.py BASELINE.json CURRENT.json [--threshold 0.10] [--normalize NAME] [--filter REGEX]
                             [--allow-missing]

Each benchmark's figure is its items_per_second (higher is better) when the run reports it, else the inverse of its
real time; a benchmark whose two runs give figures of different kinds is not compared and fails the check. With repetitions the median aggregate is used (or, without aggregates, the median of the runs).
A benchmark regresses when current / baseline < 1 - threshold. --normalize NAME divides every figure of a run by
that run's figure for the benchmark NAME (an in-binary baseline), so two machines or two noisy runs compare as
ratios. Exit status: 0 no regression, 1 a regression (or a benchmark missing from the current run, unless
--allow-missing), 2 bad input.
"""

import argparse
import json
import re
import statistics
import sys


class InputError(Exception):
    pass


def figures(path):
    """run name -> (speed, unit) for every benchmark of a Google Benchmark JSON file."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}")
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(f"{path}: no 'benchmarks' list (is this Google Benchmark's --benchmark_out JSON?)")

    medians, runs = {}, {}
    for i, b in enumerate(data["benchmarks"]):
        if not isinstance(b, dict) or "name" not in b:
            raise InputError(f"{path}: benchmarks[{i}] has no name")
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        speed = speed_of(path, i, b)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = speed
        else:
            runs.setdefault(name, []).append(speed)
    out = {name: (statistics.median(v for v, _ in speeds), speeds[0][1]) for name, speeds in runs.items()}
    out.update(medians)
    return out


def speed_of(path, i, b):
    if isinstance(b.get("items_per_second"), (int, float)) and b["items_per_second"] > 0:
        return float(b["items_per_second"]), "items/s"
    t = b.get("real_time")
    if not isinstance(t, (int, float)) or t <= 0:
        raise InputError(f"{path}: benchmarks[{i}] ('{b['name']}') has neither items_per_second nor a real_time > 0")
    return 1.0 / float(t), "1/time"


def normalized(run, name, path):
    if name is None:
        return run
    if name not in run:
        raise InputError(f"{path}: no benchmark '{name}' to normalize by")
    ref = run[name][0]
    return {k: (v / ref, unit) for k, (v, unit) in run.items()}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("baseline")
    p.add_argument("current")
    p.add_argument("--threshold", type=float, default=0.10, help="allowed slowdown, as a fraction (default 0.10)")
    p.add_argument("--normalize", metavar="NAME", help="divide each run's figures by this benchmark's figure")
    p.add_argument("--filter", metavar="REGEX", help="compare only benchmarks whose name matches")
    p.add_argument("--allow-missing", action="store_true", help="a benchmark absent from the current run is not a failure")
    a = p.parse_args(argv)
    if not 0 <= a.threshold < 1:
        print(f"compare: --threshold must be in [0, 1), got {a.threshold}", file=sys.stderr)
        return 2

    try:
        base = normalized(figures(a.baseline), a.normalize, a.baseline)
        cur = normalized(figures(a.current), a.normalize, a.current)
    except InputError as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2

    keep = re.compile(a.filter).search if a.filter else (lambda _: True)
    names = sorted(n for n in set(base) | set(cur) if keep(n))
    failed = False
    rows = []
    for n in names:
        if n not in cur:
            status = "missing" if not a.allow_missing else "missing (allowed)"
            failed |= not a.allow_missing
            rows.append((n, f"{base[n][0]:.4g}", "-", "-", status))
            continue
        if n not in base:
            rows.append((n, "-", f"{cur[n][0]:.4g}", "-", "new"))
            continue
        if cur[n][1] != base[n][1]:
            rows.append((n, f"{base[n][0]:.4g} {base[n][1]}", f"{cur[n][0]:.4g} {cur[n][1]}", "-", "UNITS DIFFER"))
            failed = True
            continue
        ratio = cur[n][0] / base[n][0]
        if ratio < 1 - a.threshold:
            status = "REGRESSED"
            failed = True
        elif ratio > 1 + a.threshold:
            status = "faster"
        else:
            status = "ok"
        rows.append((n, f"{base[n][0]:.4g}", f"{cur[n][0]:.4g}", f"{ratio:.3f}", status))

    header = ("benchmark", "baseline", "current", "ratio", "status")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    for r in [header] + rows:
        print("  ".join(c.ljust(widths[i]) if i in (0, 4) else c.rjust(widths[i]) for i, c in enumerate(r)).rstrip())
    regressed = sum(1 for r in rows if r[4] == "REGRESSED")
    missing = sum(1 for r in rows if r[4] == "missing")
    differ = sum(1 for r in rows if r[4] == "UNITS DIFFER")
    print(f"\n{len(rows)} benchmarks, {regressed} regressed past {a.threshold:.0%}, {missing} missing"
          + (f", {differ} with figures of different kinds" if differ else "")
          + (f" (figures divided by '{a.normalize}')" if a.normalize else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
