#!/usr/bin/python3
"""XGBoost's side of the tree-scoring comparison (Debian: apt-get install python3-xgboost python3-pandas).

  xgboost_trees_reference.py <dir> [--rows N] [--explain-rows M] [--threads T] [--leadscore PROGRAM]

Fits XGBoost 1.7 (300 trees, depth 6, learning rate 0.05, tree_method="hist", enable_categorical=True) on 100,000
generated leads of 16 fields (8 numeric with 10 % missing values, 8 categorical of 20 categories each), writes to
<dir> the model (model.json), its categories (categories.json, field -> categories in code order) and N leads
(leads.csv, default 1,000,000) with XGBoost's margins of the first 1,000 (margins.txt), then times on those N leads, with T threads (default 2):
  - Booster.inplace_predict (probabilities, from the DataFrame) and Booster.predict(output_margin=True) on a DMatrix
    built beforehand (a new one per timing: the booster caches a DMatrix's predictions);
  - Booster.predict(pred_contribs=True) on the first M leads (default 2,000).
With --leadscore (bench/trees_reference, built with -DLEADSCORE_BUILD_BENCHMARKS=ON) it then runs that program on
the same files, so both rates come from one run on one machine, and prints the ratios.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb

NUMERIC = [f"n{i}" for i in range(8)]
CATEGORICAL = [f"c{i}" for i in range(8)]
CATEGORIES = [f"v{k:02d}" for k in range(20)]


def leads(n, seed):
    rng = np.random.default_rng(seed)
    frame = {}
    z = np.zeros(n)
    for i, name in enumerate(NUMERIC):
        x = rng.normal(size=n) * (1 + i)
        z += np.sin(x / (1 + i)) * 0.6 + (x > i * 0.3) * 0.3
        x[rng.random(n) < 0.1] = np.nan
        frame[name] = x
    for i, name in enumerate(CATEGORICAL):
        codes = rng.integers(0, len(CATEGORIES), size=n)
        effect = rng.normal(size=len(CATEGORIES)) * 0.5
        z += effect[codes]
        frame[name] = pd.Categorical.from_codes(codes, categories=CATEGORIES)
    y = (rng.random(n) < 1 / (1 + np.exp(-(z - 1.5)))).astype(int)
    return pd.DataFrame(frame), y


def best_of(f, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--explain-rows", type=int, default=2_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--leadscore")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)

    x, y = leads(100_000, 1)
    booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.05,
                         "nthread": a.threads, "seed": 0},
                        xgb.DMatrix(x, y, enable_categorical=True), num_boost_round=300)
    booster.save_model(os.path.join(a.dir, "model.json"))
    with open(os.path.join(a.dir, "categories.json"), "w") as f:
        json.dump({c: CATEGORIES for c in CATEGORICAL}, f)

    data, _ = leads(a.rows, 2)
    data.to_csv(os.path.join(a.dir, "leads.csv"), index=False, float_format="%.17g")
    booster.set_param({"nthread": a.threads})
    first = xgb.DMatrix(data.iloc[:1000], enable_categorical=True)
    np.savetxt(os.path.join(a.dir, "margins.txt"), booster.predict(first, output_margin=True), fmt="%.9g")

    inplace = best_of(lambda: booster.inplace_predict(data))
    # A DMatrix caches its predictions inside the booster: each timing takes a new one (built outside the timing).
    matrices = [xgb.DMatrix(data, enable_categorical=True, nthread=a.threads) for _ in range(2)]
    margins = min(best_of(lambda: booster.predict(m, output_margin=True), repeat=1) for m in matrices)
    del matrices
    few = xgb.DMatrix(data.iloc[: a.explain_rows], enable_categorical=True, nthread=a.threads)
    contribs = best_of(lambda: booster.predict(few, pred_contribs=True), repeat=1)
    rates = {"inplace_predict": a.rows / inplace, "predict_margin": a.rows / margins,
             "pred_contribs": a.explain_rows / contribs}
    print(f"xgboost {xgb.__version__}, {a.threads} threads, 300 trees of depth 6, {a.rows} leads")
    for k, v in rates.items():
        print(f"  xgboost {k}: {v:,.0f} leads/s")
    if not a.leadscore:
        return 0
    out = subprocess.run([a.leadscore, a.dir, str(a.threads), str(a.explain_rows)], check=True,
                         capture_output=True, text=True).stdout
    print(out, end="")
    got = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    score, explain = float(got["score_leads_per_second"]), float(got["explain_leads_per_second"])
    print(f"  ratio, scoring: {score / rates['inplace_predict']:.1f} x inplace_predict, "
          f"{score / rates['predict_margin']:.1f} x predict on a DMatrix")
    print(f"  ratio, explaining: {explain / rates['pred_contribs']:.1f} x pred_contribs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
