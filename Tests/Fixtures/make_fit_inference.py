#!/usr/bin/env python3
"""Reference inference for least squares and the t-vs-normal tail test.

Writes fit_inference.json next to this script, for
Tests/PolytailTests/Fitting/FitInferenceReferenceTests.swift. Needs numpy, scipy and
statsmodels (pip install statsmodels).

- leastSquares: statsmodels OLS / WLS on seeded designs. For each case: params, bse of the
  default (nonrobust) covariance, bse with cov_type="HC0" (the sandwich), rsquared, llf,
  conf_int(alpha=0.05) of both fits (statsmodels uses Student t(n - p) for nonrobust and the
  normal for HC0), and the residuals.
- uniform: the issue's case, 100 uniform(-1, 1) draws: scipy.stats.t.fit's log-likelihood and
  the normal ML log-likelihood (the supremum of the t's profile likelihood as nu -> inf).
- tailPValues: 0.5 * chi2.sf(LR, 1), the p-value of the boundary null 1/2 chi2_0 + 1/2 chi2_1.
"""
import json
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20221130)


def ls_case(name, X, y, w=None):
    model = sm.WLS(y, X, weights=w) if w is not None else sm.OLS(y, X)
    classical = model.fit()
    hc0 = model.fit(cov_type="HC0")
    return {
        "name": name,
        "design": X.tolist(),
        "response": y.tolist(),
        "weights": None if w is None else w.tolist(),
        "params": classical.params.tolist(),
        "bse": classical.bse.tolist(),
        "bseHC0": hc0.bse.tolist(),
        "rsquared": float(classical.rsquared),
        "llf": float(classical.llf),
        "confInt": classical.conf_int(alpha=0.05).tolist(),
        "confIntHC0": hc0.conf_int(alpha=0.05).tolist(),
        "residuals": (y - X @ classical.params).tolist(),
    }


n = 60
x1 = rng.normal(size=n)
x2 = rng.uniform(-2, 2, size=n)
X = np.column_stack([np.ones(n), x1, x2])
y = 1.5 - 2 * x1 + 0.5 * x2 + rng.normal(scale=0.8, size=n) * (1 + 0.5 * np.abs(x2))
w = np.exp(rng.normal(scale=0.7, size=n))  # importance-like weights
xs = np.sort(rng.uniform(0, 3, size=40))
ys = 0.3 + 1.2 * xs + rng.normal(scale=0.5, size=40)
ws = np.exp(-0.5 * (xs - 2) ** 2) / np.exp(-0.5 * (xs - 1) ** 2)
cases = [
    ls_case("ols", X, y),
    ls_case("wls", X, y, w),
    ls_case("ols_no_constant", X[:, 1:], y),
    ls_case("wls_line", np.column_stack([np.ones(40), xs]), ys, ws),
]

u = rng.uniform(-1, 1, size=100)
df, loc, scale = stats.t.fit(u)
uniform = {
    "data": u.tolist(),
    "scipyT": {"df": df, "loc": loc, "scale": scale,
               "logLikelihood": float(np.sum(stats.t.logpdf(u, df, loc, scale)))},
    "normalLogLikelihood": float(np.sum(stats.norm.logpdf(u, u.mean(), u.std()))),
}

lrs = [1e-10, 1e-4, 0.1, 1.0, 2.705543454095404, 3.841458820694124, 10.0, 50.0, 200.0, 1000.0]
tail = [{"statistic": q, "pValue": float(0.5 * stats.chi2.sf(q, 1))} for q in lrs]

out = {
    "generator": f"make_fit_inference.py: numpy {np.__version__}, scipy {scipy.__version__}, "
                 f"statsmodels {statsmodels.__version__}",
    "leastSquares": cases,
    "uniform": uniform,
    "tailPValues": tail,
}
with open(os.path.join(HERE, "fit_inference.json"), "w") as f:
    json.dump(out, f, indent=1)
print("wrote fit_inference.json;", "uniform: t.fit", uniform["scipyT"], "normal", uniform["normalLogLikelihood"])
