"""Reference values for GammaRatio (Sources/Polytail/Distributions/GammaRatio.swift).

log Γ(a + h) − log Γ(a) and x log x − log Γ(x), by mpmath at 60 digits.
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
out = {
    "description": "log Gamma(a+h) - log Gamma(a) and x log x - log Gamma(x) by mpmath "
                   f"{mp.__version__} at 60 digits (make_gamma_ratio.py)",
    "ratio": ratio,
    "xLogXMinusLogGamma": xlog,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gamma_ratio.json"), "w") as f:
    json.dump(out, f, indent=1)
