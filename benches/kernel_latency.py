"""How quickly the Jupyter kernel answers, next to IPython's kernel (ipykernel) measured in
the same run through the same client (jupyter_client):

- kernel_info: from starting the kernel's process to its kernel_info reply (the kernel
  starts its session in the background, so this holds even while rask is being compiled);
- first cell: from the kernel_info reply to the first cell's reply (rask: the session's
  start, about 20 s once rask is built);
- a trivial cell (`1 + 1`) and a delayed computation cell, each run ROUNDS times: p50/p95.

    python benches/kernel_latency.py --rask-kernel target/debug/rask-kernel [--rounds 20]

Targets (issue #6): kernel_info within 1 s; a trivial cell at most 0.5 s p50 once warm.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client.manager import KernelManager


def percentile(xs, p):
    xs = sorted(xs)
    return xs[round((len(xs) - 1) * p)]


def measure(name, cells, rounds):
    km = KernelManager(kernel_name=name)
    started = time.time()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.kernel_info()
    kc.get_shell_msg(timeout=60)
    info = time.time() - started
    t = time.time()
    reply = kc.execute_interactive(cells[0], timeout=1500, output_hook=lambda m: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    first = time.time() - t
    times = {}
    for cell in cells:
        runs = []
        for _ in range(rounds):
            t = time.time()
            reply = kc.execute_interactive(cell, timeout=120, output_hook=lambda m: None)
            runs.append(time.time() - t)
            assert reply["content"]["status"] == "ok", reply["content"]
        times[cell] = runs
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    return info, first, times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rask-kernel", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    prefix = tempfile.mkdtemp(prefix="rask-kernel-bench-")
    subprocess.run([args.rask_kernel, "install", "--prefix", prefix], check=True, stdout=subprocess.DEVNULL)
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
    rask_cells = ["1 + 1", "delayed!(i64::abs(-3)).map(|v| v * 10).compute()?"]
    python_cells = ["1 + 1", "sum(v * 10 for v in [abs(-3)])"]
    rows = {}
    for label, name, cells in [("rask", "rask", rask_cells), ("ipykernel", "python3", python_cells)]:
        print(f"measuring {label} ...", file=sys.stderr, flush=True)
        rows[label] = measure(name, cells, args.rounds)
    print(f"\n{'measure':<34} {'rask':>14} {'ipykernel':>14}   target")
    (ri, rf, rt), (pi, pf, pt) = rows["rask"], rows["ipykernel"]
    print(f"{'kernel_info after start':<34} {ri:>12.2f} s {pi:>12.2f} s   <= 1 s")
    print(f"{'first cell (session start)':<34} {rf:>12.2f} s {pf:>12.2f} s")
    labels = ["trivial cell (1 + 1)", "a delayed compute cell"]
    for label, rc, pc in zip(labels, rask_cells, python_cells):
        r, p = rt[rc], pt[pc]
        target = "<= 0.5 s p50" if label.startswith("trivial") else ""
        print(f"{label + ' p50':<34} {statistics.median(r):>12.3f} s {statistics.median(p):>12.3f} s   {target}")
        print(f"{label + ' p95':<34} {percentile(r, 0.95):>12.3f} s {percentile(p, 0.95):>12.3f} s")
    print(json.dumps({k: {"kernel_info": v[0], "first_cell": v[1], "cells": v[2]} for k, v in rows.items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
