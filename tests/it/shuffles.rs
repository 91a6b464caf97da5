//! Joins, sorts and repartitions: operations that move rows between partitions, checked
//! against polars on the whole data.

use rask::polars::prelude::{DataFrame as PlFrame, *};
use rask::prelude::*;

use crate::dataframe::{assert_close, data, sorted};

/// Users u1, u2, u4 and a null key: some match, some do not, nulls never do.
fn users() -> PlFrame {
    df!("user" => [Some("u1"), Some("u2"), Some("u4"), None], "age" => [31i64, 42, 53, 64]).expect("a frame")
}

/// `df` as partitions that are tasks, whose size rask cannot know (so it never broadcasts).
fn as_tasks(df: &PlFrame, n: usize) -> dd::DataFrame {
    let h = df.height();
    let parts = (0..n).map(|i| Delayed::value(df.slice((i * h / n) as i64, (i + 1) * h / n - i * h / n))).collect();
    dd::from_delayed(parts).expect("builds")
}

fn polars_join(l: PlFrame, r: PlFrame, how: JoinType) -> PlFrame {
    l.lazy().join(r.lazy(), [col("user")], [col("user")], JoinArgs::new(how)).collect().expect("polars")
}

#[test]
fn joins_broadcast_a_small_side_and_match_polars() {
    let left = dd::from_polars(data(), 4);
    let right = dd::from_polars(users(), 1);
    for how in [JoinType::Inner, JoinType::Left, JoinType::Semi, JoinType::Anti] {
        let ours = left.join(&right, ["user"], ["user"], how.clone());
        assert_eq!(ours.npartitions(), 4, "{how:?}: the right side is broadcast to each left partition");
        let by: Vec<&str> = vec!["category", "response_len", "score", "user"];
        let theirs = polars_join(data(), users(), how.clone());
        assert_close(&sorted(ours.compute().expect("runs"), &by), &sorted(theirs, &by));
    }
    // A small left side is broadcast for a right join.
    let ours = right.join(&left, ["user"], ["user"], JoinType::Right);
    assert_eq!(ours.npartitions(), 4);
    let by = ["category", "response_len", "score", "user", "age"];
    assert_close(
        &sorted(ours.compute().expect("runs"), &by),
        &sorted(polars_join(users(), data(), JoinType::Right), &by),
    );
}

#[test]
fn joins_shuffle_large_sides_and_match_polars() {
    let left = as_tasks(&data(), 4);
    let right = as_tasks(&users(), 3);
    for how in [JoinType::Inner, JoinType::Left, JoinType::Right, JoinType::Full, JoinType::Semi, JoinType::Anti] {
        let ours = left.join(&right, ["user"], ["user"], how.clone());
        assert_eq!(ours.npartitions(), 4, "{how:?}: one partition per hash bucket");
        let theirs = polars_join(data(), users(), how.clone());
        let by: Vec<&str> = theirs.get_column_names().into_iter().map(|s| s.as_str()).collect();
        assert_close(&sorted(ours.compute().expect("runs"), &by), &sorted(theirs.clone(), &by));
    }
    // Many-to-many on two keys, with `merge` and differently named keys.
    let a = data().lazy().select([col("category"), col("user"), col("score")]).collect().expect("polars");
    let b = data().lazy().select([col("category").alias("cat"), col("user").alias("who"), col("response_len")]);
    let b = b.collect().expect("polars").head(Some(40));
    let ours = as_tasks(&a, 3).join(&as_tasks(&b, 2), ["category", "user"], ["cat", "who"], JoinType::Inner);
    let theirs = a
        .lazy()
        .join(
            b.clone().lazy(),
            [col("category"), col("user")],
            [col("cat"), col("who")],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()
        .expect("polars");
    let by = ["category", "user", "score", "response_len"];
    assert!(theirs.height() > 100, "a many-to-many join: {} rows", theirs.height());
    assert_close(&sorted(ours.compute().expect("runs"), &by), &sorted(theirs, &by));
    let merged = as_tasks(&data(), 2).merge(&as_tasks(&users(), 2), ["user"], JoinType::Left);
    let theirs = polars_join(data(), users(), JoinType::Left);
    let by = ["category", "response_len", "score", "user"];
    assert_close(&sorted(merged.compute().expect("runs"), &by), &sorted(theirs, &by));
}

#[test]
fn join_errors_name_the_column() {
    let left = dd::from_polars(data(), 2);
    let err =
        left.join(&dd::from_polars(users(), 1), ["usr"], ["user"], JoinType::Inner).compute().expect_err("bad key");
    assert!(err.to_string().starts_with("join: ") && err.to_string().contains("usr"), "{err}");
    let ages = dd::from_polars(users(), 1);
    let err = left.join(&ages, ["response_len"], ["user"], JoinType::Inner).compute().expect_err("types differ");
    assert!(err.to_string().starts_with("join: "), "{err}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}

#[test]
fn sorts_match_polars_in_every_direction() {
    let df = as_tasks(&data(), 5);
    let cases = [
        (vec!["score"], SortMultipleOptions::default()),
        (vec!["score"], SortMultipleOptions::default().with_order_descending(true)),
        (vec!["score"], SortMultipleOptions::default().with_nulls_last(true)),
        (vec!["user", "response_len"], SortMultipleOptions::default().with_order_descending_multi([true, false])),
        (vec!["category"], SortMultipleOptions::default()),
    ];
    for (by, options) in cases {
        let ours = df.sort(by.clone(), options.clone());
        assert_eq!(ours.npartitions(), 5);
        let theirs = data().sort(by.clone(), options.clone().with_maintain_order(true)).expect("polars");
        assert_close(&ours.compute().expect("runs"), &theirs);
    }
    let err = df.sort(["nope"], SortMultipleOptions::default()).compute().expect_err("unknown column");
    assert!(err.to_string().starts_with("sort: ") && err.to_string().contains("nope"), "{err}");
}

#[test]
fn sorted_partitions_hold_ranges_and_set_index_moves_the_column_first() {
    let indexed = dd::from_polars(data(), 4).set_index("score");
    assert_eq!(indexed.columns(), ["score", "category", "response_len", "user"]);
    let parts = rask::compute(indexed.to_delayed()).expect("runs");
    let ranges: Vec<(f64, f64)> = parts
        .iter()
        .filter(|p| p.column("score").expect("score").f64().expect("f64").min().is_some())
        .map(|p| {
            let s = p.column("score").expect("score").f64().expect("f64");
            (s.min().expect("a value"), s.max().expect("a value"))
        })
        .collect();
    assert!(ranges.len() >= 3, "the sample spreads rows over the partitions: {ranges:?}");
    assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0), "partitions hold increasing ranges: {ranges:?}");
    let theirs = data()
        .lazy()
        .select([col("score"), col("category"), col("response_len"), col("user")])
        .sort(["score"], SortMultipleOptions::default().with_maintain_order(true))
        .collect()
        .expect("polars");
    assert_close(&indexed.compute().expect("runs"), &theirs);
}

#[test]
fn repartition_keeps_rows_and_order() {
    let df = dd::from_polars(data(), 6);
    for n in [1, 4, 6, 7, 15] {
        let re = df.repartition(n);
        assert_eq!(re.npartitions(), n);
        let parts = rask::compute(re.to_delayed()).expect("runs");
        assert!(parts.iter().all(|p| p.height() > 0), "no empty partition for {n}");
        assert_close(&re.compute().expect("runs"), &data());
    }
}

/// Sets a memory budget for the life of the guard. Other tests running meanwhile see it too;
/// they stay correct under any budget, only slower.
struct Budget;

impl Budget {
    fn set(bytes: u64) -> Budget {
        rask::config::set_memory_limit(Some(bytes));
        Budget
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        rask::config::set_memory_limit(None);
    }
}

#[test]
fn shuffles_under_a_tiny_budget_spill_to_disk_and_match_polars() {
    let _budget = Budget::set(1 << 12);
    let before = dd::spilled_bytes();
    let df = as_tasks(&data(), 4);
    let options = SortMultipleOptions::default().with_order_descending(true);
    let ours = df.sort(["score"], options.clone()).compute().expect("runs");
    assert_close(&ours, &data().sort(["score"], options.with_maintain_order(true)).expect("polars"));
    let joined = df.join(&as_tasks(&users(), 2), ["user"], ["user"], JoinType::Full).compute().expect("runs");
    let theirs = polars_join(data(), users(), JoinType::Full);
    let by: Vec<&str> = theirs.get_column_names().into_iter().map(|s| s.as_str()).collect();
    assert_close(&sorted(joined, &by), &sorted(theirs.clone(), &by));
    let medians = df.groupby(["category"]).agg([col("score").median()]).compute().expect("runs");
    let theirs = data().lazy().group_by([col("category")]).agg([col("score").median()]).collect().expect("polars");
    assert_close(&sorted(medians, &["category"]), &sorted(theirs, &["category"]));
    assert!(dd::spilled_bytes() > before, "the shuffles spilled");
}
