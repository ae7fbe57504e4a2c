#!/usr/bin/env python3
"""scipy peer for the noncentral-t fit benchmark.

Usage:
    python3 Scripts/NoncentralTBench/scipy_nct.py DATA.bin [DATA2.bin ...]

Each DATA.bin holds raw little-endian float64 values. For each file, times one call of
scipy.stats.nct.fit(x) (default arguments: scipy's Nelder-Mead on the exact likelihood from
its default start; wall clock with time.perf_counter, reading the file excluded) and prints
one JSON line:
    {"file", "n", "seconds", "df", "nc", "loc", "scale", "logLikelihood"}
with logLikelihood = scipy.stats.nct.logpdf(x, df, nc, loc, scale).sum() (not timed).
Non-finite numbers are printed as the strings "nan", "inf", "-inf". Progress on stderr.
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Bench"))
from scipy_tfit import num  # noqa: E402  (non-finite numbers as strings, shared with the t peer)


def fit_one(path):
    x = np.fromfile(path, dtype="<f8").astype(np.float64, copy=False)
    print(f"scipy.stats.nct.fit, n = {x.size} ...", file=sys.stderr, flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        df, nc, loc, scale = stats.nct.fit(x)
        seconds = time.perf_counter() - t0
        ll = stats.nct.logpdf(x, df, nc, loc, scale).sum()
    print(f"  {seconds:.1f} s", file=sys.stderr, flush=True)
    return {"file": path, "n": int(x.size), "seconds": seconds, "df": num(df), "nc": num(nc),
            "loc": num(loc), "scale": num(scale), "logLikelihood": num(ll)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", help="raw little-endian float64 files")
    args = p.parse_args(argv)
    for path in args.files:
        print(json.dumps(fit_one(path)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
