//! Larger than memory: a group-by that must shuffle, a tree group-by and a filter over CSV
//! files twice the size of the memory budget. They run in a child process (this test
//! binary again), so that the peak memory measured is theirs alone; the parent checks the
//! answers against polars on the whole data and the peak against the budget.

use std::path::{Path, PathBuf};
use std::process::Command;

use rask::polars::prelude::{DataFrame as PlFrame, *};
use rask::prelude::*;

use crate::dataframe::{assert_close, sorted};

/// The budget the child runs under.
const BUDGET: u64 = 192 << 20;
const CHILD: &str = "RASK_IT_BUDGET_CHILD";

/// CSV files of `bytes` in all (category: 50 strings, response_len, score, user_id).
fn generate(dir: &Path, bytes: u64) -> String {
    std::fs::create_dir_all(dir).expect("dir");
    let (files, rows) = (4, (bytes / 4 / 26) as usize);
    let names: Vec<String> = (0..50).map(|c| format!("cat-{c:02}")).collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for f in 0..files {
        let (mut category, mut len, mut score, mut user) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rows {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            category.push(names[(state % 50) as usize].as_str());
            len.push(((state >> 8) % 2000) as i64);
            score.push(((state >> 20) % 1_000_000) as f64 / 10_000.0);
            user.push(((state >> 40) % 100_000) as i64);
        }
        let mut df =
            df!("category" => category, "response_len" => len, "score" => score, "user_id" => user).expect("a frame");
        let file = std::fs::File::create(dir.join(format!("data-{f}.csv"))).expect("create");
        CsvWriter::new(file).finish(&mut df).expect("write");
    }
    format!("{}/data-*.csv", dir.display())
}

fn median_query(df: &dd::DataFrame) -> dd::DataFrame {
    df.groupby(["user_id"]).agg([col("score").median().alias("median"), col("response_len").mean()])
}

fn filter_expr() -> Expr {
    col("response_len").lt(lit(4)).and(col("score").gt(lit(50.0)))
}

/// In the child: run the queries under the budget, write their answers next to the data,
/// print the peak memory.
fn child(pattern: &str, out: &Path) {
    rask::config::set_memory_limit(Some(BUDGET));
    rask::config::set_spill_dir(Some(out.join("spill")));
    let df = dd::read_csv(pattern).expect("reads");
    let save = |name: &str, mut d: PlFrame| {
        let file = std::fs::File::create(out.join(format!("{name}.parquet"))).expect("create");
        ParquetWriter::new(file).finish(&mut d).expect("write");
    };
    save("median", median_query(&df).compute().expect("the shuffled group-by runs"));
    let sums = df.groupby(["category"]).agg([col("score").sum(), len()]);
    save("sums", sums.compute().expect("the tree group-by runs"));
    let kept = df.filter(filter_expr());
    save("filter", kept.compute().expect("the filter runs"));
    let left: Vec<_> = std::fs::read_dir(out.join("spill")).expect("the spill directory").flatten().collect();
    assert!(left.is_empty(), "spill files are removed once read: {left:?}");
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let peak = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).expect("VmHWM");
    let kib: u64 = peak.trim().trim_end_matches("kB").trim().parse().expect("a number");
    println!("partitions {} peak_kib {kib} spilled {}", df.npartitions(), dd::spilled_bytes());
}

#[test]
fn a_groupby_and_a_filter_over_twice_the_budget_stay_under_it() {
    if let Ok(dir) = std::env::var(CHILD) {
        let dir = PathBuf::from(dir);
        return child(&format!("{}/data-*.csv", dir.display()), &dir);
    }
    let dir = std::env::temp_dir().join(format!("rask-it-budget-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pattern = generate(&dir, 2 * BUDGET);
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", "budget::a_groupby_and_a_filter_over_twice_the_budget_stay_under_it", "--nocapture"])
        .env(CHILD, &dir)
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout.lines().find(|l| l.starts_with("partitions ")).expect("the child's report");
    let fields: Vec<u64> = line.split(' ').skip(1).step_by(2).map(|v| v.parse().expect("a number")).collect();
    let (partitions, peak, spilled) = (fields[0], fields[1] << 10, fields[2]);
    println!("{partitions} partitions, peak {} MiB, spilled {} MiB", peak >> 20, spilled >> 20);

    let load = |name: &str| {
        ParquetReader::new(std::fs::File::open(dir.join(format!("{name}.parquet"))).expect("open"))
            .finish()
            .expect("read")
    };
    let whole = || LazyCsvReader::new(PlRefPath::new(&pattern)).finish().expect("scan");
    let theirs = whole()
        .group_by([col("user_id")])
        .agg([col("score").median().alias("median"), col("response_len").mean()])
        .collect()
        .expect("polars");
    assert_close(&sorted(load("median"), &["user_id"]), &sorted(theirs, &["user_id"]));
    let theirs = whole().group_by([col("category")]).agg([col("score").sum(), len()]).collect().expect("polars");
    assert_close(&sorted(load("sums"), &["category"]), &sorted(theirs, &["category"]));
    let theirs = whole().filter(filter_expr()).collect().expect("polars");
    assert!(theirs.height() > 1000, "the filter keeps {} rows", theirs.height());
    assert_close(&load("filter"), &theirs);

    assert!(partitions >= 8, "blocks sized for the budget: {partitions} partitions");
    assert!(spilled > 0, "the shuffle spilled to disk");
    assert!(peak < BUDGET, "peak memory {} MiB over the budget of {} MiB", peak >> 20, BUDGET >> 20);
    std::fs::remove_dir_all(&dir).expect("clean up");
}
