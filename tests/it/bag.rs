//! Bags, each operation checked against the same computation done eagerly with iterators.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rask::polars::prelude::{DataFrame as PlFrame, *};
use rask::prelude::*;
use rask::serde_json::{Value, json};

/// Partition counts every test runs with: one, a few, and more than there are items.
const NPARTS: [usize; 5] = [1, 2, 3, 7, 64];

/// `n` pseudo-random numbers in `0..modulo` (xorshift, fixed seed).
fn numbers(n: usize, modulo: u64, seed: u64) -> Vec<i64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % modulo) as i64
        })
        .collect()
}

/// Lines of 0 to 5 words from a small vocabulary.
fn sentences(n: usize) -> Vec<String> {
    const WORDS: [&str; 9] = ["the", "a", "bag", "of", "words", "rask", "dask", "zipf", "é"];
    let r = numbers(n * 6, 1000, 7);
    (0..n)
        .map(|i| (0..r[i * 6] % 6).map(|j| WORDS[r[i * 6 + j as usize + 1] as usize % 9]).collect::<Vec<_>>().join(" "))
        .collect()
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rask-it-bag-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// Data sets: empty, tiny and a few hundred items.
fn datasets() -> Vec<Vec<i64>> {
    vec![Vec::new(), vec![5], numbers(10, 7, 3), numbers(500, 100, 11)]
}

#[test]
fn element_wise_chains_match_iterators() {
    for data in datasets() {
        for n in NPARTS {
            let b = db::from_sequence(data.clone(), n).expect("bag");
            assert_eq!(b.npartitions(), n);
            assert_eq!(b.compute().expect("runs"), data, "from_sequence, {n} partitions");
            let chain = b
                .map(|x| x * 3 + 1)
                .filter(|x| x % 2 == 0)
                .flat_map(|x| std::iter::repeat_n(x, (x % 4) as usize))
                .map(|x| format!("#{x}"));
            let want: Vec<String> = data
                .iter()
                .map(|x| x * 3 + 1)
                .filter(|x| x % 2 == 0)
                .flat_map(|x| std::iter::repeat_n(x, (x % 4) as usize))
                .map(|x| format!("#{x}"))
                .collect();
            assert_eq!(chain.compute().expect("runs"), want, "{n} partitions");
            assert_eq!(chain.npartitions(), n);
            assert_eq!(chain.compute_with(Scheduler::Sync).expect("sync"), want);

            // map_partitions sees each partition whole, in order.
            let sizes = b.map_partitions(|p: Vec<i64>| vec![p.len()]).compute().expect("runs");
            let want_sizes: Vec<usize> = (0..n).map(|i| data.len() * (i + 1) / n - data.len() * i / n).collect();
            assert_eq!(sizes, want_sizes);
            let reversed = b.map_partitions(|mut p: Vec<i64>| {
                p.reverse();
                p
            });
            let parts: Vec<Vec<i64>> = rask::compute(reversed.to_delayed()).expect("runs");
            assert_eq!(parts.len(), n);
            assert_eq!(parts.concat().len(), data.len());
        }
    }
}

#[test]
fn one_task_per_partition_for_a_chain() {
    let b = db::from_sequence(0..100, 4).expect("bag").map(|x| x + 1).filter(|x| x % 3 != 0).map(|x| x * 2);
    let dot = b.visualize_with(&Visualize::new().format(rask::Format::Dot)).expect("draws").dot().to_string();
    // Four partition tasks (the last op's name) over four held partitions, nothing else.
    let name = b.name().to_string();
    assert!(name.starts_with("map-"), "{name}");
    for i in 0..4 {
        assert!(dot.contains(&format!("('{name}', {i})")), "{dot}");
    }
    assert!(!dot.contains("filter-"), "the filter is fused into the map's task\n{dot}");
}

#[test]
fn reductions_match_iterators() {
    for data in datasets() {
        for n in NPARTS {
            let b = db::from_sequence(data.clone(), n).expect("bag");
            let what = format!("{} items, {n} partitions", data.len());
            assert_eq!(b.count().compute().expect("count"), data.len() as u64, "{what}");
            assert_eq!(b.sum().compute().expect("sum"), data.iter().sum::<i64>(), "{what}");
            let mean = b.mean().compute();
            let min = b.min().compute();
            let max = b.max().compute();
            if data.is_empty() {
                assert!(mean.expect_err("empty").to_string().contains("mean of an empty bag"));
                assert!(min.expect_err("empty").to_string().contains("min of an empty bag"));
                assert!(max.is_err());
            } else {
                let want = data.iter().sum::<i64>() as f64 / data.len() as f64;
                assert!((mean.expect("mean") - want).abs() < 1e-9, "{what}");
                assert_eq!(min.expect("min"), *data.iter().min().expect("items"));
                assert_eq!(max.expect("max"), *data.iter().max().expect("items"));
            }
            let fold = b.fold((0i64, 0usize), |(s, c), x| (s + x * x, c + 1), |a, b| (a.0 + b.0, a.1 + b.1));
            assert_eq!(fold.compute().expect("fold"), (data.iter().map(|x| x * x).sum(), data.len()));

            // distinct: first-seen order.
            let mut seen = HashSet::new();
            let want: Vec<i64> = data.iter().copied().filter(|x| seen.insert(*x)).collect();
            let distinct = b.distinct();
            assert_eq!(distinct.npartitions(), 1);
            assert_eq!(distinct.compute().expect("distinct"), want, "{what}");

            // frequencies against a HashMap.
            let mut counts: HashMap<i64, u64> = HashMap::new();
            data.iter().for_each(|x| *counts.entry(*x).or_default() += 1);
            let got: HashMap<i64, u64> = b.frequencies().compute().expect("frequencies").into_iter().collect();
            assert_eq!(got, counts, "{what}");
            let sorted = b.frequencies_sorted().compute().expect("sorted");
            assert_eq!(sorted.len(), counts.len());
            assert!(sorted.windows(2).all(|w| w[0].1 >= w[1].1), "descending counts");

            // topk: largest by key, descending; earlier first among equal keys.
            for k in [0, 1, 3, 1000] {
                let got = b.map(|x| (x, x % 10)).topk(k, |p| p.1).compute().expect("topk");
                let mut want: Vec<(i64, i64)> = data.iter().map(|&x| (x, x % 10)).collect();
                want.sort_by_key(|p| std::cmp::Reverse(p.1));
                want.truncate(k);
                assert_eq!(got, want, "topk {k}, {what}");
            }
        }
    }
}

#[test]
fn reductions_over_many_partitions_use_a_tree() {
    let data = numbers(3000, 1_000_000, 5);
    let b = db::from_sequence(data.clone(), 100).expect("bag");
    let total = b.sum();
    assert_eq!(total.compute().expect("sum"), data.iter().sum::<i64>());
    let dot = total.visualize_with(&Visualize::new().format(rask::Format::Dot)).expect("draws").dot().to_string();
    assert!(dot.contains("sum-part-") && dot.contains("sum-combine-") && dot.contains("sum-aggregate-"), "{dot}");
    let floats = db::from_sequence([2.0, f64::NAN, -1.0], 2).expect("bag");
    assert_eq!(floats.max().compute().expect("max"), 2.0, "NaN is skipped");
    assert_eq!(floats.min().compute().expect("min"), -1.0);
}

#[test]
fn groupby_and_foldby_match_a_hashmap() {
    for data in datasets() {
        for n in NPARTS {
            let b = db::from_sequence(data.clone(), n).expect("bag");
            let mut want: HashMap<i64, Vec<i64>> = HashMap::new();
            data.iter().for_each(|&x| want.entry(x % 5).or_default().push(x));

            let groups = b.groupby(|x| x % 5);
            assert_eq!(groups.npartitions(), n, "as many partitions as the input");
            let got = groups.compute().expect("groupby");
            let keys: HashSet<i64> = got.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys.len(), got.len(), "each key in one group");
            let got: HashMap<i64, Vec<i64>> = got.into_iter().collect();
            assert_eq!(got, want, "groups keep input order, {n} partitions");
            // Each group is whole in one partition.
            let per_part: Vec<Vec<(i64, Vec<i64>)>> = rask::compute(groups.to_delayed()).expect("parts");
            assert_eq!(per_part.iter().map(Vec::len).sum::<usize>(), want.len());

            let sums = b.foldby(|x| x % 5, (0i64, 0u32), |(s, c), x| (s + x, c + 1), |a, b| (a.0 + b.0, a.1 + b.1));
            assert_eq!(sums.npartitions(), 1);
            let got: HashMap<i64, (i64, u32)> = sums.compute().expect("foldby").into_iter().collect();
            let want_sums: HashMap<i64, (i64, u32)> =
                want.iter().map(|(k, v)| (*k, (v.iter().sum(), v.len() as u32))).collect();
            assert_eq!(got, want_sums, "{n} partitions");
        }
    }
    // Strings as keys, grouping strings by their first letter.
    let words: Vec<String> = sentences(300).join(" ").split_whitespace().map(String::from).collect();
    let b = db::from_sequence(words.clone(), 6).expect("bag");
    let got: HashMap<char, Vec<String>> =
        b.groupby(|w: &String| w.chars().next().unwrap_or(' ')).compute().expect("groupby").into_iter().collect();
    let mut want: HashMap<char, Vec<String>> = HashMap::new();
    words.iter().for_each(|w| want.entry(w.chars().next().unwrap_or(' ')).or_default().push(w.clone()));
    assert_eq!(got, want);
}

#[test]
fn take_computes_only_the_leading_partitions() {
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let b = db::from_sequence(0..100, 10).expect("bag").map(move |x| {
        s.fetch_add(1, Ordering::Relaxed);
        x * 2
    });
    assert_eq!(b.take(3).expect("take"), vec![0, 2, 4]);
    assert_eq!(seen.load(Ordering::Relaxed), 10, "one partition of ten items");
    assert_eq!(b.take(25).expect("take").len(), 25);
    assert_eq!(seen.load(Ordering::Relaxed), 10 + 30, "three more partitions");
    assert_eq!(b.take(1000).expect("take").len(), 100, "all there is");
    let sparse = db::from_sequence(0..100, 10).expect("bag").filter(|x| *x >= 95);
    assert_eq!(sparse.take(2).expect("take"), vec![95, 96]);
}

#[test]
fn from_sequence_refuses_impossible_partition_counts() {
    for n in [0, usize::MAX] {
        let e = db::from_sequence(0..3, n).expect_err("no such partitioning");
        assert_eq!(e.to_string(), format!("from_sequence: npartitions is {n}; it must be from 1 to 67108864"));
    }
}

#[test]
fn read_text_line_endings() {
    let dir = temp_dir("endings");
    std::fs::write(dir.join("a.txt"), "one\ntwo\n\nfour\n").expect("write");
    std::fs::write(dir.join("b.txt"), "dos\r\nline\r\n").expect("write");
    std::fs::write(dir.join("c.txt"), "no newline at the end").expect("write");
    std::fs::write(dir.join("d.txt"), "").expect("write");
    std::fs::write(dir.join("e.txt"), "\u{e9}t\u{e9}\r\nlast\r").expect("write");
    let b = db::read_text(&format!("{}/*.txt", dir.display())).expect("reads");
    assert_eq!(b.npartitions(), 5, "one partition per file");
    assert_eq!(
        b.compute().expect("runs"),
        ["one", "two", "", "four", "dos", "line", "no newline at the end", "été", "last\r"]
    );
    let err = db::read_text(&format!("{}/*.csv", dir.display())).expect_err("no match");
    assert!(err.to_string().contains(&format!("{}/*.csv", dir.display())), "{err}");
    assert!(err.to_string().contains("no file matches"), "{err}");
}

#[test]
fn read_text_blocks_read_each_line_once() {
    let dir = temp_dir("blocks");
    let lines: Vec<String> = sentences(2000);
    let crlf = (0..3).map(|i| format!("w{i}\r\n")).collect::<String>();
    let text = lines.join("\n") + "\n" + &crlf + "tail";
    std::fs::write(dir.join("big.txt"), &text).expect("write");
    std::fs::write(dir.join("small.txt"), "x\ny\n").expect("write");
    let mut want: Vec<String> = lines.clone();
    want.extend(["w0", "w1", "w2", "tail"].map(String::from));
    want.extend(["x", "y"].map(String::from));
    let pattern = format!("{}/*.txt", dir.display());
    for blocksize in [1, 3, 64, 1000, 1 << 20] {
        let b = db::read_text_with(&pattern, db::TextOptions { blocksize: Some(blocksize) }).expect("reads");
        let expect_parts = text.len().div_ceil(blocksize) + 4usize.div_ceil(blocksize);
        assert_eq!(b.npartitions(), expect_parts, "blocksize {blocksize}");
        assert_eq!(b.compute().expect("runs"), want, "blocksize {blocksize}");
    }
    let whole = db::read_text_with(&pattern, db::TextOptions { blocksize: None }).expect("reads");
    assert_eq!(whole.npartitions(), 2);
    assert_eq!(whole.count().compute().expect("count"), want.len() as u64);
}

#[test]
fn read_text_and_json_decompress_gz() {
    let dir = temp_dir("gz");
    // Two gzip members in one file, as `cat a.gz b.gz` makes.
    let mut two = gzip(b"first\nsecond\n");
    two.extend(gzip(b"third\r\nfourth"));
    std::fs::write(dir.join("a.txt.gz"), &two).expect("write");
    std::fs::write(dir.join("b.txt"), "plain\n").expect("write");
    let b = db::read_text_with(&format!("{}/*", dir.display()), db::TextOptions { blocksize: Some(2) }).expect("reads");
    assert_eq!(b.npartitions(), 1 + 3, "a .gz file is one partition");
    assert_eq!(b.compute().expect("runs"), ["first", "second", "third", "fourth", "plain"]);

    let records: String = (0..50).map(|i| format!("{{\"i\": {i}, \"tag\": \"t{}\"}}\n\n", i % 3)).collect();
    std::fs::write(dir.join("r.jsonl.gz"), gzip(records.as_bytes())).expect("write");
    let j = db::read_json(&format!("{}/r.jsonl.gz", dir.display())).expect("reads");
    assert_eq!(j.pluck("i").map(|v: Value| v.as_i64().unwrap_or(-1)).sum().compute().expect("sum"), 49 * 50 / 2);

    std::fs::write(dir.join("broken.txt.gz"), b"not gzip at all").expect("write");
    let err = db::read_text(&format!("{}/broken.txt.gz", dir.display())).expect("lazy").compute().expect_err("bad gz");
    assert!(err.to_string().contains("broken.txt.gz"), "{err}");
}

#[test]
fn read_json_names_the_malformed_line() {
    let dir = temp_dir("json");
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("{{\"user\": {i}, \"message\": \"hello {i}\"}}\n"));
        if i == 10 {
            text.push_str("   \n");
        }
    }
    text.push_str("{\"user\": 41, \"message\": }\n");
    text.push_str("{\"user\": 42}\n");
    std::fs::write(dir.join("logs.jsonl"), &text).expect("write");
    let pattern = format!("{}/logs.jsonl", dir.display());
    let bad_line = 42; // 40 records, one blank line, then the bad one
    for blocksize in [None, Some(100), Some(1 << 20)] {
        let b = db::read_json_with(&pattern, db::TextOptions { blocksize }).expect("reads");
        let err = b.pluck("message").compute().expect_err("malformed");
        let msg = err.to_string();
        assert!(msg.contains(&format!("logs.jsonl:{bad_line}:25: expected value")), "{blocksize:?}: {msg}");
        assert!(err.key().is_some(), "names the task");
    }
    // The records before it are all there.
    let small = db::TextOptions { blocksize: Some(100) };
    let head = db::read_json_with(&pattern, small).expect("reads").take(3).expect("take");
    assert_eq!(head[2], json!({"user": 2, "message": "hello 2"}));

    std::fs::write(dir.join("notobj.jsonl"), "{\"a\": 1}\n[1, 2]\n").expect("write");
    let err = db::read_json(&format!("{}/notobj.jsonl", dir.display())).expect("reads").pluck("a").compute();
    let msg = err.expect_err("not an object").to_string();
    assert!(msg.contains("pluck 'a'") && msg.contains("[1,2]"), "{msg}");
    let err = db::from_sequence([json!({"b": 1})], 1).expect("bag").pluck("a").compute().expect_err("no key");
    assert!(err.to_string().contains("no key 'a' in {\"b\":1}"), "{err}");
}

#[test]
fn pluck_after_read_json_matches_the_full_parse() {
    let dir = temp_dir("pluck");
    // Escaped and repeated keys, the key nested inside another value, every JSON type.
    let lines = [
        r#"{"message": "plain", "n": 1}"#,
        r#"{"x": {"message": "inner"}, "message": ["outer", 2, null], "y": [{"message": 0}]}"#,
        r#"  {"mes\u0073age": {"deep": [1.5, true, "é\n"]}}  "#,
        r#"{"message": 1, "message": "last wins"}"#,
        r#"{"a": "message", "message": null}"#,
        r#"{"message": -12345678901234, "z": "\"message\": 3"}"#,
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect::<String>().repeat(30);
    std::fs::write(dir.join("p.jsonl"), &text).expect("write");
    let pattern = format!("{}/p.jsonl", dir.display());
    let want: Vec<Value> =
        text.lines().map(|l| rask::serde_json::from_str::<Value>(l).expect("json")["message"].clone()).collect();
    assert_eq!(want[3], json!("last wins"));
    for blocksize in [None, Some(97)] {
        let b = db::read_json_with(&pattern, db::TextOptions { blocksize }).expect("reads");
        assert_eq!(b.pluck("message").compute().expect("plucks"), want, "{blocksize:?}");
        assert_eq!(b.map(|v: Value| v["message"].clone()).compute().expect("maps"), want, "{blocksize:?}");
    }

    // What the rest of a line holds is checked as `read_json` checks it: a lone surrogate,
    // a number out of range, bytes that are not UTF-8.
    let bad: [&[u8]; 3] =
        [br#"{"message": 1, "b": "\ud800"}"#, br#"{"message": 1, "b": 1e400}"#, b"{\"message\": 1, \"b\": \"\xff\"}"];
    for (i, line) in bad.iter().enumerate() {
        let path = dir.join(format!("bad-{i}.jsonl"));
        std::fs::write(&path, [&b"{\"message\": 0}\n"[..], line, b"\n"].concat()).expect("write");
        let pattern = path.display().to_string();
        let at = format!("bad-{i}.jsonl:2:");
        let whole = db::read_json(&pattern).expect("reads").count().compute().expect_err("invalid").to_string();
        let plucked =
            db::read_json(&pattern).expect("reads").pluck("message").compute().expect_err("invalid").to_string();
        let tail = |msg: &str| msg.split_once(&at).map(|(_, t)| t.to_string());
        assert!(tail(&whole).is_some() && tail(&plucked) == tail(&whole), "{whole} / {plucked}");
    }
    let nested = format!("{{\"message\": 1, \"b\": {}{}}}", "[".repeat(200), "]".repeat(200));
    std::fs::write(dir.join("deep.jsonl"), format!("{nested}\n")).expect("write");
    let err = db::read_json(&format!("{}/deep.jsonl", dir.display())).expect("reads").pluck("message").compute();
    assert!(err.expect_err("too deep").to_string().contains("recursion limit exceeded"));

    // A missing key and a non-object name the file and line.
    std::fs::write(dir.join("gaps.jsonl"), "{\"message\": 1}\n\n{\"other\": 2}\n").expect("write");
    let err = db::read_json(&format!("{}/gaps.jsonl", dir.display())).expect("reads").pluck("message").compute();
    let msg = err.expect_err("no key").to_string();
    assert!(msg.contains("gaps.jsonl:3: pluck: no key 'message' in {\"other\":2}"), "{msg}");
    std::fs::write(dir.join("scalar.jsonl"), "{\"message\": 1}\n7\n").expect("write");
    let err = db::read_json(&format!("{}/scalar.jsonl", dir.display())).expect("reads").pluck("message").compute();
    let msg = err.expect_err("not an object").to_string();
    assert!(msg.contains("scalar.jsonl:2: pluck 'message': the item is not an object: 7"), "{msg}");
}

#[test]
fn word_frequencies_from_json_lines() {
    let dir = temp_dir("words");
    let lines = sentences(500);
    for f in 0..3 {
        let mut file = std::fs::File::create(dir.join(format!("logs-{f}.jsonl"))).expect("create");
        for (i, m) in lines.iter().enumerate().filter(|(i, _)| i % 3 == f) {
            writeln!(file, "{}", json!({"ts": i, "level": "INFO", "message": m})).expect("write");
        }
    }
    let top = db::read_json_with(&format!("{}/*.jsonl", dir.display()), db::TextOptions { blocksize: Some(2000) })
        .expect("reads")
        .pluck("message")
        .flat_map(|m: Value| m.as_str().unwrap_or("").split_whitespace().map(String::from).collect::<Vec<_>>())
        .frequencies()
        .topk(3, |p| p.1)
        .compute()
        .expect("runs");
    let mut counts: HashMap<String, u64> = HashMap::new();
    lines.iter().flat_map(|l| l.split_whitespace()).for_each(|w| *counts.entry(w.to_string()).or_default() += 1);
    let mut want: Vec<(String, u64)> = counts.into_iter().collect();
    want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(top.iter().map(|p| p.1).collect::<Vec<_>>(), want[..3].iter().map(|p| p.1).collect::<Vec<_>>());
    for (w, c) in &top {
        assert!(want.contains(&(w.clone(), *c)), "{w}: {c}");
    }
}

#[test]
fn to_dataframe_matches_a_polars_frame() {
    let items = vec![
        json!({"name": "a", "n": 1, "x": 0.5, "ok": true, "tags": [1, 2], "none": null}),
        json!({"name": "b", "n": 2, "x": 1, "ok": false, "tags": {"k": "v"}, "none": null}),
        json!({"name": null, "x": -2.25, "tags": "t"}),
        json!({"name": "d", "n": -4, "x": 3, "ok": true, "none": null}),
    ];
    let want = df!(
        "n" => [Some(1i64), Some(2), None, Some(-4)],
        "name" => [Some("a"), Some("b"), None, Some("d")],
        "none" => [None::<&str>, None, None, None],
        "ok" => [Some(true), Some(false), None, Some(true)],
        "tags" => [Some("[1,2]"), Some("{\"k\":\"v\"}"), Some("t"), None],
        "x" => [Some(0.5), Some(1.0), Some(-2.25), Some(3.0)],
    )
    .expect("a frame");
    // The first partitions are empty: the schema comes from the first one with items.
    for n in [1, 2, 5, 9] {
        let b = db::from_sequence(items.clone(), n).expect("bag").filter(|v: &Value| !v.is_null());
        let df = b.to_dataframe().expect("converts");
        assert_eq!(df.npartitions(), n);
        let got: PlFrame = df.compute().expect("runs");
        assert_eq!(got.schema(), want.schema(), "{n} partitions");
        assert!(got.equals_missing(&want), "{n} partitions\n{got}\n{want}");
    }
    // Types come from the first partition with items: here `x` holds only integers there.
    let shifted = db::from_sequence(items.clone(), 4).expect("bag").filter(|v: &Value| v["name"] != json!("a"));
    let err = shifted.to_dataframe().expect("schema").compute().expect_err("a float in an i64 column");
    assert!(err.to_string().contains("column 'x' is i64, but row 0 of partition 2 has -2.25"), "{err}");

    // A value of the wrong type, in a later partition: the error names the column and the row.
    let mut bad = items.clone();
    bad.push(json!({"name": "e", "n": "five"}));
    let err = db::from_sequence(bad, 5).expect("bag").to_dataframe().expect("schema").compute().expect_err("bad");
    let msg = err.to_string();
    assert!(msg.contains("column 'n' is i64, but row 0 of partition 4 has \"five\""), "{msg}");
    let err = db::from_sequence(vec![json!({"a": 1}), json!(3)], 1).expect("bag").to_dataframe().expect_err("bad");
    assert!(err.to_string().contains("row 1 of partition 0 is not a JSON object: 3"), "{err}");
    let empty = db::from_sequence(Vec::<Value>::new(), 3).expect("bag");
    assert!(empty.to_dataframe().expect_err("empty").to_string().contains("no items"));
}

#[test]
fn persist_display_and_visualize() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let b = db::from_sequence(0..40, 4).expect("bag").map(move |x: i32| {
        r.fetch_add(1, Ordering::Relaxed);
        x.to_string()
    });
    assert_eq!(b.to_string(), "Bag<String>: 4 partitions");
    assert_eq!(format!("{b:?}"), "Bag<String>: 4 partitions");
    let forms = rask::display::Show::forms(&b);
    assert!(forms.iter().any(|(m, c)| *m == "text/html" && c.contains("String") && c.contains("4 partitions")));

    let dot = b.visualize_with(&Visualize::new().format(rask::Format::Dot)).expect("draws").dot().to_string();
    assert!(dot.contains("from-sequence-") && dot.contains(&format!("('{}', 3)", b.name())), "{dot}");

    let kept = b.persist().expect("persist");
    assert_eq!(runs.load(Ordering::Relaxed), 40);
    assert_eq!(kept.count().compute().expect("count"), 40);
    assert_eq!(kept.compute().expect("items").len(), 40);
    assert_eq!(runs.load(Ordering::Relaxed), 40, "the persisted bag does not run the map again");
    let dot = kept.visualize_with(&Visualize::new().format(rask::Format::Dot)).expect("draws").dot().to_string();
    assert!(dot.contains(&format!("('{}', 0)", b.name())), "same keys\n{dot}");
    assert!(!dot.contains("from-sequence-"), "{dot}");

    // Computed together with other collections, and on a client.
    let total = kept.map(|s| s.len() as u64).sum();
    let (items, n) = rask::compute((&kept, &total)).expect("together");
    assert_eq!((items.len(), n), (40, 70));
    let client = Client::builder().threads(2).dashboard(None).build().expect("a client");
    assert_eq!(client.compute(&b).result().expect("on a client").len(), 40);
    let held = client.persist(&b);
    assert_eq!(held.frequencies().count().compute().expect("count"), 40);
}

#[test]
fn a_panic_in_a_closure_is_an_error_naming_the_task() {
    let b = db::from_sequence(0..10, 2).expect("bag").map(|x: i32| if x == 7 { panic!("seven is bad") } else { x });
    let err = b.compute().expect_err("panics");
    assert!(err.is_panic(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("('{}', 1)", b.name())) && msg.contains("seven is bad"), "{msg}");
    let err = b.count().compute().expect_err("panics in a reduction too");
    assert!(err.to_string().contains("count-part-") && err.is_panic(), "{err}");
    assert!(db::from_sequence(0..3, 0).expect_err("no partitions").to_string().contains("npartitions"));
}
