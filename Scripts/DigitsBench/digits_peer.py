#!/usr/bin/env python3
"""Peer timings for Scripts/DigitsBench (launched by `swift run -c release digits-bench`).

Usage: digits_peer.py FOLDER REPEATS
Times, best of REPEATS, the same work the Swift side does:
- sklearn.datasets.load_digits() (reads digits.csv.gz shipped with scikit-learn) and /16;
- reading t10k/train IDX image+label files from FOLDER with gzip + numpy.frombuffer,
  checking magic numbers and sizes, and scaling the pixels to float64 /255
  (what torchvision/keras-style readers do), for the plain and the gzipped copies.
Prints one JSON object {name: seconds} on stdout.
"""
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
from sklearn.datasets import load_digits


def best(repeats, fn):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def read_idx(path, ndim):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    assert magic == 0x800 | ndim, hex(magic)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    header = 4 + 4 * ndim
    assert len(data) == header + int(np.prod(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_mnist(folder, prefix, suffix):
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{suffix}"), 3)
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{suffix}"), 1)
    assert labels.max() <= 9 and len(labels) == len(images)
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return x, labels.astype(np.int64)


def main():
    folder, repeats = sys.argv[1], int(sys.argv[2])
    out = {
        "uci": best(repeats, lambda: load_digits().data / 16.0),
        "plain": best(repeats, lambda: read_mnist(os.path.join(folder, "plain"), "train", "")),
        "gzip": best(repeats, lambda: read_mnist(os.path.join(folder, "gzip"), "train", ".gz")),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
