#!/usr/bin/env python3
"""Dask's per-task overhead for futures, the anchor rask's `futures` bench compares against.

On a ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` (start-up not
timed), measured:
  * round trip: ``client.submit(inc, i, pure=False).result()``, one after another,
    ``--trips`` times (default 200); seconds per round trip;
  * map: ``client.gather(client.map(inc, range(N), pure=False))`` for N trivial items
    (default 100,000); seconds per item, best of ``--repeat`` (default 1).

Prints exactly one JSON object on stdout (a table goes to stderr). Needs distributed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def inc(x):
    return x + 1


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="items for map (default 100000)")
    p.add_argument("--trips", type=int, default=200, help="submit/result round trips (default 200)")
    p.add_argument("--repeat", type=int, default=1, help="map runs, best kept (default 1)")
    args = p.parse_args(argv)

    import dask
    import distributed
    from distributed import Client, LocalCluster

    log(f"distributed {distributed.__version__}: LocalCluster(2 workers x 1 thread), "
        f"{args.trips} round trips, map over {args.n} items")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(inc, 0, pure=False).result()  # warm up
        t0 = time.perf_counter()
        for i in range(args.trips):
            assert client.submit(inc, i, pure=False).result() == i + 1
        trip = (time.perf_counter() - t0) / args.trips
        log(f"  submit + result: {trip * 1e3:.3f} ms per round trip")

        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = client.gather(client.map(inc, range(args.n), pure=False))
            best = min(best, time.perf_counter() - t0)
            assert sum(out) == args.n * (args.n + 1) // 2
            del out
        per_item = best / args.n
        log(f"  map + gather: {best:.2f} s, {per_item * 1e6:.1f} us per item")

    print(json.dumps({
        "round_trip_us": round(trip * 1e6, 3),
        "map_us_per_item": round(per_item * 1e6, 3),
        "map_items": args.n,
        "trips": args.trips,
        "dask_version": dask.__version__,
        "distributed_version": distributed.__version__,
        "cpu_count": os.cpu_count(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
