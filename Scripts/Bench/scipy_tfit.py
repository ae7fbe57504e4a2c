#!/usr/bin/env python3
"""scipy peer for the Student-t fit benchmark.

Usage:
    python3 Scripts/Bench/scipy_tfit.py DATA.bin [DATA2.bin ...]
    python3 Scripts/Bench/scipy_tfit.py --mvt DATA.bin --dim D

Each DATA.bin holds raw little-endian float64 values. For each file, times one call of
scipy.stats.t.fit(x) (default arguments; wall clock with time.perf_counter, reading
the file excluded) and prints one JSON line:
    {"file", "n", "seconds", "df", "loc", "scale", "logLikelihood"}
with logLikelihood = scipy.stats.t.logpdf(x, df, loc, scale).sum() (not timed).
Non-finite numbers are printed as the strings "nan", "inf", "-inf".

--mvt: scipy has no multivariate t fit (scipy.stats.multivariate_t has no fit
method), and no installed package offers a maximum-likelihood one, so this prints
{"note": "no scipy multivariate t fit"} for each file and fits nothing.
"""
import argparse
import json
import math
import sys
import time
import warnings

import numpy as np
from scipy import stats


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def read(path):
    return np.fromfile(path, dtype="<f8").astype(np.float64, copy=False)


def fit_one(path):
    x = read(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        df, loc, scale = stats.t.fit(x)
        seconds = time.perf_counter() - t0
        ll = stats.t.logpdf(x, df, loc, scale).sum()
    return {"file": path, "n": int(x.size), "seconds": seconds, "df": num(df), "loc": num(loc),
            "scale": num(scale), "logLikelihood": num(ll)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="*", help="raw little-endian float64 files")
    p.add_argument("--mvt", action="append", default=[], metavar="DATA.bin",
                   help="multivariate t fit peer (row-major n x D float64)")
    p.add_argument("--dim", type=int, help="dimension D for --mvt")
    args = p.parse_args(argv)
    if not args.files and not args.mvt:
        p.error("no input files")
    if args.mvt and not args.dim:
        p.error("--mvt needs --dim")
    for path in args.files:
        print(json.dumps(fit_one(path)), flush=True)
    for path in args.mvt:
        print(json.dumps({"note": "no scipy multivariate t fit"}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
