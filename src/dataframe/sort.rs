//! Sorting across partitions by sampled quantiles: each partition contributes an evenly spaced
//! sample of the first sort key, the sorted samples give `n - 1` boundaries, rows move to the
//! partition whose range holds their key (a shuffle), and each partition is sorted on its
//! own. Equal first keys always land in the same partition, so the partitions in order are
//! the sorted frame. Also `set_index` (sort by one column, Dask's divisions) and `repartition`.

use std::sync::Arc;

use polars::prelude::{DataFrame as PlFrame, *};

use super::shuffle::Assign;
use super::source::{Source, first_line};
use super::{DataFrame, FrameTask, empty};
use crate::config;
use crate::node::Node;

/// How many values each partition contributes to the sample.
const SAMPLE: usize = 1000;

impl DataFrame {
    /// Sorts the rows by these columns, with polars' options (descending, nulls last, per
    /// column). The sort is stable: rows with equal keys keep their order.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use polars::prelude::*;
    ///
    /// let df = dd::from_polars(df!("x" => [3, 1, 4, 1, 5, 9, 2, 6])?, 3);
    /// let top = df.sort(["x"], SortMultipleOptions::default().with_order_descending(true)).head(3)?;
    /// assert_eq!(top.column("x")?.i32()?.to_vec(), [Some(9), Some(6), Some(5)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sort<I: IntoIterator<Item = S>, S: AsRef<str>>(&self, by: I, options: SortMultipleOptions) -> DataFrame {
        let by: Vec<String> = by.into_iter().map(|s| s.as_ref().to_string()).collect();
        sort(self, by, options.with_maintain_order(true))
    }

    /// Sorts by `column` and moves it first, so that the partitions hold increasing,
    /// non-overlapping ranges of it (Dask's `set_index`; polars frames have no index).
    pub fn set_index(&self, column: &str) -> DataFrame {
        let rest = self.columns().into_iter().filter(|c| c != column).map(|c| col(c.as_str()));
        self.select(std::iter::once(col(column)).chain(rest).collect::<Vec<_>>())
            .sort([column], SortMultipleOptions::default())
    }

    /// The same rows in `npartitions` partitions, in the same order: neighbouring partitions
    /// are stacked together, or each is cut into equal slices of rows.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use polars::prelude::*;
    ///
    /// let df = dd::from_polars(df!("x" => (0..100).collect::<Vec<i64>>())?, 4);
    /// assert_eq!(df.repartition(10).npartitions(), 10);
    /// assert_eq!(df.repartition(1).compute()?, df.compute()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn repartition(&self, npartitions: usize) -> DataFrame {
        let (n, m) = (npartitions.max(1), self.npartitions());
        let Ok(schema) = self.inner.schema.clone() else { return self.clone() };
        if m == 0 || n == m {
            return self.clone();
        }
        let parts = self.partitions();
        let nodes: Vec<Arc<Node>> = if n < m {
            (0..n)
                .map(|g| {
                    let group = parts[g * m / n..(g + 1) * m / n].to_vec();
                    FrameTask::Concat { schema: schema.clone() }.node("repartition", group)
                })
                .collect()
        } else {
            parts
                .into_iter()
                .enumerate()
                .flat_map(|(j, part)| {
                    let k = ((j + 1) * n / m - j * n / m).max(1);
                    (0..k).map(move |i| FrameTask::Slice { part: i, of: k }.node("repartition", vec![part.clone()]))
                })
                .collect()
        };
        let sources = nodes.iter().map(Source::task).collect();
        DataFrame::from_sources("repartition", sources, Ok(schema))
    }
}

fn sort(df: &DataFrame, by: Vec<String>, options: SortMultipleOptions) -> DataFrame {
    let schema = df.inner.schema.clone().and_then(|s| {
        if by.is_empty() {
            return Err("sort: no column to sort by".to_string());
        }
        empty(&s)
            .sort(&by, options.clone())
            .collect()
            .map(|d| d.schema().clone())
            .map_err(|e| format!("sort: {}", first_line(&e.to_string())))
    });
    let Ok(out) = schema.clone() else { return DataFrame::from_sources("sort", Vec::new(), schema) };
    let n = df.npartitions().max(1);
    let first = PlSmallStr::from(by[0].as_str());
    let descending = options.descending.first().copied().unwrap_or(false);
    let nulls_last = options.nulls_last.first().copied().unwrap_or(false);
    let dtype = out.get(&first).cloned().unwrap_or(DataType::Null);

    // Under a memory budget, sample from partitions that read only the key, so that the
    // whole frame is not held while the boundaries are found.
    let sampled = if config::memory_limit().is_some() { df.select([col(first.clone())]) } else { df.clone() };
    let samples: Vec<Arc<Node>> = sampled
        .partitions()
        .into_iter()
        .map(|p| FrameTask::Sample { key: first.clone() }.node("sort-sample", vec![p]))
        .collect();
    let bounds = FrameTask::Divisions { n, descending, dtype }.node("sort-divisions", samples);
    let assign = Assign::Range { key: first, descending, nulls_last };
    let buckets = super::shuffle::shuffle(df.partitions(), Some(bounds), n, assign, out.clone());
    let sources = buckets
        .into_iter()
        .map(|b| Source::task(&FrameTask::Sort { by: by.clone(), options: options.clone() }.node("sort", vec![b])))
        .collect();
    DataFrame::from_sources("sort", sources, schema)
}

/// Up to [`SAMPLE`] evenly spaced non-null values of `key`.
pub(super) fn sample(d: &PlFrame, key: &str) -> PolarsResult<Series> {
    let s = d.column(key)?.as_materialized_series().drop_nulls();
    let step = s.len().div_ceil(SAMPLE).max(1);
    s.take(&IdxCa::from_vec(PlSmallStr::EMPTY, (0..s.len()).step_by(step).map(|i| i as IdxSize).collect()))
}

/// `n - 1` boundaries splitting the pooled samples into `n` ranges of equal size, sorted
/// the way the data is sorted.
pub(super) fn divisions(samples: Vec<Series>, n: usize, descending: bool, dtype: &DataType) -> PolarsResult<Series> {
    let mut all = Series::new_empty(PlSmallStr::EMPTY, dtype);
    for s in &samples {
        all.append(&s.cast(dtype)?)?;
    }
    let sorted = all.sort(SortOptions::default().with_order_descending(descending))?;
    let m = sorted.len();
    if m == 0 {
        return Ok(sorted);
    }
    sorted.take(&IdxCa::from_vec(PlSmallStr::EMPTY, (1..n).map(|i| (i * m / n) as IdxSize).collect()))
}
