#!/usr/bin/env python3
"""Peer for classifier-bench: scikit-learn's multinomial LogisticRegression (lbfgs) on the
same data files the Swift benchmark wrote. Arguments: JSON job descriptions. Prints one
JSON line per job: seconds (best of `repeat`), objective, iterations."""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression


def objective(model, x, y, lam):
    z = x @ model.coef_.T + model.intercept_
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean() + 0.5 * lam * (model.coef_ ** 2).sum())


for arg in sys.argv[1:]:
    job = json.loads(arg)
    n, d = job["n"], job["d"]
    x = np.fromfile(job["x"], dtype=np.float64).reshape(n, d)
    y = np.fromfile(job["y"], dtype=np.int64)
    lam = job["lambda"]
    best = float("inf")
    for _ in range(job["repeat"]):
        model = LogisticRegression(C=1.0 / (n * lam), solver="lbfgs", tol=job["tol"], max_iter=10000)
        t = time.perf_counter()
        model.fit(x, y)
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"n": n, "d": d, "seconds": best, "objective": objective(model, x, y, lam),
                      "iterations": int(model.n_iter_[0])}), flush=True)
