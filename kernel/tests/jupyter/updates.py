"""A background computation returns at once, the next cell runs meanwhile, and the displayed
future is updated in place (update_display_data with its display id) when the work ends.
Also: display() mid-cell keeps its place among the prints, and a foreground compute() shows
a progress bar that is updated in place.
"""
import json
import os
import sys
import tempfile
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

START_TIMEOUT = 1500


def run(kc, code, timeout=60):
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok", (code, reply["content"])
    return outputs


def result(outputs, kind="execute_result"):
    found = [m["content"] for m in outputs if m["msg_type"] == kind]
    assert len(found) == 1, [m["msg_type"] for m in outputs]
    return found[0]


km, kc = start_new_kernel(kernel_name="rask", startup_timeout=120)
gate = os.path.join(tempfile.mkdtemp(), "gate")
try:
    run(kc, "1", timeout=START_TIMEOUT)

    # The task waits for a file this script writes, so it is surely running meanwhile.
    shown = result(run(kc, f"""
let client = Client::builder().threads(2).dashboard(None).build()?;
#[delayed]
fn wait_for_gate(n: u64) -> u64 {{
    while !std::path::Path::new({json.dumps(gate)}).exists() {{ std::thread::sleep(std::time::Duration::from_millis(20)); }}
    n * 2
}}
let doubled = wait_for_gate(21).compute_async();
doubled
"""), kind="display_data")  # values that update themselves are display data (JupyterLab)
    display_id = shown["transient"].get("display_id")
    assert display_id, f"the future was shown without a display id: {shown}"
    assert "finished" not in shown["data"]["text/plain"], shown["data"]

    # The next cell runs while the future waits.
    assert result(run(kc, "doubled.done()"))["data"]["text/plain"] == "false"
    open(gate, "w").close()

    deadline = time.time() + 60
    final = None
    while final is None and time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if msg["msg_type"] == "update_display_data" and msg["content"]["transient"].get("display_id") == display_id:
            if "finished" in msg["content"]["data"]["text/plain"]:
                final = msg["content"]
    assert final is not None, "no update_display_data with the finished future arrived"
    assert "text/html" in final["data"], final["data"]
    assert result(run(kc, "doubled.result()?"))["data"]["text/plain"] == "42"

    # A bar shown as a cell's value (and dropped with the cell) updates to its end.
    bar = result(run(kc, """
let batch = client.map(|x: u64| { std::thread::sleep(std::time::Duration::from_millis(300)); x }, 0..4u64);
rask::progress(&batch)
"""), kind="display_data")
    bar_id = bar["transient"]["display_id"]
    deadline = time.time() + 60
    texts = []
    while not any("4/4 tasks" in t for t in texts) and time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if msg["msg_type"] == "update_display_data" and msg["content"]["transient"].get("display_id") == bar_id:
            texts.append(msg["content"]["data"]["text/plain"])
    assert any("4/4 tasks" in t for t in texts), texts

    # display() keeps its place among the prints; clear_output is sent.
    outputs = run(kc, 'println!("before"); display(&vec![1, 2]); println!("after"); clear_output(true);')
    kinds = [(m["msg_type"], m["content"].get("text") or m["content"].get("data", {}).get("text/plain")) for m in outputs
             if m["msg_type"] in ("stream", "display_data", "clear_output")]
    assert kinds == [("stream", "before\n"), ("display_data", "[1, 2]"), ("stream", "after\n"), ("clear_output", None)], kinds

    # A foreground compute() longer than a moment shows a bar, updated in place to its end.
    outputs = run(kc, """
let parts: Vec<Delayed<u64>> = (0..30u64)
    .map(|i| Delayed::value(i).map(|i| { std::thread::sleep(std::time::Duration::from_millis(30)); i }))
    .collect();
rask::compute_with(&parts, RunOptions::new().scheduler(Scheduler::Sync))?.iter().sum::<u64>()
""")
    bars = [m for m in outputs if m["msg_type"] == "display_data" and "rask-progress" in m["content"]["data"].get("text/html", "")]
    assert len(bars) == 1, [m["msg_type"] for m in outputs]
    bar_id = bars[0]["content"]["transient"]["display_id"]
    ends = [m["content"]["data"]["text/plain"] for m in outputs
            if m["msg_type"] == "update_display_data" and m["content"]["transient"]["display_id"] == bar_id]
    assert ends and ends[-1].startswith("completed: 30/30 tasks"), ends
    assert result(outputs)["data"]["text/plain"] == str(sum(range(30)))
    print("background future updated in place; display order and the progress bar hold", flush=True)
finally:
    km.shutdown_kernel(now=False)
sys.exit(0)
