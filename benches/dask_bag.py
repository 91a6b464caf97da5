"""dask.bag's times for word frequencies over JSON lines, the anchor of benches/bag.rs.

On the files benches/bag.rs generated (target/bench/logs/logs-*.jsonl):

    db.read_text(pattern).map(json.loads).pluck('message').map(str.split).flatten()
      .frequencies().topk(10, key=lambda x: x[1])

computed with Dask's default scheduler for bags (processes) and with threads.

Prints one JSON object: processes_seconds, threads_seconds (best of --repeat each),
top10 (the processes run's [word, count] pairs), dask_version.

    python benches/dask_bag.py --pattern 'target/bench/logs/logs-*.jsonl'
"""

import argparse
import json
import sys
import time

import dask
import dask.bag as db


def query(pattern: str):
    return (
        db.read_text(pattern)
        .map(json.loads)
        .pluck("message")
        .map(str.split)
        .flatten()
        .frequencies()
        .topk(10, key=lambda x: x[1])
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--pattern", required=True)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--schedulers", default="processes,threads")
    args = p.parse_args()
    out = {"dask_version": dask.__version__}
    for scheduler in args.schedulers.split(","):
        best = float("inf")
        top = None
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            top = query(args.pattern).compute(scheduler=scheduler)
            best = min(best, time.perf_counter() - t)
        print(f"dask {dask.__version__} bag, {scheduler}: {best:.2f} s", file=sys.stderr)
        out[f"{scheduler}_seconds"] = best
        out.setdefault("top10", [[w, int(c)] for w, c in top])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
