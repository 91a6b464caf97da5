//! Both schedulers give the same results on bigger graphs; errors stop the run cleanly.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rask::prelude::*;

fn inc(x: i64) -> i64 {
    x + 1
}

fn add(xs: Vec<i64>) -> i64 {
    xs.iter().sum()
}

/// Dask's overhead shape: `n` incs under a tree of adds over groups of 8.
fn tree(n: i64) -> (Delayed<i64>, usize) {
    let mut level: Vec<Delayed<i64>> = (0..n).map(|i| delayed!(inc(i))).collect();
    let mut tasks = level.len();
    while level.len() > 1 {
        level = level.chunks(8).map(|g| delayed!(add(g))).collect();
        tasks += level.len();
    }
    (level.remove(0), tasks)
}

#[test]
fn a_tree_reduction_gives_the_hand_computed_sum_on_every_scheduler() {
    let (root, tasks) = tree(10_000);
    assert_eq!(tasks, 10_000 + 1250 + 157 + 20 + 3 + 1);
    for s in
        [Scheduler::Sync, Scheduler::Threads(1), Scheduler::Threads(2), Scheduler::Threads(4), Scheduler::default()]
    {
        assert_eq!(root.compute_with(s).expect("runs"), 50_005_000, "{s:?}");
        assert_eq!(root.compute_with(RunOptions::new().scheduler(s).fuse(false)).expect("runs"), 50_005_000);
    }
}

#[test]
fn every_task_is_reported_once_fused_or_not() {
    let (root, tasks) = tree(2_000);
    for fuse in [true, false] {
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        let opts = RunOptions::new().fuse(fuse).listen(move |e: &Event<'_>| {
            if let Event::TaskFinished { .. } = e {
                f.fetch_add(1, Ordering::Relaxed);
            }
        });
        root.compute_with(opts).expect("runs");
        assert_eq!(finished.load(Ordering::Relaxed), tasks);
    }
}

#[test]
fn a_failure_stops_the_threaded_run_early() {
    let started = Arc::new(AtomicUsize::new(0));
    let parts: Vec<Delayed<i64>> = (0..400)
        .map(|i| {
            let s = started.clone();
            Delayed::value(i).try_map(move |i: i64| {
                s.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(1));
                if i == 10 { Err(format!("bad row {i}")) } else { Ok(i) }
            })
        })
        .collect();
    let err = delayed!(add(parts.clone())).compute_with(Scheduler::Threads(2)).expect_err("fails");
    assert_eq!(err.to_string(), format!("task '{}' failed: bad row 10", parts[10].key()));
    assert!(started.load(Ordering::SeqCst) < 100, "the run stopped soon after the failure");
}

#[test]
fn nested_compute_inside_a_task_works() {
    let inner = delayed!(inc(41));
    let outer = Delayed::value(0i64).map(move |x| x + inner.compute_with(Scheduler::Threads(2)).expect("inner runs"));
    assert_eq!(outer.compute_with(Scheduler::Threads(2)).expect("runs"), 42);
}

/// Marks the child process of the SIGINT test (this test binary run again).
const SIGINT_CHILD: &str = "RASK_IT_SIGINT_CHILD";

#[test]
fn sigint_cancels_the_computation_and_the_process_goes_on_where_the_session_asks_for_it() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    if std::env::var_os(SIGINT_CHILD).is_some() {
        // The child: a computation of about 4 s, interrupted, then another one.
        let slow: Vec<Delayed<u64>> = (0..400u64)
            .map(|i| {
                Delayed::value(i).map(|i| {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    i
                })
            })
            .collect();
        let first = delayed!(u64::max(1, 2)).compute().expect("a first run installs the handler");
        println!("started {first}");
        let err = rask::compute_with(&slow, Scheduler::Threads(2)).expect_err("interrupted");
        println!("cancelled: {}", err.is_cancelled());
        println!("after: {}", delayed!(u64::max(40, 42)).compute().expect("the process goes on"));
        return;
    }
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "schedulers::sigint_cancels_the_computation_and_the_process_goes_on_where_the_session_asks_for_it",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SIGINT_CHILD, "1")
        .env("RASK_CANCEL_ON_SIGINT", "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the child runs");
    let start = std::time::Instant::now();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // libtest prints the test's name on the line before the first output.
    let started = lines.by_ref().map_while(Result::ok).find(|l| l.contains("started"));
    assert!(started.as_deref().is_some_and(|l| l.ends_with("started 2")), "{started:?}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(kill.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("the child ends");
    assert!(status.success(), "the child died of the signal: {status:?} {rest:?}");
    assert!(rest.contains(&"cancelled: true".to_string()), "{rest:?}");
    assert!(rest.contains(&"after: 42".to_string()), "{rest:?}");
    assert!(start.elapsed() < std::time::Duration::from_secs(3), "the run stopped early: {:?}", start.elapsed());
}
