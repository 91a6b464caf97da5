//! Delayed values: lazy calls of ordinary Rust functions, Dask's `dask.delayed`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::call::{ArgSlot, Callable, fallible_task_fn, task_fn};
use crate::collection::{Collection, Outputs, Parts, Persist, Results};
use crate::error::{BoxError, Result};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::scheduler::RunOptions;
use crate::value::{Data, TypeDesc, take, value};
use crate::visualize::{Rendered, Visualize};

/// A value that will be computed later: the result of a task and of everything it needs.
///
/// Build one with [`delayed!`](crate::delayed!), a [`#[delayed]`](crate::delayed) function or
/// [`Delayed::value`]; nothing runs until [`compute`](Delayed::compute).
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
///
/// fn inc(x: i64) -> i64 { x + 1 }
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let x = delayed!(inc(1));
/// let y = delayed!(inc(x.clone()));
/// let total = delayed!(add(x, y));        // nothing has run yet
/// assert_eq!(total.compute()?, 5);
/// # Ok::<(), rask::Error>(())
/// ```
#[must_use = "a Delayed does nothing until it is computed"]
pub struct Delayed<T> {
    node: Arc<Node>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed { node: self.node.clone(), _type: PhantomData }
    }
}

impl<T> fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed('{}')", self.node.key)
    }
}

impl<T> fmt::Display for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl<T: Data> Delayed<T> {
    pub(crate) fn from_node(node: Arc<Node>) -> Self {
        Delayed { node, _type: PhantomData }
    }

    pub(crate) fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Wraps a value that is already known, so it can take part in a graph.
    ///
    /// ```
    /// use rask::Delayed;
    /// let v = Delayed::value(vec![1, 2, 3]);
    /// assert_eq!(v.compute()?, vec![1, 2, 3]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn value(x: T) -> Self {
        Self::from_node(Node::new(Key::unique("value"), Op::Value(value(x)), Vec::new()))
    }

    /// The key of the task that produces this value.
    pub fn key(&self) -> &Key {
        &self.node.key
    }

    /// A lazy application of `f` to this value.
    ///
    /// ```
    /// use rask::Delayed;
    /// let n = Delayed::value(vec![1.0, 2.0, 4.0]).map(|v: Vec<f64>| v.iter().sum::<f64>());
    /// assert_eq!(n.compute()?, 7.0);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn map<U: Data>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Delayed<U> {
        call("map", f, (self,))
    }

    /// A lazy application of a fallible `f`: an `Err` fails the task (and the run) with it.
    ///
    /// ```
    /// use rask::Delayed;
    /// let n = Delayed::value(String::from("12")).try_map(|s: String| s.parse::<i64>());
    /// assert_eq!(n.compute()?, 12);
    /// let bad = Delayed::value(String::from("x")).try_map(|s: String| s.parse::<i64>());
    /// assert!(bad.compute().unwrap_err().to_string().ends_with("invalid digit found in string"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn try_map<U: Data, E: Into<BoxError>>(
        &self,
        f: impl Fn(T) -> std::result::Result<U, E> + Send + Sync + 'static,
    ) -> Delayed<U> {
        call_fallible("map", f, (self,))
    }

    /// Runs the graph with the default scheduler and returns the value.
    ///
    /// A task that fails stops the run with an [`Error`](crate::Error) that names its key.
    pub fn compute(&self) -> Result<T> {
        crate::compute(self)
    }

    /// Runs the graph with the given scheduler or options.
    ///
    /// ```
    /// # #[macro_use] extern crate rask;
    /// use rask::prelude::*;
    /// let x = delayed!(i64::pow(2, 10));
    /// assert_eq!(x.compute_with(Scheduler::Sync)?, 1024);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn compute_with(&self, options: impl Into<RunOptions>) -> Result<T> {
        crate::compute_with(self, options)
    }

    /// Computes the value now and returns a `Delayed` that holds it, so later graphs built
    /// on the result do not compute it again.
    ///
    /// ```
    /// # #[macro_use] extern crate rask;
    /// use rask::prelude::*;
    /// let x = delayed!(i64::pow(3, 2)).persist()?;
    /// let y = delayed!(i64::saturating_add(x.clone(), 1));
    /// assert_eq!(y.compute()?, 10);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn persist(&self) -> Result<Delayed<T>> {
        if let Op::Value(_) = self.node.op {
            return Ok(self.clone());
        }
        let v = self.compute()?;
        Ok(Self::from_node(Node::new(self.node.key.clone(), Op::Value(value(v)), Vec::new())))
    }

    /// Draws the task graph: a text drawing (its `Display`), DOT, and an SVG file.
    pub fn visualize(&self) -> Result<Rendered> {
        crate::visualize(self)
    }

    /// Draws the task graph with options (direction, colouring, file name and format).
    pub fn visualize_with(&self, options: &Visualize) -> Result<Rendered> {
        crate::visualize_with(self, options)
    }
}

impl<T: Data> Persist for Delayed<T> {
    fn with_outputs(&self, parts: &mut Parts<'_>) -> Self {
        Self::from_node(parts.next())
    }
}

impl<T: Data> Collection for Delayed<T> {
    type Output = T;

    fn add_outputs(&self, outputs: &mut Outputs) {
        outputs.push(self.node.clone());
    }

    fn finish(&self, results: &mut Results) -> Result<T> {
        take(results.next()?)
    }
}

/// One argument of a delayed call, on its way into the task.
#[doc(hidden)]
pub struct Arg {
    slot: ArgSlot,
    deps: Vec<Arc<Node>>,
}

impl Arg {
    /// The result of `node`.
    pub(crate) fn dep(node: Arc<Node>) -> Arg {
        Arg { slot: ArgSlot::Dep, deps: vec![node] }
    }

    /// The results of `nodes`, gathered into a `Vec<T>`.
    pub(crate) fn deps<T: Data>(nodes: Vec<Arc<Node>>) -> Arg {
        Arg { slot: ArgSlot::Deps(nodes.len(), TypeDesc::of::<T>().gather()), deps: nodes }
    }
}

/// What may be passed where a task expects a `T`: a plain `T`, a `Delayed<T>` (or a
/// reference to one), or, for `T = Vec<U>`, a list of `Delayed<U>` (computed, then gathered
/// into a `Vec`, as Dask traverses lists). A `&str` may be passed for a `String`.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// fn total(xs: Vec<i64>) -> i64 { xs.iter().sum() }
/// let parts: Vec<Delayed<i64>> = (1..=3).map(Delayed::value).collect();
/// assert_eq!(delayed!(total(parts)).compute()?, 6);
/// assert_eq!(delayed!(total(vec![4, 5])).compute()?, 9);
/// # Ok::<(), rask::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be passed where a task takes a `{T}`",
    label = "expected a `{T}`, a `Delayed<{T}>`, or a reference to one",
    note = "a task argument may be the value itself, a `Delayed` of it, or for a `Vec<U>` a list of `Delayed<U>`"
)]
pub trait IntoArg<T> {
    #[doc(hidden)]
    fn into_arg(self) -> Arg;
}

impl<T: Data> IntoArg<T> for T {
    fn into_arg(self) -> Arg {
        Arg { slot: ArgSlot::Lit(value(self)), deps: Vec::new() }
    }
}

impl<T: Data> IntoArg<T> for &T {
    fn into_arg(self) -> Arg {
        self.clone().into_arg()
    }
}

impl<T: Data> IntoArg<Vec<T>> for &[T] {
    fn into_arg(self) -> Arg {
        self.to_vec().into_arg()
    }
}

/// Text and paths convert to the owned type a task stores (`#[delayed] fn f(p: &Path)`
/// stores a `PathBuf`).
macro_rules! owned_from {
    ($target:ty: $($source:ty => |$x:ident| $conv:expr),* $(,)?) => {$(
        impl IntoArg<$target> for $source {
            fn into_arg(self) -> Arg {
                let $x = self;
                IntoArg::<$target>::into_arg(<$target>::from($conv))
            }
        }
    )*};
}
owned_from!(String: &str => |s| s, &&str => |s| *s, &mut str => |s| s);
owned_from!(std::path::PathBuf:
    &std::path::Path => |p| p,
    &str => |p| p,
    &&str => |p| *p,
    String => |p| p,
    &String => |p| p,
);

impl<T: Data> IntoArg<T> for Delayed<T> {
    fn into_arg(self) -> Arg {
        Arg::dep(self.node)
    }
}

impl<T: Data> IntoArg<T> for &Delayed<T> {
    fn into_arg(self) -> Arg {
        IntoArg::<T>::into_arg(self.clone())
    }
}

fn list_arg<'a, T: Data>(items: impl ExactSizeIterator<Item = &'a Delayed<T>>) -> Arg {
    Arg::deps::<T>(items.map(|d| d.node.clone()).collect())
}

impl<T: Data> IntoArg<Vec<T>> for Vec<Delayed<T>> {
    fn into_arg(self) -> Arg {
        list_arg(self.iter())
    }
}

impl<T: Data> IntoArg<Vec<T>> for &Vec<Delayed<T>> {
    fn into_arg(self) -> Arg {
        list_arg(self.iter())
    }
}

impl<T: Data> IntoArg<Vec<T>> for &[Delayed<T>] {
    fn into_arg(self) -> Arg {
        list_arg(self.iter())
    }
}

impl<T: Data, const N: usize> IntoArg<Vec<T>> for [Delayed<T>; N] {
    fn into_arg(self) -> Arg {
        list_arg(self.iter())
    }
}

/// A tuple of arguments for a function taking `Args`.
#[doc(hidden)]
pub trait IntoArgs<Args> {
    fn into_args(self) -> Vec<Arg>;
}

macro_rules! impl_into_args {
    ($($a:ident $x:ident),*) => {
        impl<$($a, $x: IntoArg<$a>),*> IntoArgs<($($a,)*)> for ($($x,)*) {
            #[allow(non_snake_case)]
            fn into_args(self) -> Vec<Arg> {
                let ($($x,)*) = self;
                vec![$($x.into_arg()),*]
            }
        }
    };
}
crate::call::for_each_arity!(impl_into_args);

pub(crate) fn split(args: Vec<Arg>) -> (Vec<ArgSlot>, Vec<Arc<Node>>) {
    let mut slots = Vec::with_capacity(args.len());
    let mut deps = Vec::new();
    for a in args {
        slots.push(a.slot);
        deps.extend(a.deps);
    }
    (slots, deps)
}

/// A lazy call of `f` on `args`: what `delayed!(f(a, b))` and `#[delayed]` expand to.
#[doc(hidden)]
pub fn call<F, Args>(name: &'static str, f: F, args: impl IntoArgs<Args>) -> Delayed<F::Output>
where
    F: Callable<Args>,
    F::Output: Data,
{
    let (slots, deps) = split(args.into_args());
    Delayed::from_node(Node::new(Key::unique(name), Op::Call(task_fn(f, slots)), deps))
}

/// Like [`call`], for a function returning `Result<T, E>`: an `Err` fails the task.
#[doc(hidden)]
pub fn call_fallible<F, Args, T, E>(name: &'static str, f: F, args: impl IntoArgs<Args>) -> Delayed<T>
where
    F: Callable<Args, Output = std::result::Result<T, E>>,
    T: Data,
    E: Into<BoxError>,
{
    let (slots, deps) = split(args.into_args());
    Delayed::from_node(Node::new(Key::unique(name), Op::Call(fallible_task_fn(f, slots)), deps))
}

/// Builds a [`Delayed`] from a function call without running it: `delayed!(f(a, b))`.
///
/// Each argument may be a plain value, a `Delayed` (or `&Delayed`), or a list of `Delayed`
/// where the function takes a `Vec`. End the call with `?` when the function returns a
/// `Result`: an `Err` then fails the task, and the `Delayed` holds the `Ok` value.
/// The callee may be a function path or a closure in parentheses.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
///
/// fn load(path: &str) -> Vec<f64> { vec![path.len() as f64, 1.0] }
/// fn summary(parts: Vec<Vec<f64>>) -> f64 { parts.iter().flatten().sum() }
///
/// let parts: Vec<_> = ["a.csv", "bb.csv"].iter().map(|p| delayed!(load(*p))).collect();
/// let total = delayed!(summary(parts));
/// assert_eq!(total.compute()?, 5.0 + 1.0 + 6.0 + 1.0);
///
/// let n = delayed!(str::parse::<i64>("42")?);         // fallible: Delayed<i64>
/// let double = delayed!((|x: i64| x * 2)(n));          // a closure
/// assert_eq!(double.compute()?, 84);
/// # Ok::<(), rask::Error>(())
/// ```
#[macro_export]
macro_rules! delayed {
    (($f:expr) ( $($arg:expr),* $(,)? ) ?) => {
        $crate::__private::call_fallible("lambda", $f, ($($arg,)*))
    };
    (($f:expr) ( $($arg:expr),* $(,)? )) => {
        $crate::__private::call("lambda", $f, ($($arg,)*))
    };
    ($($f:ident)::+ $(::<$($g:ty),+>)? ( $($arg:expr),* $(,)? ) ?) => {
        $crate::__private::call_fallible(
            $crate::__private::last_segment(stringify!($($f)::+)),
            $($f)::+ $(::<$($g),+>)?,
            ($($arg,)*),
        )
    };
    ($($f:ident)::+ $(::<$($g:ty),+>)? ( $($arg:expr),* $(,)? )) => {
        $crate::__private::call(
            $crate::__private::last_segment(stringify!($($f)::+)),
            $($f)::+ $(::<$($g),+>)?,
            ($($arg,)*),
        )
    };
}

/// The function name in a path written by `stringify!`: `parse` for `str :: parse :: < i64 >`.
#[doc(hidden)]
pub const fn last_segment(path: &'static str) -> &'static str {
    let bytes = path.as_bytes();
    // Cut generic arguments, then keep what follows the last `:` or space.
    let mut end = 0;
    while end < bytes.len() && bytes[end] != b'<' {
        end += 1;
    }
    while end > 0 && (bytes[end - 1] == b':' || bytes[end - 1] == b' ') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && bytes[start - 1] != b':' && bytes[start - 1] != b' ' {
        start -= 1;
    }
    let (head, _) = bytes.split_at(end);
    let (_, name) = head.split_at(start);
    match std::str::from_utf8(name) {
        Ok(s) => s,
        Err(_) => path,
    }
}
