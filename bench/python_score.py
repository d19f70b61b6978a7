#!/usr/bin/env python3
"""Scoring 1 M leads from pandas with the Python package, against the engine on ready columns and scikit-learn.

    PYTHONPATH=build-rel/python /usr/bin/python3 bench/python_score.py [--rows N] [--repeat K]

A logistic model over 8 numeric and 8 categorical fields (fitted on 100,000 of the leads), then, in one run, the best
of K timings of:

  engine        Model.score(table, out=buf) on a Table of float64 columns and int32 codes built beforehand: the C++
                engine on the same columns (one call, the GIL released, every hardware thread; the codes, read in
                place, are checked block by block as they are scored)
  pandas, out   Model.score(df, out=buf): the DataFrame's conversions included (float64 columns read in place, the
                int8 codes pandas stores widened to int32 block by block, in cache, as they are scored)
  pandas, new   Model.score(df): a fresh output array each call; the difference to "pandas, out" is the share that
                goes to first-touching new memory
  sklearn       predict_proba of the equivalent scikit-learn pipeline (mean imputation + missing indicators +
                standardization, one-hot categories, LogisticRegression) on the same DataFrame

Ratios are of leads per second within this run; timings on a shared machine are noisy, compare only ratios (the CPU
time line is the steadier one on a busy machine).
"""

import argparse
import os
import time

import numpy as np
import pandas as pd

import leadscore

NUMERIC = [f"n{i}" for i in range(8)]
CATEGORICAL = [f"c{i}" for i in range(8)]


def leads(rows, seed=3):
    rng = np.random.default_rng(seed)
    cols, z = {}, np.full(rows, -1.5)
    for i, name in enumerate(NUMERIC):
        x = rng.normal(0.0, 1.0 + i, rows)
        x[rng.random(rows) < 0.02] = np.nan
        cols[name] = x
        z += 0.3 * np.nan_to_num(x) / (1 + i)
    for i, name in enumerate(CATEGORICAL):
        k = 4 + 6 * i  # 4 … 46 categories: pandas stores int8 codes
        codes = rng.integers(0, k, rows).astype(np.int8)
        codes[rng.random(rows) < 0.02] = -1
        cols[name] = pd.Categorical.from_codes(codes, categories=[f"{name}_{j}" for j in range(k)])
        z += np.where(codes >= 0, 0.1 * ((codes.astype(np.int64) * 7919) % 5 - 2), 0.0)
    df = pd.DataFrame(cols)
    won = rng.random(rows) < 1 / (1 + np.exp(-z))
    return df, won


def best(f, repeat, clock=time.perf_counter):
    times = []
    for _ in range(repeat):
        t0 = clock()
        f()
        times.append(clock() - t0)
    return min(times)


def sklearn_pipeline(df, won):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
    ])
    return make_pipeline(pre, LogisticRegression(C=1.0, max_iter=200)).fit(df, won)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--threads", type=int, default=0, help="engine threads (0 = every hardware thread)")
    a = ap.parse_args()

    df, won = leads(a.rows)
    train = min(a.rows, 100_000)
    model = leadscore.fit_model("logistic", leadscore.Table.from_pandas(df.iloc[:train].assign(won=won[:train])), "won")
    ready = leadscore.Table.from_arrays(
        {**{n: df[n].to_numpy() for n in NUMERIC}, **{c: df[c].cat.codes.to_numpy().astype(np.int32) for c in CATEGORICAL}},
        categories={c: list(df[c].cat.categories) for c in CATEGORICAL})
    buf = np.empty(a.rows)
    model.score(ready, out=buf)  # touch the output once
    reference = buf.copy()

    # The variants take turns within each round, so the machine's load falls on all of them alike.
    variants = {
        "engine": lambda: model.score(ready, out=buf, threads=a.threads),
        "out": lambda: model.score(df, out=buf, threads=a.threads),
        "table": lambda: leadscore.Table.from_pandas(df, schema=model.fields, threads=a.threads),
        "new": lambda: model.score(df, threads=a.threads),
    }
    times = {k: [] for k in variants}
    cpu = {k: [] for k in variants}
    for _ in range(a.repeat):
        for k, f in variants.items():
            times[k].append(best(f, 1))
            cpu[k].append(best(f, 1, time.process_time))  # all threads' CPU time: less hurt by a busy machine
    t_engine, t_out, t_table, t_new = (min(times[k]) for k in ("engine", "out", "table", "new"))
    c_engine, c_out = min(cpu["engine"]), min(cpu["out"])
    model.score(df, out=buf)
    assert np.array_equal(buf, reference)
    sk = sklearn_pipeline(df.iloc[:train], won[:train])
    t_sk = best(lambda: sk.predict_proba(df), 3)
    agree = np.corrcoef(sk.predict_proba(df)[:, 1], reference)[0, 1]

    rate = lambda t: a.rows / t / 1e6  # noqa: E731
    print(f"{a.rows} leads, 8 numeric + 8 categorical fields, {os.cpu_count()} hardware threads, best of {a.repeat}")
    print(f"  engine (ready table, out=)  {t_engine * 1e3:8.1f} ms  {rate(t_engine):7.1f} M leads/s")
    print(f"  pandas, out=                {t_out * 1e3:8.1f} ms  {rate(t_out):7.1f} M leads/s   "
          f"{t_engine / t_out:.2f} x the engine (a separate Table.from_pandas {t_table * 1e3:.1f} ms)")
    print(f"  in CPU time (every thread's)  engine {c_engine * 1e3:.1f} ms, pandas, out= {c_out * 1e3:.1f} ms: "
          f"{c_engine / c_out:.2f} x the engine")
    print(f"  pandas, new output          {t_new * 1e3:8.1f} ms  {rate(t_new):7.1f} M leads/s   "
          f"first-touching new memory {max(0.0, t_new - t_out) / t_new:.0%} of it")
    print(f"  scikit-learn predict_proba  {t_sk * 1e3:8.1f} ms  {rate(t_sk):7.1f} M leads/s   "
          f"pandas, out= is {t_sk / t_out:.1f} x faster (scores correlate {agree:.4f})")


if __name__ == "__main__":
    main()
