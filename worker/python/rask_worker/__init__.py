"""rask's task runtime on Dask workers.

`run_task` is the function of every task a rask client sends to a Dask cluster: it runs the
task (in Rust, without the GIL) from its recipe and its inputs, all bytes, and returns the
result's bytes. Dask moves those bytes between workers; no Python object stands for a value.
"""

import time

from . import _native

VERSION = _native.VERSION
"""rask's version; a client refuses workers whose runtime has another."""

TOPIC = "rask-tasks"
"""The Dask event topic on which each finished task is reported to the client's helper."""


class TaskFailed(Exception):
    """A rask task failed: `task` is its id in the client's job, `message` the one-line error."""

    def __init__(self, task, message):
        super().__init__(task, message)
        self.task = task
        self.message = message

    def __str__(self):
        return self.message


def run_task(task, recipe, *inputs):
    """Runs one rask task: `task` is its id (bytes, `job:index`), `recipe` what to run."""
    start = time.perf_counter()
    try:
        out = _native.run(recipe, list(inputs))
    except RuntimeError as e:
        raise TaskFailed(task, str(e)) from None
    _report(task, time.perf_counter() - start, len(out))
    return out


def _report(task, seconds, nbytes):
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return  # not on a Dask worker (a test calling run_task directly)
    worker.log_event(TOPIC, (task, worker.address, seconds, nbytes))
