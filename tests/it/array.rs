//! Chunked arrays: every operation against the same computation done eagerly with ndarray,
//! on uneven blocks; files against bytes written by hand and against NumPy and zarr-python.

use std::path::{Path, PathBuf};
use std::process::Command;

use rask::Format;
use rask::array::linalg::{self, NormOrd};
use rask::array::{Chunks, Compression, ZarrOptions, s};
use rask::ndarray::{self, Array2, ArrayD, Axis, IxDyn, NewAxis};
use rask::prelude::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rask-it-array-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Deterministic "random" numbers without a dependency: a small LCG.
fn numbers(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 10.0 - 5.0
    })
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) {
    assert_eq!(a.shape(), b.shape(), "shapes differ");
    for (x, y) in a.iter().zip(b.iter()) {
        assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()) || (x.is_nan() && y.is_nan()), "{x} != {y}");
    }
}

#[test]
fn creation_matches_ndarray() {
    let a = numbers(&[7, 5], 1);
    for chunks in [Chunks::from(3), Chunks::from([2, -1]), Chunks::from(vec![vec![1, 6], vec![2, 2, 1]]), Chunks::Auto]
    {
        let x = da::from_array(a.clone(), chunks.clone()).expect("valid chunks");
        assert_eq!(x.compute().expect("computes"), a, "chunks {chunks:?}");
    }
    assert_eq!(
        da::full(&[3, 4], 2.5, 2).expect("valid").compute().expect("computes"),
        ArrayD::from_elem(vec![3, 4], 2.5)
    );
    assert_eq!(da::zeros::<i32>(&[0, 3], 2).expect("valid").compute().expect("computes").shape(), &[0, 3]);
    let r = da::arange(-3.0, 3.0, 0.5, 5).expect("valid").to_vec().expect("computes");
    assert_eq!(r, (0..12).map(|i| -3.0 + 0.5 * f64::from(i)).collect::<Vec<_>>());
    // Integer ranges are exact past 2^53, where f64 has gaps.
    let big = 1i64 << 53;
    assert_eq!(
        da::arange(big + 1, big + 4, 1, 2).expect("valid").to_vec().expect("computes"),
        (big + 1..big + 4).collect::<Vec<_>>()
    );
    assert_eq!(da::arange(10u8, 0, 255, 2).expect("valid").to_vec().expect("computes"), [] as [u8; 0]);
    assert_eq!(
        da::arange(7i32, -6, -4, 2).expect("valid").to_vec().expect("computes"),
        (-5..=7).rev().step_by(4).collect::<Vec<_>>()
    );
    // The same seed and chunks give the same numbers, whatever the scheduler.
    let x = da::random(&[50, 4], [7, 3], 9).expect("valid");
    let y = x.compute_with(Scheduler::Sync).expect("computes");
    assert_eq!(x.compute().expect("computes"), y);
    assert!(y.iter().all(|v| (0.0..1.0).contains(v)));
    assert_ne!(da::random(&[50, 4], [7, 3], 10).expect("valid").compute().expect("computes"), y);
}

#[test]
fn bad_chunks_and_shapes_name_what_is_wrong() {
    let e = da::ones::<f64>(&[10, 4], vec![vec![5, 4], vec![4]]).expect_err("5 + 4 is not 10");
    assert_eq!(
        e.to_string(),
        "chunks: the block sizes (5, 4) along axis 0 add up to 9, but the shape (10, 4) has 10 there"
    );
    let e = da::ones::<f64>(&[10, 4], [2, 2, 2]).expect_err("3 sizes for 2 axes");
    assert!(e.to_string().contains("3 sizes given for an array of 2 dimensions"), "{e}");
    let e = da::ones::<f64>(&[10], "big").expect_err("not auto");
    assert_eq!(e.to_string(), "chunks: \"big\" is not a chunk size (\"auto\", a size, or a size per axis)");
    let e = da::ones::<f64>(&[10], vec![vec![0, 10]]).expect_err("an empty block");
    assert_eq!(e.to_string(), "chunks: the block sizes (0, 10) along axis 0 include an empty block");
    let e = da::ones::<u8>(&[1 << 40, 1 << 20], 1).expect_err("too many blocks");
    assert!(e.to_string().contains("choose larger blocks"), "{e}");
    let e = da::ones::<u8>(&[1000, 1000, 1000], vec![vec![1; 1000]; 3]).expect_err("too many blocks");
    assert!(e.to_string().contains("(1000, 1000, 1000) blocks along the axes"), "{e}");
    let (column, row) =
        (da::ones::<u8>(&[10_000, 1], 1).expect("valid"), da::ones::<u8>(&[1, 10_000], 1).expect("valid"));
    let e = (&column + &row).shape().expect_err("10^8 blocks");
    assert!(e.to_string().contains("choose larger blocks"), "{e}");
    // An empty axis is one empty block, however it was written.
    let empty = da::zeros::<f64>(&[0, 3], vec![vec![], vec![3]]).expect("valid");
    assert_eq!(empty.chunks(), vec![vec![0], vec![3]]);
    assert_eq!(empty.sum(0).to_vec().expect("computes"), [0.0; 3]);
    assert_eq!((&empty + &empty.rechunk(1)).compute().expect("computes").shape(), [0, 3]);
    let x = da::ones::<f64>(&[4, 3], 2).expect("valid");
    let y = da::ones::<f64>(&[4], 2).expect("valid");
    let e = (&x + &y).compute().expect_err("(4, 3) and (4,) do not broadcast");
    assert_eq!(e.to_string(), "add: operands could not be broadcast together with shapes (4, 3) (4,)");
    // The error travels through later operations and shows in the display.
    let z = (&x + &y).sum(0);
    assert!(z.to_string().contains("invalid: sum: add: operands could not be broadcast"), "{z}");
    let e = x.sum(2).compute().expect_err("no axis 2");
    assert_eq!(e.to_string(), "sum: axis 2 is out of bounds for an array of dimension 2");
    let e = x.matmul(&x).compute().expect_err("3 != 4");
    assert!(e.to_string().contains("shapes (4, 3) (4, 3) are not aligned"), "{e}");
    let e = x
        .map_blocks(|b| b.slice_move(s![..1, ..]).into_dyn())
        .compute_with(Scheduler::Sync)
        .expect_err("shape changed");
    assert!(e.to_string().contains("map_blocks: block (0, 0) came out with shape (1, 2), expected (2, 2)"), "{e}");
}

#[test]
fn elementwise_broadcasts_like_numpy() {
    let a = numbers(&[6, 5], 2);
    let b = numbers(&[5], 3);
    let c = numbers(&[6, 1], 4);
    let x = da::from_array(a.clone(), [4, 2]).expect("valid");
    let y = da::from_array(b.clone(), 3).expect("valid");
    let z = da::from_array(c.clone(), 5).expect("valid");
    close(&(&x + &y).compute().expect("computes"), &(&a + &b));
    close(&(&x * &z).compute().expect("computes"), &(&a * &c));
    close(&(&z - &y).compute().expect("computes"), &(&c - &b)); // (6, 1) with (5,) -> (6, 5)
    close(&(&x / &x.rechunk([3, 5])).compute().expect("computes"), &(&a / &a)); // different blocks
    close(&((&x * 2.0 + 1.0) / 4.0).compute().expect("computes"), &a.mapv(|v| (v * 2.0 + 1.0) / 4.0));
    close(&(10.0 - &x).compute().expect("computes"), &a.mapv(|v| 10.0 - v));
    close(&(-&x).compute().expect("computes"), &a.mapv(|v| -v));
    close(&x.abs().sqrt().compute().expect("computes"), &a.mapv(|v| v.abs().sqrt()));
    close(&x.exp().ln().compute().expect("computes"), &a);
    close(&x.clip(-1.0, 1.0).compute().expect("computes"), &a.mapv(|v| v.clamp(-1.0, 1.0)));
    close(
        &x.maximum(&y).compute().expect("computes"),
        &ndarray::Zip::from(&a).and_broadcast(&b).map_collect(|&p, &q| p.max(q)),
    );
    assert_eq!(
        x.gt(&y).compute().expect("computes"),
        ndarray::Zip::from(&a).and_broadcast(&b).map_collect(|p, q| p > q)
    );
    assert_eq!(x.le(0.0).compute().expect("computes"), a.mapv(|v| v <= 0.0));
    let m = x.gt(0.0).and(&x.lt(2.0)).not();
    assert_eq!(m.compute().expect("computes"), a.mapv(|v| !(v > 0.0 && v < 2.0)));
    let i = da::arange(0i64, 20, 1, 6).expect("valid");
    assert_eq!((&i % 7).to_vec().expect("computes"), (0..20).map(|v| v % 7).collect::<Vec<_>>());
    assert_eq!(i.astype::<f32>().to_vec().expect("computes"), (0..20).map(|v| v as f32).collect::<Vec<_>>());
    assert_eq!(x.isnan().compute().expect("computes"), a.mapv(f64::is_nan));
}

#[test]
fn reductions_along_axes_match_ndarray() {
    let a = numbers(&[5, 6, 7], 5);
    let x = da::from_array(a.clone(), vec![vec![2, 3], vec![1, 2, 3], vec![7]]).expect("valid");
    for axis in 0..3 {
        let ax = Axis(axis);
        close(&x.sum(axis).compute().expect("computes"), &a.sum_axis(ax));
        close(&x.mean(axis).compute().expect("computes"), &a.mean_axis(ax).expect("not empty"));
        close(&x.var(axis).compute().expect("computes"), &a.var_axis(ax, 0.0));
        close(&x.std(da::axis(axis as isize).ddof(1)).compute().expect("computes"), &a.std_axis(ax, 1.0));
        let max = a.fold_axis(ax, f64::NEG_INFINITY, |m, &v| m.max(v));
        close(&x.max(axis).compute().expect("computes"), &max);
        let min = a.fold_axis(ax, f64::INFINITY, |m, &v| m.min(v));
        close(&x.min(da::axis(axis as isize).keepdims()).compute().expect("computes"), &min.insert_axis(ax));
        let argmax = a.map_axis(ax, |lane| {
            lane.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (i, &v)| if v > best.1 { (i, v) } else { best })
                .0 as i64
        });
        assert_eq!(x.argmax(axis).compute().expect("computes"), argmax, "argmax along {axis}");
    }
    close(&x.sum(da::axes([0, 2])).compute().expect("computes"), &a.sum_axis(Axis(2)).sum_axis(Axis(0)));
    close(&x.sum(da::axis(-1).keepdims()).compute().expect("computes"), &a.sum_axis(Axis(2)).insert_axis(Axis(2)));
    assert!((x.mean(da::All).item().expect("one value") - a.mean().expect("not empty")).abs() < 1e-12);
    let flat = a.iter().enumerate().fold((0, f64::INFINITY), |b, (i, &v)| if v < b.1 { (i, v) } else { b }).0;
    assert_eq!(x.argmin(da::All).item().expect("one value"), flat as i64);
    // Ties go to the first, NaN wins, and empty max has no identity.
    let t = da::from_array(ndarray::array![1.0, 3.0, 3.0, f64::NAN, 3.0], 2).expect("valid");
    assert_eq!(t.argmax(da::All).item().expect("one value"), 3);
    assert_eq!(t.slice(s![..3]).argmax(da::All).item().expect("one value"), 1);
    assert!(t.max(da::All).item().expect("one value").is_nan());
    let e = da::zeros::<f64>(&[0, 3], 2).expect("valid").max(0).compute().expect_err("empty");
    assert!(e.to_string().contains("zero-size array"), "{e}");
    // Ties and NaN go to the first in the array's order, also when blocks cut the last axis
    // (partials then arrive out of that order).
    for (values, chunks) in [
        (vec![0.0, 0.0, 9.0, 0.0, 9.0, 0.0, 0.0, 0.0], [2, 2]),
        (vec![1.0, 0.0, f64::NAN, 0.0, f64::NAN, 0.0, 0.0, 0.0], [2, 2]),
    ] {
        let m = ndarray::Array::from_shape_vec((2, values.len() / 2), values.clone()).expect("2 rows").into_dyn();
        let first = |better: fn(f64, f64) -> bool| {
            values
                .iter()
                .enumerate()
                .fold(
                    (0, values[0]),
                    |b, (i, &v)| if !b.1.is_nan() && (v.is_nan() || better(v, b.1)) { (i, v) } else { b },
                )
                .0 as i64
        };
        let x = da::from_array(m, chunks).expect("valid");
        assert_eq!(x.argmax(da::All).item().expect("one value"), first(|v, b| v > b), "{values:?}");
        assert_eq!(x.argmin(da::All).item().expect("one value"), first(|v, b| v < b), "{values:?}");
    }
    // Integers: sums stay integers, means are f64; a sum that overflows its type is refused
    // (within a block and when partials merge), not wrapped around.
    let i = da::from_array(ndarray::array![[1i64, 2], [3, 4], [5, 7]], 2).expect("valid");
    assert_eq!(i.sum(0).to_vec().expect("computes"), [9, 13]);
    assert_eq!(i.mean(1).to_vec().expect("computes"), [1.5, 3.5, 6.0]);
    // In one block and when blocks' partials merge (each 200 fits, their sum does not).
    for chunks in [300, 1] {
        let bytes = da::from_array(ndarray::Array::from_elem(300, 200u8).into_dyn(), chunks).expect("valid");
        let e = bytes.sum(da::All).compute().expect_err("60,000 is past u8");
        assert!(
            e.to_string()
                .ends_with("sum: the sum 60000 does not fit uint8; convert first, e.g. x.astype::<i64>().sum(..)"),
            "{e}"
        );
        assert_eq!(bytes.astype::<u64>().sum(da::All).item().expect("one value"), 300 * 200);
    }
    // Only the total must fit, wherever the blocks fall (100 + 100 passes 127 on the way).
    for chunks in [1, 2, 3] {
        let mixed = da::from_array(ndarray::array![100i8, 100, -100, -50, 27], chunks).expect("valid");
        assert_eq!(mixed.sum(0).item().expect("77 fits"), 77, "chunks {chunks}");
        let e = mixed.slice(s![..2]).sum(0).item().expect_err("200 is past i8");
        assert!(e.to_string().contains("the sum 200 does not fit int8"), "{e}");
    }
    // Float sums are pairwise, as NumPy's: ten million 0.1f32 added one by one in f32 would
    // come to 1,087,937 (and in eight running sums to 1,010,792).
    let tenth = da::full(&[10_000_000], 0.1f32, -1).expect("valid");
    let exact = 1e7 * f64::from(0.1f32);
    assert!((f64::from(tenth.sum(da::All).item().expect("one value")) - exact).abs() < 1e-6 * exact);
    // ddof past the count divides by zero, as NumPy's max(n - ddof, 0).
    assert_eq!(t.slice(s![..3]).var(da::All.ddof(4)).item().expect("one value"), f64::INFINITY);
}

#[test]
fn slicing_and_fancy_indexing_match_ndarray() {
    let a = numbers(&[9, 8], 6);
    let x = da::from_array(a.clone(), [4, 3]).expect("valid");
    macro_rules! same {
        ($($t:tt)*) => {
            assert_eq!(x.slice(s![$($t)*]).compute().expect("computes"), a.slice(s![$($t)*]).to_owned().into_dyn(), stringify!($($t)*));
        };
    }
    same![.., ..];
    same![1..7, 2..];
    same![..;2, 1..;3];
    same![..;-1, ..];
    same![2..8;-3, 5];
    same![-3.., -1];
    same![4, ..;-2];
    same![NewAxis, 3.., NewAxis, ..2];
    // Past-the-end bounds are clipped, as in NumPy (ndarray would panic).
    assert_eq!(x.slice(s![5..100, ..]).shape().expect("valid"), [4, 8]);
    let e = x.slice(s![9, ..]).compute().expect_err("no row 9");
    assert_eq!(e.to_string(), "slice: index 9 is out of bounds for axis 0 with size 9");
    let idx = [8, 0, 3, 3, 7, 1];
    assert_eq!(x.take(0, &idx).compute().expect("computes"), a.select(Axis(0), &idx));
    assert_eq!(x.take(1, &[7, 2]).compute().expect("computes"), a.select(Axis(1), &[7, 2]));
    assert!(x.take(1, &[8]).compute().is_err());
}

#[test]
fn rechunk_transpose_concatenate_stack() {
    let a = numbers(&[6, 7], 7);
    let x = da::from_array(a.clone(), [4, 3]).expect("valid");
    for c in [Chunks::from(1), Chunks::from([5, 7]), Chunks::from(vec![vec![1, 1, 4], vec![3, 4]])] {
        let y = x.rechunk(c.clone());
        assert_eq!(y.compute().expect("computes"), a, "rechunk {c:?}");
    }
    assert_eq!(x.rechunk([2, 2]).chunks(), vec![vec![2, 2, 2], vec![2, 2, 2, 1]]);
    assert_eq!(x.t().compute().expect("computes"), a.t().to_owned());
    let b = numbers(&[2, 3, 4], 8);
    let y = da::from_array(b.clone(), 2).expect("valid");
    assert_eq!(y.transpose(&[1, 2, 0]).compute().expect("computes"), b.clone().permuted_axes(IxDyn(&[1, 2, 0])));
    let top = numbers(&[2, 7], 9);
    let cat = da::Array::concatenate(&[x.clone(), da::from_array(top.clone(), 5).expect("valid")], 0);
    assert_eq!(
        cat.compute().expect("computes"),
        ndarray::concatenate(Axis(0), &[a.view(), top.view()]).expect("same columns")
    );
    let e = da::Array::concatenate(&[x.clone(), y.clone()], 0).compute().expect_err("different shapes");
    assert!(e.to_string().contains("array 1 has shape (2, 3, 4)"), "{e}");
    let st = da::Array::stack(&[x.clone(), x.clone() * 2.0], 1);
    let want = ndarray::stack(Axis(1), &[a.view(), (&a * 2.0).view()]).expect("same shapes");
    assert_eq!(st.compute().expect("computes"), want);
}

#[test]
fn matmul_by_blocks_matches_ndarray_dot() {
    let a = numbers(&[7, 5], 10).into_dimensionality::<ndarray::Ix2>().expect("2-D");
    let b = numbers(&[5, 4], 11).into_dimensionality::<ndarray::Ix2>().expect("2-D");
    let v = numbers(&[5], 12).into_dimensionality::<ndarray::Ix1>().expect("1-D");
    let x = da::from_array(a.clone(), [3, 2]).expect("valid");
    let y = da::from_array(b.clone(), [4, 3]).expect("valid"); // rows cut unlike x's columns
    let w = da::from_array(v.clone(), 2).expect("valid");
    close(&x.matmul(&y).compute().expect("computes"), &a.dot(&b).into_dyn());
    close(&x.dot(&w).compute().expect("computes"), &a.dot(&v).into_dyn());
    close(&w.dot(&y).compute().expect("computes"), &v.dot(&b).into_dyn());
    close(&w.dot(&w).compute().expect("computes"), &ndarray::arr0(v.dot(&v)).into_dyn());
    close(&x.t().matmul(&x).compute().expect("computes"), &a.t().dot(&a).into_dyn());
}

#[test]
fn norms_qr_and_svd() {
    let a = numbers(&[40, 4], 13);
    let x = da::from_array(a.clone(), [9, 3]).expect("valid");
    let rows = a.map_axis(Axis(1), |r| r.iter().map(|v| v * v).sum::<f64>().sqrt());
    close(&x.norm(1).compute().expect("computes"), &rows);
    close(
        &linalg::norm(&x, NormOrd::P(1.0), 1).compute().expect("computes"),
        &a.map_axis(Axis(1), |r| r.iter().map(|v| v.abs()).sum()),
    );
    close(
        &linalg::norm(&x, NormOrd::P(3.0), 0).compute().expect("computes"),
        &a.map_axis(Axis(0), |r| r.iter().map(|v| v.abs().powi(3)).sum::<f64>().cbrt()),
    );
    close(
        &linalg::norm(&x, NormOrd::Inf, da::axis(0).keepdims()).compute().expect("computes"),
        &a.map_axis(Axis(0), |r| r.iter().fold(0.0, |m, v| v.abs().max(m))).insert_axis(Axis(0)),
    );
    let col_sums = a.map_axis(Axis(0), |c| c.iter().map(|v| v.abs()).sum::<f64>());
    assert!(
        (linalg::norm(&x, NormOrd::P(1.0), da::All).item().expect("one") - col_sums.fold(0.0, |m: f64, &v| m.max(v)))
            .abs()
            < 1e-9
    );
    let row_sums = a.map_axis(Axis(1), |r| r.iter().map(|v| v.abs()).sum::<f64>());
    assert!(
        (linalg::norm(&x, NormOrd::NegInf, da::All).item().expect("one")
            - row_sums.fold(f64::INFINITY, |m: f64, &v| m.min(v)))
        .abs()
            < 1e-9
    );
    assert!(linalg::norm(&x, NormOrd::P(2.0), da::All).compute().is_err(), "spectral norm is refused");
    // Axes (1, 0) read axis 1 as the rows, as NumPy: the 1-norm is then the largest row sum.
    assert!(
        (linalg::norm(&x, NormOrd::P(1.0), da::axes([1, 0])).item().expect("one")
            - row_sums.fold(0.0, |m: f64, &v| m.max(v)))
        .abs()
            < 1e-9
    );
    assert!(
        (linalg::norm(&x, NormOrd::Inf, da::axes([1, 0])).item().expect("one")
            - col_sums.fold(0.0, |m: f64, &v| m.max(v)))
        .abs()
            < 1e-9
    );
    // An invalid input's own error comes out, not one about axes.
    let e = linalg::norm(&(&x + &da::ones::<f64>(&[3], 3).expect("valid")), NormOrd::P(1.0), 0)
        .compute()
        .expect_err("(40, 4) and (3,)");
    assert_eq!(e.to_string(), "norm: add: operands could not be broadcast together with shapes (40, 4) (3,)");

    let (q, r) = linalg::qr(&x).expect("tall and skinny");
    assert_eq!(q.chunks()[0], x.chunks()[0]);
    let (qv, rv) = (q.compute().expect("computes"), r.compute().expect("computes"));
    let (q2, r2) = (
        qv.view().into_dimensionality::<ndarray::Ix2>().expect("2-D"),
        rv.view().into_dimensionality::<ndarray::Ix2>().expect("2-D"),
    );
    close(&q2.dot(&r2).into_dyn(), &a);
    close(&q2.t().dot(&q2).into_dyn(), &Array2::<f64>::eye(4).into_dyn());
    assert!((0..4).all(|i| (0..i).all(|j| r2[[i, j]] == 0.0) && r2[[i, i]] >= 0.0), "upper triangular, diagonal >= 0");
    // R is unique: RᵀR = AᵀA.
    let ata = a.view().into_dimensionality::<ndarray::Ix2>().expect("2-D");
    close(&r2.t().dot(&r2).into_dyn(), &ata.t().dot(&ata).into_dyn());

    let (u, sv, vt) = linalg::svd(&x).expect("tall and skinny");
    let (u, sv, vt) = (u.compute().expect("u"), sv.compute().expect("s"), vt.compute().expect("vt"));
    let u = u.into_dimensionality::<ndarray::Ix2>().expect("2-D");
    let vt = vt.into_dimensionality::<ndarray::Ix2>().expect("2-D");
    let sv = sv.into_dimensionality::<ndarray::Ix1>().expect("1-D");
    close(&u.dot(&Array2::from_diag(&sv)).dot(&vt).into_dyn(), &a);
    assert!(sv.windows(2).into_iter().all(|w| w[0] >= w[1]));
    // The squares of the singular values are the eigenvalues of AᵀA: their sum is its trace.
    let trace: f64 = ata.t().dot(&ata).diag().sum();
    assert!((sv.iter().map(|s| s * s).sum::<f64>() - trace).abs() < 1e-8 * trace);
    let e = linalg::qr(&da::from_array(a, [3, 4]).expect("valid")).expect_err("3-row blocks for 4 columns");
    assert!(e.to_string().contains("row block 0 has 3 rows for 4 columns"), "{e}");
}

#[test]
fn npy_files_read_as_numpy_writes_them() {
    let dir = temp_dir("npy");
    // Files written byte by byte: 1..=6 as little-endian i32 of shape (2, 3), in C order
    // and in Fortran order (where the same bytes are the transpose's layout).
    let npy = |fortran: &str, shape: &str| {
        let mut header = format!("{{'descr': '<i4', 'fortran_order': {fortran}, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        (1..=6i32).for_each(|v| bytes.extend(v.to_le_bytes()));
        bytes
    };
    std::fs::write(dir.join("c.npy"), npy("False", "(2, 3)")).expect("written");
    let x = da::from_npy::<i32>(dir.join("c.npy"), [1, 2]).expect("a valid file");
    assert_eq!(x.compute().expect("computes"), ndarray::array![[1, 2, 3], [4, 5, 6]].into_dyn());
    std::fs::write(dir.join("f.npy"), npy("True", "(2, 3)")).expect("written");
    let y = da::from_npy::<i32>(dir.join("f.npy"), 1).expect("a valid file");
    assert_eq!(y.compute().expect("computes"), ndarray::array![[1, 3, 5], [2, 4, 6]].into_dyn());
    // Round trip, and what is wrong with a bad file.
    let z = da::from_array(numbers(&[5, 3], 14), 2).expect("valid");
    da::to_npy(dir.join("z.npy"), &z).expect("written");
    assert_eq!(
        da::from_npy::<f64>(dir.join("z.npy"), [2, 2]).expect("valid").compute().expect("computes"),
        z.compute().expect("computes")
    );
    // A header that promises more than the file holds is refused before anything is read.
    std::fs::write(dir.join("huge.npy"), npy("False", "(200000000000,)")).expect("written");
    let e = da::from_npy::<i32>(dir.join("huge.npy"), -1).expect_err("a short file");
    assert!(
        e.to_string().contains(
            "huge.npy: the header's shape (200000000000,) of <i4 needs more bytes than the 24 the file holds"
        ),
        "{e}"
    );
    std::fs::write(dir.join("bad.npy"), b"not numpy").expect("written");
    let e = da::from_npy::<f64>(dir.join("bad.npy"), 1).expect_err("no magic");
    assert!(e.to_string().contains("bad.npy: not a .npy file"), "{e}");
    let e = da::from_npy::<f64>(dir.join("missing.npy"), 1).expect_err("no file");
    assert!(e.to_string().contains("missing.npy"), "{e}");
}

#[test]
fn zarr_stores_round_trip_and_read_hand_written_ones() {
    let dir = temp_dir("zarr");
    let a = numbers(&[11, 6], 15).mapv(|v| v as f32);
    let x = da::from_array(a.clone(), [4, 4]).expect("valid");
    for (version, compression) in
        [(2, Compression::None), (2, Compression::Zstd(3)), (3, Compression::Gzip(1)), (3, Compression::Zstd(0))]
    {
        let store = dir.join(format!("x-{version}-{compression:?}.zarr"));
        da::to_zarr_with(&store, &x, &ZarrOptions { version, compression, overwrite: false }).expect("written");
        let y = da::from_zarr::<f32>(&store).expect("readable");
        assert_eq!(y.chunks(), x.chunks());
        assert_eq!(y.compute().expect("computes"), a, "version {version} {compression:?}");
    }
    // Overwriting the store an array reads from: the new store replaces the old one only
    // when it is whole.
    let store = dir.join("twice.zarr");
    da::to_zarr(&store, &x).expect("written");
    let read = da::from_zarr::<f32>(&store).expect("readable");
    da::to_zarr_with(&store, &(&read * 2.0), &ZarrOptions { overwrite: true, ..ZarrOptions::default() })
        .expect("rewritten");
    assert_eq!(da::from_zarr::<f32>(&store).expect("readable").compute().expect("computes"), &a * 2.0);
    // A write that fails part way (a block of the wrong shape) keeps the old store.
    let bad = da::from_zarr::<f32>(&store).expect("readable").map_blocks(|b| b.slice_move(s![..1, ..]).into_dyn());
    let e = da::to_zarr_with(&store, &bad, &ZarrOptions { overwrite: true, ..ZarrOptions::default() })
        .expect_err("a block of the wrong shape");
    assert!(e.to_string().contains("map_blocks: block"), "{e}");
    assert_eq!(da::from_zarr::<f32>(&store).expect("still there").compute().expect("computes"), &a * 2.0);
    let e = da::to_zarr(dir.join(".."), &x).expect_err("no name");
    assert!(
        e.to_string().ends_with("..: is not a store's name (a path ending in a directory name, e.g. x.zarr)"),
        "{e}"
    );
    let e = da::to_zarr(&store, &x).expect_err("exists");
    assert!(e.to_string().contains("twice.zarr: already exists"), "{e}");
    assert_eq!(
        std::fs::read_dir(&dir)
            .expect("listed")
            .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with('.')))
            .count(),
        0,
        "no staging left"
    );
    // Irregular blocks are rechunked to the largest block before writing.
    let irregular = x.rechunk(vec![vec![2, 5, 4], vec![6]]);
    da::to_zarr(dir.join("irregular.zarr"), &irregular).expect("written");
    assert_eq!(da::from_zarr::<f32>(dir.join("irregular.zarr")).expect("readable").chunks()[0], [5, 5, 1]);

    // A v2 store by hand: big-endian i16 in Fortran order, chunks of 2 x 2, one chunk missing.
    let store = dir.join("hand.zarr");
    std::fs::create_dir_all(&store).expect("created");
    std::fs::write(
        store.join(".zarray"),
        r#"{"zarr_format": 2, "shape": [3, 2], "chunks": [2, 2], "dtype": ">i2",
        "compressor": null, "fill_value": -1, "order": "F", "filters": null}"#,
    )
    .expect("written");
    // Chunk (0, 0) holds [[1, 2], [3, 4]]; Fortran order stores 1, 3, 2, 4.
    std::fs::write(store.join("0.0"), [0, 1, 0, 3, 0, 2, 0, 4]).expect("written");
    let h = da::from_zarr::<i16>(&store).expect("readable");
    assert_eq!(h.compute().expect("computes"), ndarray::array![[1, 2], [3, 4], [-1, -1]].into_dyn());
    let e = da::from_zarr::<f32>(&store).expect_err("wrong type");
    assert!(e.to_string().contains("hand.zarr: holds >i2, not float32"), "{e}");
    // A chunk that is not the blosc frame the metadata promises names the chunk's file.
    std::fs::write(
        store.join(".zarray"),
        r#"{"zarr_format": 2, "shape": [3, 2], "chunks": [2, 2], "dtype": ">i2",
        "compressor": {"id": "blosc", "cname": "lz4"}, "fill_value": 0, "order": "C", "filters": null}"#,
    )
    .expect("written");
    let e = da::from_zarr::<i16>(&store).expect("metadata readable").compute().expect_err("not blosc");
    assert!(e.to_string().contains("hand.zarr/0.0: blosc: a blosc frame shorter than its 16-byte header"), "{e}");
    std::fs::write(
        store.join(".zarray"),
        r#"{"zarr_format": 2, "shape": [3, 2], "chunks": [2, 2], "dtype": "<f8",
        "compressor": {"id": "lzma"}, "fill_value": 0, "order": "C", "filters": null}"#,
    )
    .expect("written");
    let e = da::from_zarr::<f64>(&store).expect_err("lzma");
    assert!(e.to_string().contains("compressor 'lzma' is not supported"), "{e}");
    let v3 = dir.join("transposed.zarr");
    std::fs::create_dir_all(&v3).expect("created");
    std::fs::write(v3.join("zarr.json"), r#"{"zarr_format": 3, "node_type": "array", "shape": [2, 2], "data_type": "int16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 2]}}, "fill_value": 0,
        "codecs": [{"name": "transpose", "configuration": {"order": [0, 5]}}, {"name": "bytes", "configuration": {"endian": "little"}}]}"#).expect("written");
    let e = da::from_zarr::<i16>(&v3).expect_err("not a permutation");
    assert!(
        e.to_string().contains("transposed.zarr/zarr.json: transpose order (0, 5) is not an order of the 2 axes"),
        "{e}"
    );
    let e = da::from_zarr::<f64>(dir.join("nothing.zarr")).expect_err("no store");
    assert!(e.to_string().contains("nothing.zarr"), "{e}");
}

#[test]
fn the_seed_embeddings_example() {
    // let x = da::from_zarr("embeddings.zarr")?; let n = x.norm(axis=1, keepdims); (x / n).compute()
    let dir = temp_dir("embeddings");
    let a = numbers(&[1000, 16], 16).mapv(|v| v as f32);
    da::to_zarr(dir.join("embeddings.zarr"), &da::from_array(a.clone(), [300, 16]).expect("valid")).expect("written");
    let x = da::from_zarr::<f32>(dir.join("embeddings.zarr")).expect("readable");
    let n = x.norm(da::axis(1).keepdims());
    let unit = (&x / &n).compute().expect("computes");
    let want = &a / &a.map_axis(Axis(1), |r| r.iter().map(|v| v * v).sum::<f32>().sqrt()).insert_axis(Axis(1));
    assert!(unit.iter().zip(want.iter()).all(|(p, q)| (p - q).abs() < 1e-6));
}

#[test]
fn display_persist_and_graph() {
    let x = da::ones::<f32>(&[2_000_000, 128], "auto").expect("valid");
    assert_eq!(
        x.to_string(),
        "Array<float32>: shape (2000000, 128), blocks (262144, 128) x 8, 977 MiB (128 MiB per block)"
    );
    let html = x.to_html();
    assert!(html.contains("<td>977 MiB</td><td>128 MiB</td>") && html.contains("float32"), "{html}");
    let y = (da::arange(0, 12, 1, 5).expect("valid") * 2).persist().expect("persists");
    assert_eq!(y.to_vec().expect("computes"), (0..12).map(|v| v * 2).collect::<Vec<_>>());
    let z = da::arange(0.0, 6.0, 1.0, 3).expect("valid").reshape_rows(2).expect("3 x 2").sum(0);
    let drawing = z.visualize_with(&Visualize::new().format(Format::Dot)).expect("drawn");
    assert!(drawing.dot().contains("sum-partial") && drawing.dot().contains("arange"), "{}", drawing.dot());
    let d = z.to_delayed().expect("valid");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].compute().expect("computes").iter().copied().collect::<Vec<f64>>(), [6.0, 9.0]);
}

/// A Python with NumPy and zarr-python: the one on PATH (CI puts its venv there), else
/// `target/ci-venv`, made from tests/requirements.txt.
fn python() -> PathBuf {
    let has = |p: &Path| Command::new(p).args(["-c", "import numpy, zarr"]).output().is_ok_and(|o| o.status.success());
    let on_path = PathBuf::from("python3");
    if has(&on_path) {
        return on_path;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/ci-venv/bin/python");
    if !has(&venv) {
        let made = Command::new("python3").args(["-m", "venv"]).arg(root.join("target/ci-venv")).status();
        assert!(made.is_ok_and(|s| s.success()), "could not make target/ci-venv");
        let pip = Command::new(&venv)
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(root.join("tests/requirements.txt"))
            .status();
        assert!(pip.is_ok_and(|s| s.success()), "pip install -r tests/requirements.txt failed");
    }
    venv
}

#[test]
fn numpy_and_zarr_python_read_and_write_the_same_files() {
    let dir = temp_dir("interop");
    let a = numbers(&[9, 5], 17);
    let x = da::from_array(a.clone(), [4, 2]).expect("valid");
    da::to_npy(dir.join("r.npy"), &x).expect("written");
    da::to_zarr(dir.join("r3.zarr"), &x).expect("written");
    da::to_zarr_with(dir.join("r2.zarr"), &x, &ZarrOptions { version: 2, ..ZarrOptions::default() }).expect("written");
    let script = r#"
import sys, numpy as np, zarr
d = sys.argv[1]
a = np.load(d + "/r.npy")
for name in ("r3.zarr", "r2.zarr"):
    z = zarr.open_array(d + "/" + name, mode="r")
    assert z.chunks == (4, 2), z.chunks
    assert np.array_equal(z[:], a), name
print(repr(float(a.sum())))
b = np.arange(24, dtype="<i8").reshape(4, 6) * 3 - 7
np.save(d + "/p.npy", np.asfortranarray(b))
zarr.create_array(d + "/p3.zarr", data=b, chunks=(3, 4))
zarr.create_array(d + "/p2.zarr", data=b.astype(">f4"), chunks=(2, 5), zarr_format=2, order="F")
# Blosc, every compressor and shuffle, over blocks with a leftover and elements of 1, 2, 4
# and 8 bytes (values that compress, and noise).
from numcodecs import Blosc
from zarr.codecs import BloscCodec
rng = np.random.default_rng(5)
for t in ("u1", "<i2", "<f4", "<f8"):
    c = (np.arange(3000 * 7).reshape(3000, 7) % 23 * 5).astype(t)
    c[::3] = rng.integers(0, 100, size=c[::3].shape).astype(t)
    np.save(d + "/blosc-" + t.strip("<") + ".npy", c)
    for cname in ("blosclz", "lz4", "lz4hc", "zlib", "zstd"):
        for shuffle in (0, 1, 2):
            name = d + "/blosc-" + t.strip("<") + "-" + cname + "-" + str(shuffle)
            comp = Blosc(cname=cname, clevel=5, shuffle=shuffle, blocksize=4096)
            zarr.create_array(name + "-v2.zarr", data=c, chunks=(1000, 7), zarr_format=2, compressors=comp)
    v3 = BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle", typesize=c.dtype.itemsize)
    zarr.create_array(d + "/blosc-" + t.strip("<") + "-v3.zarr", data=c, chunks=(700, 7), compressors=v3)
"#;
    let out = Command::new(python()).args(["-c", script]).arg(&dir).output().expect("python runs");
    assert!(out.status.success(), "python: {}", String::from_utf8_lossy(&out.stderr));
    let sum: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a number");
    assert!((sum - a.sum()).abs() < 1e-9);
    let b = ndarray::Array::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as i64 * 3 - 7).into_dyn();
    assert_eq!(da::from_npy::<i64>(dir.join("p.npy"), [3, 4]).expect("readable").compute().expect("computes"), b);
    assert_eq!(da::from_zarr::<i64>(dir.join("p3.zarr")).expect("readable").compute().expect("computes"), b);
    let f = da::from_zarr::<f32>(dir.join("p2.zarr")).expect("readable");
    assert_eq!(f.chunks(), vec![vec![2, 2], vec![5, 1]]);
    assert_eq!(f.compute().expect("computes"), b.mapv(|v| v as f32));
    fn blosc_stores<T: rask::array::Element + PartialEq + std::fmt::Debug>(dir: &Path, t: &str) {
        let want =
            da::from_npy::<T>(dir.join(format!("blosc-{t}.npy")), Chunks::Auto).expect("npy").compute().expect("reads");
        let mut names = vec![format!("blosc-{t}-v3.zarr")];
        for cname in ["blosclz", "lz4", "lz4hc", "zlib", "zstd"] {
            names.extend((0..3).map(|shuffle| format!("blosc-{t}-{cname}-{shuffle}-v2.zarr")));
        }
        for name in names {
            let got = da::from_zarr::<T>(dir.join(&name)).expect("readable").compute().expect("decompresses");
            assert_eq!(got, want, "{name}");
        }
    }
    blosc_stores::<u8>(&dir, "u1");
    blosc_stores::<i16>(&dir, "i2");
    blosc_stores::<f32>(&dir, "f4");
    blosc_stores::<f64>(&dir, "f8");
}
