//! Joins: broadcast the small side to every partition of the other when the join allows it,
//! hash-shuffle both sides into matching buckets otherwise. Each task runs polars' own join,
//! so column names, suffixes, null handling and types are exactly polars'.

use std::sync::Arc;

use polars::prelude::{DataFrame as PlFrame, *};

use super::shuffle::Assign;
use super::source::{Source, first_line};
use super::{DataFrame, FrameTask, columns};
use crate::node::Node;

/// A side at most this large (estimated from its files or frames) is broadcast.
const BROADCAST_BYTES: u64 = 64 << 20;

impl DataFrame {
    /// Joins with `other` where the `left_on` columns of this frame equal the `right_on`
    /// columns of `other`, the way polars' `join` does (`JoinType::Inner`, `Left`, `Right`,
    /// `Full` for outer, `Semi`, `Anti`).
    ///
    /// When `other` has one partition or is small (at most 64 MiB of files or frames), it is
    /// sent whole to every partition of this frame (for inner, left, semi and anti joins;
    /// a small left side likewise for inner and right joins). Otherwise both sides are
    /// hash-shuffled by key into matching partitions. Rows come in no particular order.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use polars::prelude::*;
    ///
    /// let orders = dd::from_polars(df!("user" => [1, 2, 1, 3], "amount" => [5, 6, 7, 8])?, 2);
    /// let users = dd::from_polars(df!("id" => [1, 2], "name" => ["ann", "bob"])?, 1);
    /// let joined = orders.join(&users, ["user"], ["id"], JoinType::Inner).compute()?;
    /// let joined = joined.sort(["amount"], Default::default())?;
    /// assert_eq!(joined.column("name")?.str()?.get(2), Some("ann"));
    /// assert_eq!(joined.height(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn join<L, R, S, T>(&self, other: &DataFrame, left_on: L, right_on: R, how: JoinType) -> DataFrame
    where
        L: IntoIterator<Item = S>,
        R: IntoIterator<Item = T>,
        S: AsRef<str>,
        T: AsRef<str>,
    {
        let left_on: Vec<String> = left_on.into_iter().map(|s| s.as_ref().to_string()).collect();
        let right_on: Vec<String> = right_on.into_iter().map(|s| s.as_ref().to_string()).collect();
        join(self, other, &left_on, &right_on, how)
    }

    /// Joins on columns named the same on both sides (Dask's `merge(on=...)`).
    ///
    /// ```
    /// use rask::prelude::*;
    /// use polars::prelude::*;
    ///
    /// let a = dd::from_polars(df!("k" => [1, 2, 3], "x" => [1.0, 2.0, 3.0])?, 2);
    /// let b = dd::from_polars(df!("k" => [2, 3, 4], "y" => [20, 30, 40])?, 2);
    /// let outer = a.merge(&b, ["k"], JoinType::Full).compute()?;
    /// assert_eq!(outer.height(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge<I: IntoIterator<Item = S>, S: AsRef<str>>(
        &self,
        other: &DataFrame,
        on: I,
        how: JoinType,
    ) -> DataFrame {
        let on: Vec<String> = on.into_iter().map(|s| s.as_ref().to_string()).collect();
        join(self, other, &on, &on, how)
    }
}

/// polars' join of two frames.
pub(super) fn join_frames(
    l: PlFrame,
    r: PlFrame,
    left_on: &[String],
    right_on: &[String],
    how: &JoinType,
) -> PolarsResult<PlFrame> {
    l.lazy().join(r.lazy(), columns(left_on), columns(right_on), JoinArgs::new(how.clone())).collect()
}

fn join(left: &DataFrame, right: &DataFrame, left_on: &[String], right_on: &[String], how: JoinType) -> DataFrame {
    // Joining empty frames checks names, key counts and key types, and gives the schema.
    let schema = left.inner.schema.clone().and_then(|l| {
        let r = right.inner.schema.clone()?;
        if left_on.len() != right_on.len() || left_on.is_empty() {
            return Err(format!("join: {} left key(s) and {} right key(s)", left_on.len(), right_on.len()));
        }
        join_frames(PlFrame::empty_with_schema(&l), PlFrame::empty_with_schema(&r), left_on, right_on, &how)
            .map(|d| d.schema().clone())
            .map_err(|e| format!("join: {}", first_line(&e.to_string())))
    });
    let (Ok(_), Ok(ls), Ok(rs)) = (&schema, left.schema(), right.schema()) else {
        return DataFrame::from_sources("join", Vec::new(), schema);
    };
    let (l_on, r_on): (Arc<[String]>, Arc<[String]>) = (left_on.into(), right_on.into());
    let small = |df: &DataFrame| df.npartitions() == 1 || df.estimated_bytes().is_some_and(|b| b <= BROADCAST_BYTES);
    let pairs: Vec<(Arc<Node>, Arc<Node>)> =
        if matches!(how, JoinType::Inner | JoinType::Left | JoinType::Semi | JoinType::Anti) && small(right) {
            let whole = whole(right, rs);
            left.partitions().into_iter().map(|l| (l, whole.clone())).collect()
        } else if matches!(how, JoinType::Inner | JoinType::Right) && small(left) {
            let whole = whole(left, ls);
            right.partitions().into_iter().map(|r| (whole.clone(), r)).collect()
        } else {
            let buckets = left.npartitions().max(right.npartitions()).max(1);
            let (lk, rk) = common_keys(&ls, &rs, left_on, right_on);
            let shuffle = |df: &DataFrame, keys, schema| {
                super::shuffle::shuffle(df.partitions(), None, buckets, Assign::Hash(keys), schema)
            };
            shuffle(left, lk, ls).into_iter().zip(shuffle(right, rk, rs)).collect()
        };
    let sources = pairs
        .into_iter()
        .map(|(l, r)| {
            let task = FrameTask::Join { left_on: l_on.clone(), right_on: r_on.clone(), how: how.clone() };
            Source::task(&task.node("join", vec![l, r]))
        })
        .collect();
    DataFrame::from_sources("join", sources, schema)
}

/// All partitions of `df` stacked into one frame, as one task.
fn whole(df: &DataFrame, schema: SchemaRef) -> Arc<Node> {
    let mut parts = df.partitions();
    if parts.len() == 1 {
        return parts.remove(0);
    }
    FrameTask::Concat { schema }.node("broadcast", parts)
}

/// The key expressions both sides hash: the right keys cast to the left keys' types, so
/// that equal keys land in the same bucket even when polars joins, say, `i32` with `i64`.
fn common_keys(l: &Schema, r: &Schema, left_on: &[String], right_on: &[String]) -> (Vec<Expr>, Vec<Expr>) {
    left_on
        .iter()
        .zip(right_on)
        .map(|(a, b)| match (l.get(a.as_str()), r.get(b.as_str())) {
            (Some(ta), Some(tb)) if ta != tb => (col(a.as_str()), col(b.as_str()).cast(ta.clone())),
            _ => (col(a.as_str()), col(b.as_str())),
        })
        .unzip()
}

impl DataFrame {
    /// The bytes of the files or frames behind the partitions, when all are known.
    pub(crate) fn estimated_bytes(&self) -> Option<u64> {
        self.inner.sources.iter().map(Source::estimated_bytes).sum()
    }
}
