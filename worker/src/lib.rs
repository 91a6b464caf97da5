//! rask's task runtime for Dask workers: the Python extension module `rask_worker._native`.
//!
//! Installed on every worker (`pip install ./worker`, built by maturin), it runs one rask
//! task from its recipe and its inputs ([`rask::remote::run_encoded`]); the Python package
//! around it (`python/rask_worker`) wraps that as a Dask task function and holds the helper
//! process a rask client talks to. The functions it can run by name are those
//! `rask_functions::register` registers, at import.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

/// Runs one task: `recipe` and `inputs` are bytes a rask client made; returns the result's
/// bytes, or raises `RuntimeError` with the task's one-line error. The GIL is released
/// while the task runs, so a worker's threads run tasks in parallel.
#[pyfunction]
fn run<'py>(py: Python<'py>, recipe: PyBackedBytes, inputs: Vec<PyBackedBytes>) -> PyResult<Bound<'py, PyBytes>> {
    let out = py.detach(|| {
        let inputs: Vec<&[u8]> = inputs.iter().map(|b| &b[..]).collect();
        rask::remote::run_encoded(&recipe, &inputs)
    });
    match out {
        Ok(bytes) => Ok(PyBytes::new(py, &bytes)),
        Err(message) => Err(PyRuntimeError::new_err(message)),
    }
}

/// The module: `run`, and `VERSION` (rask's, which the client checks).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    rask_functions::register();
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add("VERSION", rask::remote::VERSION)?;
    Ok(())
}
