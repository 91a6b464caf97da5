//! `visualize()` through the public API: DOT text, SVG with and without `dot`, text, colours.

use std::path::PathBuf;

use expect_test::expect;
use rask::prelude::*;
use rask::{Collapse, Color, Format, RankDir, Renderer};

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rask-it-visualize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn raw_pipeline() -> Graph {
    fn load(path: &str) -> Vec<f64> {
        vec![path.len() as f64]
    }
    fn clean(data: Vec<f64>) -> Vec<f64> {
        data
    }
    fn analyze(parts: Vec<Vec<f64>>) -> f64 {
        parts.iter().flatten().sum()
    }
    graph! {
        "load-1" => load("a.data"),
        "clean-1" => clean("load-1"),
        "load-2" => load("b.data"),
        "clean-2" => clean("load-2"),
        "analyze" => analyze(["clean-1", "clean-2"]),
    }
}

#[test]
fn the_dot_text_of_a_small_graph() {
    let drawing =
        raw_pipeline().visualize_with(&Visualize::new().format(Format::Dot).filename(out("small.dot"))).expect("draws");
    expect![[r#"
        digraph rask {
          graph[rankdir=BT]
          "load-1 (fn)"[label="load" shape=circle]
          "load-1"[label="load-1" shape=box]
          "clean-1 (fn)"[label="clean" shape=circle]
          "clean-1"[label="clean-1" shape=box]
          "load-2 (fn)"[label="load" shape=circle]
          "load-2"[label="load-2" shape=box]
          "clean-2 (fn)"[label="clean" shape=circle]
          "clean-2"[label="clean-2" shape=box]
          "analyze (fn)"[label="analyze" shape=circle]
          "analyze"[label="analyze" shape=box]
          "load-1 (fn)" -> "load-1"
          "clean-1 (fn)" -> "clean-1"
          "load-2 (fn)" -> "load-2"
          "clean-2 (fn)" -> "clean-2"
          "analyze (fn)" -> "analyze"
          "load-1" -> "clean-1 (fn)"
          "load-2" -> "clean-2 (fn)"
          "clean-1" -> "analyze (fn)"
          "clean-2" -> "analyze (fn)"
        }"#]]
    .assert_eq(drawing.dot());
    let written = std::fs::read_to_string(drawing.path().expect("a file")).expect("readable");
    assert_eq!(written, drawing.dot());
}

#[test]
fn svg_with_the_dot_program_and_without_it() {
    let g = raw_pipeline();
    for (renderer, name) in [(Renderer::Dot, "with-dot.svg"), (Renderer::Builtin, "builtin.svg")] {
        let drawing = g.visualize_with(&Visualize::new().renderer(renderer).filename(out(name))).expect("draws");
        let svg = drawing.svg().expect("an SVG");
        assert!(svg.contains("<svg"), "{renderer:?}: {svg:.200}");
        let text = svg.replace("&#45;", "-"); // `dot` escapes hyphens
        for label in ["load-1", "clean-2", "analyze"] {
            assert!(text.contains(label), "{renderer:?} SVG lacks {label}");
        }
        let on_disk = std::fs::read_to_string(drawing.path().expect("written")).expect("readable");
        assert_eq!(on_disk, svg);
    }
}

#[test]
fn the_text_drawing_is_a_tree_from_the_result() {
    let drawing = raw_pipeline().visualize_with(&Visualize::new().filename(out("tree.svg"))).expect("draws");
    expect![[r#"
        analyze
        ├── clean-1
        │   └── load-1
        └── clean-2
            └── load-2"#]]
    .assert_eq(drawing.text());
    let shown = drawing.to_string();
    assert!(shown.starts_with(drawing.text()));
    assert!(shown.contains("tree.svg"), "{shown}");
}

fn inc(x: i64) -> i64 {
    x + 1
}

fn add(xs: Vec<i64>) -> i64 {
    xs.iter().sum()
}

#[test]
fn a_big_graph_is_collapsed_by_layer() {
    let incs: Vec<Delayed<i64>> = (0..20_000).map(|i| delayed!(inc(i))).collect();
    let total = delayed!(add(incs));
    let drawing =
        total.visualize_with(&Visualize::new().renderer(Renderer::Builtin).filename(out("big.svg"))).expect("draws");
    assert!(drawing.dot().contains("20000 tasks"), "{}", drawing.dot());
    assert!(drawing.dot().lines().count() < 20, "one node per layer: {}", drawing.dot());
    assert!(drawing.text().lines().count() <= 3, "{}", drawing.text());
    assert!(drawing.text().contains("inc") && drawing.text().contains("20000"), "{}", drawing.text());
    let full = total
        .visualize_with(&Visualize::new().collapse(Collapse::Never).format(Format::Dot).filename(out("big.dot")))
        .expect("draws");
    assert!(full.dot().lines().count() > 40_000);
}

#[test]
fn colour_by_state_shows_what_ran_and_what_failed() {
    fn check(x: i64) -> Result<i64, String> {
        if x > 1 { Err("too big".into()) } else { Ok(x) }
    }
    let ok = delayed!(inc(0));
    let bad = delayed!(check(5)?);
    let after = delayed!(add(vec![ok.clone(), bad.clone()]));
    let opts = Visualize::new().color(Color::State).format(Format::Dot).filename(out("state.dot"));
    let before = after.visualize_with(&opts).expect("draws");
    assert!(after.compute_with(Scheduler::Sync).is_err());
    let now = after.visualize_with(&opts).expect("draws");
    assert_ne!(before.dot(), now.dot(), "the states changed");
    let fill = |dot: &str, key: &str| {
        dot.lines()
            .find(|l| l.starts_with(&format!("  \"{key}\"[")))
            .and_then(|l| l.split("fillcolor=\"").nth(1))
            .map(|c| c[..7].to_string())
    };
    let (ok_fill, bad_fill, after_fill) = (
        fill(now.dot(), &ok.key().to_string()),
        fill(now.dot(), &bad.key().to_string()),
        fill(now.dot(), &after.key().to_string()),
    );
    assert!(ok_fill.is_some() && bad_fill.is_some() && after_fill.is_some(), "{}", now.dot());
    assert_ne!(ok_fill, bad_fill, "done and failed differ");
    assert_ne!(bad_fill, after_fill, "failed and never-ran differ");
    assert_eq!(
        fill(before.dot(), &ok.key().to_string()),
        after_fill,
        "waiting before the run, like the task that never ran"
    );
}

#[test]
fn options_change_the_drawing() {
    let g = raw_pipeline();
    let lr = g
        .visualize_with(&Visualize::new().rankdir(RankDir::LR).format(Format::Dot).filename(out("lr.dot")))
        .expect("draws");
    assert!(lr.dot().contains("rankdir=LR"), "{}", lr.dot());
    let ordered = g
        .visualize_with(&Visualize::new().color(Color::Order).format(Format::Dot).filename(out("order.dot")))
        .expect("draws");
    assert!(ordered.dot().contains("fillcolor"));
    let err = g.visualize_with(&Visualize::new().filename(out("graph.jpg"))).expect_err("unknown extension");
    assert!(err.to_string().contains("`.jpg`"), "{err}");
}
