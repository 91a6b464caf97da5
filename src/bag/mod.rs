//! Bags (`db` in the prelude): partitioned collections of arbitrary records, Dask Bag's experience.
//!
//! A [`Bag<T>`] is a list of partitions, each a `Vec<T>` made by one task. Operations on
//! items ([`map`](Bag::map), [`filter`](Bag::filter), [`flat_map`](Bag::flat_map),
//! [`pluck`](Bag::pluck), [`map_partitions`](Bag::map_partitions)) compose into one
//! push-based pipeline per partition: every item goes through the whole chain before the
//! next one is read, and only the partition's result is collected into a `Vec`. Reductions
//! (`reduce.rs`: [`count`](Bag::count), [`sum`](Bag::sum), [`frequencies`](Bag::frequencies),
//! [`fold`](Bag::fold), [`foldby`](Bag::foldby), [`topk`](Bag::topk), ...) fold each
//! partition's items straight into an accumulator inside that partition's task, then merge
//! the accumulators in a tree of fan-in 8. [`groupby`](Bag::groupby) hash-shuffles items
//! into buckets (`groupby.rs`). `read.rs` reads text and JSON lines (plain or gzip, large
//! files in blocks); `frame.rs` turns JSON objects into a
//! [`DataFrame`](crate::dataframe::DataFrame). `task.rs` holds a bag's tasks as data, for
//! a Dask cluster: bags of strings, numbers and JSON values read, plucked, mapped and
//! filtered by registered functions ([`map_registered`](Bag::map_registered), ...), counted,
//! summed, `frequencies` and `distinct`.
//!
//! ```
//! use rask::prelude::*;
//! let words = db::from_sequence(["a b", "b c", "b"], 2)?
//!     .flat_map(|line: &str| line.split(' ').map(String::from).collect::<Vec<_>>())
//!     .frequencies_sorted();
//! assert_eq!(words.compute()?[0], ("b".to_string(), 3));
//! # Ok::<(), rask::Error>(())
//! ```

mod frame;
mod groupby;
mod read;
mod reduce;
mod task;

use std::fmt;
use std::sync::{Arc, OnceLock};

pub use read::{TextOptions, read_json, read_json_with, read_text, read_text_with};
pub use reduce::Numeric;
pub(crate) use task::{codecs, decoders};

use crate::collection::{Collection, Outputs, Persist, Results};
use crate::delayed::Delayed;
use crate::error::{BoxError, Error, Result, TaskError};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::remote::{Function, Recipe};
use crate::scheduler::RunOptions;
use crate::value::{Data, Value, take, type_name, value};
use crate::visualize::{Rendered, Visualize};

use self::task::{BagTask, End, Form, MaybeForm, Stage, call_item, closure};

/// Where a partition pushes its items, one at a time; an error stops the partition.
pub(crate) type Sink<'a, T> = dyn FnMut(T) -> Result<(), BoxError> + 'a;

/// Makes partition `i` from the values of its inputs, pushing its items into the sink in order.
type StreamFn<T> = dyn Fn(usize, Vec<Value>, &mut Sink<'_, T>) -> Result<(), BoxError> + Send + Sync;

/// The input nodes of each partition's task.
type Inputs = Arc<[Vec<Arc<Node>>]>;

/// Gives a closure the signature of a [`StreamFn`] (closures infer higher-ranked arguments
/// only from a bound like this one).
fn stream_fn<T, F>(f: F) -> Arc<StreamFn<T>>
where
    F: Fn(usize, Vec<Value>, &mut Sink<'_, T>) -> Result<(), BoxError> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// A partitioned, lazy collection of records of any type, like a Dask Bag.
///
/// Each partition is one task whose value is a `Vec<T>`. Build one with
/// [`from_sequence`], [`read_text`] or [`read_json`]; nothing runs until
/// [`compute`](Bag::compute) (or [`rask::compute`](crate::compute), a
/// [`Client`](crate::Client), ...).
///
/// ```
/// use rask::prelude::*;
/// let b = db::from_sequence(1..=10, 3)?;
/// println!("{b}");                                  // Bag<i32>: 3 partitions
/// let evens = b.filter(|x| x % 2 == 0).map(|x| x * 10);
/// assert_eq!(evens.compute()?, vec![20, 40, 60, 80, 100]);
/// assert_eq!(evens.sum().compute()?, 300);
/// # Ok::<(), rask::Error>(())
/// ```
#[must_use = "a Bag does nothing until it is computed"]
pub struct Bag<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    /// The layer name: the last operation plus a token, e.g. `map-3f2a`.
    name: Arc<str>,
    plan: Plan<T>,
    /// The partition tasks, made once so that every use of this bag shares them.
    nodes: OnceLock<Vec<Arc<Node>>>,
    /// The plan as data, for a cluster's workers, or why the bag stays in this process.
    form: MaybeForm,
}

/// How the partitions are made.
enum Plan<T> {
    /// Each partition is the value (a `Vec<T>`) of one of these nodes.
    Nodes(Vec<Arc<Node>>),
    /// Partition `i` is made by one task reading `inputs[i]`, pushing items through `stream`.
    Stream { inputs: Inputs, stream: Arc<StreamFn<T>> },
}

impl<T> Clone for Bag<T> {
    fn clone(&self) -> Self {
        Bag { inner: self.inner.clone() }
    }
}

/// The items of one partition, as its task sees them: pushed one at a time through the
/// bag's fused chain of operations.
pub(crate) struct Items<'a, T> {
    stream: &'a StreamFn<T>,
    index: usize,
    inputs: Vec<Value>,
}

impl<T> Items<'_, T> {
    /// The partition's number.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Calls `f` on every item, in order; stops at the first error.
    pub(crate) fn for_each(self, mut f: impl FnMut(T) -> Result<(), BoxError>) -> Result<(), BoxError> {
        (self.stream)(self.index, self.inputs, &mut f)
    }

    /// All the items, in order.
    pub(crate) fn collect(self) -> Result<Vec<T>, BoxError> {
        let mut out = Vec::new();
        self.for_each(|x| {
            out.push(x);
            Ok(())
        })?;
        Ok(out)
    }
}

/// A task that calls `f` on its inputs' values; `recipe` is the same work as data.
pub(crate) fn task<R: Data>(
    key: Key,
    deps: Vec<Arc<Node>>,
    recipe: Recipe,
    f: impl Fn(Vec<Value>) -> Result<R, BoxError> + Send + Sync + 'static,
) -> Arc<Node> {
    let op = Op::Call(Box::new(move |inputs| f(inputs).map(value).map_err(TaskError::Failed)));
    Node::with_recipe(key, op, deps, recipe)
}

/// The recipe of a bag task: `task` made of the bag's form and what the task ends in, or
/// the reason it stays in this process.
fn recipe(form: &MaybeForm, end: &Result<End, Arc<str>>, task: impl FnOnce(&Form, End) -> BagTask) -> Recipe {
    match (form, end) {
        (Ok(form), Ok(end)) => Recipe::Builtin(Arc::new(task(form, *end))),
        (Err(why), _) | (_, Err(why)) => Recipe::Refused(why.clone()),
    }
}

/// A fresh token for the names of one operation's layers: `3f2a`.
pub(crate) fn token() -> String {
    let key = Key::unique("t").to_string();
    key.strip_prefix("t-").unwrap_or(&key).to_string()
}

/// Pushes every item of a partition's value (a `Vec<T>`): moved out when this task is its
/// only reader, cloned one by one otherwise.
fn push_all<T: Data>(v: Value, sink: &mut Sink<'_, T>) -> Result<(), BoxError> {
    match v.downcast::<Vec<T>>() {
        Ok(arc) => match Arc::try_unwrap(arc) {
            Ok(items) => items.into_iter().try_for_each(sink),
            Err(shared) => shared.iter().cloned().try_for_each(sink),
        },
        Err(_) => Err(format!("a bag partition is not a Vec<{}>", type_name::<T>()).into()),
    }
}

/// The first `max` characters of an item's text, for error messages.
pub(crate) fn truncated(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

impl<T: Data> Bag<T> {
    /// A bag whose partitions are the values of `nodes`.
    pub(crate) fn from_nodes(name: impl Into<Arc<str>>, nodes: Vec<Arc<Node>>) -> Self {
        let form = Form::held::<T>(nodes.len());
        Bag::new(name.into(), Plan::Nodes(nodes), form)
    }

    /// A bag whose partition `i` is made by `stream` from the values of `inputs[i]`; `form`
    /// is the same as data.
    fn from_stream(kind: &'static str, inputs: Inputs, stream: Arc<StreamFn<T>>, form: MaybeForm) -> Self {
        Bag::new(Key::unique(kind).to_string().into(), Plan::Stream { inputs, stream }, form)
    }

    fn new(name: Arc<str>, plan: Plan<T>, form: MaybeForm) -> Self {
        Bag { inner: Arc::new(Inner { name, plan, nodes: OnceLock::new(), form }) }
    }

    /// The bag's form with one more stage making `U`s, or why it stays in this process.
    fn then<U: 'static>(&self, stage: Stage) -> MaybeForm {
        self.inner.form.as_ref().map_err(Arc::clone).and_then(|f| f.then::<U>(stage))
    }

    /// The form of a bag made by a closure from this one: the reason it stays here.
    fn closure(&self, op: &str) -> MaybeForm {
        self.inner.form.as_ref().map_err(Arc::clone).and(Err(closure(op)))
    }

    /// The inputs of each partition and the function that pushes its items.
    fn stream(&self) -> (Inputs, Arc<StreamFn<T>>) {
        match &self.inner.plan {
            Plan::Stream { inputs, stream } => (inputs.clone(), stream.clone()),
            Plan::Nodes(nodes) => {
                let inputs = nodes.iter().map(|n| vec![n.clone()]).collect();
                let stream = stream_fn(|_, values: Vec<Value>, sink: &mut Sink<'_, T>| {
                    values.into_iter().try_for_each(|v| push_all(v, sink))
                });
                (inputs, stream)
            }
        }
    }

    /// One task per partition, named `(name, i)`, that runs `f` on the partition's items
    /// (pushed through the whole chain of operations, never collected unless `f` does).
    /// `end` is what `f` returns, as data for a cluster (or why it stays here).
    fn each_partition<A: Data>(
        &self,
        name: &str,
        end: Result<End, Arc<str>>,
        f: impl Fn(Items<'_, T>) -> Result<A, BoxError> + Send + Sync + 'static,
    ) -> Vec<Arc<Node>> {
        let (inputs, stream) = self.stream();
        let name: Arc<str> = name.into();
        let f = Arc::new(f);
        inputs
            .iter()
            .enumerate()
            .map(|(i, deps)| {
                let (stream, f) = (stream.clone(), f.clone());
                let recipe = recipe(&self.inner.form, &end, |form, end| form.part(i, end));
                task(Key::part(name.clone(), i as u64), deps.clone(), recipe, move |inputs| {
                    f(Items { stream: &*stream, index: i, inputs })
                })
            })
            .collect()
    }

    /// A bag that pushes each item of this one through `stage`, fused into the same tasks.
    /// `form` is the new bag's form.
    fn chain<U: Data>(
        &self,
        kind: &'static str,
        form: MaybeForm,
        stage: impl Fn(T, &mut Sink<'_, U>) -> Result<(), BoxError> + Send + Sync + 'static,
    ) -> Bag<U> {
        let (inputs, prev) = self.stream();
        let stream = stream_fn(move |i, values, sink: &mut Sink<'_, U>| prev(i, values, &mut |x: T| stage(x, sink)));
        Bag::from_stream(kind, inputs, stream, form)
    }

    /// The tasks that make the partitions, one per partition.
    pub(crate) fn partitions(&self) -> Vec<Arc<Node>> {
        self.inner
            .nodes
            .get_or_init(|| match &self.inner.plan {
                Plan::Nodes(nodes) => nodes.clone(),
                Plan::Stream { .. } => self.each_partition(&self.inner.name, Ok(End::Collect), |items| items.collect()),
            })
            .clone()
    }

    /// How many partitions.
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence(0..100, 7)?.npartitions(), 7);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn npartitions(&self) -> usize {
        match &self.inner.plan {
            Plan::Nodes(nodes) => nodes.len(),
            Plan::Stream { inputs, .. } => inputs.len(),
        }
    }

    /// The name of the bag's last layer, e.g. `map-3f2a`: its partitions' keys are
    /// `('map-3f2a', 0)`, `('map-3f2a', 1)`, ...
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence([1, 2], 1)?.map(|x| x + 1);
    /// assert!(b.name().starts_with("map-"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Applies `f` to every item.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(["a", "bb"], 2)?.map(|s: &str| s.len());
    /// assert_eq!(b.compute()?, vec![1, 2]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn map<U: Data>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Bag<U> {
        self.chain("map", self.closure("map"), move |x, sink| sink(f(x)))
    }

    /// Keeps the items for which `predicate` is true.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(0..10, 3)?.filter(|x| x % 3 == 0);
    /// assert_eq!(b.compute()?, vec![0, 3, 6, 9]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn filter(&self, predicate: impl Fn(&T) -> bool + Send + Sync + 'static) -> Bag<T> {
        self.chain("filter", self.closure("filter"), move |x, sink| if predicate(&x) { sink(x) } else { Ok(()) })
    }

    /// Replaces every item by the items `f` makes of it (Dask's `map(f).flatten()`).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(["a b", "c"], 2)?
    ///     .flat_map(|s: &str| s.split(' ').map(String::from).collect::<Vec<_>>());
    /// assert_eq!(b.compute()?, ["a", "b", "c"]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn flat_map<U: Data, I: IntoIterator<Item = U>>(&self, f: impl Fn(T) -> I + Send + Sync + 'static) -> Bag<U> {
        self.chain("flat-map", self.closure("flat_map"), move |x, sink| f(x).into_iter().try_for_each(&mut *sink))
    }

    /// Applies `f` to each whole partition (all its items, in order).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let sizes = db::from_sequence(0..10, 3)?.map_partitions(|part: Vec<i32>| vec![part.len()]);
    /// assert_eq!(sizes.compute()?, vec![3, 3, 4]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn map_partitions<U: Data>(&self, f: impl Fn(Vec<T>) -> Vec<U> + Send + Sync + 'static) -> Bag<U> {
        let (inputs, prev) = self.stream();
        let stream = stream_fn(move |i, values, sink: &mut Sink<'_, U>| {
            let part = Items { stream: &*prev, index: i, inputs: values }.collect()?;
            f(part).into_iter().try_for_each(sink)
        });
        Bag::from_stream("map-partitions", inputs, stream, self.closure("map_partitions"))
    }

    /// Applies a [registered](crate::remote::register) function to every item: like
    /// [`map`](Self::map), and a Dask cluster's workers can run it too (a closure stays in
    /// this process). An error of the function fails the partition's task, naming it.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let len = rask::remote::register("doc-len", |s: String| s.len() as i64);
    /// let b = db::from_sequence(["a", "bbb"].map(String::from), 2)?.map_registered(&len);
    /// assert_eq!(b.compute()?, [1, 3]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn map_registered<U: Data>(&self, f: &Function<(T,), U>) -> Bag<U> {
        let (call, name) = (f.item_fn(), f.name());
        self.chain("map", self.then::<U>(Stage::Map(name.into())), move |x, sink| {
            sink(take::<U>(call_item(&*call, name, value(x))?)?)
        })
    }

    /// Keeps the items for which a [registered](crate::remote::register) function is true:
    /// like [`filter`](Self::filter), and a Dask cluster's workers can run it too.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let even = rask::remote::register("doc-even", |x: i64| x % 2 == 0);
    /// let b = db::from_sequence(0..6i64, 2)?.filter_registered(&even);
    /// assert_eq!(b.compute()?, [0, 2, 4]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn filter_registered(&self, f: &Function<(T,), bool>) -> Bag<T> {
        let (call, name) = (f.item_fn(), f.name());
        self.chain("filter", self.then::<T>(Stage::Filter(name.into())), move |x, sink| {
            if take::<bool>(call_item(&*call, name, value(x.clone()))?)? { sink(x) } else { Ok(()) }
        })
    }

    /// Replaces every item by the items a [registered](crate::remote::register) function
    /// makes of it: like [`flat_map`](Self::flat_map), and a Dask cluster's workers can
    /// run it too.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let words = rask::remote::register("doc-words", |s: String| {
    ///     s.split_whitespace().map(String::from).collect::<Vec<_>>()
    /// });
    /// let b = db::from_sequence(["a b".to_string(), "c".to_string()], 2)?.flat_map_registered(&words);
    /// assert_eq!(b.compute()?, ["a", "b", "c"]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn flat_map_registered<U: Data>(&self, f: &Function<(T,), Vec<U>>) -> Bag<U> {
        let (call, name) = (f.item_fn(), f.name());
        let form = task::ItemType::of::<U>()
            .and_then(|output| self.then::<U>(Stage::FlatMap { function: name.into(), output }));
        self.chain("flat-map", form, move |x, sink| push_all::<U>(call_item(&*call, name, value(x))?, sink))
    }

    /// The partitions as delayed values, one per partition, in order.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let parts = db::from_sequence(1..=4, 2)?.to_delayed();
    /// assert_eq!(parts[1].compute()?, vec![3, 4]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn to_delayed(&self) -> Vec<Delayed<Vec<T>>> {
        self.partitions().into_iter().map(Delayed::from_node).collect()
    }

    /// Computes every partition with the default scheduler and returns all the items, in
    /// partition order.
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence([3, 1, 2], 2)?.compute()?, vec![3, 1, 2]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn compute(&self) -> Result<Vec<T>> {
        crate::compute(self)
    }

    /// Like [`compute`](Self::compute), with a scheduler or options.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(0..4, 2)?.map(|x| x * x);
    /// assert_eq!(b.compute_with(Scheduler::Sync)?, vec![0, 1, 4, 9]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn compute_with(&self, options: impl Into<RunOptions>) -> Result<Vec<T>> {
        crate::compute_with(self, options)
    }

    /// Computes the partitions now and returns a bag that holds them in memory, under the
    /// same keys: later operations start from the held items instead of recomputing them.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let squares = db::from_sequence(0..6, 3)?.map(|x| x * x).persist()?;
    /// assert_eq!(squares.count().compute()?, 6);
    /// assert_eq!(squares.max().compute()?, 25);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn persist(&self) -> Result<Bag<T>> {
        if let Plan::Nodes(nodes) = &self.inner.plan
            && nodes.iter().all(|n| matches!(n.op, Op::Value(_)))
        {
            return Ok(self.clone());
        }
        let nodes = self.partitions();
        let parts = crate::compute(self.to_delayed())?;
        let held = nodes
            .iter()
            .zip(parts)
            .map(|(n, items)| Node::new(n.key.clone(), Op::Value(value(items)), Vec::new()))
            .collect();
        Ok(Bag::from_nodes(self.inner.name.clone(), held))
    }

    /// The first `n` items, computed now from as few leading partitions as give them (one
    /// partition at a time, in order).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(0..1000, 10)?.map(|x| x * 2);
    /// assert_eq!(b.take(3)?, vec![0, 2, 4]);     // runs the first partition only
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn take(&self, n: usize) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for node in self.partitions() {
            if out.len() >= n {
                break;
            }
            let part = Delayed::<Vec<T>>::from_node(node).compute()?;
            out.extend(part.into_iter().take(n - out.len()));
        }
        Ok(out)
    }

    /// Draws the task graph: a text drawing (its `Display`), DOT, and an SVG file.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(0..4, 2)?.map(|x| x + 1);
    /// assert!(b.visualize()?.dot().contains("map-"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn visualize(&self) -> Result<Rendered> {
        crate::visualize(self)
    }

    /// Draws the task graph with options (direction, colouring, file name and format).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(0..4, 2)?.count();
    /// let drawing = b.visualize_with(&Visualize::default())?;
    /// assert!(drawing.dot().contains("count-aggregate"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn visualize_with(&self, options: &Visualize) -> Result<Rendered> {
        crate::visualize_with(self, options)
    }

    /// Shows the bag's description in the REPL (text) and the kernel (HTML).
    ///
    /// ```
    /// use rask::prelude::*;
    /// db::from_sequence([1, 2], 1)?.evcxr_display();
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        crate::display::send(&crate::display::Show::forms(self));
    }

    /// A short HTML description (item type, partitions, layer; no data).
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert!(db::from_sequence([1u8], 1)?.to_html().contains("u8"));
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn to_html(&self) -> String {
        use crate::display::escape_html;
        let n = self.npartitions();
        format!(
            "<div><strong>rask Bag</strong> of <code>{}</code> · {n} partition{} · layer <code>{}</code></div>",
            escape_html(&type_name::<T>()),
            if n == 1 { "" } else { "s" },
            escape_html(&self.inner.name),
        )
    }
}

/// Makes a bag of the items of a sequence, split into `npartitions` partitions of (nearly)
/// equal length, in order (some empty when there are fewer items than partitions).
///
/// ```
/// use rask::prelude::*;
/// let b = db::from_sequence(vec!["x", "y", "z"], 2)?;
/// assert_eq!(b.npartitions(), 2);
/// assert_eq!(b.to_delayed()[0].compute()?, ["x"]);
/// assert!(db::from_sequence(0..3, 0).is_err());
/// # Ok::<(), rask::Error>(())
/// ```
pub fn from_sequence<T: Data>(items: impl IntoIterator<Item = T>, npartitions: usize) -> Result<Bag<T>> {
    /// Past this, the graph of partitions alone would not fit in memory.
    const MAX_PARTITIONS: usize = 1 << 26;
    if npartitions == 0 || npartitions > MAX_PARTITIONS {
        return Err(Error::Invalid(format!(
            "from_sequence: npartitions is {npartitions}; it must be from 1 to {MAX_PARTITIONS}"
        )));
    }
    let mut items: Vec<T> = items.into_iter().collect();
    let len = items.len();
    let name: Arc<str> = Key::unique("from-sequence").to_string().into();
    let mut parts = Vec::with_capacity(npartitions);
    // Split from the end so that each split_off moves only its own items.
    for i in (0..npartitions).rev() {
        let start = (len as u128 * i as u128 / npartitions as u128) as usize;
        parts.push(items.split_off(start));
    }
    parts.reverse();
    let nodes = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| Node::new(Key::part(name.clone(), i as u64), Op::Value(value(p)), Vec::new()))
        .collect();
    Ok(Bag::from_nodes(name, nodes))
}

impl Bag<serde_json::Value> {
    /// The value under `key` of every item (a JSON object), as Dask's `pluck`. An item that
    /// is not an object or has no such key fails the task, naming the key and showing the
    /// item. Straight after [`read_json`], only `key`'s value is built from each line (the
    /// rest is checked and skipped), and an error also names the file and line.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use rask::serde_json::json;
    /// let b = db::from_sequence([json!({"a": 1}), json!({"a": 2, "b": 0})], 1)?;
    /// assert_eq!(b.pluck("a").compute()?, [json!(1), json!(2)]);
    /// let err = b.pluck("b").compute().unwrap_err().to_string();
    /// assert!(err.contains("no key 'b'"), "{err}");
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn pluck(&self, key: &str) -> Bag<serde_json::Value> {
        if let Some(blocks) = self.inner.form.as_ref().ok().and_then(Form::json_blocks) {
            return read::pluck_json(blocks.into(), key);
        }
        let form = self.then::<serde_json::Value>(Stage::Pluck(key.into()));
        let key: Arc<str> = key.into();
        self.chain("pluck", form, move |item, sink| sink(pluck_item(&key, item)?))
    }
}

/// The value under `key` of `item`, a JSON object.
fn pluck_item(key: &str, item: serde_json::Value) -> Result<serde_json::Value, BoxError> {
    match item {
        serde_json::Value::Object(mut map) => match map.remove(key) {
            Some(v) => Ok(v),
            None => Err(pluck_error(key, &serde_json::Value::Object(map)).into()),
        },
        other => Err(pluck_error(key, &other).into()),
    }
}

/// Why `pluck(key)` cannot take a value out of `item` (which has no such key).
fn pluck_error(key: &str, item: &serde_json::Value) -> String {
    let text = truncated(&item.to_string(), 200);
    match item {
        serde_json::Value::Object(_) => format!("pluck: no key '{key}' in {text}"),
        _ => format!("pluck '{key}': the item is not an object: {text}"),
    }
}

impl<T: Data> Collection for Bag<T> {
    type Output = Vec<T>;

    fn add_outputs(&self, outputs: &mut Outputs) {
        self.partitions().into_iter().for_each(|n| outputs.push(n));
    }

    fn finish(&self, results: &mut Results) -> Result<Vec<T>> {
        let parts =
            (0..self.npartitions()).map(|_| results.next().and_then(take::<Vec<T>>)).collect::<Result<Vec<_>>>()?;
        let mut parts = parts.into_iter();
        let Some(mut out) = parts.next() else { return Ok(Vec::new()) };
        let rest: Vec<Vec<T>> = parts.collect();
        out.reserve(rest.iter().map(Vec::len).sum());
        rest.into_iter().for_each(|p| out.extend(p));
        Ok(out)
    }
}

impl<T: Data> Persist for Bag<T> {
    /// The persisted bag reads each partition from the held result that replaced it.
    fn with_outputs(&self, parts: &mut crate::collection::Parts<'_>) -> Self {
        Bag::from_nodes(self.inner.name.clone(), (0..self.npartitions()).map(|_| parts.next()).collect())
    }
}

impl<T: Data> crate::display::Show for Bag<T> {
    fn forms(&self) -> crate::display::Forms {
        vec![("text/plain", self.to_string()), ("text/html", self.to_html())]
    }
}

impl<T: Data> fmt::Display for Bag<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.npartitions();
        write!(f, "Bag<{}>: {n} partition{}", type_name::<T>(), if n == 1 { "" } else { "s" })
    }
}

impl<T: Data> fmt::Debug for Bag<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
