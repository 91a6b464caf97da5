//! Aggregations: whole-frame reductions and group-bys, by tree reduction when every
//! aggregation decomposes into partial results, by a hash shuffle (or a gather, without
//! keys) when one does not.
//!
//! A decomposable aggregation is rewritten into three steps, all plain polars expressions:
//! `partial` runs on each partition, `combine` merges partial results (any number of times,
//! up a tree of fan-in 8), `finish` turns the merged partials into the answer. The answer
//! is cast to the schema polars itself gives the same query on an empty frame, so names and
//! types are exactly polars'.

use std::sync::Arc;

use polars::prelude::{DataFrame as PlFrame, *};

use super::shuffle::Assign;
use super::source::Source;
use super::{DataFrame, FrameTask, PartitionOp, columns, empty};
use crate::delayed::Delayed;
use crate::node::Node;

/// The quantiles `describe` reports.
const QUANTILES: [(f64, &str); 3] = [(0.25, "25%"), (0.5, "50%"), (0.75, "75%")];

/// How many partial results one combine step merges.
const SPLIT_EVERY: usize = 8;

/// A group-by waiting for its aggregations: `df.groupby(["k"]).agg([col("x").mean()])`.
#[must_use]
pub struct GroupBy {
    df: DataFrame,
    keys: Vec<String>,
}

impl DataFrame {
    /// Groups rows by the values of these columns.
    pub fn groupby<I: IntoIterator<Item = S>, S: AsRef<str>>(&self, keys: I) -> GroupBy {
        GroupBy { df: self.clone(), keys: keys.into_iter().map(|s| s.as_ref().to_string()).collect() }
    }

    /// The sum of each numeric column (one row), like polars' `sum()`.
    pub fn sum(&self) -> Delayed<PlFrame> {
        self.reduce("sum", |c| col(c).sum(), true)
    }

    /// The mean of each numeric column.
    pub fn mean(&self) -> Delayed<PlFrame> {
        self.reduce("mean", |c| col(c).mean(), true)
    }

    /// The minimum of each column.
    pub fn min(&self) -> Delayed<PlFrame> {
        self.reduce("min", |c| col(c).min(), false)
    }

    /// The maximum of each column.
    pub fn max(&self) -> Delayed<PlFrame> {
        self.reduce("max", |c| col(c).max(), false)
    }

    /// The number of non-null values of each column.
    pub fn count(&self) -> Delayed<PlFrame> {
        self.reduce("count", |c| col(c).count(), false)
    }

    /// The standard deviation of each numeric column (`ddof` 1 for the sample's).
    pub fn std(&self, ddof: u8) -> Delayed<PlFrame> {
        self.reduce("std", move |c| col(c).std(ddof), true)
    }

    /// The variance of each numeric column.
    pub fn var(&self, ddof: u8) -> Delayed<PlFrame> {
        self.reduce("var", move |c| col(c).var(ddof), true)
    }

    /// The number of distinct values of each column (null counts as a value, as in polars).
    pub fn nunique(&self) -> Delayed<PlFrame> {
        self.reduce("nunique", |c| col(c).n_unique(), false)
    }

    /// How often each value of `column` occurs: columns `column` and `count`, most frequent first.
    pub fn value_counts(&self, column: &str) -> Delayed<PlFrame> {
        let counts = single(self.groupby([column]).agg([len().alias("count")]));
        let sorted = FrameTask::Sort {
            by: vec!["count".to_string(), column.to_string()],
            options: SortMultipleOptions::default().with_order_descending_multi([true, false]),
        };
        Delayed::from_node(sorted.node("value-counts", vec![counts.node().clone()]))
    }

    /// Summary statistics of each numeric column, like polars' (Python) `describe`: a
    /// `statistic` column (count, null_count, mean, std, min, 25%, 50%, 75%, max) and one
    /// `f64` column per numeric column. Counts and moments are reduced in a tree; the exact
    /// quantiles (nearest value, as polars) gather the numeric columns into one task.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use polars::prelude::*;
    ///
    /// let df = dd::from_polars(df!("x" => [1.0, 2.0, 3.0, 4.0], "s" => ["a", "b", "c", "d"])?, 2);
    /// let d = df.describe().compute()?;
    /// assert_eq!(d.get_column_names(), ["statistic", "x"]);
    /// assert_eq!(d.column("x")?.f64()?.get(2), Some(2.5)); // the mean
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn describe(&self) -> Delayed<PlFrame> {
        let numeric: Vec<String> = match &self.inner.schema {
            Ok(s) => {
                s.iter().filter(|(_, t)| t.is_primitive_numeric() || t.is_bool()).map(|(n, _)| n.to_string()).collect()
            }
            Err(_) => Vec::new(),
        };
        let moments: Vec<Expr> = numeric
            .iter()
            .flat_map(|c| {
                let x = || col(c.as_str()).cast(DataType::Float64);
                [
                    x().count().alias(stat(c, "count")),
                    len().alias(stat(c, "len")),
                    x().mean().alias(stat(c, "mean")),
                    x().std(1).alias(stat(c, "std")),
                    x().min().alias(stat(c, "min")),
                    x().max().alias(stat(c, "max")),
                ]
            })
            .collect();
        let moments = single(aggregate(self, "describe-moments", &[], moments));
        let quantiles: Vec<Expr> = numeric
            .iter()
            .flat_map(|c| {
                QUANTILES.iter().map(move |(q, name)| {
                    col(c.as_str())
                        .cast(DataType::Float64)
                        .quantile(lit(*q), QuantileMethod::Nearest)
                        .alias(stat(c, name))
                })
            })
            .collect();
        let columns: Vec<Expr> = numeric.iter().map(|c| col(c.as_str())).collect();
        let quantiles = single(aggregate(&self.select(columns), "describe-quantiles", &[], quantiles));
        let table = FrameTask::Describe { numeric };
        Delayed::from_node(table.node("describe", vec![moments.node().clone(), quantiles.node().clone()]))
    }

    fn reduce(&self, name: &'static str, agg: impl Fn(&str) -> Expr, numeric_only: bool) -> Delayed<PlFrame> {
        let exprs: Vec<Expr> = match &self.inner.schema {
            Ok(s) => s
                .iter()
                .filter(|(_, t)| !numeric_only || t.is_primitive_numeric() || t.is_bool())
                .map(|(n, _)| agg(n))
                .collect(),
            Err(_) => Vec::new(),
        };
        single(aggregate(self, name, &[], exprs))
    }
}

/// The one partition of an aggregation's result, or a task that fails with the reason the
/// aggregation is invalid.
fn single(df: DataFrame) -> Delayed<PlFrame> {
    let why = match (df.schema(), df.partitions().first()) {
        (Ok(_), Some(p)) => return Delayed::from_node(p.clone()),
        (Err(e), _) => e.to_string(),
        (Ok(_), None) => "an aggregation made no partition".into(),
    };
    Delayed::from_node(FrameTask::Invalid(why).node("invalid", Vec::new()))
}

impl GroupBy {
    /// Aggregates each group with polars expressions. Sums, counts, means, minima, maxima,
    /// standard deviations, variances, first and last values are reduced in a tree; other
    /// aggregations (median, quantiles, n_unique, ...) hash-shuffle the rows by key first.
    /// The result has one row per group, in no particular order.
    pub fn agg<E: AsRef<[Expr]>>(&self, aggs: E) -> DataFrame {
        aggregate(&self.df, "groupby-agg", &self.keys, aggs.as_ref().to_vec())
    }
}

/// One decomposed aggregation: expressions for each step, over columns named `__rask_{i}_{k}`.
struct Parts {
    partial: Vec<Expr>,
    combine: Vec<Expr>,
    finish: Expr,
}

fn part_name(i: usize, k: usize) -> String {
    format!("__rask_{i}_{k}")
}

/// The aggregation inside `e` (under any alias), split into partial/combine/finish steps.
fn decompose(e: &Expr, i: usize, schema: &Schema) -> Option<Parts> {
    let p = |k: usize| part_name(i, k);
    let c = |k: usize| col(p(k));
    let agg = match e {
        Expr::Alias(inner, _) => return decompose(inner, i, schema),
        Expr::Len => {
            return Some(Parts {
                partial: vec![len().alias(p(0))],
                combine: vec![c(0).sum().alias(p(0))],
                finish: c(0),
            });
        }
        Expr::Agg(a) => a,
        _ => return None,
    };
    let same = |partial: Expr, combine: Expr| Parts {
        partial: vec![partial.alias(p(0))],
        combine: vec![combine.alias(p(0))],
        finish: c(0),
    };
    Some(match agg {
        AggExpr::Sum(x) => same(x.as_ref().clone().sum(), c(0).sum()),
        AggExpr::Count { .. } => same(e.clone(), c(0).sum()),
        AggExpr::Min { input, .. } => same(input.as_ref().clone().min(), c(0).min()),
        AggExpr::Max { input, .. } => same(input.as_ref().clone().max(), c(0).max()),
        AggExpr::First(x) => same(x.as_ref().clone().first(), c(0).first()),
        AggExpr::Last(x) => same(x.as_ref().clone().last(), c(0).last()),
        AggExpr::Mean(x) => {
            let x = x.as_ref().clone();
            Parts {
                partial: vec![as_f64(x.clone(), schema).sum().alias(p(0)), x.count().alias(p(1))],
                combine: vec![c(0).sum().alias(p(0)), c(1).sum().alias(p(1))],
                finish: when(c(1).gt(lit(0))).then(c(0) / c(1).cast(DataType::Float64)).otherwise(lit(NULL)),
            }
        }
        AggExpr::Var(x, ddof) | AggExpr::Std(x, ddof) => {
            let x = x.as_ref().clone().cast(DataType::Float64);
            // Chan et al.: merge (n, mean, M2) of parts; M2 = sum of squared deviations.
            let n = || c(0).cast(DataType::Float64);
            let merged_mean = || (n() * c(1)).sum() / n().sum();
            let dev = || c(1) - merged_mean();
            let var = when(c(0).gt(lit(*ddof as u32))).then(c(2) / (n() - lit(*ddof as f64))).otherwise(lit(NULL));
            let finish = if matches!(agg, AggExpr::Std(..)) { var.sqrt() } else { var };
            Parts {
                partial: vec![
                    x.clone().count().alias(p(0)),
                    x.clone().mean().alias(p(1)),
                    (x.clone().var(0) * x.count().cast(DataType::Float64)).alias(p(2)),
                ],
                combine: vec![
                    c(0).sum().alias(p(0)),
                    merged_mean().alias(p(1)),
                    (c(2).sum() + (n() * dev() * dev()).sum()).alias(p(2)),
                ],
                finish,
            }
        }
        _ => return None,
    })
}

/// `x` as `f64`; no cast when it is a column of `f64` already (a cast slows polars' reductions).
fn as_f64(x: Expr, schema: &Schema) -> Expr {
    match &x {
        Expr::Column(name) if schema.get(name) == Some(&DataType::Float64) => x,
        _ => x.cast(DataType::Float64),
    }
}

/// `select` without keys, `group_by(keys).agg` with them.
pub(super) fn apply(lf: LazyFrame, keys: &[String], exprs: Vec<Expr>) -> LazyFrame {
    if keys.is_empty() { lf.select(exprs) } else { lf.group_by(columns(keys)).agg(exprs) }
}

/// The aggregation of `df` by `keys` (none: the whole frame) as a new DataFrame.
fn aggregate(df: &DataFrame, name: &'static str, keys: &[String], aggs: Vec<Expr>) -> DataFrame {
    let keys: Arc<[String]> = keys.into();
    let schema = df.inner.schema.clone().and_then(|s| {
        apply(empty(&s), &keys, aggs.clone())
            .collect_schema()
            .map_err(|e| format!("{name}: {}", super::source::first_line(&e.to_string())))
    });
    let Ok(out_schema) = schema.clone() else {
        return DataFrame::from_sources(name, Vec::new(), schema);
    };
    let input = df.inner.schema.clone().unwrap_or_default();
    let parts: Option<Vec<Parts>> = aggs.iter().enumerate().map(|(i, e)| decompose(e, i, &input)).collect();
    let sources = match parts {
        Some(parts) => vec![Source::task(&tree(df, name, keys, parts, out_schema.clone()))],
        None if keys.is_empty() => vec![Source::task(&gather(df, name, aggs))],
        None => shuffle(df, name, keys, aggs),
    };
    DataFrame::from_sources(name, sources, schema)
}

/// Casts `df`'s columns to `schema` (names in order).
pub(super) fn conform(lf: LazyFrame, schema: &Schema) -> PolarsResult<PlFrame> {
    lf.select(schema.iter().map(|(n, t)| col(n.clone()).cast(t.clone())).collect::<Vec<_>>()).collect()
}

/// The column holding statistic `s` of column `c` in `describe`'s intermediate frames.
fn stat(c: &str, s: &str) -> String {
    format!("{c}\u{1f}{s}")
}

/// `describe`'s table, from the moments `m` and the quantiles `q` of the `numeric` columns.
pub(super) fn describe_table(m: &PlFrame, q: &PlFrame, numeric: &[String]) -> PolarsResult<PlFrame> {
    let get = |d: &PlFrame, c: &str, s: &str| -> PolarsResult<Option<f64>> {
        Ok(d.column(&stat(c, s))?.cast(&DataType::Float64)?.f64()?.get(0))
    };
    let names = ["count", "null_count", "mean", "std", "min", "25%", "50%", "75%", "max"];
    let mut out = vec![Column::new("statistic".into(), names)];
    for c in numeric {
        let (count, len) = (get(m, c, "count")?, get(m, c, "len")?);
        let nulls = len.zip(count).map(|(l, c)| l - c);
        let mut values = vec![count, nulls, get(m, c, "mean")?, get(m, c, "std")?, get(m, c, "min")?];
        for (_, name) in QUANTILES {
            values.push(get(q, c, name)?);
        }
        values.push(get(m, c, "max")?);
        out.push(Column::new(c.as_str().into(), values));
    }
    PlFrame::new_infer_height(out)
}

/// Tree reduction: partial per partition, combine by groups of 8, finish once.
fn tree(df: &DataFrame, name: &'static str, keys: Arc<[String]>, parts: Vec<Parts>, out: SchemaRef) -> Arc<Node> {
    let partial: Vec<Expr> = parts.iter().flat_map(|p| p.partial.clone()).collect();
    let combine: Vec<Expr> = parts.iter().flat_map(|p| p.combine.clone()).collect();
    let names: Vec<PlSmallStr> = out.iter_names().skip(keys.len()).cloned().collect();
    let finish: Vec<Expr> =
        columns(&keys).into_iter().chain(parts.iter().zip(names).map(|(p, n)| p.finish.clone().alias(n))).collect();

    let df = if df.npartitions() == 0 {
        // No partitions: reduce one empty frame, so the answer has polars' shape.
        let schema = df.inner.schema.clone().unwrap_or_default();
        DataFrame::from_sources("empty", vec![Source::Frame(PlFrame::empty_with_schema(&schema))], Ok(schema))
    } else {
        df.clone()
    };
    let mut level = df.with_op(PartitionOp::Aggregate(keys.clone(), partial)).partitions();
    loop {
        level = level
            .chunks(SPLIT_EVERY)
            .map(|g| {
                let combine = FrameTask::Aggregate { keys: keys.clone(), exprs: combine.to_vec(), schema: None };
                combine.node("agg-combine", g.to_vec())
            })
            .collect();
        if level.len() == 1 {
            break;
        }
    }
    FrameTask::Finish { exprs: finish, schema: out }.node(name, level)
}

/// Without keys, an aggregation that does not decompose runs once on all rows.
fn gather(df: &DataFrame, name: &'static str, aggs: Vec<Expr>) -> Arc<Node> {
    let schema = df.inner.schema.clone().unwrap_or_default();
    FrameTask::Aggregate { keys: Arc::from([]), exprs: aggs, schema: Some(schema) }.node(name, df.partitions())
}

/// Hash-shuffles rows by key into as many buckets as partitions, then aggregates each.
fn shuffle(df: &DataFrame, name: &'static str, keys: Arc<[String]>, aggs: Vec<Expr>) -> Vec<Source> {
    let buckets = df.npartitions().max(1);
    let schema = df.inner.schema.clone().unwrap_or_default();
    let assign = Assign::Hash(columns(&keys));
    super::shuffle::shuffle(df.partitions(), None, buckets, assign, schema)
        .into_iter()
        .map(|bucket| {
            let aggregate = FrameTask::Aggregate { keys: keys.clone(), exprs: aggs.clone(), schema: None };
            Source::task(&aggregate.node(name, vec![bucket]))
        })
        .collect()
}
