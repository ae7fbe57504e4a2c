"""Reference values for GammaRatio (Sources/Polytail/Distributions/GammaRatio.swift) and
for log Φ (GSL.logNormalP in Sources/Polytail/Interop/GSL.swift).

log Γ(a + h) − log Γ(a), x log x − log Γ(x) and log Φ(x), by mpmath at 60 digits.
Run: python3 Tests/Fixtures/make_gamma_ratio.py  (writes gamma_ratio.json beside this file).
"""
import json
import os

import mpmath as mp

mp.mp.dps = 60
ratio = []
for h in [0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 25.0]:
    for a in [0.25, 1.0, 7.5, 30.0, 100.0, 2500.0, 1e4, 1e6, 1e8, 1e12, 1e15]:
        v = mp.loggamma(mp.mpf(a) + mp.mpf(h)) - mp.loggamma(mp.mpf(a))
        ratio.append({"a": a, "h": h, "value": float(v)})
xlog = []
for x in [0.5, 3.0, 29.0, 30.0, 31.0, 100.0, 5e3, 1e6, 1e10, 1e15]:
    xm = mp.mpf(x)
    xlog.append({"x": x, "value": float(xm * mp.log(xm) - mp.loggamma(xm))})
logphi = []
for x in [-1e100, -1e9, -1.5e8, -9e7, -1e4, -40.0, -5.0, 0.0, 3.0, 5.5, 10.0, 30.0]:
    xm = mp.mpf(x)
    # log1p(−Q(x)) for x > 0: log(Φ(x)) at 60 digits would round −Q(30) ≈ −5e-198 to 0.
    v = mp.log1p(-mp.ncdf(-xm)) if x > 0 else mp.log(mp.ncdf(xm))
    logphi.append({"x": x, "value": float(v)})
out = {
    "description": "log Gamma(a+h) - log Gamma(a), x log x - log Gamma(x) and log Phi(x) by mpmath "
                   f"{mp.__version__} at 60 digits (make_gamma_ratio.py)",
    "ratio": ratio,
    "xLogXMinusLogGamma": xlog,
    "logNormalCdf": logphi,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gamma_ratio.json"), "w") as f:
    json.dump(out, f, indent=1)
