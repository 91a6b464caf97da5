"""Dask's times for the DataFrame queries, the anchors of benches/dataframe.rs.

On the files benches/dataframe.rs generated:
- seed: read_csv(glob) -> filter response_len >= 500 -> groupby category -> mean score;
- join: the rows merged with the users table on user_id (inner; the table is one partition,
  so Dask broadcasts it);
- sort: all rows sorted by score (sort_values), computed into one pandas frame.

With `--distributed N`, the queries run on a LocalCluster of N worker processes of one thread
each (the cluster of worker/benches/cluster.rs), started before the clock.

Prints one JSON object: {query}_seconds (best of --repeat), {query}_peak_mib (this
process's peak resident memory after the query; it only grows), {query}_rows, dask_version.

    python benches/dask_dataframe.py --pattern 'target/bench-data/seed-8x2000000/large_dataset_*.csv' \
        --users target/bench-data/users-100000.csv
"""

import argparse
import json
import resource
import sys
import time

import dask
import dask.dataframe as dd


def run(query: str, pattern: str, users: str):
    df = dd.read_csv(pattern)
    if query == "seed":
        return df[df.response_len >= 500].groupby("category").score.mean().compute()
    if query == "join":
        return df.merge(dd.read_csv(users), on="user_id", how="inner").compute()
    if query == "sort":
        return df.sort_values("score").compute()
    raise ValueError(query)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--pattern", required=True)
    p.add_argument("--users", required=True)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--queries", default="seed,join,sort")
    p.add_argument("--distributed", type=int, default=0, help="workers of a LocalCluster to run on")
    args = p.parse_args()
    out = {"dask_version": dask.__version__}
    if args.distributed:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=args.distributed, threads_per_worker=1, processes=True)
        client = Client(cluster)  # noqa: F841 (the default scheduler from now on)
    for query in args.queries.split(","):
        best = float("inf")
        rows = 0
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            result = run(query, args.pattern, args.users)
            best = min(best, time.perf_counter() - t)
            rows = len(result)
            del result
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"dask {dask.__version__} {query}: {best:.2f} s, peak {peak_mib:.0f} MiB, {rows} rows", file=sys.stderr)
        out.update({f"{query}_seconds": best, f"{query}_peak_mib": peak_mib, f"{query}_rows": rows})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
