"""The process a rask client talks to: it holds a `distributed.Client` and runs the graphs
the client sends on the cluster.

Started by rask as `python -c <bootstrap> --version V (--address A | --local N)`, which
calls `main` (the bootstrap reports a missing runtime the same way `main` reports errors).
Frames on stdin and stdout are a u32 length (little-endian) and a body; the layout of
bodies is in rask's `src/remote/cluster.rs` and `src/remote/wire.rs`. Everything else this
process prints goes to stderr. Closing stdin closes the client (and a local cluster).
"""

import argparse
import json
import os
import queue
import re
import struct
import sys
import threading

try:
    from distributed.client import FutureCancelledError as _Cancelled
except ImportError:  # distributed before 2024.7
    from concurrent.futures import CancelledError as _Cancelled

ERROR_NO_TASK = 0xFFFFFFFF


class Reader:
    def __init__(self, body):
        self.body = memoryview(body)
        self.at = 0

    def take(self, n):
        if self.at + n > len(self.body):
            raise ValueError("a truncated frame from the rask client")
        out = self.body[self.at : self.at + n]
        self.at += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def bytes(self):
        return bytes(self.take(self.u32()))

    def str(self):
        return self.bytes().decode()


class Writer:
    """Frames to the rask client, written by one thread of their own: callers (the Dask
    client's event loop among them) only queue them."""

    def __init__(self, out):
        self.out = out
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while (frame := self.queue.get()) is not None:
            self.out.write(frame)
            self.out.flush()

    def close(self):
        self.queue.put(None)
        self.thread.join()

    def frame(self, kind, *fields):
        parts = [kind]
        for f in fields:
            if isinstance(f, tuple):  # (struct format, value)
                parts.append(struct.pack(f[0], f[1]))
            else:  # bytes or str, length-prefixed
                b = f.encode() if isinstance(f, str) else f
                parts.append(struct.pack("<I", len(b)) + b)
        body = b"".join(parts)
        self.queue.put(struct.pack("<I", len(body)) + body)

    def error(self, job, task, message):
        """An error frame; the message is made one line."""
        self.frame(b"E", ("<Q", job), ("<I", task), re.sub(r"\s+", " ", str(message)).strip())


def read_frame(inp):
    head = inp.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("<I", head)
    body = inp.read(n)
    if len(body) < n:
        return None
    return body


def _worker_version():
    import rask_worker

    return rask_worker.VERSION


class Helper:
    """Jobs of one rask client. Task ids are `session:job:index` and keys end in the session,
    so two clients on one cluster never share a key or see each other's reports."""

    def __init__(self, client, writer, workers, session):
        self.client = client
        self.writer = writer
        self.workers = {address: i for i, address in enumerate(workers)}
        self.session = session
        self.jobs = {}  # job -> futures
        self.cancelled = set()  # jobs the client cancelled (it stopped waiting)
        self.lock = threading.Lock()

    def on_task(self, event):
        _, (task, worker, seconds, nbytes) = event
        session, job, index = task.decode().split(":")
        if session != self.session:
            return
        self.writer.frame(
            b"T",
            ("<Q", int(job)),
            ("<I", int(index)),
            ("<I", self.workers.get(worker, 0)),
            ("<Q", int(seconds * 1e6)),
            ("<Q", nbytes),
        )

    def submit(self, body):
        import rask_worker

        r = Reader(body)
        job = r.u64()
        keys, dsk = [], {}
        for i in range(r.u32()):
            name = f"{r.str()}-{self.session}"
            index = tuple(r.u64() for _ in range(r.u32()))
            key = (name, *index) if index else name
            kind = r.u8()
            payload = r.bytes()
            deps = [keys[r.u32()] for _ in range(r.u32())]
            keys.append(key)
            if kind == 0:
                dsk[key] = (rask_worker.run_task, f"{self.session}:{job}:{i}".encode(), payload, *deps)
            else:
                dsk[key] = payload
        outputs = [keys[r.u32()] for _ in range(r.u32())]
        wanted = list(dict.fromkeys(outputs))
        futures = self.client.get(dsk, wanted, sync=False)
        with self.lock:
            self.jobs[job] = futures
        threading.Thread(target=self.finish, args=(job, futures, wanted, outputs), daemon=True).start()

    def finish(self, job, futures, wanted, outputs):
        """Sends the job's outputs or its error: always one reply, unless the client itself
        cancelled the job."""
        import rask_worker

        try:
            values = dict(zip(wanted, self.client.gather(futures)))
            self.writer.frame(b"R", ("<Q", job), ("<I", len(outputs)), *[values[k] for k in outputs])
        except rask_worker.TaskFailed as e:
            _, owner, index = e.task.decode().split(":")
            # A task shared with another job of this client is reported by its own index
            # there; here the message still names it.
            task = int(index) if int(owner) == job else ERROR_NO_TASK
            self.writer.error(job, task, e.message)
        except _Cancelled as e:
            with self.lock:
                asked = job in self.cancelled
            if not asked:  # the scheduler was lost or restarted, or a shared task was cancelled
                self.writer.error(job, ERROR_NO_TASK, f"the cluster cancelled the job ({type(e).__name__}: {e})")
        except BaseException as e:  # KilledWorker, a lost scheduler, a worker without the runtime, ...
            self.writer.error(job, ERROR_NO_TASK, f"{type(e).__name__}: {e}")
        finally:
            with self.lock:
                self.jobs.pop(job, None)
                self.cancelled.discard(job)

    def cancel(self, body):
        job = Reader(body).u64()
        with self.lock:
            futures = self.jobs.pop(job, None)
            self.cancelled.add(job)
        if futures:
            self.client.cancel(futures)


def connect(args):
    from distributed import Client, LocalCluster

    if args.local:
        cluster = LocalCluster(
            n_workers=args.local,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        )
        return Client(cluster), cluster
    # The connect timeout is Dask's (distributed.comm.timeouts.connect, 30 s by default).
    return Client(args.address), None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True, help="the rask version of the client")
    parser.add_argument("--session", required=True, help="a token unique to this client, added to its keys")
    parser.add_argument("--address", help="the scheduler's address, tcp://host:8786")
    parser.add_argument("--local", type=int, help="start a LocalCluster of this many workers")
    args = parser.parse_args()
    # Only frames go to the client: they get file descriptor 1 to themselves, and anything
    # else printed here or by processes started from here (a LocalCluster's workers, a
    # println! in a registered function) goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    writer = Writer(out)
    try:
        return serve(args, writer, inp)
    finally:
        writer.close()


def serve(args, writer, inp):
    import rask_worker

    try:
        import distributed  # noqa: F401
    except ImportError as e:
        writer.error(0, ERROR_NO_TASK, f"Dask's distributed is not installed in {sys.executable} ({e}): pip install distributed")
        return 1
    if rask_worker.VERSION != args.version:
        writer.error(
            0,
            ERROR_NO_TASK,
            f"this Python has rask-worker {rask_worker.VERSION} and the client rask {args.version}: "
            "install the worker runtime of the same version",
        )
        return 1
    try:
        client, cluster = connect(args)
    except Exception as e:
        where = f"a LocalCluster of {args.local} workers" if args.local else args.address
        writer.error(0, ERROR_NO_TASK, f"could not connect to {where}: {type(e).__name__}: {e}")
        return 1

    try:
        nthreads = client.nthreads()  # every worker (scheduler_info lists only a few)
        versions = client.run(_worker_version, on_error="return")
        workers = []
        for address in sorted(nthreads):
            v = versions.get(address)
            if isinstance(v, BaseException):
                v = f"none ({type(v).__name__}: {v}; pip install ./worker there)"
            workers.append({"address": address, "threads": nthreads[address], "version": v})
        helper = Helper(client, writer, sorted(nthreads), args.session)
        client.subscribe_topic(rask_worker.TOPIC, helper.on_task)
        try:
            dashboard = client.dashboard_link
        except Exception:  # a scheduler without a dashboard
            dashboard = None
        hello = {
            "version": rask_worker.VERSION,
            "scheduler": client.scheduler.address,
            "dashboard": dashboard,
            "workers": workers,
        }
    except Exception as e:
        writer.error(0, ERROR_NO_TASK, f"could not ask the cluster for its workers: {type(e).__name__}: {e}")
        return 1
    writer.frame(b"H" + json.dumps(hello).encode())

    while (body := read_frame(inp)) is not None:
        kind, rest = body[:1], body[1:]
        try:
            if kind == b"G":
                helper.submit(rest)
            elif kind == b"X":
                helper.cancel(rest)
        except Exception as e:
            job = struct.unpack("<Q", rest[:8])[0] if len(rest) >= 8 else 0
            writer.error(job, ERROR_NO_TASK, f"the helper could not submit the graph: {type(e).__name__}: {e}")
    client.close()
    if cluster is not None:
        cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
