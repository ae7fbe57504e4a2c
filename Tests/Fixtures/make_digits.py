#!/usr/bin/env python3
"""Reference values for Tests/PolytailTests/Data (the bundled digits and IDX files).
Writes Tests/Fixtures/digits.json.

Independent sources:
- scikit-learn's load_digits (scikit-learn 1.9.1), read here directly, not through the
  Swift table: labels, per-image pixel sums (counts 0...16), class counts, the first image,
  the mean image (counts / 16) and a SHA-256 of pixel bytes + label bytes.
- An IDX file built byte by byte with Python's struct module (big-endian header, as in
  LeCun's MNIST page) from the first 5 digits scaled to bytes as round(count / 16 * 255),
  written as hex; the Swift writer must produce the same bytes.
"""
import hashlib
import json
import os
import struct

import numpy as np
import sklearn
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))

digits = load_digits()
X = np.asarray(digits.data).astype(np.int64)
y = np.asarray(digits.target).astype(np.int64)
sha = hashlib.sha256(X.astype(np.uint8).tobytes() + y.astype(np.uint8).tobytes()).hexdigest()

first5 = X[:5]
pix = np.floor(first5 / 16 * 255 + 0.5).astype(np.uint8)
images_idx = struct.pack(">IIII", 0x00000803, 5, 8, 8) + pix.tobytes()
labels_idx = struct.pack(">II", 0x00000801, 5) + y[:5].astype(np.uint8).tobytes()

out = {
    "description": (
        "Made by Tests/Fixtures/make_digits.py from scikit-learn "
        f"{sklearn.__version__} sklearn.datasets.load_digits (UCI ML hand-written digits, "
        "CC BY 4.0, Alpaydin & Kaynak 1998): labels, per-image sums and position-weighted sums (sum of (j+1)*count_j) of the 0..16 pixel counts, "
        "class counts, first image, mean image of counts/16, SHA-256 of uint8 pixels then labels; "
        "and IDX bytes (hex) of the first 5 images (round(count/16*255)) and labels built with struct."
    ),
    "count": int(X.shape[0]),
    "rows": 8,
    "columns": 8,
    "labels": y.tolist(),
    "pixelSums": X.sum(axis=1).tolist(),
    "pixelWeightedSums": (X * np.arange(1, 65)).sum(axis=1).tolist(),
    "classCounts": np.bincount(y, minlength=10).tolist(),
    "firstImage": X[0].tolist(),
    "meanImage": (X / 16.0).mean(axis=0).tolist(),
    "sha256": sha,
    "idxImagesFirst5Hex": images_idx.hex(),
    "idxLabelsFirst5Hex": labels_idx.hex(),
}
with open(os.path.join(HERE, "digits.json"), "w") as f:
    json.dump(out, f, indent=1, separators=(',', ': '))
print("wrote digits.json", sha)
