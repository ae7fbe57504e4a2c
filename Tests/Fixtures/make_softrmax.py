#!/usr/bin/env python3
"""Reference values for softRmax (Wang & Loog 2022, Eq. 12) and softmax.

Writes softrmax.json next to this script. Each logit vector z is a binary64 vector
(built in numpy double arithmetic, e.g. e_i + 1e-12 is the rounded double sum) and is
read into mpmath exactly. Every value is computed at mp.dps = 100 and rounded once to
binary64; each is recomputed at mp.dps = 150 and the two must agree to 1e-30 relative
(the working precision is above the brief's 50 digits because the Jacobian formula
cancels: near e_m, or for z ~ 1e-300, tiny entries are differences of large terms).

Formulas (d_k^2 = ||z - e_k||^2, v_k = (z - e_k)/d_k^2):
  softRmax  p_i = d_i^-2 / sum_k d_k^-2,   log p_i,
            J_ij = dp_i/dz_j = 2 p_i sum_k p_k (v_kj - v_ij),
            grad_y = d log p_y/dz = 2 sum_k p_k (v_k - v_y).
  At z = e_m exactly: p = one-hot, J = 0 (p_m has a maximum there), grad_m = 0 and
  grad_y for y != m is undefined (stored as null).
  softmax   p_i = exp(z_i)/sum_k exp(z_k), J_ij = p_i (delta_ij - p_j), grad_y = e_y - p.
The analytic Jacobians are checked against mpmath.diff (at 50 digits) for the moderate cases before writing.
Non-finite numbers are written as the strings "inf", "-inf", "nan".
"""
import json
import os

import numpy as np
import mpmath
from mpmath import mp, mpf

HERE = os.path.dirname(os.path.abspath(__file__))


def enc(v):
    v = float(v)
    if v != v:
        return "nan"
    if v == float("inf"):
        return "inf"
    if v == float("-inf"):
        return "-inf"
    return v


def softrmax_mp(z):
    k = len(z)
    zs = [mpf(float(x)) for x in z]
    d2 = []
    for kk in range(k):
        d2.append(mp.fsum((zs[j] - (1 if j == kk else 0)) ** 2 for j in range(k)))
    hit = [kk for kk in range(k) if d2[kk] == 0]
    if hit:
        m = hit[0]
        p = [mpf(1) if i == m else mpf(0) for i in range(k)]
        logp = [mpf(0) if i == m else mpf("-inf") for i in range(k)]
        jac = [[mpf(0)] * k for _ in range(k)]
        grads = [[mpf(0)] * k if y == m else None for y in range(k)]
        return p, logp, jac, grads
    g = [1 / x for x in d2]
    G = mp.fsum(g)
    p = [x / G for x in g]
    logp = [-mp.log(d2[i]) - mp.log(G) for i in range(k)]
    v = [[(zs[j] - (1 if j == kk else 0)) / d2[kk] for j in range(k)] for kk in range(k)]
    grads = [[2 * mp.fsum(p[kk] * (v[kk][j] - v[y][j]) for kk in range(k) if kk != y) for j in range(k)]
             for y in range(k)]
    jac = [[p[i] * grads[i][j] for j in range(k)] for i in range(k)]
    return p, logp, jac, grads


def softmax_mp(z):
    k = len(z)
    zs = [mpf(float(x)) for x in z]
    M = max(zs)
    e = [mp.exp(x - M) for x in zs]
    S = mp.fsum(e)
    p = [x / S for x in e]
    logp = [zs[i] - M - mp.log(S) for i in range(k)]
    jac = [[p[i] * ((1 if i == j else 0) - p[j]) for j in range(k)] for i in range(k)]
    grads = [[(1 if j == y else 0) - p[j] for j in range(k)] for y in range(k)]
    return p, logp, jac, grads


def check_against_diff(z):
    """Analytic softRmax Jacobian vs mpmath.diff at 50 digits."""
    k = len(z)
    zs = [mpf(float(x)) for x in z]
    _, _, jac, _ = softrmax_mp(z)
    for i in range(k):
        for j in range(k):
            def pi_of(t, i=i, j=j):
                w = list(zs)
                w[j] = t
                d2 = [mp.fsum((w[a] - (1 if a == b else 0)) ** 2 for a in range(k)) for b in range(k)]
                g = [1 / x for x in d2]
                return g[i] / mp.fsum(g)
            num = mp.diff(pi_of, zs[j])
            assert abs(num - jac[i][j]) <= mpf(10) ** -30 * (1 + abs(jac[i][j])), (z, i, j, num, jac[i][j])


def rounded(values):
    if values is None:
        return None
    if isinstance(values[0], list) or values[0] is None:
        return [rounded(v) for v in values]
    return [enc(v) for v in values]


def compare(a, b):
    if a is None:
        assert b is None
        return
    if isinstance(a, list):
        for x, y in zip(a, b):
            compare(x, y)
        return
    if mpmath.isinf(a) or mpmath.isinf(b):
        assert a == b
        return
    assert abs(a - b) <= mpf(10) ** -30 * abs(b) or a == b, (a, b)


def cases():
    out = []
    rng = np.random.default_rng(20220619)
    for k in (2, 3, 10):
        e = np.eye(k)
        add = lambda name, z: out.append((name, np.asarray(z, dtype=np.float64)))
        add("zero", np.zeros(k))
        for i in sorted({0, k - 1}):
            add(f"e{i}", e[i])
            add(f"e{i} + 1e-12 (all)", e[i] + 1e-12)
            zz = e[i].copy(); zz[i] += 1e-12
            add(f"e{i} + 1e-12 (own component)", zz)
            zz = e[i].copy(); zz[(i + 1) % k] += 1e-12
            add(f"e{i} + 1e-12 (other component)", zz)
            add(f"e{i} + 1e-200 (all but own)", e[i] + 1e-200 * (1 - e[i]))
            add(f"e{i} - 1e-8 (all)", e[i] - 1e-8)
        add("1e300 (all)", np.full(k, 1e300))
        add("-1e300 (all)", np.full(k, -1e300))
        mixed = np.array([1e300 if j % 2 == 0 else -1e300 for j in range(k)])
        mixed[-1] = 3.0
        add("mixed 1e300/-1e300/3", mixed)
        add("1e300 e0", 1e300 * e[0])
        add("1e200 (all)", np.full(k, 1e200))
        add("1e-300 (all)", np.full(k, 1e-300))
        for r in range(3):
            add(f"normal {r}", rng.standard_normal(k))
        add("normal x 30", 30 * rng.standard_normal(k))
        add("near e0 1e-6", e[0] + 1e-6 * rng.standard_normal(k))
        add("ones", np.ones(k))
    return out


def compute(z, dps):
    mp.dps = dps
    return softrmax_mp(z), softmax_mp(z)


def main():
    mp.dps = 50
    table = []
    for name, z in cases():
        (sr, sm) = compute(z, 100)
        (sr80, sm80) = compute(z, 150)
        for a, b in zip(sr + sm, sr80 + sm80):
            compare(a, b)
        mp.dps = 50
        k = len(z)
        moderate = np.max(np.abs(z)) < 1e3 and min(
            sum((z[j] - (1.0 if j == kk else 0.0)) ** 2 for j in range(k)) for kk in range(k)) > 1e-20
        if moderate:
            check_against_diff(z)
        table.append({
            "name": name,
            "z": [float(v) for v in z],
            "softRmax": {"p": rounded(sr[0]), "logp": rounded(sr[1]), "jacobian": rounded(sr[2]),
                         "logGradients": rounded(sr[3])},
            "softmax": {"p": rounded(sm[0]), "logp": rounded(sm[1]), "jacobian": rounded(sm[2]),
                        "logGradients": rounded(sm[3])},
        })
    doc = {
        "description": (
            "softRmax (Wang & Loog 2022 Eq. 12) and softmax posteriors, log-posteriors, Jacobians "
            "J_ij = dp_i/dz_j and log-posterior gradients (row y = d log p_y / dz) computed with "
            "mpmath (at 100 digits, checked at 150 digits to 1e-30 relative and, for moderate z, against mpmath.diff) "
            "from the exact binary64 inputs z, rounded once to binary64. Made by make_softrmax.py "
            f"(mpmath {mpmath.__version__}, numpy {np.__version__}). logGradients rows are null "
            "where undefined (z = e_m exactly, y != m). Non-finite values are the strings inf/-inf/nan."
        ),
        "cases": table,
    }
    with open(os.path.join(HERE, "softrmax.json"), "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(table)} cases")


if __name__ == "__main__":
    main()
