"""Runs notebooks top to bottom on the rask kernel with nbclient, as a reader would.

    python run_notebooks.py NOTEBOOK.ipynb ...

Each notebook runs in its own directory with a fresh kernel (kernelspec `rask`, found
through JUPYTER_PATH). A cell that fails (a compile error, a panic, a failed `assert!`)
stops its notebook; the script then prints the cell and its error and exits with status 1.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

# The first cell waits for the session, which on a machine's first start compiles rask and
# polars (about 10 minutes on 2 cores).
CELL_TIMEOUT = 1500


def run(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="rask",
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.time()
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"FAILED {path.name} after {time.time() - start:.1f} s:\n{e}", flush=True)
        return False
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    print(f"ok {path.name}: {cells} code cells in {time.time() - start:.1f} s", flush=True)
    return True


if __name__ == "__main__":
    results = [run(Path(p)) for p in sys.argv[1:]]
    sys.exit(0 if results and all(results) else 1)
