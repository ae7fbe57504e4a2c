#!/usr/bin/env python3
"""Reference values of the t score's nu-part D_d(nu) = psi((nu+d)/2) - psi(nu/2) - d/nu
(writes digamma_gap.json) for Tests/PolytailTests/Fitting/DigammaGapTests.swift.

  python3 Tests/Fixtures/make_digamma_gap.py

Needs mpmath. 60-digit arithmetic; values printed with 17 significant digits.
"""
import json
import os

import mpmath

mpmath.mp.dps = 60
cases = []
for d in [1, 2, 3, 5, 10, 50, 200]:
    for k in range(0, 46):
        nu = float(mpmath.mpf(10) ** (mpmath.mpf(-3) + mpmath.mpf(9) * k / 45))  # 1e-3 .. 1e6
        for v in sorted({nu, 99.99, 100.0, 100.01, 1999.0, 2000.0, 2001.0}) if k == 0 else [nu]:
            n = mpmath.mpf(v)
            value = mpmath.digamma((n + d) / 2) - mpmath.digamma(n / 2) - mpmath.mpf(d) / n
            cases.append({"nu": v, "d": d, "value": float(mpmath.nstr(value, 17)) if d != 2 else 0.0})
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digamma_gap.json")
with open(out, "w") as f:
    json.dump({"source": "mpmath %s, 60 digits" % mpmath.__version__, "cases": cases}, f, indent=0)
print("wrote", out, len(cases), "cases")
