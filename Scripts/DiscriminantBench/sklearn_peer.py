#!/usr/bin/env python3
"""Peer timings for discriminant-bench (launched by Scripts/DiscriminantBench/main.swift).

  python3 sklearn_peer.py DIR REPEATS

DIR holds train_x.bin (float64, n_train x d), train_y.bin (int64), test_x.bin (float64,
n x d) and t_model.json (the t-LDA that Polytail fitted). Times, best of REPEATS:
- scikit-learn LinearDiscriminantAnalysis(solver="lsqr").predict_proba (fitted on the same
  training rows);
- a vectorised numpy/scipy evaluation of the t-LDA posteriors (scikit-learn has no t-LDA):
  whitening by the Cholesky factor (scipy.linalg.solve_triangular), one matrix product
  against the whitened means, log1p, and a log-sum-exp softmax.
Writes lda_proba.bin and t_proba.bin (float64, n x k) and prints a JSON line of timings.
"""
import json
import os
import sys
import time

import numpy as np
import scipy
import sklearn
from scipy.linalg import cholesky, solve_triangular
from scipy.special import gammaln
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis


def best_of(repeats, f):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = f()
        best = min(best, time.perf_counter() - start)
    return best, value


def t_posteriors(X, means, scatter, nu, priors):
    d = X.shape[1]
    L = cholesky(scatter, lower=True)
    c = means.mean(axis=0)
    Z = solve_triangular(L, (X - c).T, lower=True).T
    M = solve_triangular(L, (means - c).T, lower=True).T
    q = np.einsum("ij,ij->i", Z, Z)
    delta2 = np.maximum(q[:, None] - 2 * Z @ M.T + np.einsum("ij,ij->i", M, M)[None, :], 0)
    logdet = 2 * np.log(np.diag(L)).sum()
    const = gammaln((nu + d) / 2) - gammaln(nu / 2) - d / 2 * np.log(nu * np.pi) - logdet / 2 + np.log(priors)
    lj = const[None, :] - (nu[None, :] + d) / 2 * np.log1p(delta2 / nu[None, :])
    lj -= lj.max(axis=1, keepdims=True)
    np.exp(lj, out=lj)
    lj /= lj.sum(axis=1, keepdims=True)
    return lj


def main():
    folder, repeats = sys.argv[1], int(sys.argv[2])
    model = json.load(open(os.path.join(folder, "t_model.json")))
    d, n_train, n = model["d"], model["trainRows"], model["rows"]
    Xtr = np.fromfile(os.path.join(folder, "train_x.bin"), dtype=np.float64).reshape(n_train, d)
    ytr = np.fromfile(os.path.join(folder, "train_y.bin"), dtype=np.int64)
    X = np.fromfile(os.path.join(folder, "test_x.bin"), dtype=np.float64).reshape(n, d)
    lda = LinearDiscriminantAnalysis(solver="lsqr").fit(Xtr, ytr)
    lda_seconds, lda_p = best_of(repeats, lambda: lda.predict_proba(X))
    lda_p.astype(np.float64).tofile(os.path.join(folder, "lda_proba.bin"))
    means = np.array(model["means"])
    scatter = np.array(model["scatter"])
    nu = np.array(model["nu"])
    priors = np.array(model["priors"])
    t_seconds, t_p = best_of(repeats, lambda: t_posteriors(X, means, scatter, nu, priors))
    t_p.tofile(os.path.join(folder, "t_proba.bin"))
    print(json.dumps({"lda": lda_seconds, "t": t_seconds, "sklearn": sklearn.__version__,
                      "numpy": np.__version__, "scipy": scipy.__version__}))


if __name__ == "__main__":
    main()
