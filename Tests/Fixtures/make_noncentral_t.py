#!/usr/bin/env python3
"""Reference values for Polytail's NoncentralT (scipy's `nct`) and its ML fit.

Writes Tests/Fixtures/noncentral_t.json. Run:  python3 Tests/Fixtures/make_noncentral_t.py

Method (independent of the Swift implementation):
  * T = (Z + nc) / sqrt(V/df), Z ~ N(0,1), V ~ chi^2_df; X = loc + scale*T, t = (x-loc)/scale
    (t formed exactly in mpmath from the binary doubles x, loc, scale).
  * pdf(t)  = E_V[ s * phi(t*s - nc) ],  s = sqrt(V/df)
    cdf(t)  = E_V[ Phi(t*s - nc) ]       (Phi = mpmath.ncdf)
    sf(t)   = E_V[ Q(t*s - nc) ]         (Q(a) = erfc(a/sqrt 2)/2, never 1 - Phi)
    each by mpmath.quad (tanh-sinh) at mp.dps = 30 over w = log V, on (-inf, inf) split at the
    integrand's peak and at peak +- a few widths (peak located in double precision first).
  * Cross-check of the pdf: the closed form with two Kummer functions 1F1 (the even and odd
    parts of the power series of the pdf in z = t nc sqrt2/sqrt(df+t^2)), evaluated by
    mpmath.hyp1f1 at mp.dps = 60;
    the largest disagreement (in log-pdf) is stored as "pdf_crosscheck_max_abs_log_diff".
  * Fit: a sample of n = 400 from nct(df=4, nc=1.5, loc=0.5, scale=2) (numpy default_rng seed
    20240611, scipy.stats.nct.rvs); the ML estimate maximises the exact log-likelihood
    (scipy.stats.nct.logpdf, boost-based, accurate in this moderate region) by
    scipy.optimize.minimize from four starts (Nelder-Mead; the best polished by two
    Nelder-Mead restarts and BFGS, tight tolerances), gradient checked by central differences; the log-likelihood at the optimum is
    recomputed with the mpmath 1F1 closed form. scipy.stats.nct.fit's own estimate and
    log-likelihood are stored as well.
Log values (log_pdf, log_cdf, log_sf) are stored for every point, so values far below 1e-300
keep their meaning.
"""
import json
import math
import os
import time

import mpmath as mp
import numpy as np
import scipy.optimize as so
import scipy.special as sc
import scipy.stats as st

mp.mp.dps = 30


def log_integrand_float(w, t, df, nc, kind):
    """Log of the integrand over w = log V, in double precision, to find the peak."""
    v = np.exp(w)
    s = np.sqrt(v / df)
    a = t * s - nc
    logh = 0.5 * df * w - 0.5 * v - 0.5 * df * math.log(2) - sc.gammaln(0.5 * df)
    if kind == "pdf":
        return logh + np.log(s) - 0.5 * a * a - 0.5 * math.log(2 * math.pi)
    if kind == "cdf":
        return logh + sc.log_ndtr(a)
    return logh + sc.log_ndtr(-a)


def peak(t, df, nc, kind):
    lo = -4.0 * math.log(abs(t) + 2.0) - 200.0 / df - 60.0
    w = np.linspace(lo, 12.0, 40001)
    with np.errstate(all="ignore"):
        y = log_integrand_float(w, t, df, nc, kind)
    y = np.where(np.isfinite(y), y, -np.inf)
    i = int(np.argmax(y))
    # width: where the log drops by 1
    top = y[i]
    j = i
    while j > 0 and y[j] > top - 1:
        j -= 1
    k = i
    while k < len(w) - 1 and y[k] > top - 1:
        k += 1
    width = max(w[k] - w[j], 1e-3)
    return float(w[i]), float(width)


def log_integrand_mp(w, t, df, nc, kind):
    v = mp.exp(w)
    s = mp.sqrt(v / df)
    a = t * s - nc
    logh = df * w / 2 - v / 2 - df / 2 * mp.log(2) - mp.loggamma(df / 2)
    if kind == "pdf":
        return logh + mp.log(s) - a * a / 2 - mp.log(2 * mp.pi) / 2
    if kind == "cdf":
        return logh + mp.log(mp.ncdf(a))
    return logh + mp.log(mp.erfc(a / mp.sqrt(2)) / 2)


def log_quad(t, df, nc, kind):
    df = mp.mpf(df)
    nc = mp.mpf(nc)
    p, width = peak(float(t), float(df), float(nc), kind)
    p = mp.mpf(p)
    ref = log_integrand_mp(p, t, df, nc, kind)
    f = lambda w: mp.exp(log_integrand_mp(w, t, df, nc, kind) - ref)
    # Finite limits where the chi^2 weight alone (an upper bound of the integrand, up to the
    # factor s of the pdf) is below exp(peak - 120): the neglected mass is < 1e-50 relative.
    cut = float(ref) - 120.0
    lgh = lambda w: 0.5 * float(df) * w - 0.5 * math.exp(w) - 0.5 * float(df) * math.log(2) - math.lgamma(0.5 * float(df)) + 0.5 * max(w - math.log(float(df)), 0)
    lo = float(p) - 30 * width
    while lgh(lo) > cut:
        lo -= max(1.0, abs(lo))
    hi = float(p) + 30 * width
    while lgh(hi) > cut:
        hi += 1.0
    pts = sorted(set([lo, float(p) - 6 * width, float(p) - width, float(p), float(p) + width, float(p) + 6 * width, hi]))
    # The normal factor switches on where t*s = nc; its transition can be sharp in w.
    if float(t) != 0 and float(nc) / float(t) > 0:
        wc = math.log(float(df)) + 2 * math.log(float(nc) / float(t))
        pts = sorted(set(pts + [wc + d for d in (-3.0, -1.0, -0.3, 0.0, 0.3, 1.0, 3.0)]))
    pts = [mp.mpf(q) for q in pts if lo <= q <= hi]
    val, err = mp.quad(f, pts, error=True)
    assert err < mp.mpf(10) ** -20 * val, (t, df, nc, kind, val, err)
    return ref + mp.log(val)


def log_pdf_closed(t, df, nc):
    """Closed form with Kummer functions M = 1F1 (cross-check only), at mp.dps = 60:
    f(t) = df^(df/2) e^(-nc^2/2) / (sqrt(pi) Gamma(df/2) (df+t^2)^((df+1)/2))
           * [Gamma((df+1)/2) M((df+1)/2, 1/2, z^2/4) + z Gamma(df/2+1) M(df/2+1, 3/2, z^2/4)],
    z = t nc sqrt(2) / sqrt(df + t^2) (the even and odd parts of the power series in z)."""
    with mp.workdps(60):
        t = mp.mpf(t); df = mp.mpf(df); nc = mp.mpf(nc)
        z = t * nc * mp.sqrt(2) / mp.sqrt(df + t * t)
        pre = (df / 2 * mp.log(df) - nc * nc / 2 - mp.log(mp.pi) / 2 - mp.loggamma(df / 2)
               - (df + 1) / 2 * mp.log(df + t * t))
        s = (mp.gamma((df + 1) / 2) * mp.hyp1f1((df + 1) / 2, mp.mpf(1) / 2, z * z / 4)
             + z * mp.gamma(df / 2 + 1) * mp.hyp1f1(df / 2 + 1, mp.mpf(3) / 2, z * z / 4))
        return pre + mp.log(s)


def point(x, df, nc, loc=0.0, scale=1.0):
    t = (mp.mpf(x) - mp.mpf(loc)) / mp.mpf(scale)
    lp = log_quad(t, df, nc, "pdf") - mp.log(mp.mpf(scale))
    lc = log_quad(t, df, nc, "cdf")
    ls = log_quad(t, df, nc, "sf")
    check = abs(mp.exp(lc) + mp.exp(ls) - 1)
    closed = log_pdf_closed(t, df, nc) - mp.log(mp.mpf(scale))
    return {
        "x": x, "df": df, "nc": nc, "loc": loc, "scale": scale,
        "log_pdf": float(lp), "log_cdf": float(lc), "log_sf": float(ls),
        "cdf": float(mp.exp(lc)), "sf": float(mp.exp(ls)),
    }, float(abs(lp - closed)), float(check)


def main():
    start = time.time()
    points = []
    worst_closed = 0.0
    worst_sum = 0.0
    grid = []
    for df in [1.0, 1.5, 3.0, 10.0, 30.0, 100.0]:
        for x in [-50.0, -20.0, -5.0, -1.0, -0.1, 0.0, 0.3, 2.0, 7.0, 20.0, 50.0]:
            for nc in [-5.0, -2.0, -0.5, 0.0, 1.0, 5.0]:
                grid.append((x, df, nc, 0.0, 1.0))
    # location / scale and extreme cases
    for (df, nc) in [(3.0, 1.0), (10.0, -2.0), (1.0, 5.0), (100.0, 5.0)]:
        for x in [2.5, 2.99, 3.004, 3.02, 3.5]:
            grid.append((x, df, nc, 3.0, 0.01))
        for x in [3.0 - 1e-5, 3.0 - 1e-6, 3.0 + 2e-6, 3.0 + 1e-5, 3.0 + 1e-4]:
            grid.append((x, df, nc, 3.0, 1e-6))
        for x in [-1e10, 1e10, -1e150, 1e150]:
            grid.append((x, df, nc, 0.0, 1.0))
    for (x, df, nc, loc, scale) in grid:
        p, dclosed, dsum = point(x, df, nc, loc, scale)
        points.append(p)
        worst_closed = max(worst_closed, dclosed)
        worst_sum = max(worst_sum, dsum)
    print(f"{len(points)} points, {time.time() - start:.1f}s; closed-form pdf check {worst_closed:.3g}, cdf+sf-1 {worst_sum:.3g}")

    fit = make_fit()
    out = {
        "generator": "Tests/Fixtures/make_noncentral_t.py",
        "method": __doc__.strip(),
        "mpmath_version": mp.__version__,
        "scipy_version": st.__name__ and __import__("scipy").__version__,
        "pdf_crosscheck_max_abs_log_diff": worst_closed,
        "cdf_plus_sf_minus_one_max": worst_sum,
        "points": points,
        "fit": fit,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "noncentral_t.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {path} in {time.time() - start:.1f}s")


def make_fit():
    rng = np.random.default_rng(20240611)
    data = st.nct.rvs(4.0, 1.5, loc=0.5, scale=2.0, size=400, random_state=rng)
    data = [float(x) for x in data]
    arr = np.array(data)

    def nll(p):
        df, nc, loc, scale = math.exp(p[0]), p[1], p[2], math.exp(p[3])
        v = st.nct.logpdf(arr, df, nc, loc=loc, scale=scale).sum()
        return -v if np.isfinite(v) else 1e300

    best = None
    starts = [[math.log(4), 1.5, 0.5, math.log(2)], [math.log(10), 0.5, float(np.median(arr)), 0.5],
              [math.log(2), 2.5, 0.0, 0.3], [math.log(30), 0.0, float(np.mean(arr)), math.log(float(np.std(arr)))]]
    for s in starts:
        r = so.minimize(nll, s, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
        if best is None or r.fun < best.fun:
            best = r
    # polish the best: Nelder-Mead restarts with a fresh simplex, then BFGS
    for _ in range(2):
        r = so.minimize(nll, best.x, method="Nelder-Mead", options={"xatol": 1e-13, "fatol": 1e-14, "maxiter": 20000, "maxfev": 40000})
        if r.fun <= best.fun:
            best = r
    r = so.minimize(nll, best.x, method="BFGS", options={"gtol": 1e-10})
    if r.fun < best.fun:
        best = r
    p = best.x
    h = 1e-5
    grad = []
    for i in range(4):
        e = np.zeros(4); e[i] = h
        grad.append((nll(p + e) - nll(p - e)) / (2 * h))
    params = {"df": math.exp(p[0]), "nc": float(p[1]), "loc": float(p[2]), "scale": math.exp(p[3])}
    # exact log-likelihood at the optimum (mpmath closed form)
    ll_mp = mp.fsum(log_pdf_closed((mp.mpf(x) - mp.mpf(params["loc"])) / mp.mpf(params["scale"]), params["df"], params["nc"])
                    - mp.log(mp.mpf(params["scale"])) for x in data)
    sp = st.nct.fit(arr)
    ll_sp = float(st.nct.logpdf(arr, *sp).sum())
    print("fit", params, "ll", float(ll_mp), -best.fun, "grad", grad, "scipy.fit", sp, ll_sp)
    return {
        "data": data,
        "true": {"df": 4.0, "nc": 1.5, "loc": 0.5, "scale": 2.0},
        "reference": params,
        "reference_log_likelihood": float(ll_mp),
        "reference_gradient_unconstrained": [float(g) for g in grad],
        "scipy_fit": {"df": float(sp[0]), "nc": float(sp[1]), "loc": float(sp[2]), "scale": float(sp[3])},
        "scipy_fit_log_likelihood": ll_sp,
    }


if __name__ == "__main__":
    main()
