//! Raw task graphs written key by key, as taught in Dask's documentation, run with [`get`].
//!
//! A task is a function and its arguments; a string argument that names another key of the
//! graph stands for that task's result, any other argument is a literal. Everything is checked
//! before anything runs: missing keys, cycles, and the type of every argument.

use std::any::TypeId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::call::{ArgSlot, Callable, fallible_task_fn, task_fn};
use crate::collection::{Collection, Outputs, Results};
use crate::error::{BoxError, Error, Result};
use crate::key::Key;
use crate::node::{Node, Op, TaskFn};
use crate::plan::TaskGraph;
use crate::scheduler::RunOptions;
use crate::value::{Data, TypeDesc, Value, convert_literal, take, type_name, value};
use crate::visualize::{Rendered, Visualize};

type MakeFn = Arc<dyn Fn(Vec<ArgSlot>) -> Box<TaskFn> + Send + Sync>;

enum Body {
    Call { params: Vec<TypeDesc>, output: TypeDesc, args: Vec<RawArg>, make: MakeFn },
    Value { value: Value, desc: TypeDesc },
}

/// The right-hand side of one entry of a raw [`Graph`]: a function call or a value.
pub struct Task {
    name: &'static str,
    body: Body,
}

/// An argument of a raw task: a key or a literal. Strings are keys when the graph has them.
#[doc(hidden)]
#[derive(Clone)]
pub enum RawArg {
    Text(Cow<'static, str>),
    Lit(Value, TypeDesc),
    List(Vec<RawArg>),
}

/// What may be an argument of a raw task: strings (keys or literals), numbers, booleans,
/// arrays and `Vec`s of these (lists, gathered into a `Vec` as Dask does), and any value
/// wrapped in [`literal`].
pub trait IntoRawArg {
    #[doc(hidden)]
    fn into_raw_arg(self) -> RawArg;
}

impl IntoRawArg for &'static str {
    fn into_raw_arg(self) -> RawArg {
        RawArg::Text(Cow::Borrowed(self))
    }
}

impl IntoRawArg for String {
    fn into_raw_arg(self) -> RawArg {
        RawArg::Text(Cow::Owned(self))
    }
}

impl<T: IntoRawArg, const N: usize> IntoRawArg for [T; N] {
    fn into_raw_arg(self) -> RawArg {
        RawArg::List(self.into_iter().map(IntoRawArg::into_raw_arg).collect())
    }
}

impl<T: IntoRawArg> IntoRawArg for Vec<T> {
    fn into_raw_arg(self) -> RawArg {
        RawArg::List(self.into_iter().map(IntoRawArg::into_raw_arg).collect())
    }
}

/// A literal argument of any type, never read as a key.
///
/// ```
/// use rask::{graph, literal};
/// fn len(v: Vec<String>) -> usize { v.len() }
/// fn first(s: String) -> String { s }
/// let g = graph! {
///     "n" => len(literal(vec![String::from("a"), String::from("b")])),
///     "s" => first(literal(String::from("n"))),   // the text "n", not the key
/// };
/// assert_eq!(rask::get::<usize>(&g, "n")?, 2);
/// assert_eq!(rask::get::<String>(&g, "s")?, "n");
/// # Ok::<(), rask::Error>(())
/// ```
pub fn literal<T: Data>(x: T) -> Lit<T> {
    Lit(x)
}

/// A literal argument; see [`literal`].
pub struct Lit<T>(T);

impl<T: Data> IntoRawArg for Lit<T> {
    fn into_raw_arg(self) -> RawArg {
        RawArg::Lit(value(self.0), TypeDesc::of::<T>())
    }
}

macro_rules! literal_args {
    ($($t:ty),*) => {$(
        impl IntoRawArg for $t {
            fn into_raw_arg(self) -> RawArg {
                RawArg::Lit(value(self), TypeDesc::of::<$t>())
            }
        }
    )*};
}
literal_args!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char, ());

/// A tuple of raw arguments for a function taking `Args`.
#[doc(hidden)]
pub trait IntoRawArgs<Args> {
    fn into_raw_args(self) -> Vec<RawArg>;
}

macro_rules! impl_into_raw_args {
    ($($a:ident $x:ident),*) => {
        impl<$($a, $x: IntoRawArg),*> IntoRawArgs<($($a,)*)> for ($($x,)*) {
            #[allow(non_snake_case)]
            fn into_raw_args(self) -> Vec<RawArg> {
                let ($($x,)*) = self;
                vec![$($x.into_raw_arg()),*]
            }
        }
    };
}
crate::call::for_each_arity!(impl_into_raw_args);

impl Task {
    /// A call of `f` (named `name`) on `args`, a tuple with one argument per parameter.
    pub fn call<F, Args>(name: &'static str, f: F, args: impl IntoRawArgs<Args>) -> Task
    where
        F: Callable<Args> + Clone,
        F::Output: Data,
    {
        let make: MakeFn = Arc::new(move |slots| task_fn(f.clone(), slots));
        Task::with(name, F::params(), TypeDesc::of::<F::Output>(), args.into_raw_args(), make)
    }

    /// A call of `f` returning `Result<T, E>`: an `Err` fails the task.
    pub fn call_fallible<F, Args, T, E>(name: &'static str, f: F, args: impl IntoRawArgs<Args>) -> Task
    where
        F: Callable<Args, Output = std::result::Result<T, E>> + Clone,
        T: Data,
        E: Into<BoxError>,
    {
        let make: MakeFn = Arc::new(move |slots| fallible_task_fn(f.clone(), slots));
        Task::with(name, F::params(), TypeDesc::of::<T>(), args.into_raw_args(), make)
    }

    fn with(name: &'static str, params: Vec<TypeDesc>, output: TypeDesc, args: Vec<RawArg>, make: MakeFn) -> Task {
        Task { name, body: Body::Call { params, output, args, make } }
    }

    /// A value: the entry `"x" => 1` of a Dask graph.
    pub fn value<T: Data>(x: T) -> Task {
        Task { name: "value", body: Body::Value { value: value(x), desc: TypeDesc::of::<T>() } }
    }

    fn output(&self) -> TypeDesc {
        match &self.body {
            Body::Call { output, .. } => *output,
            Body::Value { desc, .. } => *desc,
        }
    }
}

/// A task graph written key by key, like a Dask graph dictionary.
///
/// Use the [`graph!`](crate::graph!) macro to write one; run it with [`get`].
///
/// ```
/// use rask::{graph, Graph, Task};
/// fn inc(x: i64) -> i64 { x + 1 }
/// fn add(a: i64, b: i64) -> i64 { a + b }
/// let g = graph! {
///     "x" => 1,
///     "y" => inc("x"),
///     "z" => add("y", 10),
/// };
/// assert_eq!(rask::get::<i64>(&g, "z")?, 12);
///
/// let mut g2 = Graph::new();            // the same, without the macro
/// g2.insert("x", Task::value(1_i64));
/// g2.insert("y", Task::call("inc", inc, ("x",)));
/// assert_eq!(rask::get::<i64>(&g2, "y")?, 2);
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Default)]
pub struct Graph {
    tasks: Vec<(String, Task)>,
    index: HashMap<String, usize>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the task of `key`.
    pub fn insert(&mut self, key: impl Into<String>, task: Task) {
        let key = key.into();
        match self.index.get(&key) {
            Some(&i) => self.tasks[i].1 = task,
            None => {
                self.index.insert(key.clone(), self.tasks.len());
                self.tasks.push((key, task));
            }
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the graph has no keys.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Whether `key` is in the graph.
    pub fn contains(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// The keys, in the order they were inserted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.tasks.iter().map(|(k, _)| k.as_str())
    }

    fn for_each_key(&self, args: &[RawArg], f: &mut impl FnMut(usize)) {
        for a in args {
            match a {
                RawArg::Text(s) => {
                    if let Some(&i) = self.index.get(s.as_ref()) {
                        f(i)
                    }
                }
                RawArg::List(items) => self.for_each_key(items, f),
                RawArg::Lit(..) => {}
            }
        }
    }

    /// Checks the part of the graph that `keys` need and builds its nodes.
    fn nodes_for(&self, keys: &[&str]) -> Result<Vec<Arc<Node>>> {
        let mut built: Vec<Option<Arc<Node>>> = vec![None; self.tasks.len()];
        let mut on_path = vec![false; self.tasks.len()];
        let mut outputs = Vec::with_capacity(keys.len());
        for key in keys {
            let &root = self
                .index
                .get(*key)
                .ok_or_else(|| Error::MissingKey { missing: key.to_string(), needed_by: "get".into() })?;
            // Depth-first, iterative: (task, its inputs pushed yet?)
            let mut stack = vec![(root, false)];
            while let Some((i, expanded)) = stack.pop() {
                if built[i].is_some() {
                    continue;
                }
                if expanded {
                    built[i] = Some(self.build(i, &built)?);
                    on_path[i] = false;
                    continue;
                }
                if on_path[i] {
                    return Err(self.cycle_through(i));
                }
                on_path[i] = true;
                stack.push((i, true));
                if let Body::Call { args, .. } = &self.tasks[i].1.body {
                    let mut deps = Vec::new();
                    self.for_each_key(args, &mut |d| deps.push(d));
                    for d in deps.into_iter().rev() {
                        if on_path[d] {
                            return Err(self.cycle_through(d));
                        }
                        if built[d].is_none() {
                            stack.push((d, false));
                        }
                    }
                }
            }
            outputs.push(built[root].clone().ok_or_else(|| Error::Internal(format!("'{key}' was not built")))?);
        }
        Ok(outputs)
    }

    /// The error for a cycle through task `start`: follows keys until one repeats.
    fn cycle_through(&self, start: usize) -> Error {
        // Depth-first search for a path from `start` back to itself.
        let mut path = vec![start];
        let mut next_dep: Vec<usize> = vec![0];
        let mut seen = vec![false; self.tasks.len()];
        while let (Some(&i), Some(pos)) = (path.last(), next_dep.last_mut()) {
            let mut deps = Vec::new();
            if let Body::Call { args, .. } = &self.tasks[i].1.body {
                self.for_each_key(args, &mut |d| deps.push(d));
            }
            match deps.get(*pos) {
                Some(&d) if d == start => {
                    path.push(start);
                    break;
                }
                Some(&d) => {
                    *pos += 1;
                    if !seen[d] {
                        seen[d] = true;
                        path.push(d);
                        next_dep.push(0);
                    }
                }
                None => {
                    path.pop();
                    next_dep.pop();
                }
            }
        }
        Error::Cycle { keys: path.iter().map(|&i| self.tasks[i].0.clone()).collect() }
    }

    /// Builds the node of task `i`, whose inputs are built, checking every argument's type.
    fn build(&self, i: usize, built: &[Option<Arc<Node>>]) -> Result<Arc<Node>> {
        let (key, task) = &self.tasks[i];
        let (params, args, make) = match &task.body {
            Body::Value { value, .. } => {
                return Ok(Node::new(Key::from(key.as_str()), Op::Value(value.clone()), Vec::new()));
            }
            Body::Call { params, args, make, .. } => (params, args, make),
        };
        if params.len() != args.len() {
            return Err(Error::Internal(format!(
                "'{key}' has {} arguments for {} parameters",
                args.len(),
                params.len()
            )));
        }
        let mut slots = Vec::with_capacity(args.len());
        let mut deps = Vec::new();
        for (n, (param, arg)) in params.iter().zip(args).enumerate() {
            let what = format!("argument {}", n + 1);
            let mismatch = |found: String| Error::TypeMismatch {
                key: key.clone(),
                what: what.clone(),
                expected: (param.name)(),
                found,
            };
            match arg {
                RawArg::List(items) => {
                    let mut elem: Option<TypeDesc> = None;
                    for (j, item) in items.iter().enumerate() {
                        let (node, desc) = self.resolve_item(key, item, built)?;
                        match elem {
                            Some(e) if e.id != desc.id => {
                                return Err(Error::TypeMismatch {
                                    key: key.clone(),
                                    what: format!("{what}, item {}", j + 1),
                                    expected: (e.name)(),
                                    found: (desc.name)(),
                                });
                            }
                            _ => elem = Some(desc),
                        }
                        deps.push(node);
                    }
                    let elem = elem.ok_or_else(|| {
                        mismatch("an empty list (its item type is unknown; pass literal(Vec::<T>::new()))".into())
                    })?;
                    if elem.vec_id != param.id {
                        return Err(mismatch(elem.vec_name()));
                    }
                    slots.push(ArgSlot::Deps(items.len(), elem.gather()));
                }
                RawArg::Text(s) => match self.index.get(s.as_ref()) {
                    Some(&d) => {
                        let found = self.tasks[d].1.output();
                        if let (true, Body::Value { value, .. }) = (found.id != param.id, &self.tasks[d].1.body)
                            && let Some(v) = convert_literal(value, param.id)
                        {
                            slots.push(ArgSlot::Lit(v));
                            continue;
                        }
                        if found.id != param.id {
                            return Err(mismatch(format!("{} (the result of '{s}')", (found.name)())));
                        }
                        deps.push(
                            built[d]
                                .clone()
                                .ok_or_else(|| Error::Internal(format!("'{s}' was not built before '{key}'")))?,
                        );
                        slots.push(ArgSlot::Dep);
                    }
                    None => slots.push(ArgSlot::Lit(text_literal(key, s.clone(), param)?)),
                },
                RawArg::Lit(v, desc) if desc.id == param.id => slots.push(ArgSlot::Lit(v.clone())),
                RawArg::Lit(v, desc) => {
                    slots.push(ArgSlot::Lit(convert_literal(v, param.id).ok_or_else(|| mismatch((desc.name)()))?));
                }
            }
        }
        Ok(Node::new(Key::from(key.as_str()), Op::Call(make(slots)), deps))
    }

    /// One item of a list argument, as a node: the task it names, or a literal.
    fn resolve_item(&self, key: &str, item: &RawArg, built: &[Option<Arc<Node>>]) -> Result<(Arc<Node>, TypeDesc)> {
        let literal = |v: Value, desc: TypeDesc| (Node::new(Key::unique("literal"), Op::Value(v), Vec::new()), desc);
        match item {
            RawArg::Text(s) => match self.index.get(s.as_ref()) {
                Some(&d) => {
                    let node = built[d]
                        .clone()
                        .ok_or_else(|| Error::Internal(format!("'{s}' was not built before '{key}'")))?;
                    Ok((node, self.tasks[d].1.output()))
                }
                None => Ok(match s {
                    Cow::Borrowed(s) => literal(value(*s), TypeDesc::of::<&'static str>()),
                    Cow::Owned(s) => literal(value(s.clone()), TypeDesc::of::<String>()),
                }),
            },
            RawArg::Lit(v, desc) => Ok(literal(v.clone(), *desc)),
            RawArg::List(_) => Err(Error::TypeMismatch {
                key: key.into(),
                what: "a list argument".into(),
                expected: "keys or values".into(),
                found: "a nested list (wrap it in literal(...))".into(),
            }),
        }
    }

    /// Runs the part of the graph that `key` needs and returns its value.
    pub fn get<T: Data>(&self, key: &str) -> Result<T> {
        self.get_with(key, RunOptions::default())
    }

    /// Like [`get`](Self::get), with a scheduler or options.
    pub fn get_with<T: Data>(&self, key: &str, options: impl Into<RunOptions>) -> Result<T> {
        let found = self
            .index
            .get(key)
            .map(|&i| self.tasks[i].1.output())
            .ok_or_else(|| Error::MissingKey { missing: key.into(), needed_by: "get".into() })?;
        if found.id != TypeId::of::<T>() {
            return Err(Error::TypeMismatch {
                key: key.into(),
                what: "result".into(),
                expected: type_name::<T>(),
                found: (found.name)(),
            });
        }
        let nodes = self.nodes_for(&[key])?;
        crate::compute_with(&Nodes(nodes), options)
            .and_then(|mut v| take(v.pop().ok_or_else(|| Error::Internal("no result".into()))?))
    }

    /// Draws the whole graph (a cycle or a wrong type is reported, as by [`get`](Self::get)).
    pub fn visualize(&self) -> Result<Rendered> {
        self.visualize_with(&Visualize::default())
    }

    /// Draws the graph with options.
    pub fn visualize_with(&self, options: &Visualize) -> Result<Rendered> {
        let keys: Vec<&str> = self.keys().collect();
        let nodes = self.nodes_for(&keys)?;
        let graph = TaskGraph::lower(&nodes);
        crate::visualize::render(&graph.vis_graph(), options, "graph")
    }
}

/// A string argument that is not a key: a literal, when the parameter takes text.
fn text_literal(key: &str, s: Cow<'static, str>, param: &TypeDesc) -> Result<Value> {
    if param.id == TypeId::of::<String>() {
        Ok(value(s.to_string()))
    } else if let (true, Cow::Borrowed(s)) = (param.id == TypeId::of::<&'static str>(), &s) {
        Ok(value(*s))
    } else if param.id == TypeId::of::<&'static str>() {
        Err(Error::TypeMismatch {
            key: key.into(),
            what: format!("argument '{s}'"),
            expected: "&'static str".into(),
            found: "String (pass a literal \"...\")".into(),
        })
    } else {
        Err(Error::MissingKey { missing: s.to_string(), needed_by: key.into() })
    }
}

/// Built nodes, computed as a collection of type-erased values.
struct Nodes(Vec<Arc<Node>>);

impl Collection for Nodes {
    type Output = Vec<Value>;
    fn add_outputs(&self, outputs: &mut Outputs) {
        self.0.iter().for_each(|n| outputs.push(n.clone()))
    }
    fn finish(&self, results: &mut Results) -> Result<Vec<Value>> {
        self.0.iter().map(|_| results.next()).collect()
    }
}

/// Runs the part of `graph` that `key` needs and returns its value, like Dask's `get`.
///
/// ```
/// use rask::graph;
/// fn double(x: i64) -> i64 { 2 * x }
/// let g = graph! { "a" => 21, "b" => double("a") };
/// let b: i64 = rask::get(&g, "b")?;
/// assert_eq!(b, 42);
/// let err = rask::get::<String>(&g, "b").unwrap_err();
/// assert_eq!(err.to_string(), "graph: key 'b' result expects String, but gets i64");
/// # Ok::<(), rask::Error>(())
/// ```
pub fn get<T: Data>(graph: &Graph, key: &str) -> Result<T> {
    graph.get(key)
}

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Graph: {} keys", self.tasks.len())?;
        for (key, task) in &self.tasks {
            match &task.body {
                Body::Value { desc, .. } => writeln!(f, "  {key:?} => <{}>", (desc.name)())?,
                Body::Call { args, .. } => {
                    let args: Vec<String> = args.iter().map(fmt_arg).collect();
                    writeln!(f, "  {key:?} => {}({})", task.name, args.join(", "))?
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn fmt_arg(a: &RawArg) -> String {
    match a {
        RawArg::Text(s) => format!("{s:?}"),
        RawArg::Lit(_, desc) => format!("<{}>", (desc.name)()),
        RawArg::List(items) => format!("[{}]", items.iter().map(fmt_arg).collect::<Vec<_>>().join(", ")),
    }
}

/// Writes a raw task graph key by key, the way Dask's documentation teaches it.
///
/// Each entry is `key => function(arguments)` or `key => value`. A string argument that is
/// a key of the graph stands for that task's result; other arguments are literals. End a
/// call with `?` when the function returns a `Result`.
///
/// ```
/// use rask::graph;
///
/// fn load(path: &str) -> Vec<f64> { vec![path.len() as f64; 3] }
/// fn clean(data: Vec<f64>) -> Vec<f64> { data.into_iter().filter(|x| *x > 13.0).collect() }
/// fn analyze(parts: Vec<Vec<f64>>) -> f64 { parts.iter().flatten().sum() }
/// fn store(result: f64) -> String { format!("stored {result}") }
///
/// let dsk = graph! {
///     "load-1" => load("myfile.a.data"),
///     "load-2" => load("myfile.b.data"),
///     "load-3" => load("myfile.c.datum"),
///     "clean-1" => clean("load-1"),
///     "clean-2" => clean("load-2"),
///     "clean-3" => clean("load-3"),
///     "analyze" => analyze(["clean-1", "clean-2", "clean-3"]),
///     "store" => store("analyze"),
/// };
/// assert_eq!(rask::get::<String>(&dsk, "store")?, "stored 42");
/// # Ok::<(), rask::Error>(())
/// ```
#[macro_export]
macro_rules! graph {
    ($($body:tt)*) => {{
        #[allow(unused_mut)]
        let mut g = $crate::Graph::new();
        $crate::__graph_entries!(g; $($body)*);
        g
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __graph_entries {
    ($g:ident;) => {};
    ($g:ident; $k:expr => $($f:ident)::+ $(::<$($t:ty),+>)? ( $($a:expr),* $(,)? ) ? $(, $($rest:tt)*)?) => {
        $g.insert($k, $crate::Task::call_fallible(
            $crate::__private::last_segment(stringify!($($f)::+)),
            $($f)::+ $(::<$($t),+>)?,
            ($($a,)*),
        ));
        $($crate::__graph_entries!($g; $($rest)*);)?
    };
    ($g:ident; $k:expr => $($f:ident)::+ $(::<$($t:ty),+>)? ( $($a:expr),* $(,)? ) $(, $($rest:tt)*)?) => {
        $g.insert($k, $crate::Task::call(
            $crate::__private::last_segment(stringify!($($f)::+)),
            $($f)::+ $(::<$($t),+>)?,
            ($($a,)*),
        ));
        $($crate::__graph_entries!($g; $($rest)*);)?
    };
    ($g:ident; $k:expr => $v:expr $(, $($rest:tt)*)?) => {
        $g.insert($k, $crate::Task::value($v));
        $($crate::__graph_entries!($g; $($rest)*);)?
    };
}
