//! A DataFrame's tasks as data: every task a [`DataFrame`](super::DataFrame) makes (reading
//! a partition, the steps of aggregations, shuffles, joins and sorts) is a [`FrameTask`].
//! It runs here, and a Dask cluster's workers rebuild it from its bytes (polars'
//! serialization of its expressions, schemas and frames) and run the same code.
//!
//! Only [`map_partitions`](super::DataFrame::map_partitions) makes a closure, which stays
//! in this process.

use std::sync::Arc;

use polars::prelude::{DataFrame as PlFrame, *};
use serde::{Deserialize, Serialize};

use super::shuffle::{Assign, Piece};
use super::source::Source;
use super::{PartitionOp, agg, collect_streaming, concat_frames, join};
use crate::error::TaskError;
use crate::key::Key;
use crate::node::Node;
use crate::remote::Builtin;
use crate::value::{Data, Value, take, value};

/// One task of a DataFrame, as data.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) enum FrameTask {
    /// Reads a partition from its source (a task's input for [`Source::Task`]) and applies
    /// the row-wise operations, as one polars plan.
    Partition { source: Source, ops: Vec<PartitionOp> },
    /// Stacks the inputs (an empty frame of `schema`, or of the first input's) and
    /// aggregates them by `keys` (none: the whole frame).
    Aggregate { keys: Arc<[String]>, exprs: Vec<Expr>, schema: Option<SchemaRef> },
    /// Selects `exprs` from the input and casts the result to `schema`.
    Finish { exprs: Vec<Expr>, schema: SchemaRef },
    /// Stacks the inputs (none: an empty frame of `schema`).
    Concat { schema: SchemaRef },
    /// Slice `part` of `of` equal slices of the input's rows.
    Slice { part: usize, of: usize },
    /// Splits the input into `buckets` pieces by the bucket `assign` gives each row (a
    /// range assignment reads the boundaries from a second input).
    Split { assign: Assign, buckets: usize },
    /// Piece `bucket` of a split.
    Pick { bucket: usize },
    /// The pieces stacked into one frame (an empty one of `schema` when there are none).
    Gather { schema: SchemaRef },
    /// polars' join of the two inputs.
    Join { left_on: Arc<[String]>, right_on: Arc<[String]>, how: JoinType },
    /// Evenly spaced non-null values of column `key`.
    Sample { key: PlSmallStr },
    /// Boundaries splitting the pooled samples into `n` equal ranges.
    Divisions { n: usize, descending: bool, dtype: DataType },
    /// The input sorted.
    Sort { by: Vec<String>, options: SortMultipleOptions },
    /// `describe`'s table of the `numeric` columns, from its moments and its quantiles.
    Describe { numeric: Vec<String> },
    /// Fails with this message (an invalid aggregation, found when it was built).
    Invalid(String),
}

impl FrameTask {
    /// A node running this task on `deps`, its key `name` plus a unique token.
    pub(crate) fn node(self, name: &'static str, deps: Vec<Arc<Node>>) -> Arc<Node> {
        self.node_keyed(Key::unique(name), deps)
    }

    /// A node running this task on `deps`, under `key`.
    pub(crate) fn node_keyed(self, key: Key, deps: Vec<Arc<Node>>) -> Arc<Node> {
        crate::remote::builtin_node(key, self, deps)
    }

    fn frames(inputs: Vec<Value>) -> Result<Vec<PlFrame>, TaskError> {
        inputs.into_iter().map(input::<PlFrame>).collect()
    }

    fn frame(inputs: Vec<Value>) -> Result<PlFrame, TaskError> {
        Self::frames(inputs)?.into_iter().next().ok_or_else(|| failed("a task without its input frame"))
    }
}

impl Builtin for FrameTask {
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError> {
        let out = match self {
            FrameTask::Partition { source, ops } => {
                let _reserved = source.read_cost().and_then(crate::memory::reserve);
                let lf = source.lazy(inputs.into_iter().next()).map_err(failed)?;
                let lf = ops.iter().fold(lf, |lf, op| op.apply(lf));
                return collect_streaming(lf).map(value).map_err(|e| failed(source.explain_error(&e)));
            }
            FrameTask::Aggregate { keys, exprs, schema } => {
                let items = Self::frames(inputs)?;
                let schema = schema.clone().or_else(|| items.first().map(|d| d.schema().clone())).unwrap_or_default();
                concat_frames(items, &schema).and_then(|d| agg::apply(d.lazy(), keys, exprs.clone()).collect())
            }
            FrameTask::Finish { exprs, schema } => {
                agg::conform(Self::frame(inputs)?.lazy().select(exprs.clone()), schema)
            }
            FrameTask::Concat { schema } => concat_frames(Self::frames(inputs)?, schema),
            FrameTask::Slice { part, of } => {
                let df = Self::frame(inputs)?;
                let (h, k, i) = (df.height(), (*of).max(1), *part);
                Ok(df.slice((i * h / k) as i64, (i + 1) * h / k - i * h / k))
            }
            FrameTask::Split { assign, buckets } => {
                let mut inputs = inputs.into_iter();
                let mut part = input::<PlFrame>(inputs.next().ok_or_else(|| failed("a split without its frame"))?)?;
                let bounds = inputs.next().map(input::<Series>).transpose()?;
                return super::shuffle::split(&mut part, assign, bounds.as_ref(), *buckets)
                    .map(value)
                    .map_err(polars_failed);
            }
            FrameTask::Pick { bucket } => {
                let split = inputs.first().ok_or_else(|| failed("a pick without its split"))?;
                let pieces =
                    split.downcast_ref::<Vec<Piece>>().ok_or_else(|| failed("a pick's input is not a split"))?;
                let piece = pieces.get(*bucket).ok_or_else(|| failed(format!("a split without bucket {bucket}")))?;
                return Ok(value(piece.clone()));
            }
            FrameTask::Gather { schema } => {
                let pieces = inputs.into_iter().map(input::<Piece>).collect::<Result<Vec<_>, _>>()?;
                super::shuffle::gather(pieces, schema)
            }
            FrameTask::Join { left_on, right_on, how } => {
                let mut frames = Self::frames(inputs)?.into_iter();
                match (frames.next(), frames.next()) {
                    (Some(l), Some(r)) => join::join_frames(l, r, left_on, right_on, how),
                    _ => return Err(failed("a join without both sides")),
                }
            }
            FrameTask::Sample { key } => {
                return super::sort::sample(&Self::frame(inputs)?, key).map(value).map_err(polars_failed);
            }
            FrameTask::Divisions { n, descending, dtype } => {
                let samples = inputs.into_iter().map(input::<Series>).collect::<Result<Vec<_>, _>>()?;
                return super::sort::divisions(samples, *n, *descending, dtype).map(value).map_err(polars_failed);
            }
            FrameTask::Sort { by, options } => {
                let mut df = Self::frame(inputs)?;
                // One chunk first: polars then gathers the sorted rows faster (measured 0.95×
                // of polars' time on the sort benchmark, against 0.99× from the bucket's pieces).
                df.rechunk_mut_par().sort(by, options.clone())
            }
            FrameTask::Describe { numeric } => match &Self::frames(inputs)?[..] {
                [moments, quantiles] => agg::describe_table(moments, quantiles, numeric),
                _ => return Err(failed("describe without its moments and quantiles")),
            },
            FrameTask::Invalid(why) => return Err(failed(why.clone())),
        };
        out.map(value).map_err(polars_failed)
    }
}

/// Takes an input of type `T`.
fn input<T: Data>(v: Value) -> Result<T, TaskError> {
    take::<T>(v).map_err(|e| failed(e.to_string()))
}

fn failed(msg: impl Into<String>) -> TaskError {
    TaskError::Failed(msg.into().into())
}

fn polars_failed(e: PolarsError) -> TaskError {
    TaskError::Failed(e.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::Builtin;

    /// A task read back from its bytes runs as the original does (rows sorted: groups and
    /// joins come in no particular order).
    fn round_trip(task: &FrameTask, inputs: Vec<Value>) -> PlFrame {
        let bytes = crate::remote::encode_builtin(task).expect("encodes");
        let back: FrameTask = crate::remote::decode_builtin(&bytes).expect("decodes");
        let sorted = |v: Value| {
            let df = take::<PlFrame>(v).expect("a frame");
            let by: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
            df.sort(by, Default::default()).expect("sorts")
        };
        let here = sorted(task.run(inputs.clone()).expect("runs here"));
        let there = sorted(back.run(inputs).expect("runs after the round trip"));
        assert_eq!(here, there);
        there
    }

    #[test]
    fn tasks_read_back_from_bytes_do_the_same_work() {
        let df = df!("k" => ["a", "b", "a"], "v" => [1i64, 2, 3]).expect("frame");
        let ops = vec![
            PartitionOp::Filter(col("v").gt(lit(1))),
            PartitionOp::Aggregate(Arc::from(["k".to_string()]), vec![col("v").sum()]),
        ];
        let part = round_trip(&FrameTask::Partition { source: Source::Frame(df.clone()), ops }, Vec::new());
        assert_eq!(part.column("v").expect("v").i64().expect("i64").to_vec(), [Some(3), Some(2)]);

        let joined = round_trip(
            &FrameTask::Join {
                left_on: Arc::from(["k".to_string()]),
                right_on: Arc::from(["k".to_string()]),
                how: JoinType::Inner,
            },
            vec![value(df.clone()), value(df.clone())],
        );
        assert_eq!(joined.height(), 5); // a×a 4 rows, b×b 1

        let err = FrameTask::Invalid("groupby-agg: no column x".into()).run(Vec::new()).expect_err("fails");
        assert_eq!(err.to_string(), "failed: groupby-agg: no column x");
    }

    #[test]
    fn an_expression_with_a_closure_cannot_be_sent() {
        let udf = col("v").map(Ok, |_, f| Ok(f.clone()));
        let task = FrameTask::Partition { source: Source::Task(None), ops: vec![PartitionOp::Select(vec![udf])] };
        let err = crate::remote::encode_builtin(&task).expect_err("a closure");
        assert!(err.starts_with("its parameters cannot be sent ("), "{err}");
        assert!(err.ends_with("a Rust function inside an expression stays in this process"), "{err}");
    }
}
