#!/usr/bin/env python3
"""Reference values for Normal and location-scale Student-t distributions.

Writes distributions.json next to this script. Every number is computed with
mpmath at mp.dps = 50 from the double inputs stored alongside it (inputs are
read exactly as the binary64 value that JSON round-trips to), then rounded
once to binary64. Every value is recomputed at mp.dps = 80 and the two results
must agree to 1e-30 relative, or the script stops.

Formulas (z = (x - loc) / scale):
  Normal   logpdf = -z^2/2 - log(sd) - log(2 pi)/2
           cdf    = erfc(-z/sqrt 2)/2,  sf = erfc(z/sqrt 2)/2
  Student  logpdf = lgamma((v+1)/2) - lgamma(v/2) - log(v pi)/2 - log(scale)
                    - (v+1)/2 * log1p(z^2/v)
           lower tail (z <= 0): cdf = I_{v/(v+z^2)}(v/2, 1/2) / 2,  sf = 1 - cdf
           (z > 0 mirrored), I = mpmath.betainc(..., regularized=True); where its
           series fails to converge (df >= 1e6, z ~ 200) a Lentz continued fraction
           for I is used instead (listed in the description).
  Quantiles: Newton/secant (Illinois regula falsi in u = asinh|z|, bracketed) on
           log cdf(x) = log p for p <= 1/2, log sf(x) = log(1 - p) otherwise,
           where p is the exact binary64 value stored.
"""
import json
import os
import sys
import time

import mpmath
import numpy
import scipy
from mpmath import mp, mpf

HERE = os.path.dirname(os.path.abspath(__file__))
DPS = 50
CHECK_DPS = 80
MIN_NORMAL = 2.2250738585072014e-308


def f(v):
    """Round an mpf to the nearest double (mpmath rounds correctly)."""
    return float(v)


# ---------------------------------------------------------------- normal
def normal_logpdf(x, m, s):
    z = (mpf(x) - mpf(m)) / mpf(s)
    return -z * z / 2 - mp.log(mpf(s)) - mp.log(2 * mp.pi) / 2


def normal_cdf(x, m, s):
    z = (mpf(x) - mpf(m)) / mpf(s)
    return mp.erfc(-z / mp.sqrt(2)) / 2


def normal_sf(x, m, s):
    z = (mpf(x) - mpf(m)) / mpf(s)
    return mp.erfc(z / mp.sqrt(2)) / 2


# ---------------------------------------------------------------- student t
def t_logpdf(x, df, loc, scale):
    v = mpf(df)
    z = (mpf(x) - mpf(loc)) / mpf(scale)
    return (mp.loggamma((v + 1) / 2) - mp.loggamma(v / 2) - mp.log(v * mp.pi) / 2
            - mp.log(mpf(scale)) - (v + 1) / 2 * mp.log1p(z * z / v))


def betainc_cf(a, b, x):
    """Regularized I_x(a, b) by the modified Lentz continued fraction (x < (a+1)/(a+b+2)).

    Used only where mpmath.betainc's hypergeometric series does not converge (df >= 1e6
    with moderate z, far in the tail); results are still checked by the dps 50/80 comparison.
    """
    assert x < (a + 1) / (a + b + 2)
    tiny = mpf(10) ** (-10 * mp.dps)
    eps = mpf(10) ** (-mp.dps - 5)
    qab, qap, qam = a + b, a + 1, a - 1
    c = mpf(1)
    d = 1 - qab * x / qap
    d = 1 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, 10**6):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 + aa * d
            d = 1 / (tiny if abs(d) < tiny else d)
            c = 1 + aa / c
            c = tiny if abs(c) < tiny else c
            de = d * c
            h *= de
        if abs(de - 1) < eps:
            break
    else:
        raise RuntimeError("continued fraction did not converge")
    logfront = (a * mp.log(x) + b * mp.log1p(-x) - mp.log(a)
                - (mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)))
    return mp.exp(logfront) * h


FALLBACKS = []


def t_lower_tail_std(z, v):
    """P(T <= -|z|) for standard t with v degrees of freedom."""
    z = abs(z)
    x = v / (v + z * z)
    try:
        return mp.betainc(v / 2, mpf(1) / 2, 0, x, regularized=True) / 2
    except (mpmath.libmp.libhyper.NoConvergence, ValueError):
        FALLBACKS.append((mp.dps, float(v), float(z)))
        return betainc_cf(v / 2, mpf(1) / 2, x) / 2


def t_cdf_sf(x, df, loc, scale):
    """(cdf, sf, logcdf, logsf); the far tail is computed directly, the other as 1 - tail."""
    v = mpf(df)
    z = (mpf(x) - mpf(loc)) / mpf(scale)
    tail = t_lower_tail_std(z, v)
    if z <= 0:
        return tail, 1 - tail, mp.log(tail), mp.log1p(-tail)
    return 1 - tail, tail, mp.log1p(-tail), mp.log(tail)


# ---------------------------------------------------------------- quantiles
def solve_quantile(logtail, p, guess_z, loc, scale):
    """Solve for z with log(tail(z)) = log(target); tail is the lower tail if p <= 1/2.

    Works in the variable z for moderate z and in u = asinh(z) for huge |z| so the
    root is well scaled; returns x = loc + scale*z as mpf.
    """
    p = mpf(p)
    if p <= mpf(1) / 2:
        target = mp.log(p)
        sign = -1
    else:
        target = mp.log(1 - p)
        sign = 1
    if p == mpf(1) / 2:
        return mpf(loc)
    # g(u): u = asinh(|z|) >= 0, z = sign*sinh(u); log tail(z) decreasing in u
    def g(u):
        return logtail(sign * mp.sinh(u)) - target
    u0 = mp.asinh(abs(mpf(guess_z))) if guess_z is not None and mp.isfinite(guess_z) and guess_z != 0 else mpf(1)
    # bracket around the scipy starting guess, widened geometrically: g(lo) > 0 >= g(hi)
    width = u0 * mpf("1e-9") + mpf("1e-12")
    lo, hi = max(u0 - width, mpf(0)), u0 + width
    while g(hi) > 0:
        lo, hi, width = hi, hi + 8 * width, 8 * width
    while lo > 0 and g(lo) <= 0:
        hi, lo, width = lo, max(lo - 8 * width, mpf(0)), 8 * width
    glo, ghi = g(lo), g(hi)
    # Illinois regula falsi, stopped when the bracket is 10^-(dps-10) wide (relative)
    side = 0
    for _ in range(2000):
        if hi - lo <= mpf(10) ** (-(mp.dps - 10)) * hi:
            break
        u = (lo * ghi - hi * glo) / (ghi - glo)
        if not (lo < u < hi):
            u = (lo + hi) / 2
        gu = g(u)
        if gu == 0:
            lo = hi = u
            break
        if gu > 0:
            lo, glo = u, gu
            if side == 1:
                ghi /= 2
            side = 1
        else:
            hi, ghi = u, gu
            if side == -1:
                glo /= 2
            side = -1
    else:
        raise RuntimeError("quantile root finding did not converge")
    u = (lo + hi) / 2
    z = sign * mp.sinh(u)
    return mpf(loc) + mpf(scale) * z


def normal_quantile(p, m, s):
    from scipy.stats import norm
    guess = norm.ppf(p)
    def logtail(z):
        return mp.log(mp.erfc(abs(z) / mp.sqrt(2)) / 2)
    return solve_quantile(logtail, p, guess, m, s)


def t_quantile(p, df, loc, scale):
    from scipy.stats import t as tdist
    v = mpf(df)
    guess = tdist.ppf(p, df)
    def logtail(z):
        return mp.log(t_lower_tail_std(z, v))
    return solve_quantile(logtail, p, guess, loc, scale)


# ---------------------------------------------------------------- case lists
NORMAL_PARAMS = [(0.0, 1.0), (1.5, 2.0), (-3.0, 0.25), (100.0, 1e-3)]
NORMAL_Z = [0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0, 5.0, -8.0, 10.0, -20.0, 30.0, -35.0,
            37.0, -37.0, 1e-8, -1e-8]
NORMAL_P = [1e-300, 1e-200, 1e-100, 1e-20, 1e-10, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9,
            0.99, 1 - 1e-6, 1 - 1e-12, 1 - 1e-15]

T_DFS = [0.5, 1.0, 2.5, 5.0, 30.0, 1e3, 1e6, 1e10]
T_X = [0.0, 0.5, -0.5, 3.0, -3.0, 50.0, -50.0, 1e6, -1e6, 1e150, -1e150]
T_LOCSCALE = [(0.0, 1.0), (1.5, 2.0), (-3.0, 0.25), (0.0, 1e-200)]
T_EXTRA = [  # (df, loc, scale, x): x = 1e100 at scale 1e-200 gives z = 1e300
    (df, 0.0, 1e-200, 1e100) for df in T_DFS] + [
    (df, 0.0, 1e-200, -1e100) for df in T_DFS] + [
    (df, 1e-200, 1e-200, 3e-200) for df in T_DFS]
T_P = [1e-300, 1e-100, 1e-10, 0.01, 0.3, 0.5, 0.9, 1 - 1e-12]
T_Q_LOCSCALE = [(0.0, 1.0), (1.5, 2.0), (-3.0, 0.25)]
LARGE_DFS = [1e8, 1e12]


def compute(dps):
    mp.dps = dps
    out = {"normal": [], "normalQuantile": [], "studentT": [], "studentTExtreme": [],
           "studentTQuantile": [], "studentTQuantileSkipped": [], "largeDf": []}
    for m, s in NORMAL_PARAMS:
        for z in NORMAL_Z:
            x = m + s * z  # double; the reference is for this exact double x
            lp, c, sf = normal_logpdf(x, m, s), normal_cdf(x, m, s), normal_sf(x, m, s)
            out["normal"].append({"mean": m, "sd": s, "x": x, "logpdf": lp, "cdf": c, "sf": sf})
        for p in NORMAL_P:
            out["normalQuantile"].append({"mean": m, "sd": s, "p": p, "x": normal_quantile(p, m, s)})
    cases = [(df, loc, sc, x) for df in T_DFS for (loc, sc) in T_LOCSCALE for x in T_X] + T_EXTRA
    for df, loc, sc, x in cases:
        lp = t_logpdf(x, df, loc, sc)
        c, sf, lc, ls = t_cdf_sf(x, df, loc, sc)
        rec = {"df": df, "loc": loc, "scale": sc, "x": x, "logpdf": lp, "cdf": c, "sf": sf,
               "logcdf": lc, "logsf": ls}
        out["studentT"].append(rec)
    for df in T_DFS:
        for loc, sc in T_Q_LOCSCALE:
            for p in T_P:
                out["studentTQuantile"].append({"df": df, "loc": loc, "scale": sc, "p": p,
                                                "x": t_quantile(p, df, loc, sc)})
    for df in LARGE_DFS:
        for x in [1.3, -1.3, 0.0, 4.0]:
            out["largeDf"].append({"df": df, "loc": 0.0, "scale": 1.0, "x": x,
                                   "logpdf": t_logpdf(x, df, 0.0, 1.0),
                                   "normalLogpdf": normal_logpdf(x, 0.0, 1.0)})
    return out


def agree(a, b, tol):
    if a == b:
        return True
    return abs(a - b) <= tol * max(abs(a), abs(b))


def main():
    t0 = time.perf_counter()
    hi = compute(CHECK_DPS)
    lo = compute(DPS)
    # cross-check the 50-digit values against 80-digit ones
    for key in lo:
        for r50, r80 in zip(lo[key], hi[key]):
            for k, v in r50.items():
                if isinstance(v, mpmath.mpf):
                    if not agree(v, r80[k], mpf("1e-30")):
                        sys.exit(f"dps disagreement in {key}: {r50} field {k}: {v} vs {r80[k]}")
    mp.dps = DPS
    result = {
        "description": (
            "Reference values for Normal and location-scale Student t, made by "
            "Tests/Fixtures/make_distributions.py with mpmath %s at mp.dps=%d (cross-checked at "
            "mp.dps=%d, agreement < 1e-30 relative), numpy %s, scipy %s (scipy only for root-finding "
            "starting guesses). Inputs are the exact binary64 values stored; outputs are the "
            "correctly rounded binary64 values of the 50-digit results. Student t: logpdf via "
            "mpmath.loggamma, tails via mpmath.betainc(v/2, 1/2, 0, v/(v+z^2), regularized=True)/2. "
            "Quantiles: root of log tail(x) = log p (lower) or log(1-p) (upper), p the stored double. "
            "studentT holds cases whose cdf and sf are both >= 2.2250738585072014e-308 (normal doubles); "
            "studentTExtreme holds the remaining cases (cdf or sf below the normal range, stored as the "
            "rounded double, possibly subnormal or 0.0) with logcdf/logsf that are always finite. "
            "studentTQuantileSkipped lists (df, loc, scale, p) whose quantile is outside the double range. "
            "largeDf: logpdf for df 1e8 and 1e12 (normalLogpdf is the df=inf limit, for contrast)."
            % (mpmath.__version__, DPS, CHECK_DPS, numpy.__version__, scipy.__version__)
            + " Tail values computed by the continued fraction instead of mpmath.betainc "
            "(series did not converge), as (df, |z|): %s." % sorted({(v, z) for _, v, z in FALLBACKS})),
        "normal": [], "normalQuantile": [], "studentT": [], "studentTExtreme": [],
        "studentTQuantile": [], "studentTQuantileSkipped": [], "largeDf": [],
    }
    for key in ("normal", "normalQuantile", "largeDf"):
        for r in lo[key]:
            result[key].append({k: f(v) for k, v in r.items()})
    for r in lo["normal"]:
        assert f(r["cdf"]) >= MIN_NORMAL and f(r["sf"]) >= MIN_NORMAL, r
    for r in lo["studentT"]:
        rec = {k: f(v) for k, v in r.items()}
        if rec["cdf"] >= MIN_NORMAL and rec["sf"] >= MIN_NORMAL:
            del rec["logcdf"], rec["logsf"]
            result["studentT"].append(rec)
        else:
            result["studentTExtreme"].append(rec)
    for r in lo["studentTQuantile"]:
        x = r["x"]
        if abs(x) < mpf("1.7976931348623157e308"):
            result["studentTQuantile"].append({k: f(v) for k, v in r.items()})
        else:
            result["studentTQuantileSkipped"].append(
                {"df": r["df"], "loc": r["loc"], "scale": r["scale"], "p": r["p"],
                 "log10AbsX": f(mp.log10(abs(x)))})
    for key, rows in result.items():
        if key == "description":
            continue
        for r in rows:
            for k, v in r.items():
                assert isinstance(v, float) and v == v and abs(v) != float("inf"), (key, r)
    with open(os.path.join(HERE, "distributions.json"), "w") as fh:
        json.dump(result, fh, indent=1)
        fh.write("\n")
    print({k: len(v) for k, v in result.items() if k != "description"},
          "seconds: %.1f" % (time.perf_counter() - t0))


if __name__ == "__main__":
    main()
