//! The functions rask's worker runtime can run by name. The runtime calls [`register`] when
//! Python imports it; a program that sends work to the cluster calls it too, and builds its
//! tasks from the handles it returns. Add your functions here, or depend on your own crate
//! and register its functions from [`register`].
//!
//! ```
//! let f = rask_functions::register();
//! let total = f.sum.call((vec![f.inc.call((1,)), f.inc.call((2,))],));
//! assert_eq!(total.compute()?, 5);
//! # Ok::<(), rask::Error>(())
//! ```

use rask::remote::{Function, register as add, try_register};

/// Handles on the registered functions, to build tasks with.
#[derive(Clone, Debug)]
pub struct Functions {
    /// `x + 1`.
    pub inc: Function<(i64,), i64>,
    /// `a + b`.
    pub add: Function<(i64, i64), i64>,
    /// The sum of a list.
    pub sum: Function<(Vec<i64>,), i64>,
    /// `a / b`; a division by zero fails the task (it panics, as integer division does).
    pub div: Function<(i64, i64), i64>,
    /// `x` after sleeping `millis` milliseconds: a task that takes a while.
    pub slow_inc: Function<(i64, u64), i64>,
    /// The `rows` × `cols` array whose element `(i, j)` is `i * cols + j`, as `f64`s (an
    /// array for `da::from_delayed`).
    pub ramp: Function<(usize, usize), rask::ndarray::ArrayD<f64>>,
    /// A line's words, lower-cased (split at every character that is not alphanumeric):
    /// for a bag's `flat_map_registered`.
    pub words: Function<(String,), Vec<String>>,
    /// Whether `x` is even: for a bag's `filter_registered`.
    pub even: Function<(i64,), bool>,
    /// A line as an integer (surrounding spaces ignored); a line that is not one fails the task.
    pub parse_int: Function<(String,), i64>,
}

/// Registers every function of this crate (again, if called twice) and returns the handles.
pub fn register() -> Functions {
    Functions {
        inc: add("inc", |x: i64| x + 1),
        add: add("add", |a: i64, b: i64| a + b),
        sum: add("sum", |xs: Vec<i64>| xs.iter().sum::<i64>()),
        div: add("div", |a: i64, b: i64| a / b),
        slow_inc: add("slow_inc", |x: i64, millis: u64| {
            std::thread::sleep(std::time::Duration::from_millis(millis));
            x + 1
        }),
        ramp: add("ramp", |rows: usize, cols: usize| {
            rask::ndarray::ArrayD::from_shape_fn(vec![rows, cols], |i| (i[0] * cols + i[1]) as f64)
        }),
        words: add("words", |line: String| {
            line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
        }),
        even: add("even", |x: i64| x % 2 == 0),
        parse_int: try_register("parse_int", |line: String| line.trim().parse::<i64>()),
    }
}
