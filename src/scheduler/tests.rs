//! Scheduler tests that look inside a run: freeing, moving, cancelling.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::prelude::*;

/// Counts live instances, to see when results are freed.
struct Tracked(Arc<AtomicUsize>, Vec<u64>);

impl Tracked {
    fn new(live: &Arc<AtomicUsize>, v: Vec<u64>) -> Self {
        live.fetch_add(1, Ordering::SeqCst);
        Tracked(live.clone(), v)
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Tracked::new(&self.0, self.1.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn results_are_freed_after_their_last_reader() {
    // 50 independent chains of two steps, summed at the end. With the sync scheduler and
    // branch-first order, at most a couple of intermediate results are alive at once.
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let parts: Vec<Delayed<u64>> = (0..50u64)
        .map(|i| {
            let l = live.clone();
            let p = peak.clone();
            let make = Delayed::value(i).map(move |i| Tracked::new(&l, vec![i; 100]));
            make.map(move |t: Tracked| {
                p.fetch_max(t.0.load(Ordering::SeqCst), Ordering::SeqCst);
                t.1.iter().sum::<u64>()
            })
        })
        .collect();
    let total = crate::delayed!((|xs: Vec<u64>| xs.iter().sum::<u64>())(parts));
    assert_eq!(total.compute_with(Scheduler::Sync).expect("runs"), (0..50u64).map(|i| 100 * i).sum::<u64>());
    assert_eq!(live.load(Ordering::SeqCst), 0, "every intermediate result was dropped");
    assert_eq!(peak.load(Ordering::SeqCst), 1, "results are freed as soon as read, one alive at a time");
}

#[test]
fn a_shared_result_is_cloned_for_all_but_its_last_reader() {
    let live = Arc::new(AtomicUsize::new(0));
    let made = Arc::new(AtomicUsize::new(0));
    let (l, m) = (live.clone(), made.clone());
    let src = Delayed::value(0u8).map(move |_| {
        m.fetch_add(1, Ordering::SeqCst);
        Tracked::new(&l, vec![1, 2, 3])
    });
    let a = src.map(|t: Tracked| t.1.len());
    let b = src.map(|t: Tracked| t.1[0] as usize);
    let (x, y) = rask::compute_with(&(a, b), Scheduler::Sync).expect("runs");
    assert_eq!((x, y), (3, 1));
    assert_eq!(made.load(Ordering::SeqCst), 1, "the shared task ran once");
    assert_eq!(live.load(Ordering::SeqCst), 0, "the value and its one clone were dropped");
}

#[test]
fn a_single_reader_never_clones() {
    #[derive(Debug)]
    struct NoClone(Vec<u8>);
    impl Clone for NoClone {
        fn clone(&self) -> Self {
            panic!("cloned")
        }
    }
    let v = Delayed::value(3usize).map(|n| NoClone(vec![7; n])).map(|x: NoClone| x.0.len());
    assert_eq!(v.compute_with(Scheduler::Sync).expect("no clone, no panic"), 3);
    assert_eq!(v.compute_with(Scheduler::Threads(2)).expect("no clone, no panic"), 3);
}

/// 200 tasks of 2 ms each; the sixth one to start cancels `token`.
fn slow_tasks(token: &CancelToken, started: &Arc<AtomicUsize>) -> Vec<Delayed<u64>> {
    (0..200u64)
        .map(|i| {
            let (s, t) = (started.clone(), token.clone());
            Delayed::value(i).map(move |i| {
                if s.fetch_add(1, Ordering::SeqCst) == 5 {
                    t.cancel();
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
                i
            })
        })
        .collect()
}

#[test]
fn cancellation_stops_work() {
    for scheduler in [Scheduler::Sync, Scheduler::Threads(2)] {
        let started = Arc::new(AtomicUsize::new(0));
        let token = CancelToken::new();
        let parts = slow_tasks(&token, &started);
        let opts = RunOptions::new().scheduler(scheduler).cancel_token(token);
        let err = rask::compute_with(&parts, opts).expect_err("cancelled");
        assert!(err.is_cancelled(), "{err}");
        let ran = started.load(Ordering::SeqCst);
        assert!((6..12).contains(&ran), "{scheduler:?}: {ran} tasks started; the cancel came at the 6th");
    }
}

/// `cancel_all` cancels every computation of the process, other tests' too: the tests that
/// call it are ignored in the shared run and run here, each in a process of its own.
#[test]
fn cancel_all_tests_run_alone() {
    for name in
        ["cancel_all_reaches_a_running_computation", "cancel_all_interrupts_a_wait_for_a_future_but_not_the_future"]
    {
        let exe = std::env::current_exe().expect("the test binary");
        let out = std::process::Command::new(exe)
            .args([&format!("scheduler::tests::{name}"), "--exact", "--ignored", "--test-threads=1"])
            .output()
            .expect("runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && text.contains("1 passed"), "{name}:\n{text}");
    }
}

#[test]
#[ignore = "calls cancel_all, which reaches other tests: run alone by cancel_all_tests_run_alone"]
fn cancel_all_reaches_a_running_computation() {
    let started = Arc::new(AtomicUsize::new(0));
    let parts: Vec<Delayed<u64>> = (0..100u64)
        .map(|i| {
            let s = started.clone();
            Delayed::value(i).map(move |i| {
                s.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
                i
            })
        })
        .collect();
    let run = std::thread::spawn(move || rask::compute_with(&parts, Scheduler::Threads(2)));
    while started.load(Ordering::SeqCst) < 4 {
        std::thread::yield_now();
    }
    assert!(rask::cancel_all() >= 1);
    let err = run.join().expect("no panic").expect_err("cancelled");
    assert!(err.is_cancelled());
    assert!(started.load(Ordering::SeqCst) < 30);
}

#[test]
#[ignore = "calls cancel_all, which reaches other tests: run alone by cancel_all_tests_run_alone"]
fn cancel_all_interrupts_a_wait_for_a_future_but_not_the_future() {
    let client = rask::Client::builder().threads(1).dashboard(None).build().expect("a client");
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = std::sync::Mutex::new(rx);
    let f = client.submit(move || {
        let _ = rx.lock().map(|r| r.recv());
        7
    });
    let interrupter = std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        rask::cancel_all()
    });
    let err = f.result().expect_err("interrupted");
    assert_eq!(err.to_string(), format!("interrupted while waiting for '{}' (it goes on in the background)", f.key()));
    assert_eq!(err.key(), Some(f.key()));
    interrupter.join().expect("no panic");
    assert!(!f.done(), "the future goes on");
    tx.send(()).expect("the task waits");
    assert_eq!(f.result().expect("then finishes"), 7);
}
