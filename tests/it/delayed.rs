//! Delayed values: results, keys, lists, persist, computing several at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rask::prelude::*;

fn inc(x: i64) -> i64 {
    x + 1
}

fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn total(xs: Vec<i64>) -> i64 {
    xs.iter().sum()
}

#[test]
fn a_chain_of_calls_computes_like_the_eager_code() {
    let x = delayed!(inc(1));
    let y = delayed!(inc(&x));
    let z = delayed!(add(x, y));
    assert_eq!(z.compute().expect("runs"), inc(1) + inc(inc(1)));
}

#[test]
fn plain_values_delayed_values_and_lists_mix_as_arguments() {
    let parts: Vec<Delayed<i64>> = (0..10).map(|i| delayed!(inc(i))).collect();
    let s = delayed!(total(parts.clone()));
    assert_eq!(s.compute().expect("runs"), (1..=10).sum::<i64>());
    let from_slice = delayed!(total(&parts[2..4]));
    assert_eq!(from_slice.compute().expect("runs"), 3 + 4);
    let from_array = delayed!(total([parts[0].clone(), parts[9].clone()]));
    assert_eq!(from_array.compute().expect("runs"), 1 + 10);
    let mixed = delayed!(add(parts[0].clone(), 100));
    assert_eq!(mixed.compute().expect("runs"), 101);
}

#[test]
fn strings_and_closures() {
    fn shout(s: String, times: usize) -> String {
        s.to_uppercase().repeat(times)
    }
    let s = delayed!(shout("ab", 2));
    assert_eq!(s.compute().expect("runs"), "ABAB");
    let len = delayed!((|s: String| s.len())(s));
    assert_eq!(len.compute().expect("runs"), 4);
}

#[test]
fn keys_read_like_dask() {
    let x = delayed!(inc(1));
    let key = x.key().to_string();
    let (name, token) = key.split_once('-').expect("name-token");
    assert_eq!(name, "inc");
    assert!(token.len() >= 4 && token.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    assert_eq!(format!("{x:?}"), format!("Delayed('{key}')"));
    let parsed = delayed!(str::parse::<i64>("7")?);
    assert!(parsed.key().to_string().starts_with("parse-"));
    assert_ne!(delayed!(inc(1)).key(), x.key(), "every call is its own task");
}

#[test]
fn compute_of_several_shares_common_work() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let shared = Delayed::value(20i64).map(move |x| {
        c.fetch_add(1, Ordering::SeqCst);
        x
    });
    let a = delayed!(inc(&shared));
    let b = delayed!(add(&shared, 2));
    let (x, y, z) = rask::compute((&a, &b, &shared)).expect("runs");
    assert_eq!((x, y, z), (21, 22, 20));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the shared task ran once");
    let v = rask::compute(vec![a.clone(), b.clone()]).expect("runs");
    assert_eq!(v, [21, 22]);
}

#[test]
fn persist_computes_once_and_later_graphs_reuse_it() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let slow = Delayed::value(5i64).map(move |x| {
        c.fetch_add(1, Ordering::SeqCst);
        x * 10
    });
    let kept = slow.persist().expect("runs");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(kept.key(), slow.key(), "persist keeps the key");
    let a = delayed!(inc(&kept));
    let b = delayed!(add(&kept, 1));
    assert_eq!(rask::compute((a, b)).expect("runs"), (51, 51));
    assert_eq!(kept.compute().expect("runs"), 50);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "nothing recomputed the persisted value");
}

#[test]
fn a_task_error_names_the_key_and_keeps_the_message() {
    let bad = delayed!(str::parse::<i64>("12x")?);
    let downstream = delayed!(inc(&bad));
    for scheduler in [Scheduler::Sync, Scheduler::Threads(2)] {
        let err = downstream.compute_with(scheduler).expect_err("fails");
        assert_eq!(err.key(), Some(bad.key()));
        assert_eq!(err.to_string(), format!("task '{}' failed: invalid digit found in string", bad.key()));
        assert!(!err.is_panic() && !err.is_cancelled());
    }
}

#[test]
fn a_panic_is_an_error_naming_the_key_and_nothing_else_breaks() {
    fn boom(x: i64) -> i64 {
        if x == 3 {
            panic!("three is not allowed");
        }
        x
    }
    let parts: Vec<Delayed<i64>> = (0..6).map(|i| delayed!(boom(i))).collect();
    let all = delayed!(total(parts.clone()));
    for scheduler in [Scheduler::Sync, Scheduler::Threads(2)] {
        let err = all.compute_with(scheduler).expect_err("fails");
        assert!(err.is_panic());
        assert_eq!(err.key(), Some(parts[3].key()));
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("task '{}' panicked: three is not allowed (at ", parts[3].key())), "{msg}");
        assert!(msg.contains("delayed.rs"), "the panic's location is given: {msg}");
    }
    // Other values built from the same pieces still compute.
    assert_eq!(delayed!(total(parts[..3].to_vec())).compute().expect("runs"), 3);
}

#[test]
fn scheduler_can_be_chosen_for_a_scope() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let opts = move |e: &Event<'_>| {
        if let Event::RunStarted { scheduler, .. } = e {
            s.lock().expect("not poisoned").push(*scheduler);
        }
    };
    let x = delayed!(inc(1));
    let v = rask::with_scheduler(Scheduler::Sync, || x.compute_with(RunOptions::new().listen(opts.clone())));
    assert_eq!(v.expect("runs"), 2);
    x.compute_with(RunOptions::new().listen(opts.clone()).scheduler(Scheduler::Threads(2))).expect("runs");
    assert_eq!(*seen.lock().expect("not poisoned"), [Scheduler::Sync, Scheduler::Threads(2)]);
}
