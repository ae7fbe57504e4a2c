#!/usr/bin/env python3
"""Reference values for all-dense networks (multilayer perceptrons) (Wang & Loog 2022, §3.1.2, §4.2).

Writes mlp.json next to this script. Two fixed ReLU networks (5 -> 7 -> 3 and
4 -> 6 -> 5 -> 4) with numpy-seeded binary64 weights, and binary64 inputs in [0, 1]:
  * the logits z, evaluated in mpmath at 40 digits from the exact binary64 parameters;
  * softmax posteriors from scikit-learn's MLPClassifier.predict_proba, with the same
    weights set into coefs_/intercepts_ (an independent float64 implementation);
  * per-sample NLL -log zeta_y(z) for softmax and softRmax (Eq. 8, 12), in mpmath;
  * per-sample input gradients d(-log zeta_y)/dx, the margin max_{i!=y} z_i - z_y and
    its gradient, by mpmath.diff (numerical differentiation at 40 digits: the networks
    are piecewise linear and no input is within 1e-6 of a ReLU kink, checked below).
"""
import json
import os
import warnings

import numpy as np
from mpmath import mp, mpf
import mpmath

HERE = os.path.dirname(os.path.abspath(__file__))
mp.dps = 40


def forward(weights, biases, x):
    a = [mpf(v) for v in x]
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = [sum(a[i] * mpf(w[i][j]) for i in range(len(a))) + mpf(b[j]) for j in range(len(b))]
        a = [max(v, mpf(0)) for v in z] if l < len(weights) - 1 else z
    return a


def pre_activations(weights, biases, x):
    a = [mpf(v) for v in x]
    out = []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = [sum(a[i] * mpf(w[i][j]) for i in range(len(a))) + mpf(b[j]) for j in range(len(b))]
        out.extend(z if l < len(weights) - 1 else [])
        a = [max(v, mpf(0)) for v in z]
    return out


def nll(z, y, output):
    k = len(z)
    if output == "softmax":
        m = max(z)
        return -(z[y] - m - mpmath.log(sum(mpmath.exp(v - m) for v in z)))
    d2 = [sum((z[j] - (1 if j == i else 0)) ** 2 for j in range(k)) for i in range(k)]
    return -(-mpmath.log(d2[y]) - mpmath.log(sum(1 / v for v in d2)))


def margin(z, y):
    return max(z[i] for i in range(len(z)) if i != y) - z[y]


def gradient(f, x):
    g = []
    for j in range(len(x)):
        def fj(t, j=j):
            xx = [mpf(v) for v in x]
            xx[j] = t
            return f(xx)
        g.append(float(mpmath.diff(fj, mpf(x[j]))))
    return g


def network(rng, sizes):
    weights = [rng.normal(0, np.sqrt(2 / sizes[l]), (sizes[l], sizes[l + 1])) for l in range(len(sizes) - 1)]
    biases = [rng.normal(0, 0.1, sizes[l + 1]) for l in range(len(sizes) - 1)]
    return weights, biases


def sklearn_proba(weights, biases, x, classes):
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=tuple(w.shape[1] for w in weights[:-1]), max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Fit once on dummy data to set up the internals, then install the weights.
        clf.fit(np.random.default_rng(0).random((classes * 2, weights[0].shape[0])), np.arange(classes * 2) % classes)
    clf.coefs_ = [w.copy() for w in weights]
    clf.intercepts_ = [b.copy() for b in biases]
    return clf.predict_proba(x)


def main():
    rng = np.random.default_rng(20220619)
    cases = []
    for sizes in [[5, 7, 3], [4, 6, 5, 4]]:
        weights, biases = network(rng, sizes)
        d, k = sizes[0], sizes[-1]
        x = rng.random((6, d))
        y = rng.integers(0, k, 6)
        rows = []
        for r in range(6):
            pre = pre_activations(weights, biases, x[r])
            assert min(abs(v) for v in pre) > 1e-6, "input too close to a ReLU kink"
            f = lambda xx: forward(weights, biases, xx)
            z = f(list(x[r]))
            row = {"logits": [float(v) for v in z]}
            for output in ["softmax", "softRmax"]:
                row[output] = {
                    "nll": float(nll(z, int(y[r]), output)),
                    "nllGradient": gradient(lambda xx: nll(f(xx), int(y[r]), output), list(x[r])),
                }
            row["margin"] = float(margin(z, int(y[r])))
            row["marginGradient"] = gradient(lambda xx: margin(f(xx), int(y[r])), list(x[r]))
            rows.append(row)
        proba = sklearn_proba(weights, biases, x, k)
        cases.append({
            "sizes": sizes,
            "weights": [w.tolist() for w in weights],
            "biases": [b.tolist() for b in biases],
            "x": x.tolist(),
            "labels": [int(v) for v in y],
            "sklearnSoftmax": proba.tolist(),
            "rows": rows,
        })
    out = {
        "description": "MLP references made by Tests/Fixtures/make_mlp.py: numpy-seeded ReLU networks; logits, "
                       "softmax/softRmax NLL and margins in mpmath (40 digits), input gradients by mpmath.diff, "
                       "softmax posteriors by scikit-learn MLPClassifier.predict_proba with the same weights.",
        "cases": cases,
    }
    with open(os.path.join(HERE, "mlp.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
