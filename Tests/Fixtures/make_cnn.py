"""Reference forward passes and gradients of small convolutional networks, by JAX.

Writes cnn.json for Tests/PolytailTests/Networks/NetworkReferenceTests.swift. For each case:
a layer sequence in Polytail's vocabulary (conv2D with stride 1 and 'same'/'valid' padding,
maxPool2D with stride = size and floor, flatten, dense; a ReLU after every layer with weights
but the last), seeded weights and inputs rounded to float32 (so both sides start from the same
numbers), labels, and for the softmax and softRmax heads (Wang & Loog 2022, Eq. 8 and 12):
the logits, the per-row NLL −log ζ_y(z), the gradient of the mean NLL in every parameter
(Polytail's flat order: each layer's W, fan-in × fan-out row-major, then its b) and the
per-row input gradients ∇ₓ(−log ζ_y). JAX computes in float64 (jax_enable_x64), with its own
convolution (lax.conv_general_dilated, NHWC/HWIO) and pooling (lax.reduce_window) and
automatic differentiation: nothing is shared with Polytail's im2col/col2im code.

    pip install jax numpy
    python3 Tests/Fixtures/make_cnn.py   # writes Tests/Fixtures/cnn.json
"""
import json
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

CASES = [
    ("conv same, pool, conv valid, dense", (6, 6, 2),
     [("conv2D", 3, 3, "same"), ("maxPool2D", 2), ("conv2D", 4, 2, "valid"), ("flatten",), ("dense", 3)]),
    ("conv valid, even-kernel conv same, pool 3, dense, dense", (7, 8, 1),
     [("conv2D", 2, 2, "valid"), ("conv2D", 3, 4, "same"), ("maxPool2D", 3), ("flatten",), ("dense", 5), ("dense", 4)]),
    ("the paper's MNIST layout with fewer channels", (28, 28, 1),
     [("conv2D", 2, 3, "same"), ("maxPool2D", 2), ("conv2D", 3, 3, "same"), ("maxPool2D", 2),
      ("conv2D", 3, 3, "valid"), ("conv2D", 4, 3, "valid"), ("flatten",), ("dense", 10)]),
]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def init(shape, layers, rng):
    params = []
    h, w, c = shape
    for layer in layers:
        if layer[0] == "conv2D":
            _, out, k, pad = layer
            fan_in = k * k * c
            params.append((f32(rng.normal(0, np.sqrt(2 / fan_in), (k, k, c, out))), f32(rng.normal(0, 0.1, out))))
            if pad == "valid":
                h, w = h - k + 1, w - k + 1
            c = out
        elif layer[0] == "maxPool2D":
            s = layer[1]
            h, w = h // s, w // s
        elif layer[0] == "flatten":
            h, w, c = 1, 1, h * w * c
        else:
            out = layer[1]
            fan_in = h * w * c
            params.append((f32(rng.normal(0, np.sqrt(2 / fan_in), (fan_in, out))), f32(rng.normal(0, 0.1, out))))
            h, w, c = 1, 1, out
    return params


def logits(params, x, shape, layers):
    a = x.reshape((x.shape[0],) + tuple(shape))
    i = 0
    last = max(j for j, l in enumerate(layers) if l[0] in ("conv2D", "dense"))
    for j, layer in enumerate(layers):
        if layer[0] == "conv2D":
            w, b = params[i]
            i += 1
            a = lax.conv_general_dilated(a, w, (1, 1), layer[3].upper(), dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
        elif layer[0] == "maxPool2D":
            s = layer[1]
            a = lax.reduce_window(a, -jnp.inf, lax.max, (1, s, s, 1), (1, s, s, 1), "VALID")
        elif layer[0] == "flatten":
            a = a.reshape((a.shape[0], -1))
        else:
            w, b = params[i]
            i += 1
            a = a.reshape((a.shape[0], -1)) @ w + b
        if layer[0] in ("conv2D", "dense") and j != last:
            a = jax.nn.relu(a)
    return a


def nll(z, y, head):
    k = z.shape[1]
    if head == "softmax":
        logp = jax.nn.log_softmax(z, axis=1)
    else:
        # softRmax, Eq. 12: p_i ∝ ‖z − e_i‖⁻², in the log domain.
        d2 = jnp.sum((z[:, None, :] - jnp.eye(k)[None, :, :]) ** 2, axis=2)
        s = -jnp.log(d2)
        logp = s - jax.scipy.special.logsumexp(s, axis=1, keepdims=True)
    return -jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0]


def flat(params):
    out = []
    for w, b in params:
        out += list(np.asarray(w).reshape(-1, w.shape[-1]).reshape(-1)) + list(np.asarray(b))
    return [float(v) for v in out]


def main():
    rng = np.random.default_rng(20221)
    cases = []
    for name, shape, layers in CASES:
        params = init(shape, layers, rng)
        n = 4
        d = int(np.prod(shape))
        x = f32(rng.uniform(0, 1, (n, d)))
        k = [l for l in layers if l[0] == "dense"][-1][1]
        y = rng.integers(0, k, n)
        case = {
            "name": name, "inputShape": list(shape),
            "layers": [list(l) for l in layers],
            "weights": [[float(v) for v in np.asarray(w).reshape(-1)] for w, _ in params],
            "biases": [[float(v) for v in b] for _, b in params],
            "x": x.tolist(), "labels": [int(v) for v in y],
        }
        for head in ("softmax", "softRmax"):
            z = logits(params, jnp.asarray(x), shape, layers)
            per_row = nll(z, jnp.asarray(y), head)
            mean_loss = lambda p: jnp.mean(nll(logits(p, jnp.asarray(x), shape, layers), jnp.asarray(y), head))
            grads = jax.grad(mean_loss)(params)
            input_grad = jax.grad(lambda xx: jnp.sum(nll(logits(params, xx, shape, layers), jnp.asarray(y), head)))(jnp.asarray(x))
            case[head] = {
                "logits": np.asarray(z).tolist(), "nll": np.asarray(per_row).tolist(),
                "parameterGradient": flat(grads), "inputGradient": np.asarray(input_grad).tolist(),
            }
        cases.append(case)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn.json")
    with open(out, "w") as f:
        json.dump({"description": "JAX float64 forward passes and gradients of small CNNs (make_cnn.py)", "cases": cases}, f)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
