#!/usr/bin/env python3
"""Maximum-likelihood reference fits of the univariate location-scale Student t.

Writes t_fits.json next to this script. Needs numpy, scipy, mpmath and (for the
real data set only) statsmodels (pip install statsmodels).

Objective: l(df, loc, scale) = sum_i w_i log t(x_i; df, loc, scale), w_i = 1 when
unweighted, weights used as given (not normalised), df constrained to [1e-3, 1e6].

Method, per data set:
  1. scipy.optimize.minimize, L-BFGS-B with the analytic gradient over
     (log df, loc, log scale), from several starts; then Nelder-Mead polish
     (xatol 1e-12, fatol 1e-14) from the best point.
  2. Newton polish in mpmath (mp.dps = 40) on the analytic gradient (Hessian by
     central differences of the 40-digit gradient); if df sits at the 1e6 bound
     (the partial derivative in log df is positive there), df is fixed at 1e6 and
     only (loc, log scale) are polished.
  3. Checks: the 40-digit gradient at the reported (double) parameters is
     < 1e-7 relative (|dl/dtheta| / sum_i w_i |dl_i/dtheta|) in loc and log scale
     (and log df when interior); the profile log-likelihood over a grid of 60
     fixed df values (each fitted by the EM iteration for fixed df) never exceeds
     the reference.
All reported log-likelihoods are evaluated in mpmath (mp.dps = 40) at the
reported double parameters and rounded once.
"""
import json
import os
import sys
import time

import mpmath
import numpy as np
import scipy
from mpmath import mp, mpf
from scipy import optimize, special, stats

HERE = os.path.dirname(os.path.abspath(__file__))
DF_MIN, DF_MAX = 1e-3, 1e6
LOG_DF_MIN, LOG_DF_MAX = np.log(DF_MIN), np.log(DF_MAX)
mp.dps = 40


# ------------------------------------------------------------------ double precision
def negll_and_grad(theta, x, w):
    """-(1/W) l and its gradient in (log df, loc, log scale)."""
    lnu, mu, lsig = theta
    nu, sig = np.exp(lnu), np.exp(lsig)
    r = (x - mu) / sig
    q = r * r / nu
    l1q = np.log1p(q)
    c = special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
    W = w.sum()
    ll = W * (c - lsig) - 0.5 * (nu + 1) * np.dot(w, l1q)
    g_mu = np.dot(w, (nu + 1) * r / (sig * nu * (1 + q)))
    g_ls = np.dot(w, -1 + (nu + 1) * q / (1 + q))
    dc = 0.5 * special.digamma((nu + 1) / 2) - 0.5 * special.digamma(nu / 2) - 0.5 / nu
    g_nu = W * dc + np.dot(w, -0.5 * l1q + (nu + 1) * q / (2 * nu * (1 + q)))
    g = np.array([g_nu * nu, g_mu, g_ls])
    return -ll / W, -g / W


def em_fixed_df(x, w, nu, mu, sig, iters=5000):
    """EM for loc/scale with df fixed; returns (loc, scale)."""
    W = w.sum()
    for _ in range(iters):
        r2 = ((x - mu) / sig) ** 2
        u = (nu + 1) / (nu + r2)
        mu_new = np.dot(w * u, x) / np.dot(w, u)
        sig_new = np.sqrt(np.dot(w * u, (x - mu_new) ** 2) / W)
        done = abs(mu_new - mu) <= 1e-15 * (abs(mu) + sig) and abs(sig_new - sig) <= 1e-15 * sig
        mu, sig = mu_new, sig_new
        if done:
            break
    return mu, sig


# ------------------------------------------------------------------ mpmath
def mp_loglik(nu, mu, sig, x, w):
    nu, mu, sig = mpf(nu), mpf(mu), mpf(sig)
    c = mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2 - mp.log(sig)
    terms = []
    for xi, wi in zip(x, w):
        r = (mpf(xi) - mu) / sig
        terms.append(mpf(wi) * (c - (nu + 1) / 2 * mp.log1p(r * r / nu)))
    return mp.fsum(terms)


def mp_grad(theta, x, w, with_df=True):
    """Gradient in (log df, loc, log scale) plus the sums of |per-observation terms|."""
    lnu, mu, lsig = [mpf(t) for t in theta]
    nu, sig = mp.exp(lnu), mp.exp(lsig)
    dc = (mp.digamma((nu + 1) / 2) - mp.digamma(nu / 2) - 1 / nu) / 2
    gn, gm, gs, an, am, as_ = [], [], [], [], [], []
    for xi, wi in zip(x, w):
        wi = mpf(wi)
        r = (mpf(xi) - mu) / sig
        q = r * r / nu
        tm = wi * (nu + 1) * r / (sig * nu * (1 + q))
        ts = wi * (-1 + (nu + 1) * q / (1 + q))
        gm.append(tm); am.append(abs(tm))
        gs.append(ts); as_.append(abs(ts))
        if with_df:
            tn = wi * nu * (dc - mp.log1p(q) / 2 + (nu + 1) * q / (2 * nu * (1 + q)))
            gn.append(tn); an.append(abs(tn))
    g = [mp.fsum(gn), mp.fsum(gm), mp.fsum(gs)]
    a = [mp.fsum(an), mp.fsum(am), mp.fsum(as_)]
    return g, a


def mp_newton(theta, x, w, free):
    """Newton on the gradient in the coordinates listed in `free` (indices into theta)."""
    theta = [mpf(t) for t in theta]
    with_df = 0 in free
    for it in range(40):
        g, _ = mp_grad(theta, x, w, with_df)
        gf = mp.matrix([g[i] for i in free])
        H = mp.matrix(len(free), len(free))
        for jj, j in enumerate(free):
            h = mpf("1e-12") * (1 + abs(theta[j]))
            tp, tm = list(theta), list(theta)
            tp[j] += h
            tm[j] -= h
            gp, _ = mp_grad(tp, x, w, with_df)
            gm, _ = mp_grad(tm, x, w, with_df)
            for ii, i in enumerate(free):
                H[ii, jj] = (gp[i] - gm[i]) / (2 * h)
        H = (H + H.T) / 2
        step = mp.lu_solve(H, -gf)
        for ii, i in enumerate(free):
            theta[i] += step[ii]
        if max(abs(s) for s in step) < mpf("1e-25"):
            break
    else:
        raise RuntimeError("mp Newton did not converge")
    return theta, H


# ------------------------------------------------------------------ fitting
def starts(x):
    med = np.median(x)
    mad = np.median(np.abs(x - med)) * 1.4826 or np.std(x) or 1.0
    return [np.array([np.log(d), med, np.log(mad)]) for d in (0.7, 2.0, 5.0, 30.0, 1e3)]


def fit_t(x, w, fixed_df=None):
    """Returns (df, loc, scale, dfAtBound, diagnostics dict)."""
    diag = {}
    if fixed_df is None:
        bounds = [(LOG_DF_MIN, LOG_DF_MAX), (None, None), (None, None)]
        best = None
        for s in starts(x):
            res = optimize.minimize(negll_and_grad, s, args=(x, w), jac=True, method="L-BFGS-B",
                                    bounds=bounds, options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-12})
            if best is None or res.fun < best.fun:
                best = res
        nm = optimize.minimize(lambda t: negll_and_grad(t, x, w)[0], best.x, method="Nelder-Mead",
                               bounds=bounds,
                               options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 40000, "maxfev": 80000})
        theta = nm.x if nm.fun <= best.fun else best.x
        diag["lbfgsbNegMeanLogLik"] = float(best.fun)
        diag["nelderMeadNegMeanLogLik"] = float(nm.fun)
        at_bound = theta[0] > LOG_DF_MAX - 1e-3
        if at_bound:
            theta[0] = LOG_DF_MAX
            free = [1, 2]
        else:
            free = [0, 1, 2]
    else:
        mu, sig = em_fixed_df(x, w, fixed_df, np.median(x), np.std(x))
        theta = np.array([np.log(fixed_df), mu, np.log(sig)])
        free = [1, 2]
        at_bound = False
    theta_mp, H = mp_newton(theta, x, w, free)
    if fixed_df is not None:
        df = float(fixed_df)
    elif at_bound:
        df = DF_MAX
    else:
        df = float(mp.exp(theta_mp[0]))
    loc, scale = float(theta_mp[1]), float(mp.exp(theta_mp[2]))
    # checks at the rounded double parameters
    th = [mp.log(mpf(df)), mpf(loc), mp.log(mpf(scale))]
    g, a = mp_grad(th, x, w, True)
    rel = [float(abs(gi) / ai) for gi, ai in zip(g, a)]
    diag["relativeGradient"] = {"logDf": rel[0], "loc": rel[1], "logScale": rel[2]}
    diag["gradient"] = {"logDf": float(g[0]), "loc": float(g[1]), "logScale": float(g[2])}
    assert rel[1] < 1e-7 and rel[2] < 1e-7, diag
    if fixed_df is None and not at_bound:
        assert rel[0] < 1e-7, diag
        # negative definite Hessian: a maximum
        ev = mp.eigsy(-H)[0]
        assert min(ev) > 0, ev
    if at_bound:
        assert g[0] > 0, ("df at bound but d l / d log df <= 0", diag)
    ll = mp_loglik(df, loc, scale, x, w)
    return df, loc, scale, bool(at_bound), ll, diag


def profile_check(x, w, ll_ref):
    """Profile log-likelihood over a df grid, EM for loc/scale at each df."""
    worst = -np.inf
    mu, sig = np.median(x), np.std(x)
    for nu in np.exp(np.linspace(np.log(0.2), LOG_DF_MAX, 60)):
        mu, sig = em_fixed_df(x, w, nu, mu, sig)
        ll = -negll_and_grad(np.array([np.log(nu), mu, np.log(sig)]), x, w)[0] * w.sum()
        worst = max(worst, ll)
    assert worst <= float(ll_ref) + 1e-9 * abs(float(ll_ref)), (worst, float(ll_ref))
    return worst


def normal_fit(x, w):
    W = mp.fsum(mpf(v) for v in w)
    m = mp.fsum(mpf(wi) * mpf(xi) for xi, wi in zip(x, w)) / W
    v = mp.fsum(mpf(wi) * (mpf(xi) - m) ** 2 for xi, wi in zip(x, w)) / W
    mean, sd = float(m), float(mp.sqrt(v))
    M, S = mpf(mean), mpf(sd)
    ll = mp.fsum(mpf(wi) * (-((mpf(xi) - M) / S) ** 2 / 2 - mp.log(S) - mp.log(2 * mp.pi) / 2)
                 for xi, wi in zip(x, w))
    return {"mean": mean, "sd": sd, "logLikelihood": float(ll)}


# ------------------------------------------------------------------ data
def datasets():
    out = []
    rng = np.random.default_rng(20240501)
    a = rng.standard_t(3, 500) * 2.0 + 1.0
    out.append(("t_df3_loc1_scale2_n500", a, None,
                "default_rng(20240501).standard_t(3, 500) * 2 + 1"))
    rng = np.random.default_rng(20240502)
    out.append(("cauchy_loc-2_scale0.5_n300", rng.standard_cauchy(300) * 0.5 - 2.0, None,
                "default_rng(20240502).standard_cauchy(300) * 0.5 - 2"))
    # Gaussian data: the ML df is infinite only when the sample is light-tailed enough
    # (roughly, sample excess kurtosis below 0). The first seed tried, 20240503, gives a
    # finite ML df (about 22); it is kept as a second Gaussian case. 20241503 (the next
    # seed in steps of 1000) gives df at the bound.
    rng = np.random.default_rng(20241503)
    out.append(("normal_0_1_n400", rng.standard_normal(400), None,
                "default_rng(20241503).standard_normal(400); seed chosen so that the ML df is at the bound"))
    rng = np.random.default_rng(20240503)
    out.append(("normal_0_1_n400_finiteDf", rng.standard_normal(400), None,
                "default_rng(20240503).standard_normal(400); Gaussian data whose ML df is finite"))
    rng = np.random.default_rng(20240504)
    out.append(("uniform_-1_1_n300", rng.uniform(-1.0, 1.0, 300), None,
                "default_rng(20240504).uniform(-1, 1, 300)"))
    import statsmodels
    from statsmodels.datasets import macrodata
    gdp = macrodata.load_pandas().data["realgdp"].to_numpy(dtype=float)
    out.append(("us_real_gdp_growth", 100.0 * np.diff(np.log(gdp)), None,
                "real data: 100 * diff(log(realgdp)) from statsmodels %s statsmodels.datasets.macrodata "
                "(US quarterly real GDP 1959Q1-2009Q3, so 202 quarterly growth rates in percent, "
                "computed in float64 with numpy)" % statsmodels.__version__))
    w = np.random.default_rng(7).uniform(0.2, 3.0, a.size)
    out.append(("t_df3_loc1_scale2_n500_weighted", a, w,
                "data of t_df3_loc1_scale2_n500 with weights default_rng(7).uniform(0.2, 3, 500)"))
    return out


def main():
    t0 = time.perf_counter()
    fits = []
    for name, x, w, how in datasets():
        t1 = time.perf_counter()
        x = np.asarray(x, dtype=float)
        wv = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
        rec = {"name": name, "source": how, "n": int(x.size), "data": x.tolist(),
               "weights": None if w is None else wv.tolist()}
        if w is None:
            with np.errstate(all="ignore"):
                sdf, sloc, sscale = stats.t.fit(x)
            rec["scipyFit"] = {"df": float(sdf), "loc": float(sloc), "scale": float(sscale),
                               "logLikelihood": float(np.sum(stats.t.logpdf(x, sdf, sloc, sscale)))}
        else:
            rec["scipyFit"] = None
        df, loc, scale, at_bound, ll, diag = fit_t(x, wv)
        worst = profile_check(x, wv, ll)
        rec["reference"] = {"df": df, "loc": loc, "scale": scale, "logLikelihood": float(ll),
                            "dfAtBound": at_bound}
        rec["normalFit"] = normal_fit(x, wv)
        fdf, floc, fscale, _, fll, fdiag = fit_t(x, wv, fixed_df=5.0)
        rec["fixedDf"] = {"df": fdf, "loc": floc, "scale": fscale, "logLikelihood": float(fll)}
        diag["profileGridMaxLogLik"] = float(worst)
        diag["fixedDfRelativeGradient"] = fdiag["relativeGradient"]
        print(name, "seconds: %.2f" % (time.perf_counter() - t1), file=sys.stderr)
        rec["diagnostics"] = diag
        if rec["scipyFit"] is not None:
            diag["scipyMinusReferenceLogLik"] = rec["scipyFit"]["logLikelihood"] - float(ll)
        print(name, rec["reference"], "scipy:", rec["scipyFit"], diag, file=sys.stderr)
        fits.append(rec)
    result = {
        "description": (
            "Univariate Student t maximum-likelihood fits, made by Tests/Fixtures/make_t_fits.py with "
            "numpy %s, scipy %s, mpmath %s. Objective sum_i w_i log t(x_i; df, loc, scale) (w_i = 1 if "
            "weights is null; weights are used as given, not normalised), df in [1e-3, 1e6]. reference: "
            "L-BFGS-B with analytic gradient over (log df, loc, log scale) from 5 starts, Nelder-Mead "
            "polish (xatol 1e-12, fatol 1e-14), then Newton in mpmath at 40 digits on the analytic "
            "gradient; checked: gradient at the stored doubles < 1e-7 relative to sum_i w_i |term_i| "
            "(see diagnostics.relativeGradient), Hessian negative definite for interior df, profile "
            "likelihood on a 60-point df grid (EM at each df) never higher. dfAtBound=true means df=1e6 "
            "(the upper bound) with a positive derivative in df there, loc/scale then maximise at df=1e6. "
            "fixedDf: ML loc/scale with df held at 5. normalFit: weighted ML normal, sd divides by sum w. "
            "scipyFit: scipy.stats.t.fit(data) with default arguments (unweighted sets only; null for "
            "weighted), its logLikelihood = sum scipy.stats.t.logpdf. All logLikelihood values except "
            "scipyFit's are evaluated at 40 digits at the stored double parameters and rounded once. "
            "diagnostics is informational."
            % (np.__version__, scipy.__version__, mpmath.__version__)),
        "fits": fits,
    }
    with open(os.path.join(HERE, "t_fits.json"), "w") as fh:
        json.dump(result, fh, indent=1)
        fh.write("\n")
    print("seconds: %.1f" % (time.perf_counter() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
