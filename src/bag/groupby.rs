//! Grouping a bag's items by key with a hash shuffle: each partition's task splits its
//! items into one bucket per output partition by a hash of the key (`groupby-split-<token>`);
//! output partition `b` gathers bucket `b` of every split, in input order, and groups it
//! (`groupby-<token>`).
//!
//! A split hands each bucket to exactly one gatherer, which moves the items out instead of
//! cloning the whole split (a split's value is read by every gatherer).

use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, PoisonError};

use polars::prelude::{PlIndexMap, PlRandomState};

use super::task::closure;
use super::{Bag, Items, task, token};
use crate::error::BoxError;
use crate::key::Key;
use crate::remote::Recipe;
use crate::value::{Data, take};

/// One bucket of one split: `None` once taken.
type Slot<K, T> = Mutex<Option<Vec<(K, T)>>>;

/// One split partition: bucket `b` is taken (once) by the task that gathers bucket `b`.
struct Buckets<K, T>(Arc<[Slot<K, T>]>);

impl<K, T> Clone for Buckets<K, T> {
    fn clone(&self) -> Self {
        Buckets(self.0.clone())
    }
}

impl<K, T> Buckets<K, T> {
    fn take(&self, b: usize) -> Result<Vec<(K, T)>, BoxError> {
        let slot = self.0.get(b).ok_or("groupby: a split has too few buckets")?;
        let items = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        items.ok_or_else(|| "groupby: a bucket was read twice".into())
    }
}

impl<T: Data> Bag<T> {
    /// Groups the items by `key`: a bag of `(key, items)` pairs, one per distinct key, with
    /// the items of each group in input order. Items are hash-shuffled into as many
    /// partitions as this bag has; each output partition holds whole groups, in the order
    /// their keys were first seen.
    ///
    /// Prefer [`foldby`](Self::foldby) when each group is reduced to one value: it
    /// moves only the per-partition results, not the items.
    ///
    /// ```
    /// use rask::prelude::*;
    /// let b = db::from_sequence(1..=6, 3)?;
    /// let mut groups = b.groupby(|x| x % 3).compute()?;
    /// groups.sort();
    /// assert_eq!(groups, vec![(0, vec![3, 6]), (1, vec![1, 4]), (2, vec![2, 5])]);
    /// # Ok::<(), rask::Error>(())
    /// ```
    pub fn groupby<K: Hash + Eq + Data>(&self, key: impl Fn(&T) -> K + Send + Sync + 'static) -> Bag<(K, Vec<T>)> {
        let n = self.npartitions().max(1);
        // One hasher for the whole shuffle: every split puts equal keys in the same bucket.
        let hasher = PlRandomState::default();
        let tok = token();
        let split = move |items: Items<'_, T>| {
            let mut buckets: Vec<Vec<(K, T)>> = (0..n).map(|_| Vec::new()).collect();
            items.for_each(|x| {
                let k = key(&x);
                // The hash's high bits scaled to 0..n.
                let b = ((u128::from(hasher.hash_one(&k)) * n as u128) >> 64) as usize;
                buckets[b.min(n - 1)].push((k, x));
                Ok(())
            })?;
            Ok(Buckets(buckets.into_iter().map(|b| Mutex::new(Some(b))).collect()))
        };
        let splits = self.each_partition(&format!("groupby-split-{tok}"), Err(closure("groupby")), split);
        let name: Arc<str> = format!("groupby-{tok}").into();
        let gathers = (0..n)
            .map(|b| {
                let recipe = Recipe::Refused(closure("groupby"));
                task(Key::part(name.clone(), b as u64), splits.clone(), recipe, move |values| {
                    let mut groups: PlIndexMap<K, Vec<T>> = PlIndexMap::default();
                    for v in values {
                        let buckets: Buckets<K, T> = take(v)?;
                        for (k, x) in buckets.take(b)? {
                            groups.entry(k).or_default().push(x);
                        }
                    }
                    Ok(groups.into_iter().collect::<Vec<(K, Vec<T>)>>())
                })
            })
            .collect();
        Bag::from_nodes(name, gathers)
    }
}
