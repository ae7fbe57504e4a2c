"""JAX peer of cnn-bench: the paper's MNIST network (Network.paperMNIST) in JAX on CPU, float32,
jit-compiled. Prints JSON: steady-state training throughput (samples/s, batch 32, Adam 1e-3)
and FGSM throughput (samples/s, input gradient of the NLL + sign step) on random 28×28 inputs.

    python3 Scripts/CNNBench/jax_peer.py [steps]
"""
import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

LAYERS = [("conv", 8, "SAME"), ("pool",), ("conv", 16, "SAME"), ("pool",), ("conv", 32, "VALID"), ("conv", 64, "VALID"),
          ("flatten",), ("dense", 10)]


def init(key):
    params, c, hw = [], 1, 28
    for layer in LAYERS:
        if layer[0] == "conv":
            key, sub = jax.random.split(key)
            params.append((jax.random.normal(sub, (3, 3, c, layer[1]), jnp.float32) * np.sqrt(2 / (9 * c)),
                           jnp.zeros(layer[1], jnp.float32)))
            c = layer[1]
            hw = hw if layer[2] == "SAME" else hw - 2
        elif layer[0] == "pool":
            hw //= 2
        elif layer[0] == "dense":
            key, sub = jax.random.split(key)
            fan_in = hw * hw * c
            params.append((jax.random.normal(sub, (fan_in, layer[1]), jnp.float32) * np.sqrt(2 / fan_in),
                           jnp.zeros(layer[1], jnp.float32)))
    return params


def logits(params, x):
    a = x.reshape((-1, 28, 28, 1))
    i = 0
    for layer in LAYERS:
        if layer[0] == "conv":
            w, b = params[i]; i += 1
            a = jax.nn.relu(lax.conv_general_dilated(a, w, (1, 1), layer[2], dimension_numbers=("NHWC", "HWIO", "NHWC")) + b)
        elif layer[0] == "pool":
            a = lax.reduce_window(a, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        elif layer[0] == "flatten":
            a = a.reshape((a.shape[0], -1))
        else:
            w, b = params[i]; i += 1
            a = a @ w + b
    return a


def loss(params, x, y):
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits(params, x)), y[:, None], axis=1))


@jax.jit
def step(params, m, v, t, x, y):
    g = jax.grad(loss)(params, x, y)
    t = t + 1
    m = jax.tree_util.tree_map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
    v = jax.tree_util.tree_map(lambda a, b: 0.999 * a + 0.001 * b * b, v, g)
    lr = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
    params = jax.tree_util.tree_map(lambda p, a, b: p - lr * a / (jnp.sqrt(b) + 1e-8), params, m, v)
    return params, m, v, t


@jax.jit
def fgsm(params, x, y, eps):
    g = jax.grad(lambda xx: jnp.sum(-jnp.take_along_axis(jax.nn.log_softmax(logits(params, xx)), y[:, None], axis=1)))(x)
    return jnp.clip(x + eps * jnp.sign(g), 0, 1)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.uniform(0, 1, (steps * 32, 784)).astype(np.float32))
    y = jnp.asarray(rng.integers(0, 10, steps * 32))
    params = init(jax.random.PRNGKey(0))
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = jnp.float32(0)
    for i in range(20):  # compile and warm up
        params, m, v, t = step(params, m, v, t, x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32])
    jax.block_until_ready(params)
    start = time.perf_counter()
    for i in range(steps):
        params, m, v, t = step(params, m, v, t, x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32])
    jax.block_until_ready(params)
    train = steps * 32 / (time.perf_counter() - start)
    xa, ya = x[:1000], y[:1000]
    jax.block_until_ready(fgsm(params, xa, ya, 0.1))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        jax.block_until_ready(fgsm(params, xa, ya, 0.1))
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"trainSamplesPerSecond": train, "fgsmSamplesPerSecond": 1000 / best,
                      "parameters": int(sum(a.size + b.size for a, b in params))}))


if __name__ == "__main__":
    main()
