//! The Client and its futures: every call checked against the same work done in line.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use rask::polars::prelude::{DataFrame as PlFrame, *};
use rask::prelude::*;

fn client(threads: usize) -> Client {
    Client::builder().threads(threads).dashboard(None).build().expect("a client")
}

/// Polls `done` until it holds, for at most 10 s.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A gate a task waits at until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    fn wait(&self) {
        let (open, cv) = &*self.0;
        let mut g = open.lock().expect("lock");
        while !*g {
            g = cv.wait(g).expect("lock");
        }
    }
    fn open(&self) {
        *self.0.0.lock().expect("lock") = true;
        self.0.1.notify_all();
    }
}

/// Runs a future to its end on this thread (a minimal executor: park until woken).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

fn inc(x: i64) -> i64 {
    x + 1
}

fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[test]
fn submit_map_gather_and_chains_match_the_computation_in_line() {
    let c = client(2);
    let x = c.submit(|| inc(1));
    let y = c.submit_with(inc, (&x,));
    let z = c.submit_with(add, (&x, &y));
    assert_eq!(z.result().expect("z"), 2 + 3);
    assert!(x.key().to_string().starts_with("lambda-"), "{}", x.key());
    assert!(y.key().to_string().starts_with("inc-"), "{}", y.key());
    assert_eq!(z.status(), FutureStatus::Finished);
    assert!(x.done() && x.exception().is_none());

    let items: Vec<i64> = (0..1000).collect();
    let fs = c.map(inc, items.clone());
    let got = c.gather(&fs).expect("gather");
    assert_eq!(got, items.iter().map(|&i| inc(i)).collect::<Vec<_>>());
    // map over futures, and a list of futures as one argument.
    let doubled = c.map(|v: i64| v * 2, &fs);
    let total = c.submit_with(|v: Vec<i64>| v.iter().sum::<i64>(), (doubled,));
    assert_eq!(total.result().expect("total"), items.iter().map(|&i| 2 * (i + 1)).sum::<i64>());

    let data = c.scatter(vec![3.0, 4.0]);
    let norm = c.submit_with(|v: Vec<f64>| v.iter().map(|x| x * x).sum::<f64>().sqrt(), (&data,));
    assert_eq!(norm.result().expect("norm"), 5.0);
    assert_eq!(
        c.scatter_many(["a", "b"]).iter().map(|f| f.result().expect("scattered")).collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn futures_feed_delayed_calls_and_compute_async_runs_every_collection() {
    let c = client(2);
    let x = c.submit(|| 20_i64);
    let d = delayed!(add(&x, 1));
    let e = delayed!(inc(d.clone()));
    assert_eq!(e.compute().expect("compute reads the future"), 22);
    let f = e.compute_async();
    assert_eq!(f.result().expect("compute_async"), 22);
    let both = c.compute(&(d, e));
    assert_eq!(both.result().expect("a tuple"), (21, 22));

    let frame = super::dataframe::data();
    let df = dd::from_polars(frame.clone(), 4);
    let q = df.filter(col("response_len").gt_eq(lit(500))).groupby(["category"]).agg([col("score").mean()]);
    let want = super::dataframe::seed_query(frame);
    let got = q.compute_async().result().expect("the query in the background");
    super::dataframe::assert_close(
        &super::dataframe::sorted(got, &["category"]),
        &super::dataframe::sorted(want, &["category"]),
    );
}

#[test]
fn persist_holds_the_partitions_and_later_work_reuses_them() {
    let c = client(2);
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let x = Delayed::value(6_i64).map(move |v| {
        r.fetch_add(1, Ordering::SeqCst);
        v * 7
    });
    let held = c.persist(&x);
    let y = delayed!(inc(held.clone()));
    let z = delayed!(add(held, 100));
    assert_eq!(rask::compute((&y, &z)).expect("reuses"), (43, 142));
    assert_eq!(y.compute().expect("again"), 43);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the persisted task ran once");

    let frame = super::dataframe::data();
    let df = dd::from_polars(frame.clone(), 3);
    let filtered = c.persist(&df.filter(col("score").gt(lit(10.0))));
    assert_eq!(filtered.npartitions(), 3);
    let got = filtered.select([col("category"), col("score")]).compute().expect("on the held partitions");
    let want = frame.lazy().filter(col("score").gt(lit(10.0))).select([col("category"), col("score")]).collect();
    super::dataframe::assert_close(&got, &want.expect("polars"));
}

#[test]
fn dropping_a_persisted_collection_stops_its_computation() {
    let c = client(2);
    let ran = Arc::new(AtomicUsize::new(0));
    let held = c.persist(&slow_parts(300, &ran));
    eventually("the computation started", || ran.load(Ordering::SeqCst) >= 2);
    drop(held);
    assert_no_more_start(&ran, 300);
}

/// `n` tasks of 5 ms each, counting in `ran` those that started.
fn slow_parts(n: u64, ran: &Arc<AtomicUsize>) -> Vec<Delayed<u64>> {
    (0..n)
        .map(|i| {
            let ran = ran.clone();
            Delayed::value(i).map(move |v| {
                ran.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                v
            })
        })
        .collect()
}

/// After a stop: the count settles within 50 ms, stays put, and stays under `n`.
fn assert_no_more_start(ran: &AtomicUsize, n: usize) {
    std::thread::sleep(Duration::from_millis(50));
    let settled = ran.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(ran.load(Ordering::SeqCst), settled, "no task starts after the stop");
    assert!(settled < n, "the run stopped early ({settled} of {n} ran)");
}

#[test]
fn an_error_inside_a_future_reaches_result_with_the_tasks_key_and_message() {
    let c = client(2);
    let bad = c.try_submit(|| "12x".parse::<i64>());
    let err = bad.result().expect_err("a parse error");
    assert_eq!(err.to_string(), format!("task '{}' failed: invalid digit found in string", bad.key()));
    assert_eq!(bad.status(), FutureStatus::Error);
    assert_eq!(bad.exception().map(|e| e.to_string()), Some(err.to_string()));

    let boom = c.submit(|| -> i64 { panic!("no rows for 2024") });
    let err = boom.result().expect_err("a panic");
    assert!(err.is_panic() && err.to_string().contains("panicked: no rows for 2024"), "{err}");
    // Work that reads a failed future fails with the same error, without running.
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let after = c.submit_with(
        move |v: i64| {
            r.store(true, Ordering::SeqCst);
            v
        },
        (&boom,),
    );
    assert_eq!(after.result().expect_err("propagates").to_string(), err.to_string());
    assert!(!ran.load(Ordering::SeqCst));
    // A failing task inside a graph names the task, not the future.
    let g = delayed!(str::parse::<i64>("x")?);
    let f = c.compute(&g);
    assert_eq!(f.result().expect_err("graph error").key(), Some(g.key()));
}

#[test]
fn cancel_mid_run_stops_the_computation_and_keeps_the_client_usable() {
    let c = client(2);
    let ran = Arc::new(AtomicUsize::new(0));
    let parts = slow_parts(400, &ran);
    let total = delayed!((|v: Vec<u64>| v.iter().sum::<u64>())(parts));
    let f = c.compute(&total);
    eventually("some tasks ran", || ran.load(Ordering::SeqCst) >= 4);
    assert_eq!(f.status(), FutureStatus::Running);
    let (done, all) = f.progress().expect("a graph future has progress");
    assert!(done < all && all == 401, "{done}/{all}");
    f.cancel();
    assert_eq!(f.status(), FutureStatus::Cancelled);
    assert!(f.result().expect_err("cancelled").is_cancelled());
    assert_no_more_start(&ran, 400);
    assert_eq!(c.submit(|| 1 + 1).result().expect("still usable"), 2);
}

#[test]
fn cancelled_dropped_and_forgotten_work() {
    let c = client(1);
    let gate = Gate::default();
    let g = gate.clone();
    let blocker = c.submit(move || g.wait());
    let flags: Vec<Arc<AtomicBool>> = (0..3).map(|_| Arc::default()).collect();
    let spawn = |i: usize| {
        let flag = flags[i].clone();
        c.submit(move || flag.store(true, Ordering::SeqCst))
    };
    let cancelled = spawn(0);
    let dropped = spawn(1);
    let forgotten = spawn(2);
    c.cancel(std::slice::from_ref(&cancelled));
    drop(dropped);
    c.fire_and_forget(forgotten);
    assert_eq!(cancelled.status(), FutureStatus::Cancelled);
    gate.open();
    blocker.result().expect("the blocker");
    eventually("the forgotten task ran", || flags[2].load(Ordering::SeqCst));
    c.submit(|| ()).result().expect("a later task");
    assert!(!flags[0].load(Ordering::SeqCst), "a cancelled task never starts");
    assert!(!flags[1].load(Ordering::SeqCst), "a dropped future's task never starts");
}

#[test]
fn as_completed_wait_and_callbacks() {
    let c = client(2);
    let sleepy = |ms: u64| {
        std::thread::sleep(Duration::from_millis(ms));
        ms
    };
    let fs = c.map(sleepy, [400, 1, 60]);
    let order: Vec<u64> = rask::as_completed(&fs).map(|f| f.result().expect("value")).collect();
    assert_eq!(order, vec![1, 60, 400]);

    let fs = c.map(|x: i32| 10 / x, [1, 0, 5, 2]);
    assert_eq!(rask::wait(&fs), 3);
    assert!(fs.iter().all(Future::done));
    assert_eq!(fs[1].status(), FutureStatus::Error);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let f = c.submit(|| 7);
    f.add_done_callback(move |f: &Future<i32>| s.lock().expect("lock").push(f.result().expect("7")));
    f.result().expect("7");
    eventually("the callback ran", || seen.lock().expect("lock").len() == 1);
    let s = seen.clone();
    f.add_done_callback(move |f: &Future<i32>| s.lock().expect("lock").push(f.result().expect("7") * 2));
    assert_eq!(*seen.lock().expect("lock"), vec![7, 14], "a callback on an ended future runs at once");
}

#[test]
fn futures_are_awaited_from_async_code() {
    let c = client(2);
    let a = c.submit(|| {
        std::thread::sleep(Duration::from_millis(30));
        40_i64
    });
    let b = c.submit_with(inc, (&a,));
    let sum = block_on(async { Ok::<_, rask::Error>((&a).await? + b.await?) }).expect("awaited");
    assert_eq!(sum, 40 + 41);
    let bad = c.try_submit(|| Err::<i64, _>("no"));
    assert!(block_on(async { bad.await }).is_err());

    // as_completed as a stream.
    let fs = c.map(
        |ms: u64| {
            std::thread::sleep(Duration::from_millis(ms));
            ms
        },
        [300, 5],
    );
    let mut stream = rask::as_completed(&fs);
    let next = |s: &mut rask::AsCompleted<u64>| {
        block_on(std::future::poll_fn(|cx| futures_core::Stream::poll_next(std::pin::Pin::new(&mut *s), cx)))
    };
    assert_eq!(next(&mut stream).map(|f| f.result().expect("5")), Some(5));
    assert_eq!(next(&mut stream).map(|f| f.result().expect("300")), Some(300));
    assert!(next(&mut stream).is_none());
}

#[test]
fn tasks_submit_tasks_and_wait_for_them_without_deadlock() {
    let c = client(1);
    let inner = c.clone();
    let f = c.submit(move || {
        let parts = inner.map(|x: u64| x * x, 1..=10u64);
        inner.gather(&parts).expect("nested").iter().sum::<u64>()
    });
    assert_eq!(f.result().expect("on one thread"), (1..=10u64).map(|x| x * x).sum::<u64>());
}

#[test]
fn a_task_waiting_for_another_secedes_and_never_runs_on_top_of_it() {
    // One thread: `a` waits for work it submitted, `d` waits for `a`. A waiting task gives
    // its thread up (Dask's secede) instead of running queued work on its own stack.
    let c = client(1);
    let inner = c.clone();
    let a = c.submit(move || {
        std::thread::sleep(Duration::from_millis(20));
        let b = inner.submit(|| 20);
        b.result().expect("b") + 1
    });
    let a2 = a.clone();
    let d = c.submit(move || a2.result().expect("a") * 2);
    assert!(d.wait_timeout(Duration::from_secs(10)), "no deadlock");
    assert_eq!(d.result().expect("d"), 42);
}

#[test]
fn the_dashboards_counts_leave_out_work_that_never_ran() {
    let c = Client::builder().threads(1).dashboard(Some("127.0.0.1:0")).build().expect("client");
    let gate = Gate::default();
    let g = gate.clone();
    let blocker = c.submit(move || g.wait());
    let skipped = c.submit(|| 1);
    skipped.cancel();
    let failed_input = c.try_submit(|| Err::<i64, _>("no"));
    let after = c.submit_with(inc, (&failed_input,));
    gate.open();
    blocker.result().expect("blocker");
    assert!(after.result().is_err());
    let base = c.dashboard_link().expect("a dashboard").trim_end_matches("/status").to_string();
    let status = super::web::http_get(&format!("{base}/api/status"));
    assert!(status.contains("\"name\":\"lambda\",\"total\":2,\"done\":1,\"failed\":1"), "{status}");
    assert!(status.contains("\"name\":\"inc\",\"total\":0,\"done\":0"), "{status}");
    assert!(super::web::http_get_host(&format!("{base}/api/status"), "evil.example:80").starts_with("403"));
}

#[test]
fn clients_sharing_a_spill_directory_keep_their_own_results() {
    let dir = std::env::temp_dir().join(format!("rask-it-shared-spill-{}", std::process::id()));
    let make =
        || Client::builder().threads(1).memory_limit(1 << 20).spill_dir(&dir).dashboard(None).build().expect("client");
    let (a, b) = (make(), make());
    let fa = a.map(|i: u64| vec![i as f64; 100_000], 0..4u64);
    let fb = b.map(|i: u64| vec![-(i as f64); 100_000], 0..4u64);
    rask::wait(&fa);
    rask::wait(&fb);
    for (i, (x, y)) in fa.iter().zip(&fb).enumerate() {
        assert_eq!(x.result().expect("a")[99_999], i as f64);
        assert_eq!(y.result().expect("b")[99_999], -(i as f64));
    }
}

#[test]
fn retries_and_priorities() {
    let c = client(1);
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = attempts.clone();
    let flaky = c.retries(3).try_submit(move || match a.fetch_add(1, Ordering::SeqCst) {
        n if n < 2 => Err(format!("attempt {n} failed")),
        n => Ok(n),
    });
    assert_eq!(flaky.result().expect("third time lucky"), 2);
    let a = attempts.clone();
    let hopeless =
        c.retries(1).try_submit(move || Err::<(), _>(format!("attempt {}", a.fetch_add(1, Ordering::SeqCst))));
    assert!(hopeless.result().expect_err("two attempts").to_string().ends_with("failed: attempt 4"));

    let gate = Gate::default();
    let g = gate.clone();
    let blocker = c.submit(move || g.wait());
    let order = Arc::new(Mutex::new(Vec::new()));
    let job = |name: &'static str, priority: i32| {
        let order = order.clone();
        c.priority(priority).submit(move || order.lock().expect("lock").push(name))
    };
    let fs = [job("low", -1), job("normal", 0), job("high", 10), job("normal-2", 0)];
    gate.open();
    blocker.result().expect("blocker");
    rask::wait(&fs);
    assert_eq!(*order.lock().expect("lock"), ["high", "normal", "normal-2", "low"]);
}

#[test]
fn results_spill_past_the_memory_target_and_read_back_intact() {
    let dir = std::env::temp_dir().join(format!("rask-it-spill-{}", std::process::id()));
    let limit = 2 << 20; // 2 MiB per worker
    let c = Client::builder().threads(2).memory_limit(limit).spill_dir(&dir).dashboard(None).build().expect("client");
    // 24 results of 400 KiB: 9.6 MiB, far past both workers' limits.
    let fs = c.map(|i: u64| (0..51_200u64).map(|j| (i * j) as f64).collect::<Vec<f64>>(), 0..24u64);
    rask::wait(&fs);
    eventually("each worker is back under its target (60% of the limit)", || {
        c.memory().iter().all(|w| w.memory <= limit * 6 / 10)
    });
    let memory = c.memory();
    let spilled: u64 = memory.iter().map(|w| w.spilled).sum();
    assert!(spilled >= 12 * 409_600, "most results went to disk: {memory:?}");
    assert!(std::fs::read_dir(&dir).expect("spill dir").count() >= 12);
    for (i, f) in fs.iter().enumerate() {
        let v = f.result().expect("read back");
        assert_eq!(v.len(), 51_200);
        assert_eq!(v[51_199], (i as u64 * 51_199) as f64);
    }
    let sums = c.map(|v: Vec<f64>| v.iter().sum::<f64>(), &fs);
    let want: Vec<f64> = (0..24u64).map(|i| (0..51_200u64).map(|j| (i * j) as f64).sum()).collect();
    assert_eq!(c.gather(&sums).expect("sums of spilled inputs"), want);
    drop((fs, sums));
    eventually("spill files are removed with their futures", || {
        std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0) == 0
    });
}

#[test]
fn a_worker_pauses_past_the_pause_threshold_until_memory_is_released() {
    // Nested vectors have no spill codec: they stay in memory and pause the worker.
    let c = Client::builder().threads(1).memory_limit(1 << 20).dashboard(None).build().expect("client");
    let big = c.submit(|| vec![vec![1.0f64; 1000]; 120]); // 960 KB > 80% of 1 MiB
    big.result().expect("held");
    let next = c.submit(|| 5);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(next.status(), FutureStatus::Pending, "the paused worker starts nothing");
    assert!(c.memory()[0].paused);
    drop(big);
    assert_eq!(next.result().expect("runs once memory is released"), 5);
    assert!(!c.memory()[0].paused);
}

#[test]
fn a_future_displays_itself_and_sends_updates_after_the_display() {
    let dir = std::env::temp_dir().join(format!("rask-it-display-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("display.sock");
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    // SAFETY: no other test reads or writes this variable.
    unsafe { std::env::set_var(rask::display::DISPLAY_SOCKET, &path) };
    let c = client(1);
    let gate = Gate::default();
    let g = gate.clone();
    let f = c.submit(move || {
        g.wait();
        41 + 1
    });
    let shown = format!("{f:?}");
    assert!(shown.starts_with("Future<i32> 'lambda-") && !shown.ends_with("finished"), "{shown}");
    f.evcxr_display();
    let parts: Vec<Delayed<u64>> = (0..3u64)
        .map(|i| {
            let g = gate.clone();
            Delayed::value(i).map(move |v| {
                g.wait();
                v * 2
            })
        })
        .collect();
    let graph = c.compute(&parts);
    let bar = rask::progress([&graph]);
    assert_eq!(bar.counts(), (0, 3, 0), "a graph of three tasks, none done");
    bar.evcxr_display();
    gate.open();
    f.result().expect("42");
    assert_eq!(graph.result().expect("the graph"), vec![0, 2, 4]);
    let (mut conn, _) = listener.accept().expect("the future connects");
    conn.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while text.matches("\tLAST\t0\n").count() < 2 {
        let n = std::io::Read::read(&mut conn, &mut buf).expect("an update");
        assert!(n > 0, "the channel closed: {text}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let id = text.split('\t').next().expect("an id");
    assert!(id.starts_with("rask-future-"), "{text}");
    assert!(text.contains(&format!("{id}\ttext/html\t")) && text.contains(&format!("{id}\tLAST\t0\n")), "{text}");
    assert!(text.contains(&format!("[{}] 3/3 tasks", "█".repeat(30))), "the bar's last state: {text}");
}

fn report_step(x: i64) -> i64 {
    x * 3
}

fn report_sum(a: i64, b: i64) -> i64 {
    a + b
}

#[test]
fn performance_report_writes_the_task_stream() {
    let path = std::env::temp_dir().join(format!("rask-it-report-{}.html", std::process::id()));
    let c = client(2);
    let out = rask::performance_report(&path, || {
        let fs = c.map(report_step, 0..50);
        let x = delayed!(report_sum(3, 4));
        (c.gather(&fs), x.compute())
    })
    .expect("report written");
    assert_eq!(out.0.expect("gathered").len(), 50);
    assert_eq!(out.1.expect("computed"), 7);
    let html = std::fs::read_to_string(&path).expect("report");
    assert!(html.contains("live: false"), "a standalone report");
    assert!(html.contains("{\"name\":\"report_step\",\"total\":50,\"done\":50"), "the map's 50 tasks");
    assert!(html.contains("{\"name\":\"report_sum\",\"total\":1,\"done\":1"), "the graph's task");
}

#[test]
fn the_dashboard_serves_its_page_status_and_graph() {
    let c = Client::builder().threads(2).dashboard(Some("127.0.0.1:0")).build().expect("client");
    let link = c.dashboard_link().expect("a dashboard");
    assert!(link.starts_with("http://127.0.0.1:") && link.ends_with("/status"), "{link}");
    assert_eq!(c.to_string(), format!("Client: 2 workers × 1 thread, dashboard {link}"));
    let base = link.trim_end_matches("/status").to_string();
    let x = delayed!(inc(1));
    assert_eq!(c.compute(&x).result().expect("2"), 2);
    let status = super::web::http_get(&format!("{base}/api/status"));
    assert!(status.contains("\"name\":\"inc\",\"total\":1,\"done\":1"), "{status}");
    assert!(super::web::http_get(&format!("{base}/graph.svg")).contains("<svg"));
    assert!(super::web::http_get(&link).contains("rask dashboard"));

    // Anywhere but loopback, the token is needed.
    let open = Client::builder().threads(1).dashboard(Some("0.0.0.0:0")).build().expect("client");
    let link = open.dashboard_link().expect("a dashboard");
    let token = link.split("token=").nth(1).expect("a token in the link");
    assert_eq!(token.len(), 32);
    let base = link.split("/status").next().expect("base");
    assert!(super::web::http_get(&format!("{base}/api/status")).starts_with("403"));
    assert!(super::web::http_get(&format!("{base}/api/status?token={token}")).contains("\"layers\""));
}

#[test]
fn the_dashboard_shows_running_tasks_and_reaches_100_percent_in_a_browser() {
    let chromium = super::web::chromium();
    let c = Client::builder().threads(2).dashboard(Some("127.0.0.1:0")).build().expect("client");
    let link = c.dashboard_link().expect("a dashboard");
    let gate = Gate::default();
    let started = Arc::new(Barrier::new(3));
    let parts: Vec<Delayed<u64>> = (0..2u64)
        .map(|i| {
            let (gate, started) = (gate.clone(), started.clone());
            Delayed::value(i).map(move |v| {
                started.wait();
                gate.wait();
                v
            })
        })
        .collect();
    let rest: Vec<Delayed<u64>> = (0..20u64).map(|i| delayed!(u64::pow(i, 2))).collect();
    let f = c.compute(&(parts, rest));
    started.wait();
    let dom = super::web::dump_dom(&chromium, &link);
    assert!(dom.contains("thread 0: map-"), "running tasks listed:\n{dom}");
    assert!(dom.contains("thread 1: "), "both threads busy:\n{dom}");
    assert!(!dom.contains(">100%<"), "not done yet:\n{dom}");
    gate.open();
    f.result().expect("done");
    let dom = super::web::dump_dom(&chromium, &link);
    assert!(dom.contains("<span id=\"overall\">100%</span>"), "reaches 100%:\n{dom}");
    assert!(dom.contains("data-layer=\"pow\""), "the layer's progress:\n{dom}");
}

#[test]
fn a_dataframe_computes_in_the_background_on_the_current_client() {
    let frame: PlFrame = super::dataframe::data();
    let df = dd::from_polars(frame.clone(), 4);
    let c = client(2);
    let f = c.compute(&df.groupby(["category"]).agg([col("score").sum()]));
    let want = frame.lazy().group_by([col("category")]).agg([col("score").sum()]).collect().expect("polars");
    super::dataframe::assert_close(
        &super::dataframe::sorted(f.result().expect("sums"), &["category"]),
        &super::dataframe::sorted(want, &["category"]),
    );
}
