//! Raw graphs written key by key, and the errors they give before anything runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rask::{Error, Graph, Task, graph, literal};

fn load(path: &str) -> Vec<f64> {
    path.bytes().map(f64::from).collect()
}

fn clean(data: Vec<f64>) -> Vec<f64> {
    data.into_iter().filter(|x| *x >= 97.0).collect()
}

fn analyze(parts: Vec<Vec<f64>>) -> f64 {
    parts.iter().flatten().sum()
}

fn store(result: f64) -> String {
    format!("{result:.1}")
}

fn seed_graph() -> Graph {
    graph! {
        "load-1" => load("myfile.a.data"),
        "load-2" => load("myfile.b.data"),
        "load-3" => load("myfile.c.data"),
        "clean-1" => clean("load-1"),
        "clean-2" => clean("load-2"),
        "clean-3" => clean("load-3"),
        "analyze" => analyze(["clean-1", "clean-2", "clean-3"]),
        "store" => store("analyze"),
    }
}

#[test]
fn the_seed_pipeline_runs_like_the_eager_code() {
    let eager = store(analyze(["myfile.a.data", "myfile.b.data", "myfile.c.data"].map(|p| clean(load(p))).to_vec()));
    let dsk = seed_graph();
    assert_eq!(rask::get::<String>(&dsk, "store").expect("runs"), eager);
    assert_eq!(dsk.get_with::<String>("store", rask::Scheduler::Sync).expect("runs"), eager);
    let cleaned: Vec<f64> = rask::get(&dsk, "clean-2").expect("runs");
    assert_eq!(cleaned, clean(load("myfile.b.data")));
}

#[test]
fn get_runs_only_what_the_key_needs() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let count = move |x: i64| {
        r.fetch_add(1, Ordering::SeqCst);
        x
    };
    let mut g = graph! { "a" => 1, "b" => 2 };
    g.insert("x", Task::call("count", count.clone(), ("a",)));
    g.insert("y", Task::call("count", count, ("b",)));
    assert_eq!(rask::get::<i64>(&g, "x").expect("runs"), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "`y` was culled");
}

#[test]
fn strings_that_are_not_keys_are_literals() {
    fn greet(name: String, punct: &str) -> String {
        format!("hello {name}{punct}")
    }
    let g = graph! {
        "name" => "ada",
        "hi" => greet("name", "!"),
        "literal" => greet(literal(String::from("name")), "?"),
    };
    assert_eq!(rask::get::<String>(&g, "hi").expect("runs"), "hello ada!");
    assert_eq!(rask::get::<String>(&g, "literal").expect("runs"), "hello name?");
}

#[test]
fn untyped_number_literals_fit_the_parameter() {
    fn scale(x: f64, by: u8) -> f64 {
        x * f64::from(by)
    }
    let g = graph! { "x" => 1.5, "two" => 2, "y" => scale("x", "two"), "z" => scale(4, 3) };
    assert_eq!(rask::get::<f64>(&g, "y").expect("runs"), 3.0);
    assert_eq!(rask::get::<f64>(&g, "z").expect("runs"), 12.0);
    let err = rask::get::<f64>(&graph! { "y" => scale(1.0, 300) }, "y").expect_err("300 is no u8");
    assert_eq!(err.to_string(), "graph: key 'y' argument 2 expects u8, but gets i32");
}

#[test]
fn fallible_tasks_fail_with_their_key() {
    let g = graph! { "n" => str::parse::<i64>("4o")?, "m" => i64::abs("n") };
    let err = rask::get::<i64>(&g, "m").expect_err("fails");
    assert_eq!(err.to_string(), "task 'n' failed: invalid digit found in string");
    assert_eq!(err.key().map(ToString::to_string).as_deref(), Some("n"));
}

#[test]
fn a_cycle_is_an_error_naming_its_keys() {
    fn same(x: i64) -> i64 {
        x
    }
    let g = graph! { "a" => same("c"), "b" => same("a"), "c" => same("b"), "d" => same("c") };
    let err = rask::get::<i64>(&g, "d").expect_err("cycle");
    let Error::Cycle { keys } = &err else { panic!("not a cycle error: {err}") };
    assert_eq!(keys.first(), keys.last());
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert!(err.to_string().starts_with("graph: cycle through keys "), "{err}");
    let err = g.visualize().expect_err("a cycle cannot be drawn as a graph to run");
    assert!(matches!(err, Error::Cycle { .. }), "{err}");
}

#[test]
fn a_missing_key_is_an_error_naming_it_and_who_needs_it() {
    let g = seed_graph();
    let err = rask::get::<String>(&g, "stor").expect_err("missing");
    assert_eq!(err.to_string(), "graph: key 'stor' is not in the graph (needed by 'get')");
    let mut g = seed_graph();
    g.insert("clean-3", Task::call("clean", clean, ("load-4",)));
    let err = rask::get::<String>(&g, "store").expect_err("missing");
    assert_eq!(err.to_string(), "graph: key 'load-4' is not in the graph (needed by 'clean-3')");
}

#[test]
fn a_wrong_type_is_an_error_before_anything_runs() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let mut g = seed_graph();
    g.insert(
        "load-1",
        Task::call(
            "load",
            move |p: &'static str| {
                r.fetch_add(1, Ordering::SeqCst);
                load(p)
            },
            ("myfile.a.data",),
        ),
    );
    g.insert("three", Task::value(3));
    g.insert("analyze", Task::call("analyze", analyze, (["clean-1", "clean-2", "three"],)));
    g.insert("store", Task::call("store", store, ("clean-1",)));
    let err = rask::get::<String>(&g, "store").expect_err("wrong type");
    assert_eq!(
        err.to_string(),
        "graph: key 'store' argument 1 expects f64, but gets Vec<f64> (the result of 'clean-1')"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0, "nothing ran");
    let err = rask::get::<f64>(&g, "analyze").expect_err("wrong type");
    assert_eq!(err.to_string(), "graph: key 'analyze' argument 1, item 3 expects Vec<f64>, but gets i32");
    let err = rask::get::<i64>(&seed_graph(), "store").expect_err("wrong type");
    assert_eq!(err.to_string(), "graph: key 'store' result expects i64, but gets String");
}

#[test]
fn graphs_print_like_a_dask_dict() {
    let text = seed_graph().to_string();
    assert!(text.starts_with("Graph: 8 keys\n"), "{text}");
    assert!(text.contains("  \"clean-1\" => clean(\"load-1\")\n"), "{text}");
    assert!(text.contains("  \"analyze\" => analyze([\"clean-1\", \"clean-2\", \"clean-3\"])\n"), "{text}");
}
