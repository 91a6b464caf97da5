"""Interrupting a long computation through the real client keeps the session's variables.

A cell defines a variable; the next computes a graph of slow tasks; Jupyter's interrupt
(an interrupt_request on the control channel, as the kernelspec's interrupt_mode says)
arrives while it runs. The cell must end with rask's cancellation error well before the
work would have finished and before the kernel's grace period (3 s) would have ended the
session's process (which the error would then say); then the earlier variable is still
there. Last, Run All after an error: the cells queued behind the failed one are aborted.
"""
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

START_TIMEOUT = 1500

km, kc = start_new_kernel(kernel_name="rask", startup_timeout=120)
try:
    reply = kc.execute_interactive("let kept = 41;", timeout=START_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]

    # 400 tasks of 50 ms on the default scheduler: 10 s on 2 threads, 20 s on one.
    slow = """
let parts: Vec<Delayed<u64>> = (0..400u64)
    .map(|i| Delayed::value(i).map(|i| { std::thread::sleep(std::time::Duration::from_millis(50)); i }))
    .collect();
rask::compute(&parts)?.len()
"""
    timer = threading.Timer(2.0, km.interrupt_kernel)
    timer.start()
    started = time.time()
    outputs = []
    reply = kc.execute_interactive(slow, timeout=60, output_hook=outputs.append)
    took = time.time() - started
    content = reply["content"]
    assert content["status"] == "error", f"the cell was not interrupted: {content}"
    assert content["ename"] != "SessionRestarted", content
    # The cell's error is printed on stderr as it stops, then the error output follows.
    printed = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert "computation cancelled" in printed, f"not rask's cancellation: {printed!r}"
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, [m["msg_type"] for m in outputs]

    outputs = []
    reply = kc.execute_interactive("kept + 1", timeout=60, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok", reply["content"]
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert results == ["42"], results

    # Run All after an error: cells queued behind a failed one are aborted, not run.
    first = kc.execute('let wrong: i64 = "text";')
    queued = kc.execute("let ran_anyway = kept;")
    replies = {}
    while len(replies) < 2:
        msg = kc.get_shell_msg(timeout=60)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
    assert replies == {first: "error", queued: "aborted"}, replies
    outputs = []
    reply = kc.execute_interactive("kept * 2", timeout=60, output_hook=outputs.append)
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert results == ["82"], (reply["content"], results)
    print(f"interrupted after {took:.2f} s; `kept` survived; a queued cell was aborted", flush=True)
finally:
    km.shutdown_kernel(now=False)
sys.exit(0)
