#!/usr/bin/env python3
"""load_results.py - loading the tables of `mnetsim sweep` (docs/sweeps.md).

    scripts/load_results.py results/policies [METRIC]

prints, for one metric (default energy_kWh), each point's parameters and its
mean +- 95% confidence half-width from points.csv, and checks the mean
against the runs of runs.csv. Standard library only (csv); pandas, where it
is installed, makes the same a few lines (below, and in docs/sweeps.md):

    import pandas as pd
    runs = pd.read_csv("results/policies/runs.csv", na_values="n/a")
    points = pd.read_csv("results/policies/points.csv", na_values="n/a")
    ok = runs[runs.status == "ok"]
    print(ok.groupby(["placement", "migration", "users"]).energy_kWh.agg(["mean", "std", "count"]))
    print(points.pivot_table(index="users", columns="placement", values="energy_kWh_mean"))

and in R:

    runs <- read.csv("results/policies/runs.csv", na.strings = "n/a")
    aggregate(energy_kWh ~ placement + migration + users, data = subset(runs, status == "ok"), mean)
"""
import csv
import math
import sys


def number(text):
    """A CSV cell as a float: "n/a" (a metric a run could not measure) is NaN."""
    return math.nan if text in ("", "n/a") else float(text)


def load(directory):
    """runs.csv, points.csv and columns.csv of a sweep's output directory, as lists of dicts."""
    tables = {}
    for name in ("runs", "points", "columns"):
        with open(f"{directory}/{name}.csv", newline="") as f:
            tables[name] = list(csv.DictReader(f))
    return tables["runs"], tables["points"], tables["columns"]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    directory = sys.argv[1]
    metric = sys.argv[2] if len(sys.argv) == 3 else "energy_kWh"
    runs, points, columns = load(directory)
    params = [c["column"] for c in columns if c["kind"] in ("param", "policy")]
    units = {c["column"]: c["unit"] for c in columns}
    if metric not in units:
        sys.exit(f"no metric {metric}; the metrics are "
                 + ", ".join(c["column"] for c in columns if c["kind"] == "metric"))
    print(f"{metric} ({units[metric]}): mean +- 95% CI half-width over the replications")
    for p in points:
        mine = [number(r[metric]) for r in runs if r["point"] == p["point"] and r["status"] == "ok"]
        mean = number(p[f"{metric}_mean"])
        if mine and not math.isnan(mean):
            assert abs(sum(mine) / len(mine) - mean) <= 1e-6 * max(1.0, abs(mean)), p["point"]
        setting = ", ".join(f"{k}={p[k]}" for k in params)
        print(f"  {setting}: {p[metric + '_mean']} +- {p[metric + '_ci95']} (n={p['n']})")


if __name__ == "__main__":
    main()
