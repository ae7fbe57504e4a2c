"""Reference values for the experiment layer's small statistics (PolytailExperiments).

numpy's quantile (default 'linear' method = R's type 7), sample standard deviation (ddof=1)
and histogram (last bin closed) on a few fixed samples. Writes experiments.json.

    python3 Tests/Fixtures/make_experiments.py
"""
import json
import os

import numpy as np

samples = {
    "odd": [3.0, -1.0, 2.5, 10.0, 0.0],
    "even": [0.25, 0.5, 0.75, 1.0, 2.0, 8.0],
    "fractions": [0.9, 0.95, 1.0, 0.875],
}
quantiles = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
out = {"quantiles": [], "meanSD": [], "histograms": []}
for name, values in samples.items():
    v = np.array(values)
    out["quantiles"].append({"name": name, "values": values, "q": quantiles,
                             "expected": [float(np.quantile(v, q)) for q in quantiles]})
    out["meanSD"].append({"name": name, "values": values, "mean": float(v.mean()), "sd": float(v.std(ddof=1))})
for name, values, lo, hi, bins in [("odd", samples["odd"], -1.0, 10.0, 4), ("even", samples["even"], 0.0, 2.0, 8),
                                   ("fractions", samples["fractions"], 0.8, 1.0, 2)]:
    counts, edges = np.histogram(np.array(values), bins=bins, range=(lo, hi))
    out["histograms"].append({"name": name, "values": values, "lower": lo, "upper": hi, "bins": bins,
                              "edges": [float(e) for e in edges], "counts": [float(c) for c in counts]})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "experiments.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
