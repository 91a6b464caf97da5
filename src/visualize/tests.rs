use std::path::{Path, PathBuf};

use expect_test::expect;

use super::collapse::{Layer, Layers, collapse, should_collapse};
use super::dot::to_dot;
use super::drawing::{Drawing, Rgb, order_color, state_color};
use super::output::{Env, file_stem, render_in};
use super::svg::{builtin_svg, find_dot};
use super::text::{graph_text, layers_text};
use super::*;
use crate::error::Error;

fn node(key: &str, label: &str, kind: NodeKind, order: usize) -> VisNode {
    VisNode {
        key: key.into(),
        label: label.into(),
        layer: label.into(),
        kind,
        state: if kind == NodeKind::Data { NodeState::Memory } else { NodeState::Waiting },
        order,
    }
}

fn task(key: &str, label: &str, order: usize) -> VisNode {
    node(key, label, NodeKind::Task, order)
}

/// load -> clean -> analyze, and a literal threshold that clean also takes.
fn pipeline() -> VisGraph {
    VisGraph {
        nodes: vec![
            task("load-1a2b", "load", 0),
            node("('threshold', 0)", "threshold", NodeKind::Data, 1),
            task("clean-77c0", "clean", 2),
            task("analyze-01ff", "analyze", 3),
        ],
        edges: vec![(0, 2), (1, 2), (2, 3)],
    }
}

/// a -> b, a -> c, b -> d, c -> d.
fn diamond() -> VisGraph {
    VisGraph {
        nodes: vec![task("a-1", "a", 0), task("b-1", "b", 1), task("c-1", "c", 2), task("d-1", "d", 3)],
        edges: vec![(0, 1), (0, 2), (1, 3), (2, 3)],
    }
}

/// `n` loads each feeding its own clean, and a final sum of all cleans.
fn wide(n: usize) -> VisGraph {
    let mut nodes = Vec::with_capacity(2 * n + 1);
    let mut edges = Vec::with_capacity(3 * n);
    for i in 0..n {
        nodes.push(task(&format!("('load', {i})"), "load", 2 * i));
        nodes.push(task(&format!("('clean', {i})"), "clean", 2 * i + 1));
        edges.push((2 * i, 2 * i + 1));
    }
    nodes.push(task("sum-9a9a", "sum", 2 * n));
    edges.extend((0..n).map(|i| (2 * i + 1, 2 * n)));
    VisGraph { nodes, edges }
}

/// A fresh directory for one test's files.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rask-visualize-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn env(dot: Option<PathBuf>, dir: &Path) -> Env {
    Env { dot, dir: dir.to_owned() }
}

/// The `dot` program; CI installs graphviz, so its absence fails the test rather than
/// skipping it.
fn real_dot() -> PathBuf {
    find_dot(std::env::var_os("PATH").as_deref())
        .expect("the graphviz `dot` program is not on PATH: install graphviz (apt-get install graphviz)")
}

fn message(err: Error) -> String {
    err.to_string()
}

#[test]
fn dot_text_of_a_small_pipeline() {
    let dot = to_dot(&Drawing::of_graph(&pipeline(), &Visualize::default()));
    expect![[r#"
        digraph rask {
          graph[rankdir=BT]
          "load-1a2b (fn)"[label="load" shape=circle]
          "load-1a2b"[label="load-1a2b" shape=box]
          "('threshold', 0)"[label="('threshold', 0)" shape=box]
          "clean-77c0 (fn)"[label="clean" shape=circle]
          "clean-77c0"[label="clean-77c0" shape=box]
          "analyze-01ff (fn)"[label="analyze" shape=circle]
          "analyze-01ff"[label="analyze-01ff" shape=box]
          "load-1a2b (fn)" -> "load-1a2b"
          "clean-77c0 (fn)" -> "clean-77c0"
          "analyze-01ff (fn)" -> "analyze-01ff"
          "load-1a2b" -> "clean-77c0 (fn)"
          "('threshold', 0)" -> "clean-77c0 (fn)"
          "clean-77c0" -> "analyze-01ff (fn)"
        }"#]]
    .assert_eq(&dot);
}

#[test]
fn dot_text_with_colours_and_direction() {
    let mut graph = pipeline();
    graph.nodes[0].state = NodeState::Done;
    graph.nodes[2].state = NodeState::Failed;
    let opts = Visualize::new().rankdir(RankDir::LR).color(Color::State);
    let dot = to_dot(&Drawing::of_graph(&graph, &opts));
    assert!(dot.contains("graph[rankdir=LR]"), "{dot}");
    let done = format!(
        r#""load-1a2b"[label="load-1a2b" shape=box style=filled fillcolor="{}"]"#,
        state_color(NodeState::Done)
    );
    assert!(dot.contains(&done), "{dot}");
    let failed = format!(r#"fillcolor="{}""#, state_color(NodeState::Failed));
    assert_eq!(dot.matches(&failed).count(), 2, "circle and box of clean: {dot}");

    let dot = to_dot(&Drawing::of_graph(&graph, &opts.color(Color::Order)));
    assert!(dot.contains(&format!(r#"fillcolor="{}""#, Rgb(0xb2, 0x18, 0x2b))), "first is red: {dot}");
    assert!(dot.contains(&format!(r#"fillcolor="{}""#, Rgb(0x21, 0x66, 0xac))), "last is blue: {dot}");
}

#[test]
fn order_colormap_runs_red_white_blue() {
    assert_eq!(order_color(0.0), Rgb(0xb2, 0x18, 0x2b));
    assert_eq!(order_color(0.5), Rgb(0xf7, 0xf7, 0xf7));
    assert_eq!(order_color(1.0), Rgb(0x21, 0x66, 0xac));
    assert_eq!(order_color(7.0), order_color(1.0));
    assert_eq!(order_color(-1.0), order_color(0.0));
}

#[test]
fn awkward_keys_are_escaped_and_dot_accepts_them() {
    let graph = VisGraph {
        nodes: vec![
            task(r#"say "hi", (x) \n"#, "say", 0),
            task("say \"hi\", (x) \\n (fn)", "odd", 1),
            task("dup", "dup", 2),
            task("dup", "dup", 3),
        ],
        edges: vec![(0, 1), (1, 2), (2, 3)],
    };
    let dot = to_dot(&Drawing::of_graph(&graph, &Visualize::default()));
    assert!(dot.contains(r#""say \"hi\", (x) \\n (fn)"[label="say" shape=circle]"#), "{dot}");
    assert!(dot.contains(r#""say \"hi\", (x) \\n"[label="say \"hi\", (x) \\n" shape=box]"#), "{dot}");
    // The second key reads like the first's function node: its box gets a suffix.
    assert!(dot.contains(r#""say \"hi\", (x) \\n (fn)#2"[label="say \"hi\", (x) \\n (fn)" shape=box]"#), "{dot}");
    assert!(dot.contains(r#""dup (fn)#2"[label="dup" shape=circle]"#), "{dot}");
    assert!(dot.contains(r#""dup#2"[label="dup" shape=box]"#), "{dot}");
    assert!(dot.contains(r#""dup" -> "dup (fn)#2""#), "{dot}");
    let svg = super::svg::run_dot(&real_dot(), &dot, "svg").expect("dot renders escaped keys");
    let svg = String::from_utf8(svg).expect("utf-8 SVG");
    assert!(svg.contains("say &quot;hi&quot;, (x) \\n"), "{svg}");
}

#[test]
fn collapse_100k_nodes_to_two_layers() {
    let n = 50_000;
    let mut nodes = Vec::with_capacity(2 * n);
    for i in 0..n {
        nodes.push(task(&format!("('load', {i})"), "load", 2 * i));
    }
    for i in 0..n {
        let mut clean = task(&format!("('clean', {i})"), "clean", 2 * i + 1);
        clean.state = if i == 7 { NodeState::Running } else { NodeState::Done };
        nodes.push(clean);
    }
    let edges = (0..n).map(|i| (i, n + i)).collect();
    let graph = VisGraph { nodes, edges };
    assert!(should_collapse(&graph, Collapse::Auto));

    let layers = collapse(&graph);
    assert_eq!(
        layers,
        Layers {
            layers: vec![
                Layer { name: "load".into(), count: n, all_data: false, state: NodeState::Waiting, order: 0 },
                Layer { name: "clean".into(), count: n, all_data: false, state: NodeState::Running, order: 1 },
            ],
            edges: vec![(0, 1)],
        }
    );

    // The whole render stays small: two nodes in the DOT, one line per layer in the text.
    let dir = scratch_dir("collapse");
    let out = render_in(&graph, &Visualize::new().format(Format::Dot), "big", &env(None, &dir)).expect("render");
    expect![[r#"
        digraph rask {
          graph[rankdir=BT]
          "load"[label="load\n50000 tasks" shape=box3d]
          "clean"[label="clean\n50000 tasks" shape=box3d]
          "load" -> "clean"
        }"#]]
    .assert_eq(out.dot());
    assert_eq!(out.text(), "clean ×50000 tasks\n└── load ×50000 tasks");
    assert_eq!(std::fs::read_to_string(dir.join("big.dot")).expect("file written"), out.dot());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn collapse_states_self_edges_and_auto_threshold() {
    let mut graph = wide(3);
    // Turn `sum` into a tree reduction inside its own layer.
    graph.nodes.push(task("sum-2", "sum", 7));
    graph.edges.push((6, 7));
    graph.edges.push((6, 7));
    graph.nodes.push(node("x", "data", NodeKind::Data, 8));
    graph.nodes.push(node("y", "data", NodeKind::Data, 9));
    for n in &mut graph.nodes[..6] {
        n.state = NodeState::Done;
    }
    graph.nodes[1].state = NodeState::Failed;
    let layers = collapse(&graph);
    let summary: Vec<_> = layers.layers.iter().map(|l| (l.name.as_str(), l.size(), l.state, l.order)).collect();
    assert_eq!(
        summary,
        [
            ("load", "3 tasks".to_owned(), NodeState::Done, 0),
            ("clean", "3 tasks".to_owned(), NodeState::Failed, 1),
            ("sum", "2 tasks".to_owned(), NodeState::Waiting, 6),
            ("data", "2 values".to_owned(), NodeState::Memory, 8),
        ]
    );
    assert_eq!(layers.edges, [(0, 1), (1, 2), (2, 2)]);

    // Auto collapses above 150 tasks; data nodes do not count.
    let mut graph = wide(74);
    graph.nodes.push(task("extra-1", "extra", 149));
    graph.nodes.push(node("value", "value", NodeKind::Data, 150));
    assert_eq!(graph.nodes.iter().filter(|n| n.kind == NodeKind::Task).count(), 150);
    assert!(!should_collapse(&graph, Collapse::Auto));
    assert!(should_collapse(&graph, Collapse::Always));
    graph.nodes.push(task("extra-2", "extra", 151));
    assert!(should_collapse(&graph, Collapse::Auto));
    assert!(!should_collapse(&graph, Collapse::Never));
}

#[test]
fn text_tree_of_a_diamond_marks_shared_nodes() {
    assert_eq!(
        graph_text(&diamond()),
        "d-1\n\
         ├── b-1\n\
         │   └── a-1\n\
         └── c-1\n    \
             └── a-1 (*)"
    );
}

#[test]
fn text_tree_shows_labels_that_differ_and_every_sink() {
    let mut graph = pipeline();
    graph.nodes[3].key = "store-1a2b".into();
    graph.nodes.push(task("orphan-1", "orphan", 4));
    expect![[r#"
        store-1a2b [analyze]
        └── clean-77c0
            ├── load-1a2b
            └── ('threshold', 0)
        orphan-1"#]]
    .assert_eq(&graph_text(&graph));
}

#[test]
fn text_of_a_cycle_still_shows_every_node() {
    let graph = VisGraph { nodes: vec![task("a", "a", 0), task("b", "b", 1)], edges: vec![(0, 1), (1, 0)] };
    assert_eq!(graph_text(&graph), "a\n└── b\n    └── a (*)");
    assert_eq!(graph_text(&VisGraph::default()), "(empty graph)");
}

#[test]
fn big_graphs_are_summarised_by_layer() {
    let text = graph_text(&wide(100));
    expect![[r#"
        load   ×100 tasks  ->  clean
        clean  ×100 tasks  ->  sum
        sum    ×1 task"#]]
    .assert_eq(&text);

    // Even collapsed, many layers give a bounded summary.
    let layers = Layers {
        layers: (0..200)
            .map(|i| Layer { name: format!("l{i}"), count: 1, all_data: false, state: NodeState::Waiting, order: i })
            .collect(),
        edges: (0..199).map(|i| (i, i + 1)).chain((2..10).map(|i| (0, i))).collect(),
    };
    let text = layers_text(&layers);
    assert_eq!(text.lines().count(), 61, "{text}");
    assert!(text.starts_with("l0   ×1 task  ->  l1, l2, l3, l4, l5 and 4 more\n"), "{text}");
    assert!(text.ends_with("\n... and 140 more layers"), "{text}");
}

#[test]
fn builtin_renderer_makes_svg() {
    let dir = scratch_dir("builtin");
    let opts = Visualize::new().renderer(Renderer::Builtin).color(Color::Order);
    let out = render_in(&pipeline(), &opts, "store-1a2b", &env(None, &dir)).expect("render");
    let svg = out.svg().expect("SVG kept");
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(svg.contains("clean-77c0") && svg.contains(">load<"), "{svg}");
    assert!(svg.contains("fill=\"#b2182bff\""), "the first node is filled red: {svg}");
    let path = dir.join("store-1a2b.svg");
    assert_eq!(out.path(), Some(path.as_path()));
    assert_eq!(std::fs::read_to_string(&path).expect("file written"), svg);
    assert_eq!(out.to_string(), format!("{}\ngraph written to {}", out.text(), path.display()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn builtin_renderer_handles_every_direction_self_edges_and_escapes() {
    let layers = collapse(&wide(3));
    let mut looped = layers.clone();
    looped.edges.push((2, 2));
    for rankdir in [RankDir::TB, RankDir::BT, RankDir::LR, RankDir::RL] {
        let opts = Visualize::new().rankdir(rankdir).collapse(Collapse::Always);
        let svg = builtin_svg(&Drawing::of_layers(&looped, &opts)).expect("layout");
        assert!(svg.contains("3 tasks"), "{svg}");
        let svg = builtin_svg(&Drawing::of_graph(&pipeline(), &opts)).expect("layout");
        assert!(svg.contains("(&apos;threshold&apos;, 0)"), "{svg}");
    }
    // BT is TB with the arrows reversed and their heads at the start.
    let down = builtin_svg(&Drawing::of_graph(&diamond(), &Visualize::new().rankdir(RankDir::TB))).expect("layout");
    let up = builtin_svg(&Drawing::of_graph(&diamond(), &Visualize::new().rankdir(RankDir::BT))).expect("layout");
    assert!(down.contains("marker-end") && !down.contains("marker-start"), "{down}");
    assert!(up.contains("marker-start") && !up.contains("marker-end"), "{up}");
    let y_of = |svg: &str, label: &str| -> f64 {
        let at = svg.find(&format!(">{label}<")).expect("label drawn");
        let text = &svg[..at];
        let y = &text[text.rfind(" y=\"").expect("y of the text") + 4..];
        y[..y.find('"').expect("closing quote")].parse().expect("a number")
    };
    assert!(y_of(&down, "a-1") < y_of(&down, "d-1"), "TB: input a above result d");
    assert!(y_of(&up, "a-1") > y_of(&up, "d-1"), "BT: input a below result d");

    let empty = builtin_svg(&Drawing::of_graph(&VisGraph::default(), &Visualize::default()));
    assert!(empty.is_ok_and(|svg| svg.starts_with("<svg")));
    let lone = VisGraph { nodes: vec![node("x", "x", NodeKind::Data, 0)], edges: vec![] };
    let lone = builtin_svg(&Drawing::of_graph(&lone, &Visualize::default()));
    assert!(lone.is_ok_and(|svg| svg.contains(">x<")));
}

#[test]
fn dot_renderer_makes_svg_and_png() {
    let dot = real_dot();
    let dir = scratch_dir("dot");
    let opts = Visualize::new().renderer(Renderer::Dot).color(Color::State);
    let out = render_in(&pipeline(), &opts, "store-1a2b", &env(Some(dot.clone()), &dir)).expect("render");
    let svg = out.svg().expect("SVG kept");
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("<svg") && svg.contains("clean&#45;77c0"), "{svg}");
    assert_eq!(std::fs::read_to_string(dir.join("store-1a2b.svg")).expect("file written"), svg);

    let png_path = dir.join("pipeline.png");
    let out = render_in(&pipeline(), &Visualize::new().filename(&png_path), "x", &env(Some(dot.clone()), &dir))
        .expect("render");
    assert_eq!(out.svg(), None);
    assert_eq!(out.path(), Some(png_path.as_path()));
    let png = std::fs::read(&png_path).expect("file written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");

    let err = super::svg::run_dot(&dot, "digraph { a -> }", "svg").expect_err("bad DOT");
    let err = message(err);
    assert!(err.starts_with(&format!("visualize: `{}` failed (", dot.display())), "{err}");
    assert!(err.contains("syntax error") && !err.contains('\n'), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn find_dot_searches_the_given_path() {
    let dir = scratch_dir("find-dot");
    let (empty, bin) = (dir.join("empty"), dir.join("bin"));
    std::fs::create_dir_all(&empty).expect("mkdir");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let stub = bin.join(if cfg!(windows) { "dot.exe" } else { "dot" });
    std::fs::write(&stub, "#!/bin/sh\nexit 0\n").expect("write stub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let plain = empty.join("dot");
        std::fs::write(&plain, "not executable").expect("write");
        assert_eq!(find_dot(Some(empty.as_os_str())), None, "a non-executable `dot` is skipped");
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = std::env::join_paths([dir.join("missing"), empty, bin]).expect("join paths");
    assert_eq!(find_dot(Some(&path)), Some(stub));
    assert_eq!(find_dot(Some(std::ffi::OsStr::new(""))), None);
    assert_eq!(find_dot(None), None);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_dot_gives_clear_errors() {
    let dir = scratch_dir("no-dot");
    let no_dot = env(None, &dir);
    let err = render_in(&pipeline(), &Visualize::new().format(Format::Png), "x", &no_dot).expect_err("no dot");
    assert_eq!(message(err), "visualize: PNG output needs the graphviz `dot` program on PATH; use Format::Svg");
    let err = render_in(&pipeline(), &Visualize::new().renderer(Renderer::Dot), "x", &no_dot).expect_err("no dot");
    assert!(message(err).contains("Renderer::Dot needs the graphviz `dot` program on PATH"));
    let opts = Visualize::new().renderer(Renderer::Builtin).format(Format::Png);
    let err = render_in(&pipeline(), &opts, "x", &env(Some(real_dot()), &dir)).expect_err("builtin PNG");
    assert!(message(err).contains("Renderer::Builtin can only write SVG"));
    // Auto without `dot` falls back to the built-in layout.
    let out = render_in(&pipeline(), &Visualize::new(), "x", &no_dot).expect("builtin fallback");
    assert!(out.svg().is_some_and(|svg| svg.contains("<svg")));
    assert!(!dir.join("x.png").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn file_names_pick_the_format() {
    let dir = Path::new("/graphs");
    let target = |opts: Visualize| opts.target(dir, "stem");
    let ok = |opts: Visualize| target(opts).expect("a valid target");
    assert_eq!(ok(Visualize::new()), (dir.join("stem.svg"), Format::Svg));
    assert_eq!(ok(Visualize::new().format(Format::Png)), (dir.join("stem.png"), Format::Png));
    assert_eq!(ok(Visualize::new().filename("g.PNG")), ("g.PNG".into(), Format::Png));
    assert_eq!(ok(Visualize::new().filename("out/g.dot")), ("out/g.dot".into(), Format::Dot));
    assert_eq!(ok(Visualize::new().filename("g.gv")), ("g.gv".into(), Format::Dot));
    assert_eq!(ok(Visualize::new().filename("g")), ("g.svg".into(), Format::Svg));
    // An explicit format wins; its extension is added when the name lacks it.
    assert_eq!(ok(Visualize::new().format(Format::Dot).filename("g")), ("g.dot".into(), Format::Dot));
    assert_eq!(ok(Visualize::new().filename("g.png").format(Format::Dot)), ("g.png.dot".into(), Format::Dot));
    assert_eq!(ok(Visualize::new().filename("run.v2").format(Format::Svg)), ("run.v2.svg".into(), Format::Svg));

    let err = target(Visualize::new().filename("out/graph.jpg")).expect_err("unknown extension");
    assert_eq!(
        message(err),
        "visualize: unknown graph file extension `.jpg` in out/graph.jpg; use .svg, .png or .dot, or set Visualize::format"
    );
    // render reports it before drawing anything.
    let scratch = scratch_dir("bad-ext");
    let opts = Visualize::new().filename(scratch.join("g.jpeg"));
    let err = render_in(&pipeline(), &opts, "x", &env(None, &scratch)).expect_err("unknown extension");
    assert!(message(err).contains("`.jpeg`"));
    let _ = std::fs::remove_dir_all(scratch);
}

#[test]
fn default_file_names_are_sanitised() {
    assert_eq!(file_stem("store-1a2b"), "store-1a2b");
    assert_eq!(file_stem("('read-csv', 4)"), "read-csv_4");
    assert_eq!(file_stem("../../etc/passwd"), "etc_passwd");
    assert_eq!(file_stem("a b/c\\d:e"), "a_b_c_d_e");
    assert_eq!(file_stem("çà"), "graph");
    assert_eq!(file_stem(""), "graph");
    assert_eq!(file_stem(&"x".repeat(500)).len(), 80);
}

#[test]
fn bad_graphs_and_io_errors_are_errors() {
    let dir = scratch_dir("errors");
    let bad = VisGraph { nodes: vec![task("a", "a", 0)], edges: vec![(0, 3)] };
    let err = render_in(&bad, &Visualize::new(), "x", &env(None, &dir)).expect_err("bad edge");
    assert!(matches!(err, Error::Internal(_)), "{err}");

    let blocker = dir.join("file");
    std::fs::write(&blocker, "").expect("write");
    let opts = Visualize::new().filename(blocker.join("g.dot"));
    match render_in(&pipeline(), &opts, "x", &env(None, &dir)) {
        Err(Error::Io { path, .. }) => assert_eq!(path, blocker),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn options_builder_defaults() {
    let opts = Visualize::default();
    assert_eq!(opts, Visualize::new());
    assert_eq!(
        (opts.rankdir, opts.color, opts.collapse, opts.renderer, opts.filename.clone(), opts.format),
        (RankDir::BT, Color::None, Collapse::Auto, Renderer::Auto, None, None)
    );
    let opts = opts.rankdir(RankDir::RL).color(Color::State).collapse(Collapse::Never).renderer(Renderer::Dot);
    assert_eq!(
        (opts.rankdir, opts.color, opts.collapse, opts.renderer),
        (RankDir::RL, Color::State, Collapse::Never, Renderer::Dot)
    );
}
