#!/usr/bin/env python3
"""Reference fits of the multinomial linear (softmax) classifier on iris.

Writes regressor.json next to this script. The iris data shipped with scikit-learn are
standardised column-wise (mean 0, population standard deviation 1, as StandardScaler).
For each weight decay lambda, scikit-learn's LogisticRegression (multinomial, lbfgs) is
fitted with C = 1/(n lambda): its objective  sum_i loss_i + ||W||^2/(2C)  is then n times
the objective  -(1/n) sum_i log p_{y_i} + (lambda/2)||W||^2  that Polytail minimises
(intercepts unpenalised in both). The solver runs to tol = 1e-12.
scikit-learn stops with a gradient of about 1e-8 (posteriors good to ~1e-7), so its solution
is also polished by Newton steps (Hessian by central differences of the analytic gradient,
pseudo-inverse because the intercepts are shift invariant) until the gradient is below
1e-14; the polished posteriors must agree with scikit-learn's to 1e-6 and with an
independent scipy.optimize.minimize L-BFGS-B run to 1e-6, or the script stops.
Stored: the data, the labels, and for each lambda scikit-learn's coefficients W (k x d),
intercepts b and posteriors (n x k), the polished posteriors and objective value.
"""
import json
import os

import numpy as np
import scipy
import scipy.optimize
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))


def objective(theta, x, y, k, lam):
    n, d = x.shape
    w = theta[: k * d].reshape(k, d)
    b = theta[k * d:]
    z = x @ w.T + b
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    value = -logp[np.arange(n), y].mean() + 0.5 * lam * (w * w).sum()
    p = np.exp(logp)
    g = p.copy()
    g[np.arange(n), y] -= 1
    g /= n
    gw = g.T @ x + lam * w
    gb = g.sum(axis=0)
    return value, np.concatenate([gw.ravel(), gb])


def main():
    iris = load_iris()
    x = iris.data.astype(np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = iris.target.astype(int)
    n, d = x.shape
    k = 3
    fits = []
    for lam in (1e-2, 1e-3):
        model = LogisticRegression(C=1.0 / (n * lam), solver="lbfgs", tol=1e-12, max_iter=100000)
        model.fit(x, y)
        w, b = model.coef_, model.intercept_
        p = model.predict_proba(x)
        theta = np.concatenate([w.ravel(), b])
        value, grad = objective(theta, x, y, k, lam)
        res = scipy.optimize.minimize(objective, np.zeros(k * d + k), args=(x, y, k, lam), jac=True,
                                      method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-16, "maxiter": 100000})
        w2 = res.x[: k * d].reshape(k, d)
        z2 = x @ w2.T + res.x[k * d:]
        p2 = np.exp(z2 - z2.max(axis=1, keepdims=True))
        p2 /= p2.sum(axis=1, keepdims=True)
        polished = theta.copy()
        for _ in range(20):
            value, grad = objective(polished, x, y, k, lam)
            if np.abs(grad).max() < 1e-14:
                break
            h = 1e-5
            hess = np.array([(objective(polished + h * e, x, y, k, lam)[1] - objective(polished - h * e, x, y, k, lam)[1]) / (2 * h)
                             for e in np.eye(len(polished))])
            polished = polished - np.linalg.pinv(0.5 * (hess + hess.T), rcond=1e-12) @ grad
        value, grad = objective(polished, x, y, k, lam)
        assert np.abs(grad).max() < 1e-13, np.abs(grad).max()
        w3 = polished[: k * d].reshape(k, d)
        z3 = x @ w3.T + polished[k * d:]
        p3 = np.exp(z3 - z3.max(axis=1, keepdims=True))
        p3 /= p3.sum(axis=1, keepdims=True)
        gap = np.abs(p3 - p2).max()
        assert gap < 1e-6, f"polished and scipy disagree by {gap} at lambda = {lam}"
        assert np.abs(p3 - p).max() < 1e-6, f"polished and sklearn disagree at lambda = {lam}"
        fits.append({
            "weightDecay": lam,
            "C": 1.0 / (n * lam),
            "weights": w.tolist(),
            "bias": b.tolist(),
            "posteriors": p.tolist(),
            "polishedPosteriors": p3.tolist(),
            "objective": float(value),
            "polishedGradientNorm": float(np.abs(grad).max()),
            "sklearnGradientNorm": float(np.abs(objective(theta, x, y, k, lam)[1]).max()),
            "scipyAgreement": float(gap),
        })
    doc = {
        "description": (
            "Iris (scikit-learn's copy), standardised columns; multinomial logistic regression fitted by "
            f"scikit-learn {sklearn.__version__} LogisticRegression(solver='lbfgs', tol=1e-12, C=1/(n*lambda)), "
            f"confirmed by scipy {scipy.__version__} L-BFGS-B on -(1/n) sum log p_y + (lambda/2)||W||^2 "
            "(posteriors agree to scipyAgreement); polishedPosteriors/objective after Newton polishing to a gradient "
            "below 1e-13. Made by make_regressor.py."
        ),
        "features": x.tolist(),
        "labels": y.tolist(),
        "classes": k,
        "fits": fits,
    }
    with open(os.path.join(HERE, "regressor.json"), "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    for f in fits:
        print(f"lambda {f['weightDecay']}: objective {f['objective']:.15f}, sklearn |grad| {f['sklearnGradientNorm']:.2e}, "
              f"polished |grad| {f['polishedGradientNorm']:.2e}, "
              f"scipy gap {f['scipyAgreement']:.2e}")


if __name__ == "__main__":
    main()
