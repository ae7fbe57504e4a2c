#!/usr/bin/env python3
"""Reference inference for the softmax linear classifier: statsmodels MNLogit and Logit.

Writes classifier_inference.json next to this script, for
Tests/PolytailTests/Classifiers/LinearClassifierInferenceTests.swift. Needs numpy and
statsmodels (pip install statsmodels).

Each case is a seeded, non-separable data set (Gaussian classes whose clouds overlap, the
variables on different scales and correlated); the design is sm.add_constant(X) (intercept
first). statsmodels fits by Newton's method (method="newton", tol=1e-14) and the script
checks that the score is below 1e-9 and the fit converged, or stops. Stored per case:
- observations (n x d), labels (0 ..< k);
- params: (d + 1) x (k - 1), column i - 1 the log odds of class i against class 0 (intercept
  first), as MNLogit's params; bse the same shape (square roots of the diagonal of the
  inverse negative Hessian, statsmodels' default covariance);
- cov: the covariance of params.ravel(order="F") (class by class, intercept first);
- confInt95: conf_int(alpha=0.05) rows in the same order, [lower, upper];
- llf, aic, bic (statsmodels counts (d + 1)(k - 1) parameters, BIC with log n).
For the binary case the same quantities come from sm.Logit (k = 2, one column), and the
script checks that MNLogit agrees with Logit to 1e-8.
"""
import json
import os

import numpy as np
import statsmodels
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261130)


def overlapping(n, centres, scales, mixing):
    """n rows in round-robin classes: centre[y] + (standard normal * scales) @ mixing."""
    k = len(centres)
    d = len(scales)
    y = np.arange(n) % k
    z = rng.normal(size=(n, d)) * np.asarray(scales)
    x = np.asarray(centres)[y] + z @ np.asarray(mixing)
    return x, y


def record(name, model, x, y, k, result, params, bse, ci, score):
    """One fixture case: the data and statsmodels' results (params and bse (d + 1) x (k - 1))."""
    return {
        "name": name,
        "model": model,
        "observations": x.tolist(),
        "labels": y.tolist(),
        "classCount": k,
        "params": params.tolist(),
        "bse": bse.tolist(),
        "cov": np.asarray(result.cov_params()).tolist(),
        "confInt95": ci.tolist(),
        "llf": float(result.llf),
        "aic": float(result.aic),
        "bic": float(result.bic),
        "score": float(np.max(np.abs(score))),
    }


def fitted(name, model, y, design):
    """statsmodels' Newton fit, refused unless converged with a score below 1e-9."""
    result = model(y, design).fit(method="newton", maxiter=200, tol=1e-14, disp=0)
    score = result.model.score(np.asarray(result.params).ravel(order="F"))
    if not result.mle_retvals["converged"] or np.max(np.abs(score)) > 1e-9:
        raise SystemExit(f"{name}: {model.__name__} did not converge (score {np.max(np.abs(score))})")
    return result, score


def mnlogit_case(name, x, y):
    design = sm.add_constant(x, prepend=True)
    k = int(y.max()) + 1
    result, score = fitted(name, sm.MNLogit, y, design)
    params = np.asarray(result.params)
    bse = np.asarray(result.bse)
    # conf_int of MNLogit is ((k - 1), (d + 1), 2) here; flatten class by class.
    ci = np.asarray(result.conf_int(alpha=0.05)).reshape(-1, 2)
    if not np.allclose(ci[:, 0], params.ravel(order="F") - 1.959963984540054 * bse.ravel(order="F"), rtol=1e-12, atol=1e-12):
        raise SystemExit(f"{name}: conf_int is not in params.ravel(order='F') order")
    return record(name, "MNLogit", x, y, k, result, params, bse, ci, score)


def logit_case(name, x, y):
    design = sm.add_constant(x, prepend=True)
    result, score = fitted(name, sm.Logit, y, design)
    multinomial, _ = fitted(name, sm.MNLogit, y, design)
    if not np.allclose(np.asarray(multinomial.params).ravel(), result.params, rtol=1e-8, atol=1e-10):
        raise SystemExit(f"{name}: MNLogit and Logit disagree")
    column = np.asarray(result.params).reshape(-1, 1)
    return record(name, "Logit", x, y, 2, result, column, np.asarray(result.bse).reshape(-1, 1),
                  np.asarray(result.conf_int(alpha=0.05)), score)


cases = []
# Three classes, two variables on different scales, strongly overlapping clouds.
x, y = overlapping(240, [[0.0, 0.0], [1.0, 0.5], [0.3, 1.5]], [1.0, 2.0], [[1.0, 0.3], [0.0, 1.0]])
cases.append(mnlogit_case("three classes, d = 2", x, y))
# Four classes, three correlated variables.
x, y = overlapping(400, [[0.0, 0.0, 0.0], [0.8, 0.0, -0.5], [0.0, 1.0, 0.5], [-0.6, -0.6, 1.0]],
                   [1.0, 0.5, 3.0], [[1.0, 0.2, 0.0], [0.4, 1.0, 0.0], [0.0, 0.3, 1.0]])
cases.append(mnlogit_case("four classes, d = 3", x, y))
# Two classes (statsmodels Logit), two variables.
x, y = overlapping(150, [[0.0, 0.0], [1.2, -0.7]], [1.0, 1.5], [[1.0, 0.5], [0.0, 1.0]])
cases.append(logit_case("binary, d = 2", x, y))

out = {
    "description": "statsmodels MNLogit / Logit fits (Newton, tol 1e-14) on seeded overlapping classes; "
                   "made by Tests/Fixtures/make_classifier_inference.py",
    "versions": {"numpy": np.__version__, "statsmodels": statsmodels.__version__},
    "cases": cases,
}
with open(os.path.join(HERE, "classifier_inference.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote classifier_inference.json:", ", ".join(f"{c['name']} (score {c['score']:.1e})" for c in cases))
