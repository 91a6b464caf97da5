#!/usr/bin/env python3
"""Dask's per-task scheduling overhead, the anchor rask's `overhead` bench compares against.

The graph is Dask's own overhead example: N independent ``inc`` tasks
(``inc(i) = i + 1`` for ``i in range(N)``) reduced by a tree of ``add`` over groups
of 8 (each ``add`` sums up to 8 inputs; levels repeat until one key remains).
For N = 100,000 that is 100,000 + 12,500 + 1,563 + 196 + 25 + 4 + 1 = 114,289 tasks
and the final sum is 5,000,050,000.

Measured, each as the best of several runs, divided by the total number of tasks:
  * building the raw graph as a plain dict ``{key: (func, *args)}``;
  * building the same graph through ``dask.delayed(..., pure=True)`` calls;
  * ``dask.threaded.get(dsk, root, num_workers=os.cpu_count())``;
  * ``dask.local.get_sync(dsk, root)``;
  * with ``--distributed``: ``Client(LocalCluster(n_workers=2, threads_per_worker=1,
    processes=True))`` and ``client.get(dsk, root)`` (cluster start-up not timed; best of
    ``--dist-repeat``, default 1, since one run takes minutes on 2 cores).

A table goes to stdout, or to stderr with ``--json``, which then prints exactly one
JSON object on stdout. Needs only dask (and distributed for ``--distributed``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time

import dask
import dask.local
import dask.threaded

FAN_IN = 8


def inc(i):
    return i + 1


def add(*args):
    return sum(args)


def expected_tasks(n: int) -> int:
    """Task count of the tree, computed arithmetically (independent of the builders)."""
    total, width = n, n
    while width > 1:
        width = -(-width // FAN_IN)  # ceil
        total += width
    return total


def expected_sum(n: int) -> int:
    return n * (n + 1) // 2  # sum(i + 1 for i in range(n))


def build_dict(n: int):
    """Raw graph: keys ('inc', i) and ('add', level, j). Returns (dsk, root_key)."""
    dsk = {}
    keys = []
    for i in range(n):
        k = ("inc", i)
        dsk[k] = (inc, i)
        keys.append(k)
    level = 0
    while len(keys) > 1:
        level += 1
        nxt = []
        for j, start in enumerate(range(0, len(keys), FAN_IN)):
            k = ("add", level, j)
            dsk[k] = (add, *keys[start : start + FAN_IN])
            nxt.append(k)
        keys = nxt
    return dsk, keys[0]


def build_delayed(n: int):
    """Same tree through dask.delayed; returns the root Delayed."""
    d_inc = dask.delayed(inc, pure=True)
    d_add = dask.delayed(add, pure=True)
    values = [d_inc(i) for i in range(n)]
    while len(values) > 1:
        values = [d_add(*values[s : s + FAN_IN]) for s in range(0, len(values), FAN_IN)]
    return values[0]


def best_of(repeat: int, fn, check=None):
    """Best wall time (seconds) of `repeat` calls of fn(); check(result) after each."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        if check is not None:
            check(result)
        del result
        best = min(best, dt)
    return best


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=int(os.environ.get("RASK_BENCH_N", 100_000)),
                   help="number of inc tasks (default 100000, or $RASK_BENCH_N)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs per graph-construction measurement, best is kept (default 3)")
    p.add_argument("--run-repeat", type=int, default=None,
                   help="runs per scheduler measurement (default: same as --repeat)")
    p.add_argument("--distributed", action="store_true",
                   help="also time distributed.Client on a 2-process LocalCluster "
                        "(slow: ~200 s per run at N=100000 on 2 cores)")
    p.add_argument("--dist-repeat", type=int, default=1,
                   help="runs for the distributed measurement (default 1: it is slow)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout; the table goes to stderr")
    args = p.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        p.error("--n and --repeat must be >= 1")
    run_repeat = args.run_repeat if args.run_repeat is not None else args.repeat
    out = sys.stderr if args.json else sys.stdout
    num_workers = os.cpu_count() or 1

    n = args.n
    tasks = expected_tasks(n)
    want = expected_sum(n)

    # Check the tree shape before timing anything.
    dsk, root = build_dict(n)
    assert len(dsk) == tasks, (len(dsk), tasks)
    if n == 100_000:
        assert tasks == 114_289, tasks
        assert want == 5_000_050_000, want

    def check_sum(result):
        assert result == want, (result, want)

    log(f"dask {dask.__version__}: N={n} inc tasks, {tasks} tasks in total; "
        f"best of {args.repeat} (build) / {run_repeat} (schedulers)")

    t_dict = best_of(args.repeat, lambda: build_dict(n))

    def check_delayed(root_delayed):
        assert len(root_delayed.__dask_graph__()) == tasks

    t_delayed = best_of(args.repeat, lambda: build_delayed(n), check_delayed)
    log(f"  build: dict {t_dict:.3f} s, delayed {t_delayed:.3f} s")

    t_threaded = best_of(
        run_repeat, lambda: dask.threaded.get(dsk, root, num_workers=num_workers), check_sum
    )
    log(f"  dask.threaded.get: {t_threaded:.3f} s")
    t_sync = best_of(run_repeat, lambda: dask.local.get_sync(dsk, root), check_sum)
    log(f"  dask.local.get_sync: {t_sync:.3f} s")

    t_dist = None
    dist_version = None
    if args.distributed:
        import distributed
        from distributed import Client, LocalCluster

        dist_version = distributed.__version__
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            t_dist = best_of(args.dist_repeat, lambda: client.get(dsk, root), check_sum)
        log(f"  distributed Client.get: {t_dist:.3f} s")

    us = lambda seconds: None if seconds is None else round(seconds / tasks * 1e6, 3)
    result = {
        "n_inc": n,
        "tasks": tasks,
        "build_dict_us_per_task": us(t_dict),
        "build_delayed_us_per_task": us(t_delayed),
        "threaded_us_per_task": us(t_threaded),
        "sync_us_per_task": us(t_sync),
        "distributed_us_per_task": us(t_dist),
        "dask_version": dask.__version__,
        # Context (extra keys; readers may ignore them).
        "distributed_version": dist_version,
        "python_version": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "threaded_num_workers": num_workers,
        "repeat_build": args.repeat,
        "repeat_schedulers": run_repeat,
        "repeat_distributed": args.dist_repeat if args.distributed else None,
        "final_sum": want,
    }

    rows = [
        ("build graph: plain dict", t_dict, args.repeat),
        ("build graph: dask.delayed(pure=True)", t_delayed, args.repeat),
        (f"dask.threaded.get ({num_workers} workers)", t_threaded, run_repeat),
        ("dask.local.get_sync", t_sync, run_repeat),
    ]
    if t_dist is not None:
        rows.append(("distributed Client.get (2 procs x 1 thread)", t_dist, args.dist_repeat))
    print(f"\nDask {dask.__version__} overhead, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs: N={n:,} inc + add tree (fan-in {FAN_IN}) = {tasks:,} tasks, "
          f"sum {want:,}", file=out)
    print(f"{'measurement':<46} {'best s':>9} {'us/task':>9} {'runs':>5}", file=out)
    print("-" * 72, file=out)
    for name, sec, reps in rows:
        print(f"{name:<46} {sec:>9.3f} {sec / tasks * 1e6:>9.2f} {reps:>5}", file=out)
    if not args.distributed:
        print(f"{'distributed Client.get':<46} {'(not run; pass --distributed)':>25}", file=out)
    print("(best of `runs`; per-task figure = best wall time / total tasks)", file=out)

    if args.json:
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
