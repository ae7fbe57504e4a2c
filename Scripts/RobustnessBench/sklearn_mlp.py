#!/usr/bin/env python3
"""Peer for robustness-bench: scikit-learn's MLPClassifier (Adam, ReLU, softmax) on the
same data, and FGSM/BIM written in numpy on its fitted weights.

    sklearn_mlp.py dump DIR          write the 8x8 digits split as DIR/digits_{train,test}.{x,y}
    sklearn_mlp.py run DIR CONFIG    train/attack on every data set listed in CONFIG (JSON)

Features are float64 row-major (.x), labels int64 (.y), raw little-endian. One JSON line
per data set goes to stdout; progress to stderr.
"""
import json
import sys
import time

import numpy as np


def dump(directory):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data / 16.0  # pixels in [0, 1]
    y = digits.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=360, random_state=0, stratify=y)
    for name, a in [("train.x", xtr), ("test.x", xte), ("train.y", ytr), ("test.y", yte)]:
        np.ascontiguousarray(a).tofile(f"{directory}/digits_{name}")
    print(json.dumps({"rows": len(ytr), "testRows": len(yte), "columns": x.shape[1]}))


def load(directory, name, columns):
    xtr = np.fromfile(f"{directory}/{name}_train.x", dtype=np.float64).reshape(-1, columns)
    xte = np.fromfile(f"{directory}/{name}_test.x", dtype=np.float64).reshape(-1, columns)
    ytr = np.fromfile(f"{directory}/{name}_train.y", dtype=np.int64)
    yte = np.fromfile(f"{directory}/{name}_test.y", dtype=np.int64)
    return xtr, ytr, xte, yte


def input_gradient(model, x, y):
    """d/dx of the per-sample NLL -log softmax_y(z) through the fitted ReLU network."""
    activations = [x]
    for i, (w, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        z = activations[-1] @ w + b
        activations.append(np.maximum(z, 0) if i < len(model.coefs_) - 1 else z)
    z = activations[-1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = p
    delta[np.arange(len(y)), y] -= 1
    for i in range(len(model.coefs_) - 1, -1, -1):
        delta = delta @ model.coefs_[i].T
        if i > 0:
            delta = delta * (activations[i] > 0)
    return delta


def fgsm(model, x, y, eps):
    return np.clip(x + eps * np.sign(input_gradient(model, x, y)), 0, 1)


def bim(model, x, y, eps, steps):
    alpha = eps / steps
    adv = x.copy()
    for _ in range(steps):
        adv = adv + alpha * np.sign(input_gradient(model, adv, y))
        adv = np.clip(np.clip(adv, x - eps, x + eps), 0, 1)
    return adv


def run(directory, config):
    from sklearn.neural_network import MLPClassifier
    import warnings
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    for c in config["datasets"]:
        xtr, ytr, xte, yte = load(directory, c["name"], c["columns"])
        print(f"scikit-learn MLPClassifier on {c['name']} ({len(ytr)} rows, {c['epochs']} epochs) ...", file=sys.stderr)
        model = MLPClassifier(hidden_layer_sizes=tuple(c["hidden"]), activation="relu", solver="adam",
                              alpha=c["weightDecay"], batch_size=c["batchSize"], learning_rate_init=c["learningRate"],
                              max_iter=c["epochs"], shuffle=True, random_state=c["seed"], tol=0.0,
                              n_iter_no_change=c["epochs"] + 1, early_stopping=False)
        start = time.perf_counter()
        model.fit(xtr, ytr)
        train_seconds = time.perf_counter() - start
        accuracy = float((model.predict(xte) == yte).mean())
        eps = c["epsilon"]
        best_fgsm = best_bim = float("inf")
        for _ in range(c["repeats"]):
            start = time.perf_counter()
            adv = fgsm(model, xte, yte, eps)
            best_fgsm = min(best_fgsm, time.perf_counter() - start)
        fgsm_accuracy = float((model.predict(adv) == yte).mean())
        for _ in range(c["repeats"]):
            start = time.perf_counter()
            adv = bim(model, xte, yte, eps, c["bimSteps"])
            best_bim = min(best_bim, time.perf_counter() - start)
        bim_accuracy = float((model.predict(adv) == yte).mean())
        print(json.dumps({"name": c["name"], "epochs": int(model.n_iter_), "trainSeconds": train_seconds,
                          "testAccuracy": accuracy, "fgsmSeconds": best_fgsm, "fgsmAccuracy": fgsm_accuracy,
                          "bimSeconds": best_bim, "bimAccuracy": bim_accuracy}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        with open(sys.argv[3]) as f:
            run(sys.argv[2], json.load(f))
