//! The event stream, the profiler and the progress bar.

use std::sync::{Arc, Mutex};

use rask::events::Outcome;
use rask::prelude::*;

fn work(ms: u64) -> u64 {
    std::thread::sleep(std::time::Duration::from_millis(ms));
    ms
}

fn sum(xs: Vec<u64>) -> u64 {
    xs.iter().sum()
}

#[test]
fn events_come_in_order_with_timings_and_sizes() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let listener = move |e: &Event<'_>| {
        let line = match e {
            Event::RunStarted { tasks, .. } => format!("run {tasks}"),
            Event::TaskStarted { key, .. } => format!("start {}", key.prefix()),
            Event::TaskFinished { key, duration, nbytes, .. } => {
                assert!(duration.as_millis() >= if key.prefix() == "work" { 5 } else { 0 });
                format!("finish {} {nbytes}", key.prefix())
            }
            Event::TaskFailed { key, .. } => format!("fail {key}"),
            Event::RunFinished { outcome, .. } => format!("end {outcome:?}"),
            _ => "other".into(),
        };
        l.lock().expect("not poisoned").push(line);
    };
    let x = delayed!(work(5));
    let v = Delayed::value(vec![1.0f64; 4]).map(|v: Vec<f64>| v.len());
    let (a, b) =
        rask::compute_with((&x, &v), RunOptions::new().scheduler(Scheduler::Sync).listen(listener)).expect("runs");
    assert_eq!((a, b), (5, 4));
    let log = log.lock().expect("not poisoned").clone();
    assert_eq!(log, ["run 2", "start work", "finish work 8", "start map", "finish map 8", "end Completed"]);
}

#[test]
fn a_failed_run_reports_the_failure() {
    let outcome = Arc::new(Mutex::new(None));
    let o = outcome.clone();
    let bad = delayed!(str::parse::<u8>("300")?);
    let err = bad
        .compute_with(RunOptions::new().listen(move |e: &Event<'_>| {
            if let Event::RunFinished { outcome, .. } = e {
                *o.lock().expect("not poisoned") = Some(*outcome);
            }
        }))
        .expect_err("fails");
    assert_eq!(err.key(), Some(bad.key()));
    assert_eq!(*outcome.lock().expect("not poisoned"), Some(Outcome::Failed));
}

#[test]
fn the_profiler_sums_time_per_prefix() {
    let profiler = Profiler::new();
    let parts: Vec<Delayed<u64>> = (0..4).map(|_| delayed!(work(10))).collect();
    let total = delayed!(sum(parts));
    let v =
        total.compute_with(RunOptions::new().scheduler(Scheduler::Threads(2)).listen(profiler.clone())).expect("runs");
    assert_eq!(v, 40);
    let rows = profiler.summary();
    assert_eq!(rows.iter().map(|r| (r.0.as_str(), r.1)).collect::<Vec<_>>(), [("work", 4), ("sum", 1)]);
    assert!(rows[0].2.as_millis() >= 40, "four tasks of 10 ms: {:?}", rows[0].2);
    let workers: std::collections::HashSet<usize> = profiler.records().iter().map(|r| r.worker).collect();
    assert!(workers.iter().all(|w| *w < 2));
    let table = profiler.to_string();
    assert!(table.lines().next().is_some_and(|l| l.starts_with("prefix")), "{table}");
    assert!(table.lines().nth(1).is_some_and(|l| l.starts_with("work ") && l.contains(" 4 ")), "{table}");
}

#[test]
fn subscriptions_hear_every_run_until_dropped() {
    let profiler = Profiler::new();
    let sub = rask::events::subscribe(profiler.clone());
    delayed!(work(1)).compute_with(Scheduler::Sync).expect("runs");
    drop(sub);
    delayed!(work(1)).compute_with(Scheduler::Sync).expect("runs");
    // Other tests run in parallel and may add their own tasks while subscribed; ours is there.
    assert!(profiler.records().iter().any(|r| r.key.prefix() == "work"));
    let before = profiler.records().len();
    delayed!(work(1)).compute_with(Scheduler::Sync).expect("runs");
    assert_eq!(profiler.records().len(), before, "nothing heard after unsubscribing");
}
