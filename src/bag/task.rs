//! A bag's tasks as data, so that a Dask cluster's workers run them too.
//!
//! A bag whose items are `String`s, `i64`s, `f64`s or JSON values ([`ItemType`]) and whose
//! every step is data has a [`Form`]: what each partition reads ([`Source`]: held items, a
//! block of a text or JSON-lines file) and the stages its items go through ([`Stage`]:
//! `pluck`, or a function registered by name through `map_registered`, `filter_registered`,
//! `flat_map_registered`). Its partition tasks, and the steps of `count`, `sum`, `mean`,
//! `min`, `max`, `frequencies` and `distinct` ([`End`]), carry a [`BagTask`] recipe next to their
//! closure; a worker runs the recipe with the same functions (`read.rs`'s line readers,
//! `reduce.rs`'s partial results), items passing between stages as type-erased values. A
//! closure (`map`, `fold`, `groupby`, ...) or another item type makes the bag's tasks
//! refuse the cluster with a message saying why.

use std::any::TypeId;
use std::sync::Arc;

use polars::prelude::{PlHashMap, PlIndexSet};
use serde::{Deserialize, Serialize};

use super::read::{self, Block};
use super::reduce;
use super::{Items, Sink, pluck_item, push_all, stream_fn};
use crate::codec::{Codec, serde_entry};
use crate::error::{BoxError, TaskError};
use crate::node::TaskFn;
use crate::remote::{Builtin, Decoder, decoder, item_fn};
use crate::value::{Data, Value, take, type_name, value};

/// The item types a bag can have on a cluster (those whose `Vec` has a codec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum ItemType {
    Str,
    I64,
    F64,
    Json,
}

impl ItemType {
    /// The item type of `T`, or why a bag of `T`s stays in this process.
    pub(super) fn of<T: 'static>() -> Result<ItemType, Arc<str>> {
        let id = TypeId::of::<T>();
        let types = [
            (TypeId::of::<String>(), ItemType::Str),
            (TypeId::of::<i64>(), ItemType::I64),
            (TypeId::of::<f64>(), ItemType::F64),
            (TypeId::of::<serde_json::Value>(), ItemType::Json),
        ];
        types.into_iter().find(|(t, _)| *t == id).map(|(_, ty)| ty).ok_or_else(|| {
            format!(
                "a bag of {} stays in this process: on a cluster a bag's items are String, i64, f64 or \
                 serde_json::Value",
                type_name::<T>()
            )
            .into()
        })
    }
}

/// Runs `$body` with the type alias `$T` set to the Rust type of `$ty`, one of the listed
/// item types; any other is an error naming `$what`.
macro_rules! dispatch {
    ($ty:expr, [$($variant:ident => $t:ty),*], $what:expr, $T:ident => $body:expr) => {
        match $ty {
            $(ItemType::$variant => {
                #[allow(dead_code)]
                type $T = $t;
                $body
            })*
            #[allow(unreachable_patterns)]
            other => Err(BoxError::from(format!("{} of a bag of {other:?} items", $what))),
        }
    };
}

macro_rules! any_item {
    ($ty:expr, $what:expr, $T:ident => $body:expr) => {
        dispatch!($ty, [Str => String, I64 => i64, F64 => f64, Json => serde_json::Value], $what, $T => $body)
    };
}

macro_rules! hashable {
    ($ty:expr, $what:expr, $T:ident => $body:expr) => {
        dispatch!($ty, [Str => String, I64 => i64], $what, $T => $body)
    };
}

macro_rules! ordered {
    ($ty:expr, $what:expr, $T:ident => $body:expr) => {
        dispatch!($ty, [Str => String, I64 => i64, F64 => f64], $what, $T => $body)
    };
}

macro_rules! number {
    ($ty:expr, $what:expr, $T:ident => $body:expr) => {
        dispatch!($ty, [I64 => i64, F64 => f64], $what, $T => $body)
    };
}

/// What one partition reads.
#[derive(Clone, Serialize, Deserialize)]
pub(super) enum Source {
    /// Its one input: a `Vec` of items (held data, or another task's result).
    Input(ItemType),
    /// The lines of a block of a text file.
    Text(Block),
    /// The JSON values of a block of a JSON-lines file.
    Json(Block),
    /// The value under a key of each JSON object of a block.
    JsonPluck(Block, String),
}

/// One step every item goes through.
#[derive(Clone, Serialize, Deserialize)]
pub(super) enum Stage {
    Pluck(String),
    /// A registered function's result replaces the item.
    Map(String),
    /// Keeps the items for which a registered function is true.
    Filter(String),
    /// A registered function's items (a `Vec` of `output`s) replace the item.
    FlatMap {
        function: String,
        output: ItemType,
    },
}

/// How a bag's partitions are made, as data: what each reads and its items' stages.
#[derive(Clone)]
pub(super) struct Form {
    sources: Arc<[Source]>,
    stages: Arc<[Stage]>,
    item: ItemType,
}

/// A bag's form, or why its tasks run only in this process.
pub(super) type MaybeForm = Result<Form, Arc<str>>;

/// Why a bag made with a closure stays in this process.
pub(super) fn closure(op: &str) -> Arc<str> {
    format!(
        "a bag's {op} with a closure runs only in this process: on a cluster, use map_registered, \
         filter_registered or flat_map_registered with a function registered by rask::remote::register"
    )
    .into()
}

/// Why a bag operation not made as data stays in this process.
pub(super) fn local(op: &str) -> Arc<str> {
    format!(
        "a bag's {op} runs only in this process; on a cluster a bag can be computed, counted, summed, \
         averaged, its min and max found and made into frequencies or distinct items"
    )
    .into()
}

/// `end`, a count by item (`frequencies`, `distinct`), when the workers can hash `T`s.
pub(super) fn by_item<T: 'static>(end: End, op: &str) -> Result<End, Arc<str>> {
    match ItemType::of::<T>() {
        Ok(ItemType::Str | ItemType::I64) | Err(_) => Ok(end),
        Ok(ty) => Err(format!("a bag's {op} of {} runs only in this process", ty.plural()).into()),
    }
}

impl ItemType {
    fn plural(self) -> &'static str {
        match self {
            ItemType::Str => "strings",
            ItemType::I64 => "integers",
            ItemType::F64 => "floats",
            ItemType::Json => "JSON values",
        }
    }
}

impl Form {
    /// `n` partitions, each its one input, a `Vec<T>`.
    pub(super) fn held<T: 'static>(n: usize) -> MaybeForm {
        let item = ItemType::of::<T>()?;
        Ok(Form { sources: vec![Source::Input(item); n].into(), stages: Arc::new([]), item })
    }

    /// One partition per source, items of type `T`.
    pub(super) fn read<T: 'static>(sources: Vec<Source>) -> MaybeForm {
        Ok(Form { sources: sources.into(), stages: Arc::new([]), item: ItemType::of::<T>()? })
    }

    /// This form's items through one more stage, which makes `U`s.
    pub(super) fn then<U: 'static>(&self, stage: Stage) -> MaybeForm {
        let stages = self.stages.iter().cloned().chain([stage]).collect();
        Ok(Form { sources: self.sources.clone(), stages, item: ItemType::of::<U>()? })
    }

    /// The blocks of a bag fresh from `read_json`, whose `pluck` need not parse whole lines.
    pub(super) fn json_blocks(&self) -> Option<Vec<Block>> {
        if !self.stages.is_empty() {
            return None;
        }
        self.sources.iter().map(|s| if let Source::Json(b) = s { Some(b.clone()) } else { None }).collect()
    }

    /// The task of partition `i`, returning what `end` says.
    pub(super) fn part(&self, i: usize, end: End) -> BagTask {
        BagTask::Part { source: self.sources[i].clone(), stages: self.stages.clone(), item: self.item, end }
    }

    pub(super) fn item(&self) -> ItemType {
        self.item
    }
}

/// What a partition task returns: its items, or a reduction's partial result.
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(super) enum End {
    Collect,
    Count,
    Sum,
    Frequencies {
        sorted: bool,
    },
    Distinct,
    Mean,
    /// The largest item (`max`) or the smallest.
    Extreme {
        max: bool,
    },
}

impl End {
    /// How an item must compare with the best so far to replace it.
    pub(super) fn want(max: bool) -> std::cmp::Ordering {
        if max { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less }
    }
}

/// One of a bag's tasks as data.
#[derive(Serialize, Deserialize)]
pub(super) enum BagTask {
    /// A partition: items from `source` through `stages`, ending in `end`.
    Part { source: Source, stages: Arc<[Stage]>, item: ItemType, end: End },
    /// Merges partial results of `end`'s reduction.
    Combine { item: ItemType, end: End },
    /// Merges partial results of `end`'s reduction and makes its final value.
    Aggregate { item: ItemType, end: End },
}

impl Builtin for BagTask {
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError> {
        match self {
            BagTask::Part { source, stages, item, end } => run_part(source, stages, *item, *end, inputs),
            BagTask::Combine { item, end } => merge(*item, *end, inputs, false),
            BagTask::Aggregate { item, end } => merge(*item, *end, inputs, true),
        }
        .map_err(TaskError::Failed)
    }
}

/// One stage, ready to run: pushes what it makes of an item into the next stage.
type Staged = Box<dyn Fn(Value, &mut Sink<'_, Value>) -> Result<(), BoxError> + Send + Sync>;

impl Stage {
    fn build(&self) -> Result<Staged, BoxError> {
        Ok(match self {
            Stage::Pluck(key) => {
                let key = key.clone();
                Box::new(move |v, sink| sink(value(pluck_item(&key, take::<serde_json::Value>(v)?)?)))
            }
            Stage::Map(name) => {
                let (f, name) = (item_fn(name)?, name.clone());
                Box::new(move |v, sink| sink(call_item(&*f, &name, v)?))
            }
            Stage::Filter(name) => {
                let (f, name) = (item_fn(name)?, name.clone());
                Box::new(move |v, sink| if take::<bool>(call_item(&*f, &name, v.clone())?)? { sink(v) } else { Ok(()) })
            }
            Stage::FlatMap { function, output } => {
                let (f, name, output) = (item_fn(function)?, function.clone(), *output);
                Box::new(move |v, sink| {
                    let items = call_item(&*f, &name, v)?;
                    any_item!(output, "flat_map_registered", T => push_all::<T>(items, &mut |x| sink(value(x))))
                })
            }
        })
    }
}

/// Calls a registered function (`name`) on one item; its error names the function.
pub(super) fn call_item(f: &TaskFn, name: &str, item: Value) -> Result<Value, BoxError> {
    f(vec![item]).map_err(|e| match e {
        TaskError::Failed(e) => format!("'{name}': {e}").into(),
        TaskError::Panicked(m) => format!("'{name}' panicked: {m}").into(),
    })
}

/// Pushes a partition's items, type-erased, from its source.
fn push_source(source: &Source, inputs: Vec<Value>, sink: &mut Sink<'_, Value>) -> Result<(), BoxError> {
    match source {
        Source::Input(ty) => inputs
            .into_iter()
            .try_for_each(|v| any_item!(*ty, "reading", T => push_all::<T>(v, &mut |x| sink(value(x))))),
        Source::Text(block) => read::text_items(block, &mut |s| sink(value(s))),
        Source::Json(block) => read::json_items(block, &mut |j| sink(value(j))),
        Source::JsonPluck(block, key) => read::plucked_items(block, key, &mut |j| sink(value(j))),
    }
}

/// Pushes `x` through `stages`, then into `sink`.
fn through(stages: &[Staged], x: Value, sink: &mut Sink<'_, Value>) -> Result<(), BoxError> {
    match stages.split_first() {
        None => sink(x),
        Some((stage, rest)) => stage(x, &mut |y| through(rest, y, sink)),
    }
}

/// Pushes a partition's items, type-erased, from its inputs.
type Push = Arc<dyn Fn(Vec<Value>, &mut Sink<'_, Value>) -> Result<(), BoxError> + Send + Sync>;

fn run_part(
    source: &Source,
    stages: &[Stage],
    item: ItemType,
    end: End,
    inputs: Vec<Value>,
) -> Result<Value, BoxError> {
    let staged: Vec<Staged> = stages.iter().map(Stage::build).collect::<Result<_, _>>()?;
    let source = source.clone();
    let push: Push = Arc::new(move |inputs, sink| push_source(&source, inputs, &mut |x| through(&staged, x, sink)));
    match end {
        End::Collect => any_item!(item, "collecting", T => typed::<T, _>(&push, inputs, |i| i.collect().map(value))),
        End::Count => {
            any_item!(item, "count", T => typed::<T, _>(&push, inputs, |i| reduce::count_items(i).map(value)))
        }
        End::Sum => number!(item, "sum", T => typed::<T, _>(&push, inputs, |i| reduce::sum_items(i).map(value))),
        End::Frequencies { .. } => {
            hashable!(item, "frequencies", T => typed::<T, _>(&push, inputs, |i| reduce::count_each(i).map(value)))
        }
        End::Distinct => {
            hashable!(item, "distinct", T => typed::<T, _>(&push, inputs, |i| reduce::distinct_items(i).map(value)))
        }
        End::Mean => number!(item, "mean", T => typed::<T, _>(&push, inputs, |i| reduce::sum_and_count(i).map(value))),
        End::Extreme { max } => ordered!(item, "min or max", T => {
            typed::<T, _>(&push, inputs, |i| reduce::best_item(i, End::want(max)).map(value))
        }),
    }
}

/// Calls `f` on the partition's items as `T`s, for the same code that runs in the client.
fn typed<T: Data, R>(push: &Push, inputs: Vec<Value>, f: impl FnOnce(Items<'_, T>) -> R) -> R {
    let push = push.clone();
    let stream = stream_fn(move |_, inputs, sink: &mut Sink<'_, T>| push(inputs, &mut |v| sink(take::<T>(v)?)));
    f(Items { stream: &*stream, index: 0, inputs })
}

/// A reduction's combine step (`last`: and its finish) on partial results.
fn merge(item: ItemType, end: End, inputs: Vec<Value>, last: bool) -> Result<Value, BoxError> {
    match end {
        End::Collect => Err("a bag's items are not a reduction's partial results".into()),
        End::Count => Ok(value(reduce::add_counts(reduce::takes(inputs)?))),
        End::Sum => number!(item, "sum", T => Ok(value(reduce::add_sums::<T>(reduce::takes(inputs)?)))),
        End::Frequencies { sorted } => hashable!(item, "frequencies", T => {
            let counts = reduce::merge_counts::<T>(reduce::takes(inputs)?);
            Ok(if last { value(reduce::counts_list(counts, sorted)) } else { value(counts) })
        }),
        End::Distinct => hashable!(item, "distinct", T => {
            let seen = reduce::merge_seen::<T>(reduce::takes(inputs)?);
            Ok(if last { value(reduce::seen_list(seen)) } else { value(seen) })
        }),
        End::Mean => {
            let pair = reduce::add_pairs(reduce::takes(inputs)?);
            Ok(if last { value(reduce::mean_of(pair)?) } else { value(pair) })
        }
        End::Extreme { max } => ordered!(item, "min or max", T => {
            let best = reduce::best_of::<T>(reduce::takes(inputs)?, End::want(max));
            Ok(if last { value(reduce::extreme_of(best, max)?) } else { value(best) })
        }),
    }
}

/// The decoder of bag tasks.
pub(crate) fn decoders() -> Vec<(&'static str, Decoder)> {
    vec![decoder::<BagTask>()]
}

/// The codecs of what bag tasks pass between workers: partial results of `frequencies` and
/// `distinct`, and their final values.
pub(crate) fn codecs() -> Vec<(TypeId, Codec)> {
    macro_rules! of {
        ($($t:ty),*) => {
            vec![$(
                serde_entry::<PlHashMap<$t, u64>>(),
                serde_entry::<PlIndexSet<$t>>(),
                serde_entry::<Vec<($t, u64)>>(),
            )*]
        };
    }
    let mut all = of!(String, i64);
    all.extend([
        serde_entry::<(f64, u64)>(),
        serde_entry::<Option<String>>(),
        serde_entry::<Option<i64>>(),
        serde_entry::<Option<f64>>(),
    ]);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::{decode_builtin, encode_builtin};

    fn run(task: &BagTask, inputs: Vec<Value>) -> Result<Value, String> {
        let back: BagTask = decode_builtin(&encode_builtin(task).expect("encodes")).expect("decodes");
        back.run(inputs).map_err(|e| e.to_string())
    }

    #[test]
    fn a_worker_runs_a_partition_from_its_recipe() {
        let double = crate::remote::register("test-bag-double", |x: i64| x * 2);
        let small = crate::remote::register("test-bag-small", |x: i64| x < 7);
        let form = Form::held::<i64>(1).expect("i64 travels");
        let form = form.then::<i64>(Stage::Map(double.name().into())).expect("i64");
        let form = form.then::<i64>(Stage::Filter(small.name().into())).expect("i64");
        let input = || vec![value(vec![1i64, 2, 3, 4])];
        let items = run(&form.part(0, End::Collect), input()).expect("runs");
        assert_eq!(take::<Vec<i64>>(items).expect("a Vec<i64>"), [2, 4, 6]);
        let sum = run(&form.part(0, End::Sum), input()).expect("runs");
        assert_eq!(take::<i64>(sum).expect("an i64"), 12);
        let partial = run(&form.part(0, End::Frequencies { sorted: true }), input()).expect("runs");
        let merged = run(
            &BagTask::Aggregate { item: ItemType::I64, end: End::Frequencies { sorted: true } },
            vec![partial.clone(), partial],
        )
        .expect("merges");
        let mut counts = take::<Vec<(i64, u64)>>(merged).expect("pairs");
        counts.sort();
        assert_eq!(counts, [(2, 2), (4, 2), (6, 2)]);
    }

    #[test]
    fn what_a_worker_cannot_run_is_named() {
        let form = Form::held::<String>(1).expect("String travels");
        let err = run(&form.part(0, End::Sum), vec![value(vec!["a".to_string()])]).expect_err("no sum of strings");
        assert!(err.contains("sum of a bag of Str items"), "{err}");
        let form = form.then::<String>(Stage::Map("test-bag-never-registered".into())).expect("String");
        let err = run(&form.part(0, End::Collect), vec![value(Vec::<String>::new())]).expect_err("unknown");
        assert!(err.contains("no function 'test-bag-never-registered'"), "{err}");
        let why = Form::held::<(u8, u8)>(1).err().expect("pairs stay here");
        assert!(why.contains("a bag of (u8, u8) stays in this process"), "{why}");
    }
}
