#!/usr/bin/env python3
"""pandas/scipy peer for the command-line benchmark (Scripts/CLIBench).

Usage:
    python3 Scripts/CLIBench/pandas_peer.py DATA.csv [--repeat R] [--no-fit]

Reads DATA.csv (one column, header "x") with pandas.read_csv (C engine, default float
parsing) R times and keeps the best wall-clock time; then times one call of
scipy.stats.t.fit(x) on the values in memory (default arguments) and evaluates its
log-likelihood (not timed). Prints one JSON line:
    {"n", "readSeconds", "fitSeconds", "fitCPUSeconds", "df", "loc", "scale", "logLikelihood", "peakMB"}
peakMB is this process's peak resident memory (ru_maxrss).
"""
import argparse
import json
import resource
import time

import numpy as np
import pandas as pd
from scipy import stats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-fit", action="store_true")
    args = parser.parse_args()
    best = float("inf")
    frame = None
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        frame = pd.read_csv(args.csv, engine="c")
        best = min(best, time.perf_counter() - start)
    x = frame["x"].to_numpy(dtype=np.float64)
    out = {"n": int(x.size), "readSeconds": best}
    if not args.no_fit:
        start, cpu = time.perf_counter(), time.process_time()
        df, loc, scale = stats.t.fit(x)
        out["fitSeconds"] = time.perf_counter() - start
        out["fitCPUSeconds"] = time.process_time() - cpu
        out.update(df=float(df), loc=float(loc), scale=float(scale),
                   logLikelihood=float(stats.t.logpdf(x, df, loc, scale).sum()))
    out["peakMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
