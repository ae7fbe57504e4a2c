#!/usr/bin/env python3
"""Reference values for Tests/PolytailTests/CovariateShift (importance weights and
weighted least squares). Writes Tests/Fixtures/covariate_shift.json.

Independent sources:
- log p_t(x) - log p_s(x) in mpmath at 80 digits from the density formulas (exact even where
  the doubles overflow); checked against scipy.stats logpdf differences where those are finite.
- Normal ML fits: numpy mean and std (ddof=0).
- Weighted least squares: numpy.linalg.lstsq on sqrt(w)-scaled rows; polynomials: mpmath
  qr_solve at 80 digits on the raw Vandermonde matrix (exact to double precision), and
  numpy.polynomial.polynomial.polyfit with w = sqrt(weights) for a moderate case.
Non-finite numbers are written as the strings "inf", "-inf", "nan".
"""
import json
import math
import os

import mpmath as mp
import numpy as np
from scipy import stats

mp.mp.dps = 80
rng = np.random.default_rng(20220615)
GFM = np.finfo(float).max


def num(v):
    v = mp.mpf(v)
    if mp.isnan(v):
        return "nan"
    if v > GFM:
        return "inf"
    if v < -GFM:
        return "-inf"
    return float(v)


def log_normal(x, mu, sd):
    x, mu, sd = mp.mpf(x), mp.mpf(mu), mp.mpf(sd)
    return -mp.log(sd) - mp.log(2 * mp.pi) / 2 - ((x - mu) / sd) ** 2 / 2


def log_t(x, nu, mu, sd):
    x, nu, mu, sd = mp.mpf(x), mp.mpf(nu), mp.mpf(mu), mp.mpf(sd)
    z = (x - mu) / sd
    return (mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2 - mp.log(sd)
            - (nu + 1) / 2 * mp.log(1 + z * z / nu))


def log_mvn(x, mu, cov):
    d = len(mu)
    S = mp.matrix(cov)
    diff = mp.matrix([mp.mpf(a) - mp.mpf(b) for a, b in zip(x, mu)])
    q = (diff.T * mp.inverse(S) * diff)[0]
    return -d * mp.log(2 * mp.pi) / 2 - mp.log(mp.det(S)) / 2 - q / 2


def log_mvt(x, mu, cov, nu):
    d = len(mu)
    nu = mp.mpf(nu)
    S = mp.matrix(cov)
    diff = mp.matrix([mp.mpf(a) - mp.mpf(b) for a, b in zip(x, mu)])
    q = (diff.T * mp.inverse(S) * diff)[0]
    return (mp.loggamma((nu + d) / 2) - mp.loggamma(nu / 2) - d * mp.log(nu * mp.pi) / 2
            - mp.log(mp.det(S)) / 2 - (nu + d) / 2 * mp.log(1 + q / nu))


univariate_points = [-1e308, -1e200, -1e20, -1e6, -5.0, -4.5, -4.0, -1.0, 0.0, 0.5, 1.1, 2.1,
                     3.7, 10.0, 1e3, 1e10, 1e154, 1e160, 1e300, 1.7976931348623157e308]

cases = []
# Univariate normal: the paper's source N(1.1, 0.5^2) and target N(2.1, (10/17)^2).
ps, pt = (1.1, 0.5), (2.1, 10 / 17)
ref = [log_normal(x, *pt) - log_normal(x, *ps) for x in univariate_points]
for x, r in zip(univariate_points, ref):
    if abs(x) < 1e100:
        s = stats.norm.logpdf(x, *pt) - stats.norm.logpdf(x, *ps)
        if math.isfinite(s):
            assert abs(s - float(r)) <= 1e-9 * max(1, abs(float(r))), (x, s, r)
cases.append({"family": "normal", "source": {"location": [ps[0]], "scale": [[ps[1]]]},
              "target": {"location": [pt[0]], "scale": [[pt[1]]]},
              "points": [[x] for x in univariate_points], "logRatio": [num(r) for r in ref]})

# Univariate t, equal and unequal df.
for (nus, nut) in [(3.0, 3.0), (2.5, 7.0), (1e6, 1e6)]:
    ts, tt = (nus, 1.1, 0.5), (nut, 2.1, 10 / 17)
    ref = [log_t(x, *tt) - log_t(x, *ts) for x in univariate_points]
    for x, r in zip(univariate_points, ref):
        if abs(x) < 1e100:
            s = stats.t.logpdf(x, tt[0], tt[1], tt[2]) - stats.t.logpdf(x, ts[0], ts[1], ts[2])
            assert abs(s - float(r)) <= 1e-7 * max(1, abs(float(r))), (x, s, r)
    limit = nus * mp.log(mp.mpf(tt[2]) / ts[2]) if nus == nut else (mp.inf if nus > nut else -mp.inf)
    cases.append({"family": "studentT", "source": {"location": [ts[1]], "scale": [[ts[2]]], "df": ts[0]},
                  "target": {"location": [tt[1]], "scale": [[tt[2]]], "df": tt[0]},
                  "points": [[x] for x in univariate_points], "logRatio": [num(r) for r in ref],
                  "limitPositive": num(limit)})

# Bivariate normal and t.
mu_s, cov_s = [0.5, -1.0], [[1.0, 0.3], [0.3, 0.5]]
mu_t, cov_t = [1.5, 0.0], [[2.0, -0.4], [-0.4, 1.0]]
points2 = [[0.0, 0.0], [1.0, -1.0], [-3.0, 2.0], [10.0, 10.0], [-1e5, 3e4], [1e100, -1e100],
           [1e160, 1e150], [1e300, -1e300], [1.7e308, 1.7e308], [-1.7e308, 1e-300]]
ref = [log_mvn(x, mu_t, cov_t) - log_mvn(x, mu_s, cov_s) for x in points2]
for x, r in zip(points2, ref):
    if max(abs(v) for v in x) < 1e100:
        s = (stats.multivariate_normal.logpdf(x, mu_t, cov_t) - stats.multivariate_normal.logpdf(x, mu_s, cov_s))
        assert abs(s - float(r)) <= 1e-9 * max(1, abs(float(r))), (x, s, r)
cases.append({"family": "normal", "source": {"location": mu_s, "scale": cov_s},
              "target": {"location": mu_t, "scale": cov_t}, "points": points2, "logRatio": [num(r) for r in ref]})
for (nus, nut) in [(4.0, 4.0), (3.0, 9.0)]:
    ref = [log_mvt(x, mu_t, cov_t, nut) - log_mvt(x, mu_s, cov_s, nus) for x in points2]
    for x, r in zip(points2, ref):
        if max(abs(v) for v in x) < 1e100:
            s = (stats.multivariate_t.logpdf(x, mu_t, cov_t, df=nut) - stats.multivariate_t.logpdf(x, mu_s, cov_s, df=nus))
            assert abs(s - float(r)) <= 1e-8 * max(1, abs(float(r))), (x, s, r)
    if nus == nut:
        # Limit along v = (1, 0): 1/2 log(|S_s|/|S_t|) - (nu + d) log(delta_t(v)/delta_s(v)).
        v = mp.matrix([1, 0])
        dt = mp.sqrt((v.T * mp.inverse(mp.matrix(cov_t)) * v)[0])
        ds = mp.sqrt((v.T * mp.inverse(mp.matrix(cov_s)) * v)[0])
        limit = mp.log(mp.det(mp.matrix(cov_s)) / mp.det(mp.matrix(cov_t))) / 2 - (nus + 2) * mp.log(dt / ds)
    else:
        limit = mp.inf if nus > nut else -mp.inf
    cases.append({"family": "studentT", "source": {"location": mu_s, "scale": cov_s, "df": nus},
                  "target": {"location": mu_t, "scale": cov_t, "df": nut}, "points": points2,
                  "logRatio": [num(r) for r in ref], "limitPositive": num(limit)})

# Normalised weights (mean 1) at lambda = 0.5 for the univariate normal case, including
# points whose raw weights overflow: n exp(l_i - LSE(l)) in mpmath.
norm_points = [-40.0, -5.0, -4.2, 0.0, 1.1, 2.1, 3.0, 40.0, 1e3]
lam = mp.mpf("0.5")
ls = [lam * (log_normal(x, *pt) - log_normal(x, *ps)) for x in norm_points]
m = max(ls)
tot = mp.fsum(mp.exp(l - m) for l in ls)
normalized = {"lambda": 0.5, "points": norm_points,
              "weights": [num(len(ls) * mp.exp(l - m) / tot) for l in ls]}

# Fitted normal weights: the paper's setting (n_s = 150, n_t = 100).
xs = rng.normal(1.1, 0.5, 150)
xt = rng.normal(2.1, 10 / 17, 100)
outliers = rng.uniform(-5, -4, 5)
eval_points = np.concatenate([xs, outliers])
ms, ss, mt, st = xs.mean(), xs.std(), xt.mean(), xt.std()
fitted = {"source": xs.tolist(), "target": xt.tolist(), "points": eval_points.tolist(),
          "sourceMean": ms, "sourceSD": ss, "targetMean": mt, "targetSD": st,
          "logWeightsLambdaHalf": [num(mp.mpf("0.5") * (log_normal(x, mt, st) - log_normal(x, ms, ss))) for x in eval_points]}

# Weighted least squares on a random design: numpy lstsq on sqrt(w)-scaled rows.
n, p = 40, 4
X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1)) * [1.0, 100.0, 1e-3]])
y = X @ np.array([0.5, -2.0, 0.01, 300.0]) + rng.normal(scale=0.1, size=n)
w = rng.uniform(0, 3, n)
w[[3, 17]] = 0.0
sw = np.sqrt(w)
beta, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
rss = float(np.sum(w * (y - X @ beta) ** 2))
design = {"design": X.tolist(), "response": y.tolist(), "weights": w.tolist(),
          "coefficients": beta.tolist(), "weightedResidualSumOfSquares": rss}

# Polynomials on x in [1000, 1010] (badly conditioned in the raw basis) up to degree 10,
# reference by mpmath least squares at 80 digits on the raw Vandermonde matrix.
polys = []
xp = np.sort(rng.uniform(1000, 1010, 60))
yp = np.sin(xp - 1005) + 0.05 * rng.normal(size=xp.size)
wp = rng.uniform(0.1, 2, xp.size)
grid = np.linspace(999, 1011, 13)
for deg in [0, 1, 3, 5, 8, 10]:
    A = mp.matrix([[mp.sqrt(mp.mpf(wi)) * mp.mpf(xi) ** k for k in range(deg + 1)] for xi, wi in zip(xp, wp)])
    b = mp.matrix([mp.sqrt(mp.mpf(wi)) * mp.mpf(yi) for yi, wi in zip(yp, wp)])
    coef, res = mp.qr_solve(A, b)
    pred = [num(mp.fsum(coef[k] * mp.mpf(g) ** k for k in range(deg + 1))) for g in grid]
    fitted_vals = [mp.fsum(coef[k] * mp.mpf(xi) ** k for k in range(deg + 1)) for xi in xp]
    rss_p = mp.fsum(mp.mpf(wi) * (mp.mpf(yi) - f) ** 2 for wi, yi, f in zip(wp, yp, fitted_vals))
    polys.append({"degree": deg, "predictions": pred, "weightedResidualSumOfSquares": num(rss_p),
                  "coefficients": [num(c) for c in coef]})
polynomial = {"x": xp.tolist(), "y": yp.tolist(), "weights": wp.tolist(), "grid": grid.tolist(), "fits": polys}

# A moderate case against numpy's polyfit (w multiplies residuals, so w = sqrt(weights)).
xl = rng.uniform(-2, 3, 30)
yl = 1.5 - 0.7 * xl + 0.2 * xl ** 2 + 0.1 * rng.normal(size=30)
wl = rng.uniform(0.5, 1.5, 30)
numpy_poly = {"x": xl.tolist(), "y": yl.tolist(), "weights": wl.tolist(),
              "line": np.polynomial.polynomial.polyfit(xl, yl, 1, w=np.sqrt(wl)).tolist(),
              "quadratic": np.polynomial.polynomial.polyfit(xl, yl, 2, w=np.sqrt(wl)).tolist()}

out = {
    "description": ("Made by Tests/Fixtures/make_covariate_shift.py: log density ratios log p_t - log p_s "
                    "in mpmath (80 digits) from the density formulas, cross-checked against scipy.stats "
                    "logpdf; normalised weights n exp(l - LSE(l)) in mpmath; normal ML fits by numpy; "
                    "weighted least squares by numpy.linalg.lstsq on sqrt(w)-scaled rows; polynomials by "
                    "mpmath qr_solve (80 digits) on the raw Vandermonde matrix and numpy polyfit. "
                    "Values beyond the double range are written as \"inf\"/\"-inf\"."),
    "logRatioCases": cases,
    "normalized": normalized,
    "fitted": fitted,
    "leastSquares": design,
    "polynomial": polynomial,
    "numpyPolynomial": numpy_poly,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "covariate_shift.json"), "w") as f:
    json.dump(out, f, indent=1)
print("wrote covariate_shift.json")
