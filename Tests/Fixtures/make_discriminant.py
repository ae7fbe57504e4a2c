#!/usr/bin/env python3
"""Reference posteriors for Tests/PolytailTests/Discriminant (writes discriminant.json).

  python3 Tests/Fixtures/make_discriminant.py

Needs numpy, scipy, mpmath and scikit-learn (pip install scikit-learn).

- "lda": scikit-learn LinearDiscriminantAnalysis(solver="lsqr").predict_proba on iris and
  wine (pooled ML covariance, empirical priors), at the training rows and at rows pushed
  3x away from the grand mean.
- "qda": scikit-learn QuadraticDiscriminantAnalysis().predict_proba, same points. Since
  scikit-learn 1.8 (or so) its default svd solver divides by n_k (the ML per-class
  covariance; older releases divided by n_k - 1); the script asserts it equals the scipy
  ML reference below.
- "qda_ml": log posteriors with the per-class ML covariance (divided by n_k), from
  scipy.stats.multivariate_normal.logpdf + scipy.special.logsumexp, empirical priors.
- "qda_unbiased": the same with the unbiased per-class covariance (divided by n_k - 1).
- "t_posteriors": log posteriors of given t class conditionals (means, scatters, nu,
  priors) at ordinary and far points (|x| up to 1e6), in 40-digit mpmath arithmetic.
"""
import json
import os

import mpmath
import numpy as np
import sklearn
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.datasets import load_iris, load_wine
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis

HERE = os.path.dirname(os.path.abspath(__file__))


def points(X):
    """Training rows and 30 rows pushed 3x from the grand mean."""
    center = X.mean(axis=0)
    far = center + 3.0 * (X[::max(1, len(X) // 30)][:30] - center)
    return np.vstack([X, far])


def dataset(name, X, y):
    P = points(X)
    lda = LinearDiscriminantAnalysis(solver="lsqr").fit(X, y)
    qda = QuadraticDiscriminantAnalysis().fit(X, y)
    classes = np.unique(y)
    # The ML per-class covariance reference, independent of scikit-learn.
    logjoint = []
    unbiased = []
    for c in classes:
        Xc = X[y == c]
        mu = Xc.mean(axis=0)
        prior = len(Xc) / len(X)
        ml = np.cov(Xc, rowvar=False, bias=True)
        ub = np.cov(Xc, rowvar=False, bias=False)
        logjoint.append(np.log(prior) + multivariate_normal(mu, ml).logpdf(P))
        unbiased.append(np.log(prior) + multivariate_normal(mu, ub).logpdf(P))
    logjoint = np.array(logjoint).T
    qda_ml = logjoint - logsumexp(logjoint, axis=1, keepdims=True)
    unbiased = np.array(unbiased).T
    unbiased = unbiased - logsumexp(unbiased, axis=1, keepdims=True)
    check = np.abs(np.exp(qda_ml) - qda.predict_proba(P)).max()
    assert check < 1e-10, f"QDA is not the ML per-class normal model: {check}"
    return {
        "name": name,
        "x": X.tolist(),
        "labels": [int(v) for v in y],
        "points": P.tolist(),
        "lda": lda.predict_proba(P).tolist(),
        "qda": qda.predict_proba(P).tolist(),
        "qda_ml": qda_ml.tolist(),
        "qda_unbiased": unbiased.tolist(),
    }


def t_reference():
    mpmath.mp.dps = 40
    d = 3
    means = [[0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [-1.5, 2.5, 1.0]]
    A = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]])
    scatters = [A.tolist(), (A * 1.5 + np.diag([0.5, 0.0, 0.1])).tolist(), (A * 0.7 + np.diag([0.0, 0.3, 0.2])).tolist()]
    rng = np.random.default_rng(2022)
    near = rng.normal(size=(12, d)) * 2
    dirs = rng.normal(size=(6, d))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    far = np.vstack([dirs * 1e3, dirs * 1e6])
    P = np.vstack([near, far])
    cases = []
    for label, scat, nus, priors in [
        ("shared, tied nu = 3, empirical-like priors", "shared", [3.0, 3.0, 3.0], [0.5, 0.3, 0.2]),
        ("shared, nu = 1, 4, 30", "shared", [1.0, 4.0, 30.0], [1 / 3, 1 / 3, 1 / 3]),
        ("per class, tied nu = 2.5", "perClass", [2.5, 2.5, 2.5], [0.25, 0.25, 0.5]),
    ]:
        S = [scatters[0]] * 3 if scat == "shared" else scatters
        out = []
        for x in P:
            lj = []
            for k in range(3):
                mu = mpmath.matrix(means[k])
                Sk = mpmath.matrix(S[k])
                xv = mpmath.matrix([mpmath.mpf(v) for v in x])
                r = xv - mu
                q = (r.T * mpmath.inverse(Sk) * r)[0]
                nu = mpmath.mpf(nus[k])
                logc = (mpmath.loggamma((nu + d) / 2) - mpmath.loggamma(nu / 2)
                        - mpmath.mpf(d) / 2 * mpmath.log(nu * mpmath.pi) - mpmath.log(mpmath.det(Sk)) / 2)
                lj.append(mpmath.log(priors[k]) + logc - (nu + d) / 2 * mpmath.log(1 + q / nu))
            m = max(lj)
            lse = m + mpmath.log(sum(mpmath.exp(v - m) for v in lj))
            out.append([float(v - lse) for v in lj])
        cases.append({"description": label, "scatter": scat, "means": means, "scatters": S,
                      "nu": nus, "priors": priors, "points": P.tolist(), "logPosteriors": out})
    return cases


def main():
    iris = load_iris()
    wine = load_wine()
    result = {
        "description": (
            "Made by Tests/Fixtures/make_discriminant.py with scikit-learn " + sklearn.__version__
            + ", numpy " + np.__version__ + ", mpmath " + mpmath.__version__
            + ". lda: LinearDiscriminantAnalysis(solver='lsqr').predict_proba; qda: "
            "QuadraticDiscriminantAnalysis().predict_proba (ML per-class covariance in this release, checked); "
            "qda_ml / qda_unbiased: scipy log posteriors with the per-class covariance divided by n_k / n_k - 1 "
            "and empirical priors; t: 40-digit mpmath log posteriors of given t class conditionals."
        ),
        "datasets": [dataset("iris", iris.data, iris.target), dataset("wine", wine.data, wine.target)],
        "t": t_reference(),
    }
    with open(os.path.join(HERE, "discriminant.json"), "w") as f:
        json.dump(result, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
