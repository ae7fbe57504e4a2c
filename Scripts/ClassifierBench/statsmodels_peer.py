#!/usr/bin/env python3
"""Peer for classifier-bench's maximum-likelihood rows: statsmodels' MNLogit (Newton's method,
the analytic Hessian; its default) with standard errors, on the same data files the Swift
benchmark wrote. Arguments: JSON job descriptions. Prints one JSON line per job: seconds (best
of `repeat`, the fit and bse), llf, iterations and bse in params.ravel(order="F") order (class
by class, intercept first: the order of Polytail's FitResult.parameters)."""
import json
import sys
import time

import numpy as np
import statsmodels.api as sm

for arg in sys.argv[1:]:
    job = json.loads(arg)
    n, d = job["n"], job["d"]
    x = np.fromfile(job["x"], dtype=np.float64).reshape(n, d)
    y = np.fromfile(job["y"], dtype=np.int64)
    design = sm.add_constant(x, prepend=True)
    best = float("inf")
    for _ in range(job["repeat"]):
        t = time.perf_counter()
        result = sm.MNLogit(y, design).fit(method="newton", maxiter=100, tol=1e-10, disp=0)
        bse = np.asarray(result.bse)
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"n": n, "seconds": best, "llf": float(result.llf),
                      "iterations": int(result.mle_retvals["iterations"]),
                      "converged": bool(result.mle_retvals["converged"]),
                      "bse": bse.ravel(order="F").tolist()}), flush=True)
