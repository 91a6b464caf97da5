//! `#[delayed]` functions: calling one builds a task; arguments may be plain or delayed.

use std::path::{Path, PathBuf};

use rask::prelude::*;

#[delayed]
fn load(path: &str) -> Vec<f64> {
    path.bytes().map(f64::from).collect()
}

#[delayed]
fn clean(data: Vec<f64>) -> Vec<f64> {
    data.into_iter().filter(|x| *x >= 100.0).collect()
}

#[delayed]
fn analyze(parts: Vec<Vec<f64>>) -> (usize, f64) {
    let all: Vec<f64> = parts.into_iter().flatten().collect();
    (all.len(), all.iter().sum())
}

#[delayed]
fn parse(text: &str) -> Result<i64, std::num::ParseIntError> {
    text.trim().parse()
}

#[delayed]
fn total(xs: &[i64]) -> i64 {
    xs.iter().sum()
}

#[delayed]
fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[delayed(name = "first-item")]
fn first<T: Clone + Send + Sync + 'static>(items: Vec<T>) -> T {
    items[0].clone()
}

#[test]
fn the_seed_pipeline_is_lazy_and_matches_the_eager_result() {
    let files = ["data-one.csv", "data-two.csv", "data-three.csv"];
    let cleaned: Vec<Delayed<Vec<f64>>> = files.iter().map(|f| clean(load(f))).collect();
    let summary = analyze(cleaned);
    assert!(summary.key().to_string().starts_with("analyze-"));
    let eager: Vec<f64> = files.iter().flat_map(|f| f.bytes().map(f64::from).filter(|x| *x >= 100.0)).collect();
    assert_eq!(summary.compute().expect("runs"), (eager.len(), eager.iter().sum()));
}

#[test]
fn arguments_may_be_plain_delayed_or_borrowed() {
    let owned = String::from("ab");
    assert_eq!(load(&owned).compute().expect("runs"), vec![97.0, 98.0]);
    assert_eq!(load(owned).compute().expect("runs"), vec![97.0, 98.0]);
    let name = Delayed::value(String::from("c"));
    assert_eq!(load(&name).compute().expect("runs"), vec![99.0]);
    let v = vec![1i64, 2, 3];
    assert_eq!(total(&v[..]).compute().expect("runs"), 6);
    assert_eq!(total(&v).compute().expect("runs"), 6);
    let parts: Vec<Delayed<i64>> = ["4", "5"].iter().map(parse).collect();
    assert_eq!(total(parts).compute().expect("runs"), 9);
    assert_eq!(file_name(Path::new("/tmp/x.csv")).compute().expect("runs"), "x.csv");
    assert_eq!(file_name(PathBuf::from("y.txt")).compute().expect("runs"), "y.txt");
    assert_eq!(file_name("z.rs").compute().expect("runs"), "z.rs");
}

#[test]
fn a_result_return_fails_the_task_with_its_error() {
    let n = parse("x1");
    let err = total(vec![n.clone()]).compute().expect_err("fails");
    assert_eq!(err.key(), Some(n.key()));
    assert_eq!(err.to_string(), format!("task '{}' failed: invalid digit found in string", n.key()));
}

#[test]
fn generic_functions_and_custom_names() {
    let f = first(vec!["a", "b"]);
    assert!(f.key().to_string().starts_with("first-item-"), "{}", f.key());
    assert_eq!(f.compute().expect("runs"), "a");
    // A `Delayed` is itself a value, so a generic parameter needs its type spelled out.
    let g = first::<Vec<f64>>(vec![load("z")]);
    assert_eq!(g.compute().expect("runs"), vec![122.0]);
}

#[test]
fn the_macro_and_the_attribute_work_side_by_side() {
    fn double(x: i64) -> i64 {
        2 * x
    }
    let d = delayed!(double(parse("21")));
    assert_eq!(d.compute().expect("runs"), 42);
}
