//! From a bag of JSON objects to a [`DataFrame`]: the columns and their types are inferred
//! from the first partition that has items (computed now, as Dask computes one partition
//! for `meta`); every partition is then converted with that schema in a task of its own,
//! items streamed straight into column builders.

use std::sync::Arc;

use polars::prelude::{Column, DataFrame as PlFrame, DataType, PlHashMap};
use serde_json::Value as Json;

use super::{Bag, truncated};
use crate::dataframe::DataFrame;
use crate::delayed::Delayed;
use crate::error::{BoxError, Error, Result};

/// What a column holds, and which JSON values it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `true`/`false`: Boolean.
    Bool,
    /// Integers that fit an `i64`: Int64.
    Int,
    /// Any number: Float64.
    Float,
    /// Strings: String.
    Str,
    /// Anything, as text (strings as they are, other values as their JSON): String.
    Text,
}

impl Kind {
    fn dtype(self) -> DataType {
        match self {
            Kind::Bool => DataType::Boolean,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Str | Kind::Text => DataType::String,
        }
    }
}

/// The values of one column, as they are pushed.
enum Builder {
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Str(Vec<Option<String>>),
}

impl Builder {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Bool => Builder::Bool(Vec::new()),
            Kind::Int => Builder::Int(Vec::new()),
            Kind::Float => Builder::Float(Vec::new()),
            Kind::Str | Kind::Text => Builder::Str(Vec::new()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Bool(v) => v.len(),
            Builder::Int(v) => v.len(),
            Builder::Float(v) => v.len(),
            Builder::Str(v) => v.len(),
        }
    }

    fn push_null(&mut self) {
        match self {
            Builder::Bool(v) => v.push(None),
            Builder::Int(v) => v.push(None),
            Builder::Float(v) => v.push(None),
            Builder::Str(v) => v.push(None),
        }
    }

    /// Pushes `value`, or gives it back when the column does not accept it.
    fn push(&mut self, kind: Kind, value: Json) -> std::result::Result<(), Json> {
        match (self, value) {
            (b, Json::Null) => b.push_null(),
            (Builder::Bool(v), Json::Bool(x)) => v.push(Some(x)),
            (Builder::Int(v), Json::Number(x)) if x.as_i64().is_some() => v.push(x.as_i64()),
            (Builder::Float(v), Json::Number(x)) => v.push(x.as_f64()),
            (Builder::Str(v), Json::String(s)) => v.push(Some(s)),
            (Builder::Str(v), other) if kind == Kind::Text => v.push(Some(other.to_string())),
            (_, other) => return Err(other),
        }
        Ok(())
    }

    fn finish(self, name: &str) -> Column {
        let name = name.into();
        match self {
            Builder::Bool(v) => Column::new(name, v),
            Builder::Int(v) => Column::new(name, v),
            Builder::Float(v) => Column::new(name, v),
            Builder::Str(v) => Column::new(name, v),
        }
    }
}

/// The columns of the frame: names in the order first seen, and kinds.
struct Schema {
    columns: Vec<(String, Kind)>,
    index: PlHashMap<String, usize>,
}

/// The schema of `items` (one partition): each key's kind from the values it has.
fn infer(items: &[Json], partition: usize) -> std::result::Result<Schema, String> {
    #[derive(Default)]
    struct Seen {
        bool: bool,
        int: bool,
        float: bool,
        str: bool,
        other: bool,
    }
    let mut seen: Vec<(String, Seen)> = Vec::new();
    let mut index: PlHashMap<String, usize> = PlHashMap::default();
    for (row, item) in items.iter().enumerate() {
        let Json::Object(map) = item else { return Err(not_object(item, row, partition)) };
        for (k, v) in map {
            let i = *index.entry(k.clone()).or_insert_with(|| {
                seen.push((k.clone(), Seen::default()));
                seen.len() - 1
            });
            let s = &mut seen[i].1;
            match v {
                Json::Null => {}
                Json::Bool(_) => s.bool = true,
                Json::Number(n) if n.is_i64() => s.int = true,
                Json::Number(_) => s.float = true,
                Json::String(_) => s.str = true,
                Json::Array(_) | Json::Object(_) => s.other = true,
            }
        }
    }
    let columns = seen
        .into_iter()
        .map(|(name, s)| {
            let kind = match (s.bool, s.int, s.float, s.str, s.other) {
                (true, false, false, false, false) => Kind::Bool,
                (false, true, false, false, false) => Kind::Int,
                (false, _, true, false, false) => Kind::Float,
                (false, false, false, true, false) => Kind::Str,
                _ => Kind::Text,
            };
            (name, kind)
        })
        .collect();
    Ok(Schema { columns, index })
}

fn not_object(item: &Json, row: usize, partition: usize) -> String {
    format!(
        "to_dataframe: row {row} of partition {partition} is not a JSON object: {}",
        truncated(&item.to_string(), 200)
    )
}

/// Converts the items of one partition, pushed one at a time, into a polars frame.
struct Converter<'a> {
    schema: &'a Schema,
    partition: usize,
    builders: Vec<Builder>,
    rows: usize,
}

impl<'a> Converter<'a> {
    fn new(schema: &'a Schema, partition: usize) -> Self {
        let builders = schema.columns.iter().map(|(_, k)| Builder::new(*k)).collect();
        Converter { schema, partition, builders, rows: 0 }
    }

    fn push(&mut self, item: Json) -> std::result::Result<(), String> {
        let (row, partition) = (self.rows, self.partition);
        let map = match item {
            Json::Object(map) => map,
            other => return Err(not_object(&other, row, partition)),
        };
        for (key, value) in map {
            let Some(&c) = self.schema.index.get(&key) else {
                return Err(format!(
                    "to_dataframe: row {row} of partition {partition} has key '{key}', which is not a column \
                     (the columns come from the first partition with items; select keys with map first)"
                ));
            };
            let kind = self.schema.columns[c].1;
            if let Err(v) = self.builders[c].push(kind, value) {
                return Err(format!(
                    "to_dataframe: column '{key}' is {}, but row {row} of partition {partition} has {} \
                     (the column types come from the first partition with items)",
                    kind.dtype(),
                    truncated(&v.to_string(), 100)
                ));
            }
        }
        self.rows += 1;
        for b in &mut self.builders {
            if b.len() < self.rows {
                b.push_null();
            }
        }
        Ok(())
    }

    fn finish(self) -> std::result::Result<PlFrame, String> {
        let columns =
            self.builders.into_iter().zip(&self.schema.columns).map(|(b, (name, _))| b.finish(name)).collect();
        PlFrame::new(self.rows, columns).map_err(|e| format!("to_dataframe: {e}"))
    }
}

impl Bag<Json> {
    /// A [`DataFrame`] of the bag's JSON objects, a column per key. The columns and their
    /// types come from the first partition with items, which is computed now: booleans
    /// make a Boolean column, integers Int64, numbers with a fraction (or integers mixed
    /// with them) Float64, strings String; a key with only nulls, with arrays or objects,
    /// or with mixed types makes a String column of the values' JSON text. Every
    /// partition is then converted in its own task. A value of another type than its
    /// column's, a key that is not a column, or an item that is not an object fails the
    /// task, naming the key and the row; a missing key is null.
    ///
    /// ```
    /// use rask::prelude::*;
    /// use rask::serde_json::json;
    /// let b = db::from_sequence([json!({"name": "a", "n": 1}), json!({"name": "b", "n": 2.5})], 1)?;
    /// let df = b.to_dataframe()?.compute()?;
    /// assert_eq!(df.column("n")?.f64()?.to_vec(), [Some(1.0), Some(2.5)]);
    ///
    /// // In two partitions, `n` is inferred from the first one: i64, and 2.5 does not fit.
    /// let two = db::from_sequence([json!({"n": 1}), json!({"n": 2.5})], 2)?.to_dataframe()?;
    /// let err = two.compute().unwrap_err().to_string();
    /// assert!(err.contains("column 'n' is i64, but row 0 of partition 1 has 2.5"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let nodes = self.partitions();
        let mut held: Vec<Vec<Json>> = Vec::new();
        for node in &nodes {
            let part = Delayed::<Vec<Json>>::from_node(node.clone()).compute()?;
            let found = !part.is_empty();
            held.push(part);
            if found {
                break;
            }
        }
        let Some(sample) = held.last().filter(|p| !p.is_empty()) else {
            return Err(Error::Invalid("to_dataframe: the bag has no items to infer the columns from".into()));
        };
        let schema = Arc::new(infer(sample, held.len() - 1).map_err(Error::Invalid)?);
        let mut parts: Vec<Delayed<PlFrame>> = Vec::with_capacity(nodes.len());
        for (i, items) in held.into_iter().enumerate() {
            let mut c = Converter::new(&schema, i);
            items.into_iter().try_for_each(|x| c.push(x)).map_err(Error::Invalid)?;
            parts.push(Delayed::value(c.finish().map_err(Error::Invalid)?));
        }
        let done = parts.len();
        let tok = super::token();
        let s = schema.clone();
        let rest = self.each_partition(
            &format!("to-dataframe-{tok}"),
            Err(super::task::local("to_dataframe")),
            move |items| {
                let mut c = Converter::new(&s, items.index());
                items.for_each(|x| c.push(x).map_err(BoxError::from))?;
                c.finish().map_err(BoxError::from)
            },
        );
        parts.extend(rest.into_iter().skip(done).map(Delayed::from_node));
        crate::dataframe::from_delayed(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds() {
        let items = [
            json!({"b": true, "i": 1, "f": 1, "s": "x", "n": null, "a": [1], "m": "x"}),
            json!({"b": false, "i": -2, "f": 2.5, "s": "y", "n": null, "a": {"k": 1}, "m": 3}),
        ];
        let schema = infer(&items, 0).expect("objects");
        let kinds: PlHashMap<&str, Kind> = schema.columns.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        assert_eq!(kinds["b"], Kind::Bool);
        assert_eq!(kinds["i"], Kind::Int);
        assert_eq!(kinds["f"], Kind::Float);
        assert_eq!(kinds["s"], Kind::Str);
        assert_eq!(kinds["n"], Kind::Text);
        assert_eq!(kinds["a"], Kind::Text);
        assert_eq!(kinds["m"], Kind::Text);
        assert!(infer(&[json!(1)], 3).err().is_some_and(|e| e.contains("row 0 of partition 3")));
    }
}
