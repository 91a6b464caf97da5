"""Dask-ML's and scikit-learn's figures, the anchors of ml/benches/ml.rs, on the .npy files
that benchmark wrote (the same rows on both sides).

1. GridSearchCV of LogisticRegression over 12 parameter sets (C in 6 values × fit_intercept)
   × 5 folds (KFold, in row order) on the grid data (200,000 × 20): dask-ml's GridSearchCV
   (threads scheduler), and scikit-learn's own GridSearchCV(n_jobs=-1) for reference.
2. KMeans (k=8, k-means||) on the big data (2,000,000 × 16, 8 partitions): dask-ml.
3. LogisticRegression (C=1) on the big data, 8 partitions: dask-ml (its default solver).

Data is read and persisted before the clock starts. Prints one JSON object with the seconds
of each, the best parameters and scores, the inertia (sum of squared distances) and the
accuracy, and the versions. The inertia is the sum of squared distances to the nearest
centre (dask-ml's own `inertia_` sums plain distances).

    python benches/dask_learn.py --dir target/bench-data/ml
"""

import argparse
import json
import time
from pathlib import Path

import dask
import dask.array as da
import dask_ml
import numpy as np
import sklearn
from dask_ml.cluster import KMeans
from dask_ml.linear_model import LogisticRegression as DaskLogisticRegression
from dask_ml.model_selection import GridSearchCV as DaskGridSearchCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.model_selection import GridSearchCV, KFold

CS = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]


def grid(d: Path, out: dict) -> None:
    x = np.load(d / "grid_x.npy")
    y = np.load(d / "grid_y.npy")
    params = {"C": CS, "fit_intercept": [True, False]}
    for name, cls, extra in [("dask_ml", DaskGridSearchCV, {}), ("sklearn", GridSearchCV, {"n_jobs": -1})]:
        search = cls(LogisticRegression(), params, cv=KFold(5), refit=False, **extra)
        t = time.perf_counter()
        search.fit(x, y)
        out[f"grid_{name}_seconds"] = time.perf_counter() - t
        scores = search.cv_results_["mean_test_score"]
        best = int(np.argmax(scores))
        out[f"grid_{name}_best_score"] = float(scores[best])
        out[f"grid_{name}_best_C"] = float(search.cv_results_["params"][best]["C"])


def big(d: Path, out: dict) -> None:
    x = np.load(d / "big_x.npy")
    y = np.load(d / "big_y.npy")
    rows = x.shape[0] // 8
    dx = da.from_array(x, chunks=(rows, x.shape[1])).persist()
    dy = da.from_array(y, chunks=rows).persist()

    t = time.perf_counter()
    km = KMeans(n_clusters=8, init="k-means||", random_state=0).fit(dx)
    out["kmeans_seconds"] = time.perf_counter() - t
    # dask-ml's inertia_ sums plain distances; the sum of squared distances (scikit-learn's
    # inertia, and rask-ml's) is computed here from its centres
    _, dist = pairwise_distances_argmin_min(x, km.cluster_centers_)
    out["kmeans_inertia"] = float((dist**2).sum())
    out["kmeans_iterations"] = int(km.n_iter_)

    t = time.perf_counter()
    lr = DaskLogisticRegression(C=1.0).fit(dx, dy)
    out["logistic_seconds"] = time.perf_counter() - t
    out["logistic_accuracy"] = float((lr.predict(dx) == dy).mean().compute())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dir", required=True)
    args = p.parse_args()
    d = Path(args.dir)
    out = {"dask_version": dask.__version__, "dask_ml_version": dask_ml.__version__, "sklearn_version": sklearn.__version__}
    grid(d, out)
    big(d, out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
