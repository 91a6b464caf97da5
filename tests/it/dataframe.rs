//! Partitioned DataFrames, each operation checked against polars on the whole data.

use std::path::PathBuf;

use rask::polars::prelude::{DataFrame as PlFrame, *};
use rask::prelude::*;

/// 240 rows with nulls in every column but the key.
pub(crate) fn data() -> PlFrame {
    let n = 240usize;
    let category: Vec<&str> = (0..n).map(|i| ["a", "b", "c", "d", "e"][(i * 7) % 5]).collect();
    let response_len: Vec<Option<i64>> = (0..n).map(|i| (i % 13 != 0).then_some(((i * 389) % 1000) as i64)).collect();
    let score: Vec<Option<f64>> =
        (0..n).map(|i| (i % 11 != 0).then_some(((i * 7919) % 1000) as f64 / 10.0 - 20.0)).collect();
    let user: Vec<Option<&str>> = (0..n).map(|i| (i % 17 != 0).then_some(["u1", "u2", "u3"][i % 3])).collect();
    df!("category" => category, "response_len" => response_len, "score" => score, "user" => user).expect("a frame")
}

/// Writes `data()` as `files` CSV files in a fresh directory; returns the glob pattern.
fn csv_files(name: &str, files: usize) -> String {
    let dir: PathBuf = std::env::temp_dir().join(format!("rask-it-df-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let all = data();
    let rows = all.height();
    for f in 0..files {
        let (a, b) = (rows * f / files, rows * (f + 1) / files);
        let mut part = all.slice(a as i64, b - a);
        let mut file = std::fs::File::create(dir.join(format!("part-{f:02}.csv"))).expect("create");
        CsvWriter::new(&mut file).finish(&mut part).expect("write csv");
    }
    format!("{}/*.csv", dir.display())
}

/// Equal frames: same names, types and values; floats within a relative 1e-9.
pub(crate) fn assert_close(got: &PlFrame, want: &PlFrame) {
    assert_eq!(got.schema(), want.schema(), "schemas differ\n{got}\n{want}");
    assert_eq!(got.height(), want.height(), "heights differ\n{got}\n{want}");
    for (g, w) in got.columns().iter().zip(want.columns()) {
        if g.dtype().is_float() {
            let (g, w) = (g.cast(&DataType::Float64).expect("f64"), w.cast(&DataType::Float64).expect("f64"));
            for (x, y) in g.f64().expect("f64").to_vec().into_iter().zip(w.f64().expect("f64").to_vec()) {
                match (x, y) {
                    (Some(x), Some(y)) => {
                        assert!((x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0), "{}: {x} vs {y}", g.name())
                    }
                    (x, y) => assert_eq!(x.is_some(), y.is_some(), "{}: null mismatch", g.name()),
                }
            }
        } else {
            assert!(
                g.as_materialized_series().equals_missing(w.as_materialized_series()),
                "column {} differs\n{got}\n{want}",
                g.name()
            );
        }
    }
}

pub(crate) fn sorted(df: PlFrame, by: &[&str]) -> PlFrame {
    df.sort(by.iter().copied(), SortMultipleOptions::default().with_nulls_last(true)).expect("sorts")
}

#[test]
fn read_csv_reads_every_file_and_every_block_once() {
    let pattern = csv_files("read", 3);
    let whole = dd::read_csv(&pattern).expect("reads");
    assert_eq!(whole.npartitions(), 3);
    assert_close(&whole.compute().expect("runs"), &data());
    let blocks = dd::CsvOptions::new().blocksize(Some(300)).read(&pattern).expect("reads");
    assert!(blocks.npartitions() > 6, "{} partitions", blocks.npartitions());
    assert_close(&blocks.compute().expect("runs"), &data());
}

#[test]
fn row_wise_operations_match_polars() {
    let pattern = csv_files("rows", 4);
    let df = dd::CsvOptions::new().blocksize(Some(500)).read(&pattern).expect("reads");
    let ours = df
        .filter(col("response_len").gt_eq(lit(500)))
        .with_columns([(col("score") * lit(2.0)).alias("double")])
        .rename(["user"], ["who"])
        .drop(["category"])
        .select([col("who"), col("double"), col("response_len")]);
    let theirs = data()
        .lazy()
        .filter(col("response_len").gt_eq(lit(500)))
        .with_columns([(col("score") * lit(2.0)).alias("double")])
        .rename(["user"], ["who"], true)
        .drop(Selector::ByName { names: ["category".into()].into(), strict: true })
        .select([col("who"), col("double"), col("response_len")])
        .collect()
        .expect("polars");
    assert_close(&ours.compute().expect("runs"), &theirs);
    assert_eq!(ours.columns(), ["who", "double", "response_len"]);
    assert_eq!(ours.npartitions(), df.npartitions(), "row-wise operations keep the partitions");
}

#[test]
fn reductions_match_polars() {
    let df = dd::from_polars(data(), 7);
    let whole = data().lazy();
    let numeric = || data().lazy().select([col("response_len"), col("score")]);
    let check = |ours: Delayed<PlFrame>, theirs: LazyFrame| {
        assert_close(&ours.compute().expect("runs"), &theirs.collect().expect("polars"))
    };
    check(df.sum(), numeric().sum());
    check(df.mean(), numeric().mean());
    check(df.min(), whole.clone().min());
    check(df.max(), whole.clone().max());
    check(df.count(), whole.clone().select([Expr::from(all()).count()]));
    check(df.std(1), numeric().std(1));
    check(df.var(0), numeric().var(0));
    check(df.nunique(), whole.clone().select([Expr::from(all()).n_unique()]));
}

#[test]
fn the_seed_query_matches_polars() {
    let pattern = csv_files("seed", 3);
    let df = dd::read_csv(&pattern).expect("reads");
    // Exactly as the seed writes it.
    let r = df.filter(col("response_len").gt_eq(500)).groupby(["category"]).agg([col("score").mean()]);
    assert_close(&sorted(r.compute().expect("runs"), &["category"]), &sorted(seed_query(data()), &["category"]));
}

/// The seed query (filter, group by category, mean score) done by polars on the whole frame.
pub(crate) fn seed_query(frame: PlFrame) -> PlFrame {
    frame
        .lazy()
        .filter(col("response_len").gt_eq(lit(500)))
        .group_by([col("category")])
        .agg([col("score").mean()])
        .collect()
        .expect("polars")
}

#[test]
fn decomposable_group_aggregations_match_polars() {
    let df = dd::from_polars(data(), 9);
    let aggs = [
        col("score").sum().alias("sum"),
        col("score").count().alias("count"),
        len().alias("len"),
        col("score").mean().alias("mean"),
        col("response_len").min().alias("min"),
        col("response_len").max().alias("max"),
        col("score").std(1).alias("std"),
        col("score").var(0).alias("var"),
        col("response_len").first().alias("first"),
        col("response_len").last().alias("last"),
        col("response_len").mean(),
    ];
    let ours = df.groupby(["category", "user"]).agg(aggs.clone()).compute().expect("runs");
    let theirs = data().lazy().group_by([col("category"), col("user")]).agg(aggs).collect().expect("polars");
    assert_close(&sorted(ours, &["category", "user"]), &sorted(theirs, &["category", "user"]));
}

#[test]
fn other_group_aggregations_shuffle_and_match_polars() {
    let df = dd::from_polars(data(), 5);
    let aggs =
        [col("score").median().alias("median"), col("response_len").n_unique().alias("distinct"), col("score").sum()];
    let ours = df.groupby(["user"]).agg(aggs.clone());
    assert_eq!(ours.npartitions(), 5, "one partition per shuffle bucket");
    let theirs = data().lazy().group_by([col("user")]).agg(aggs).collect().expect("polars");
    assert_close(&sorted(ours.compute().expect("runs"), &["user"]), &sorted(theirs, &["user"]));
}

#[test]
fn value_counts_head_and_tail() {
    let df = dd::from_polars(data(), 6);
    let counts = df.value_counts("category").compute().expect("runs");
    let theirs = data()
        .lazy()
        .group_by([col("category")])
        .agg([len().alias("count")])
        .sort(["count", "category"], SortMultipleOptions::default().with_order_descending_multi([true, false]))
        .collect()
        .expect("polars");
    assert_close(&counts, &theirs);
    assert_close(&df.head(45).expect("runs"), &data().head(Some(45)));
    assert_close(&df.tail(45).expect("runs"), &data().tail(Some(45)));
}

#[test]
fn parquet_row_groups_become_partitions() {
    let dir = std::env::temp_dir().join(format!("rask-it-df-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut all = data();
    let file = std::fs::File::create(dir.join("data.parquet")).expect("create");
    ParquetWriter::new(file).with_row_group_size(Some(50)).finish(&mut all).expect("write parquet");
    let df = dd::read_parquet(&format!("{}/*.parquet", dir.display())).expect("reads");
    let file = std::fs::File::open(dir.join("data.parquet")).expect("open");
    let groups = ParquetReader::new(file).get_metadata().expect("metadata").row_groups.len();
    assert!(groups > 1, "the writer made {groups} row groups");
    assert_eq!(df.npartitions(), groups, "one partition per row group");
    assert_close(&df.compute().expect("runs"), &data());
}

#[test]
fn from_delayed_map_partitions_and_persist() {
    let parts: Vec<Delayed<PlFrame>> = (0..3).map(|i| Delayed::value(data().slice(i * 80, 80))).collect();
    let df = dd::from_delayed(parts).expect("builds");
    assert_eq!(df.npartitions(), 3);
    let doubled = df.map_partitions(|p| p.lazy().with_column((col("response_len") * lit(2)).alias("twice")).collect());
    let theirs = data().lazy().with_column((col("response_len") * lit(2)).alias("twice")).collect().expect("polars");
    let kept = doubled.persist().expect("runs");
    assert_close(&kept.compute().expect("runs"), &theirs);
    assert_close(
        &kept.sum().compute().expect("runs"),
        &theirs.lazy().select([col("response_len"), col("score"), col("twice")]).sum().collect().expect("polars"),
    );
}

#[test]
fn bad_input_gives_clear_errors() {
    let err = dd::read_csv("/nonexistent/rask/*.csv").expect_err("no files");
    assert_eq!(err.to_string(), "/nonexistent/rask/*.csv: no file matches");
    let df = dd::from_polars(data(), 2);
    let bad = df.filter(col("scor").gt(lit(1)));
    let err = bad.compute().expect_err("unknown column");
    let msg = err.to_string();
    assert!(msg.starts_with("filter: ") && msg.contains("scor"), "{msg}");
    assert!(bad.to_string().contains("invalid"), "{bad}");
    let err = df.groupby(["nope"]).agg([col("score").sum()]).compute().expect_err("unknown key");
    assert!(err.to_string().contains("nope"), "{err}");
    let err = bad.sum().compute().expect_err("sum of an invalid frame");
    assert!(err.to_string().contains("scor"), "{err}");
    let err = df.value_counts("nope").compute().expect_err("unknown column");
    assert!(err.to_string().contains("nope"), "{err}");

    let dir = std::env::temp_dir().join(format!("rask-it-df-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("bad.csv"), "x,y\n1,2\n3,4\nfive,6\n").expect("write");
    let ints = || Schema::from_iter([Field::new("x".into(), DataType::Int64), Field::new("y".into(), DataType::Int64)]);
    let df = dd::CsvOptions::new().schema(ints()).read(&format!("{}/bad.csv", dir.display())).expect("schema given");
    let err = df.compute().expect_err("malformed row");
    let msg = err.to_string();
    assert!(msg.contains(&format!("{}:4: could not parse `five`", dir.join("bad.csv").display())), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    let blocks = dd::CsvOptions::new()
        .schema(ints())
        .blocksize(Some(6))
        .read(&format!("{}/bad.csv", dir.display()))
        .expect("reads");
    let err = blocks.compute().expect_err("malformed row");
    assert!(err.to_string().contains("bad.csv:4: "), "{err}");
}

#[test]
fn display_html_explain_and_visualize() {
    let df = dd::from_polars(data(), 4).filter(col("score").gt(lit(0.0)));
    assert_eq!(
        df.to_string(),
        "DataFrame: 4 partitions, columns category: str, response_len: i64, score: f64, user: str"
    );
    assert!(df.to_html().contains("<td>response_len</td><td>i64</td>"));
    let plan = df.explain().expect("explains");
    assert!(plan.contains("4 partitions") && plan.contains("FILTER"), "{plan}");
    let drawing = df
        .groupby(["category"])
        .agg([col("score").sum()])
        .visualize_with(
            &Visualize::new().format(rask::Format::Dot).filename(std::env::temp_dir().join("rask-it-df.dot")),
        )
        .expect("draws");
    assert!(drawing.dot().contains("agg-partial") && drawing.dot().contains("agg-combine"), "{}", drawing.dot());
}

#[test]
fn describe_matches_polars() {
    let ours = dd::from_polars(data(), 5).describe().compute().expect("runs");
    assert_eq!(ours.get_column_names(), ["statistic", "response_len", "score"]);
    let stats: Vec<Option<&str>> = ours.column("statistic").expect("statistic").str().expect("str").iter().collect();
    assert_eq!(stats, ["count", "null_count", "mean", "std", "min", "25%", "50%", "75%", "max"].map(Some));
    for c in ["response_len", "score"] {
        let x = || col(c).cast(DataType::Float64);
        let q = |p: f64| x().quantile(lit(p), QuantileMethod::Nearest);
        let exprs =
            [x().count(), x().null_count(), x().mean(), x().std(1), x().min(), q(0.25), q(0.5), q(0.75), x().max()];
        let want = data()
            .lazy()
            .select(
                exprs
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| e.cast(DataType::Float64).alias(format!("{i}")))
                    .collect::<Vec<_>>(),
            )
            .collect()
            .expect("polars");
        let want: Vec<Option<f64>> = want.columns().iter().map(|s| s.f64().expect("f64").get(0)).collect();
        let got = ours.select([c]).expect("column").rename(c, "x".into()).expect("rename").clone();
        let got = DataFrame::new_infer_height(vec![got.column("x").expect("x").clone()]).expect("frame");
        let want = DataFrame::new_infer_height(vec![Column::new("x".into(), want)]).expect("frame");
        assert_close(&got, &want);
    }
    let strings = dd::from_polars(df!("s" => ["a", "b"]).expect("a frame"), 2).describe().compute().expect("runs");
    assert_eq!(strings.get_column_names(), ["statistic"], "no numeric column, no statistics");
}

/// The files in `dir`, sorted, hidden ones included.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn to_parquet_and_to_csv_write_one_file_per_partition_or_none() {
    let dir = std::env::temp_dir().join(format!("rask-it-df-write-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let df = dd::from_polars(data(), 3);
    let files = df.to_parquet(&dir).expect("writes");
    assert_eq!(listing(&dir), ["part.0.parquet", "part.1.parquet", "part.2.parquet"]);
    assert_eq!(files, listing(&dir).iter().map(|f| dir.join(f)).collect::<Vec<_>>());
    let back = dd::read_parquet(&format!("{}/*.parquet", dir.display())).expect("reads");
    assert_close(&back.compute().expect("runs"), &data());

    // A smaller rewrite replaces the old parts instead of mixing with them.
    df.repartition(2).to_parquet(&dir).expect("writes");
    assert_eq!(listing(&dir), ["part.0.parquet", "part.1.parquet"]);

    // A pattern with `*`, for CSV.
    let csv = dir.join("csv");
    df.filter(col("score").gt(lit(0.0))).to_csv(csv.join("scores-*.csv")).expect("writes");
    assert_eq!(listing(&csv), ["scores-0.csv", "scores-1.csv", "scores-2.csv"]);
    let back = dd::read_csv(&format!("{}/scores-*.csv", csv.display())).expect("reads").compute().expect("runs");
    assert_close(&back, &data().lazy().filter(col("score").gt(lit(0.0))).collect().expect("polars"));

    // A failing partition writes nothing and leaves the earlier output as it was.
    let before: Vec<Vec<u8>> = listing(&dir).iter().filter_map(|f| std::fs::read(dir.join(f)).ok()).collect();
    let failing = df.map_partitions(|p| {
        if p.height() > 1 && p.column("score")?.f64()?.get(1) == data().column("score")?.f64()?.get(81) {
            polars_bail!(ComputeError: "partition 1 fails")
        }
        Ok(p)
    });
    let err = failing.to_parquet(&dir).expect_err("a partition fails");
    assert!(err.to_string().contains("partition 1 fails"), "{err}");
    let after: Vec<Vec<u8>> = listing(&dir).iter().filter_map(|f| std::fs::read(dir.join(f)).ok()).collect();
    assert_eq!(listing(&dir), ["csv", "part.0.parquet", "part.1.parquet"], "no staging directory is left");
    assert_eq!(before, after, "earlier files are untouched");
    let err = df.map_partitions(|p| Ok(p.head(Some([1usize][p.height()])))).compute().expect_err("panics when probed");
    assert!(err.to_string().contains("panicked: index out of bounds"), "{err}");
    let err = df.to_csv(dir.join("a-*-*.csv")).expect_err("two stars");
    assert!(err.to_string().contains("one `*`"), "{err}");
}
