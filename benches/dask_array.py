"""Dask's time for the seed's embeddings example, the anchor of benches/array.rs.

    x = da.from_zarr(store); n = da.linalg.norm(x, axis=1, keepdims=True); (x / n).compute()

on the float32 Zarr store benches/array.rs generated (threads scheduler, Dask's default for
arrays). Prints one JSON object: normalize_seconds (best of --repeat), checksum (the sum of
the result, to compare with rask's), dask_version.

    python benches/dask_array.py --store target/bench-data/embeddings-2000000x128.zarr
"""

import argparse
import json
import time

import dask
import dask.array as da


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--store", required=True)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    best = float("inf")
    checksum = 0.0
    for _ in range(max(1, args.repeat)):
        t = time.perf_counter()
        x = da.from_zarr(args.store)
        n = da.linalg.norm(x, axis=1, keepdims=True)
        out = (x / n).compute()
        best = min(best, time.perf_counter() - t)
        checksum = float(out.sum(dtype="float64"))
        del out
    print(json.dumps({"normalize_seconds": best, "checksum": checksum, "dask_version": dask.__version__}))


if __name__ == "__main__":
    main()
