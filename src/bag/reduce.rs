//! Reductions of bags: each partition's items are folded into an accumulator inside the
//! partition's own task (named `<op>-part-<token>`), the accumulators merged by groups of 8
//! (`<op>-combine-<token>`) until one task finishes the answer (`<op>-aggregate-<token>`).
//! Per-key reductions ([`Bag::frequencies`], [`Bag::foldby`], [`Bag::distinct`]) keep one
//! hash map per partition and merge maps; nothing is shuffled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::hash::Hash;
use std::sync::Arc;

use polars::prelude::{PlHashMap, PlIndexMap, PlIndexSet};

use super::task::{BagTask, End, by_item, closure};
use super::{Bag, Items, recipe, task, token};
use crate::delayed::Delayed;
use crate::error::BoxError;
use crate::key::Key;
use crate::node::Node;
use crate::value::{Data, Value, take};

/// How many partial results one combine step merges.
const SPLIT_EVERY: usize = 8;

/// Numbers a bag can average: [`Bag::mean`] adds them up as `f64`.
///
/// ```
/// use rask::bag::Numeric;
/// assert_eq!(3u8.to_f64(), 3.0);
/// assert_eq!((-1.5f32).to_f64(), -1.5);
/// ```
pub trait Numeric {
    /// The value as an `f64` (rounded to the nearest for integers beyond 2^53).
    fn to_f64(&self) -> f64;
}

macro_rules! numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            fn to_f64(&self) -> f64 {
                *self as f64
            }
        }
    )*};
}
numeric!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

pub(super) fn takes<A: Data>(values: Vec<Value>) -> Result<Vec<A>, BoxError> {
    values.into_iter().map(|v| take::<A>(v).map_err(BoxError::from)).collect()
}

/// A tree reduction of `bag`: `part` on each partition's items, `combine` on groups of at
/// most 8 partial results (and on none when the bag has no partition), `finish` on the last.
/// `end` is the same reduction as data, for a cluster (or why it stays in this process).
fn reduction<T: Data, A: Data, R: Data>(
    bag: &Bag<T>,
    kind: &str,
    end: Result<End, Arc<str>>,
    part: impl Fn(Items<'_, T>) -> Result<A, BoxError> + Send + Sync + 'static,
    combine: impl Fn(Vec<A>) -> Result<A, BoxError> + Send + Sync + 'static,
    finish: impl Fn(A) -> Result<R, BoxError> + Send + Sync + 'static,
) -> Arc<Node> {
    let tok = token();
    let mut level = bag.each_partition(&format!("{kind}-part-{tok}"), end.clone(), part);
    let form = &bag.inner.form;
    let combine = Arc::new(combine);
    let combine_name: Arc<str> = format!("{kind}-combine-{tok}").into();
    let mut j = 0;
    while level.len() > SPLIT_EVERY {
        level = level
            .chunks(SPLIT_EVERY)
            .map(|group| {
                let c = combine.clone();
                j += 1;
                let recipe = recipe(form, &end, |form, end| BagTask::Combine { item: form.item(), end });
                task(Key::part(combine_name.clone(), j - 1), group.to_vec(), recipe, move |values| c(takes(values)?))
            })
            .collect();
    }
    let recipe = recipe(form, &end, |form, end| BagTask::Aggregate { item: form.item(), end });
    task(Key::part(format!("{kind}-aggregate-{tok}"), 0), level, recipe, move |values| finish(combine(takes(values)?)?))
}

/// The number of a partition's items.
pub(super) fn count_items<T>(items: Items<'_, T>) -> Result<u64, BoxError> {
    let mut n = 0u64;
    items.for_each(|_| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

pub(super) fn add_counts(counts: Vec<u64>) -> u64 {
    counts.into_iter().sum()
}

/// The sum of a partition's items.
pub(super) fn sum_items<T: std::iter::Sum>(items: Items<'_, T>) -> Result<T, BoxError> {
    // `Sum` only sums iterators: add the items up by chunks.
    let mut total: T = std::iter::empty::<T>().sum();
    let mut chunk: Vec<T> = Vec::with_capacity(1024);
    items.for_each(|x| {
        chunk.push(x);
        if chunk.len() == chunk.capacity() {
            let t = std::mem::replace(&mut total, std::iter::empty::<T>().sum());
            total = std::iter::once(t).chain(chunk.drain(..)).sum();
        }
        Ok(())
    })?;
    Ok(std::iter::once(total).chain(chunk).sum())
}

pub(super) fn add_sums<T: std::iter::Sum>(sums: Vec<T>) -> T {
    sums.into_iter().sum()
}

/// The sum of a partition's items as `f64`, and their number.
pub(super) fn sum_and_count<T: Numeric>(items: Items<'_, T>) -> Result<(f64, u64), BoxError> {
    let (mut sum, mut n) = (0.0f64, 0u64);
    items.for_each(|x| {
        sum += x.to_f64();
        n += 1;
        Ok(())
    })?;
    Ok((sum, n))
}

pub(super) fn add_pairs(v: Vec<(f64, u64)>) -> (f64, u64) {
    v.into_iter().fold((0.0, 0), |(s, n), (t, m)| (s + t, n + m))
}

pub(super) fn mean_of((sum, n): (f64, u64)) -> Result<f64, BoxError> {
    match n {
        0 => Err(BoxError::from("mean of an empty bag")),
        n => Ok(sum / n as f64),
    }
}

/// Keeps `x` when it compares as `want`ed with the best so far, or when the best so far is
/// not comparable with itself (NaN).
fn keep<T: PartialOrd>(best: &mut Option<T>, x: T, want: Ordering) {
    let replaces = match best.as_ref() {
        Some(b) => x.partial_cmp(b) == Some(want) || b.partial_cmp(b).is_none(),
        None => true,
    };
    if replaces {
        *best = Some(x);
    }
}

/// A partition's smallest (`want` less) or largest item.
pub(super) fn best_item<T: PartialOrd>(items: Items<'_, T>, want: Ordering) -> Result<Option<T>, BoxError> {
    let mut best = None;
    items.for_each(|x| {
        keep(&mut best, x, want);
        Ok(())
    })?;
    Ok(best)
}

pub(super) fn best_of<T: PartialOrd>(v: Vec<Option<T>>, want: Ordering) -> Option<T> {
    let mut best = None;
    v.into_iter().flatten().for_each(|x| keep(&mut best, x, want));
    best
}

/// The item `max` or min found, or the error of an empty bag.
pub(super) fn extreme_of<T>(best: Option<T>, max: bool) -> Result<T, BoxError> {
    best.ok_or_else(|| BoxError::from(format!("{} of an empty bag", extreme_name(max))))
}

fn extreme_name(max: bool) -> &'static str {
    if max { "max" } else { "min" }
}

/// How often each item of a partition occurs.
pub(super) fn count_each<T: Hash + Eq>(items: Items<'_, T>) -> Result<PlHashMap<T, u64>, BoxError> {
    let mut counts: PlHashMap<T, u64> = PlHashMap::default();
    items.for_each(|x| {
        *counts.entry(x).or_insert(0) += 1;
        Ok(())
    })?;
    Ok(counts)
}

/// Partitions' counts added up, into the largest map.
pub(super) fn merge_counts<T: Hash + Eq>(mut maps: Vec<PlHashMap<T, u64>>) -> PlHashMap<T, u64> {
    let biggest = maps.iter().enumerate().max_by_key(|(_, m)| m.len()).map_or(0, |(i, _)| i);
    let mut out = if maps.is_empty() { PlHashMap::default() } else { maps.swap_remove(biggest) };
    for map in maps {
        for (x, n) in map {
            *out.entry(x).or_insert(0) += n;
        }
    }
    out
}

/// The `(item, count)` pairs, most frequent first if `sorted`.
pub(super) fn counts_list<T>(counts: PlHashMap<T, u64>, sorted: bool) -> Vec<(T, u64)> {
    let mut out: Vec<(T, u64)> = counts.into_iter().collect();
    if sorted {
        out.sort_unstable_by_key(|p| std::cmp::Reverse(p.1));
    }
    out
}

/// A partition's distinct items, in the order they are first seen.
pub(super) fn distinct_items<T: Hash + Eq>(items: Items<'_, T>) -> Result<PlIndexSet<T>, BoxError> {
    let mut seen: PlIndexSet<T> = PlIndexSet::default();
    items.for_each(|x| {
        seen.insert(x);
        Ok(())
    })?;
    Ok(seen)
}

/// The distinct items, in the order they were first seen.
pub(super) fn seen_list<T>(seen: PlIndexSet<T>) -> Vec<T> {
    seen.into_iter().collect()
}

pub(super) fn merge_seen<T: Hash + Eq>(sets: Vec<PlIndexSet<T>>) -> PlIndexSet<T> {
    let mut sets = sets.into_iter();
    let mut out = sets.next().unwrap_or_default();
    sets.for_each(|s| out.extend(s));
    out
}

/// A bag of one partition: the value of `node`.
fn single<U: Data>(node: Arc<Node>) -> Bag<U> {
    let name: Arc<str> = match node.key.to_string().strip_prefix("('").and_then(|s| s.split_once('\'')) {
        Some((name, _)) => name.into(),
        None => node.key.to_string().into(),
    };
    Bag::from_nodes(name, vec![node])
}

/// The best `k` items of a partition by key, largest first (earlier first among equal
/// keys), with a heap of `k` entries.
struct Ranked<K, T> {
    key: K,
    seq: u64,
    item: T,
}

impl<K: Ord, T> Ord for Ranked<K, T> {
    /// Larger keys rank higher; among equal keys, earlier items rank higher.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key).then(other.seq.cmp(&self.seq))
    }
}

impl<K: Ord, T> PartialOrd for Ranked<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord, T> PartialEq for Ranked<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord, T> Eq for Ranked<K, T> {}

/// Orders `items` by key, largest first, stable, and keeps `k` of them.
fn best<T, K: Ord>(items: Vec<T>, k: usize, key: &impl Fn(&T) -> K) -> Vec<T> {
    let mut keyed: Vec<(K, T)> = items.into_iter().map(|x| (key(&x), x)).collect();
    keyed.sort_by(|a, b| b.0.cmp(&a.0));
    keyed.truncate(k);
    keyed.into_iter().map(|(_, x)| x).collect()
}

impl<T: Data> Bag<T> {
    /// The number of items.
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence(0..1000, 7)?.filter(|x| x % 2 == 0).count().compute()?, 500);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn count(&self) -> Delayed<u64> {
        Delayed::from_node(reduction(self, "count", Ok(End::Count), count_items, |v| Ok(add_counts(v)), Ok))
    }

    /// The sum of the items (zero for an empty bag).
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence(1..=100u64, 8)?.sum().compute()?, 5050);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn sum(&self) -> Delayed<T>
    where
        T: std::iter::Sum,
    {
        Delayed::from_node(reduction(self, "sum", Ok(End::Sum), sum_items, |v| Ok(add_sums(v)), Ok))
    }

    /// The arithmetic mean of the items, as `f64`; an empty bag's mean is an error.
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence([1, 2, 3, 4], 3)?.mean().compute()?, 2.5);
    /// assert!(db::from_sequence(Vec::<f64>::new(), 2)?.mean().compute().is_err());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn mean(&self) -> Delayed<f64>
    where
        T: Numeric,
    {
        Delayed::from_node(reduction(self, "mean", Ok(End::Mean), sum_and_count, |v| Ok(add_pairs(v)), mean_of))
    }

    /// The smallest item; an empty bag's minimum is an error. Items that are not comparable
    /// with themselves (NaN) are skipped unless there is nothing else.
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence([3.5, -1.0, 2.0], 2)?.min().compute()?, -1.0);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn min(&self) -> Delayed<T>
    where
        T: PartialOrd,
    {
        self.extreme(false)
    }

    /// The largest item; an empty bag's maximum is an error.
    ///
    /// ```
    /// use rask::prelude::*;
    /// assert_eq!(db::from_sequence(["b", "c", "a"], 2)?.max().compute()?, "c");
    /// assert!(db::from_sequence(Vec::<i32>::new(), 1)?.max().compute().is_err());
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn max(&self) -> Delayed<T>
    where
        T: PartialOrd,
    {
        self.extreme(true)
    }

    fn extreme(&self, max: bool) -> Delayed<T>
    where
        T: PartialOrd,
    {
        let want = End::want(max);
        let part = move |items: Items<'_, T>| best_item(items, want);
        let combine = move |v: Vec<Option<T>>| Ok(best_of(v, want));
        let finish = move |best| extreme_of(best, max);
        Delayed::from_node(reduction(self, extreme_name(max), Ok(End::Extreme { max }), part, combine, finish))
    }

    /// Folds the items of each partition with `binop`, starting from `init`, then merges the
    /// partitions' results with `combine` (Dask's `fold(binop, combine, initial)`). `init`
    /// should be neutral for `combine`: it starts every partition.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(["a", "bb", "ccc"], 2)?;
    /// let total_len = b.fold(0usize, |n, s| n + s.len(), |a, b| a + b);
    /// assert_eq!(total_len.compute()?, 6);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn fold<A: Data>(
        &self,
        init: A,
        binop: impl Fn(A, T) -> A + Send + Sync + 'static,
        combine: impl Fn(A, A) -> A + Send + Sync + 'static,
    ) -> Delayed<A> {
        let first = init.clone();
        let part = move |items: Items<'_, T>| {
            let mut acc = Some(first.clone());
            items.for_each(|x| {
                acc = acc.take().map(|a| binop(a, x));
                Ok(())
            })?;
            acc.ok_or_else(|| BoxError::from("fold: the accumulator was lost"))
        };
        let merge = move |v: Vec<A>| Ok(v.into_iter().reduce(&combine).unwrap_or_else(|| init.clone()));
        Delayed::from_node(reduction(self, "fold", Err(closure("fold")), part, merge, Ok))
    }

    /// Folds the items of each key separately: `key` gives each item's key, `binop` folds an
    /// item into its key's accumulator (starting from `init`), `combine` merges the
    /// accumulators of one key from different partitions. A bag of one partition of
    /// `(key, accumulator)` pairs, keys in the order they were first seen. No shuffle:
    /// each partition keeps a map by key, and maps are merged in a tree.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(1..=10, 3)?;
    /// let sums = b.foldby(|x| x % 2 == 0, 0, |acc, x| acc + x, |a, b| a + b);
    /// assert_eq!(sums.compute()?, vec![(false, 25), (true, 30)]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn foldby<K: Hash + Eq + Data, A: Data>(
        &self,
        key: impl Fn(&T) -> K + Send + Sync + 'static,
        init: A,
        binop: impl Fn(A, T) -> A + Send + Sync + 'static,
        combine: impl Fn(A, A) -> A + Send + Sync + 'static,
    ) -> Bag<(K, A)> {
        // Accumulators are `Some` at rest; `None` only while one is being replaced.
        let part = move |items: Items<'_, T>| {
            let mut map: PlIndexMap<K, Option<A>> = PlIndexMap::default();
            items.for_each(|x| {
                let slot = map.entry(key(&x)).or_insert(None);
                let acc = slot.take().unwrap_or_else(|| init.clone());
                *slot = Some(binop(acc, x));
                Ok(())
            })?;
            Ok(map)
        };
        let merge = move |maps: Vec<PlIndexMap<K, Option<A>>>| {
            let mut maps = maps.into_iter();
            let mut out = maps.next().unwrap_or_default();
            for map in maps {
                for (k, b) in map {
                    let slot = out.entry(k).or_insert(None);
                    *slot = match (slot.take(), b) {
                        (Some(a), Some(b)) => Some(combine(a, b)),
                        (a, b) => a.or(b),
                    };
                }
            }
            Ok(out)
        };
        let finish = |map: PlIndexMap<K, Option<A>>| {
            Ok(map.into_iter().filter_map(|(k, a)| a.map(|a| (k, a))).collect::<Vec<(K, A)>>())
        };
        single(reduction(self, "foldby", Err(closure("foldby")), part, merge, finish))
    }

    /// How often each distinct item occurs: a bag of one partition of `(item, count)`
    /// pairs, in no particular order (see [`frequencies_sorted`](Self::frequencies_sorted)).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let mut f = db::from_sequence(["a", "b", "a"], 2)?.frequencies().compute()?;
    /// f.sort();
    /// assert_eq!(f, vec![("a", 2), ("b", 1)]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn frequencies(&self) -> Bag<(T, u64)>
    where
        T: Hash + Eq,
    {
        self.counted("frequencies", false)
    }

    /// Like [`frequencies`](Self::frequencies), most frequent first (the order of items with
    /// equal counts is unspecified).
    ///
    /// ```
    /// use rask::prelude::*;
    /// let f = db::from_sequence([1, 2, 2, 3, 3, 3], 4)?.frequencies_sorted();
    /// assert_eq!(f.compute()?, vec![(3, 3), (2, 2), (1, 1)]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn frequencies_sorted(&self) -> Bag<(T, u64)>
    where
        T: Hash + Eq,
    {
        self.counted("frequencies", true)
    }

    fn counted(&self, kind: &'static str, sorted: bool) -> Bag<(T, u64)>
    where
        T: Hash + Eq,
    {
        let end = by_item::<T>(End::Frequencies { sorted }, "frequencies");
        single(reduction(self, kind, end, count_each, |v| Ok(merge_counts(v)), move |c| Ok(counts_list(c, sorted))))
    }

    /// The distinct items, in the order they are first seen: a bag of one partition.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let d = db::from_sequence([3, 1, 3, 2, 1], 3)?.distinct();
    /// assert_eq!(d.compute()?, vec![3, 1, 2]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn distinct(&self) -> Bag<T>
    where
        T: Hash + Eq,
    {
        let finish = |set: PlIndexSet<T>| Ok(seen_list(set));
        let end = by_item::<T>(End::Distinct, "distinct");
        single(reduction(self, "distinct", end, distinct_items, |v| Ok(merge_seen(v)), finish))
    }

    /// The `k` items with the largest keys, largest first (among equal keys, the earlier
    /// item first): a bag of one partition. Each partition keeps a heap of `k` items.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let words = db::from_sequence(["bb", "a", "dddd", "ccc"], 2)?;
    /// assert_eq!(words.topk(2, |w| w.len()).compute()?, ["dddd", "ccc"]);
    /// let counts = db::from_sequence([("x", 3), ("y", 9), ("z", 5)], 2)?;
    /// assert_eq!(counts.topk(1, |p| p.1).compute()?, [("y", 9)]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn topk<K: Ord>(&self, k: usize, key: impl Fn(&T) -> K + Send + Sync + 'static) -> Bag<T> {
        let key = Arc::new(key);
        let by = key.clone();
        let part = move |items: Items<'_, T>| {
            // A min-heap of the best `k` so far: its top is the one to drop next.
            let mut heap: BinaryHeap<std::cmp::Reverse<Ranked<K, T>>> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
            let mut seq = 0u64;
            items.for_each(|item| {
                if k == 0 {
                    return Ok(());
                }
                let entry = Ranked { key: by(&item), seq, item };
                seq += 1;
                if heap.len() < k {
                    heap.push(std::cmp::Reverse(entry));
                } else if let Some(mut worst) = heap.peek_mut()
                    && entry > worst.0
                {
                    *worst = std::cmp::Reverse(entry);
                }
                Ok(())
            })?;
            // Ascending order of `Reverse` is descending rank.
            Ok(heap.into_sorted_vec().into_iter().map(|r| r.0.item).collect::<Vec<T>>())
        };
        let merge = move |v: Vec<Vec<T>>| Ok(best(v.into_iter().flatten().collect(), k, &*key));
        single(reduction(self, "topk", Err(closure("topk")), part, merge, Ok))
    }
}
