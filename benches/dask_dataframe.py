"""Dask's time for the seed query, the anchor of benches/dataframe.rs.

read_csv(glob) -> filter response_len >= 500 -> groupby category -> mean score, on the files
benches/dataframe.rs generated. Prints one JSON object: seconds (best of --repeat), peak_mib
(this process's peak resident memory), groups, dask_version.

    python benches/dask_dataframe.py --pattern 'target/bench-data/seed-8x2000000/*.csv'
"""

import argparse
import json
import resource
import sys
import time

import dask
import dask.dataframe as dd


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--pattern", required=True)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    best = float("inf")
    groups = 0
    for _ in range(max(1, args.repeat)):
        t = time.perf_counter()
        df = dd.read_csv(args.pattern)
        out = df[df.response_len >= 500].groupby("category").score.mean().compute()
        best = min(best, time.perf_counter() - t)
        groups = len(out)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"dask {dask.__version__}: {best:.2f} s, peak {peak_mib:.0f} MiB, {groups} groups", file=sys.stderr)
    print(json.dumps({"seconds": best, "peak_mib": peak_mib, "groups": groups, "dask_version": dask.__version__}))


if __name__ == "__main__":
    main()
