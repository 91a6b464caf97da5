"""The jupyter_kernel_test suite (the protocol as Jupyter's own clients use it), configured
for the rask kernel. Run by `cargo test -p rask-kernel` with the kernelspec on JUPYTER_PATH.
"""
import unittest

import jupyter_kernel_test as jkt

# The first cell waits for the session to start: about 20 s once rask is built on this
# machine, about 10 minutes the first time.
START_TIMEOUT = 1500


class RaskKernelTests(jkt.KernelTests):
    kernel_name = "rask"
    language_name = "rust"
    file_extension = ".rs"

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # The suite allows 15 s per reply; wait for the session once, and define the name
        # the completion sample completes.
        reply = cls.kc.execute_interactive("let zebra_count_total = 1;", timeout=START_TIMEOUT)
        assert reply["content"]["status"] == "ok", reply["content"]

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("to stderr");'

    completion_samples = [
        {"text": "zebra_count_t", "matches": {"zebra_count_total"}},
        {"text": "let v = vec![1]; v.iter_m", "matches": {"iter_mut()"}},
    ]

    complete_code_samples = ["let x = 1;", "fn f() -> i64 { 1 }", "x + 1", ":vars", '"a {"']
    incomplete_code_samples = ["fn f() {", "let v = vec![1,", "#[delayed]", "let s = \"open", "let y = x +"]
    invalid_code_samples = ["let x = (1];", "}", "fn f() { ) }"]

    code_generate_error = 'let wrong: i64 = "text";'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"rask".len()', "result": "4"},
        {"code": "delayed!(i64::abs(-3)).map(|v| v * 10).compute()?", "result": "30"},
        {"code": "dd::from_polars(rask::polars::df!(\"a\" => [1i64, 2])?, 1)", "mime": "text/html"},
    ]

    code_display_data = [
        {"code": "display(&vec![1, 2, 3]);", "mime": "text/plain"},
        {"code": "display(&delayed!(i64::abs(-3)).visualize()?);", "mime": "image/svg+xml"},
    ]

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Vec::with_capacity"

    code_clear_output = "clear_output(false);"


if __name__ == "__main__":
    unittest.main(verbosity=2)
