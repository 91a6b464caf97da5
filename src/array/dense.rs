//! Dense kernels on one block, in plain Rust (no LAPACK): the thin QR of a tall matrix by
//! Householder reflections, and the SVD of a small square matrix by one-sided Jacobi
//! rotations. They are what `linalg.rs` runs per block.

use ndarray::{Array1, Array2, ArrayView2, Axis, s};

use super::Float;

/// The thin QR of `a` (m × n, m ≥ n): `q` (m × n) with orthonormal columns and `r` (n × n)
/// upper triangular with a non-negative diagonal, `a = q r`.
pub(crate) fn qr<T: Float>(a: ArrayView2<'_, T>) -> (Array2<T>, Array2<T>) {
    let (m, n) = a.dim();
    let mut r = a.to_owned();
    // The Householder vectors, one per column.
    let mut vs: Vec<Array1<T>> = Vec::with_capacity(n);
    for k in 0..n.min(m) {
        let x = r.slice(s![k.., k]).to_owned();
        let norm = x.iter().fold(T::zero(), |acc, &v| acc + v * v).sqrt();
        let mut v = x;
        if norm > T::zero() {
            let alpha = if v[0] >= T::zero() { -norm } else { norm };
            v[0] = v[0] - alpha;
            let vnorm = v.iter().fold(T::zero(), |acc, &e| acc + e * e).sqrt();
            if vnorm > T::zero() {
                v.mapv_inplace(|e| e / vnorm);
                // r[k.., k..] -= 2 v (vᵀ r[k.., k..])
                let mut block = r.slice_mut(s![k.., k..]);
                let w = v.dot(&block);
                let two = T::one() + T::one();
                for (i, &vi) in v.iter().enumerate() {
                    let mut row = block.row_mut(i);
                    row.zip_mut_with(&w, |e, &wj| *e = *e - two * vi * wj);
                }
            }
        }
        vs.push(v);
    }
    // q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
    let mut q = Array2::<T>::zeros((m, n));
    for i in 0..n.min(m) {
        q[[i, i]] = T::one();
    }
    for (k, v) in vs.iter().enumerate().rev() {
        let mut block = q.slice_mut(s![k.., ..]);
        let w = v.dot(&block);
        let two = T::one() + T::one();
        for (i, &vi) in v.iter().enumerate() {
            block.row_mut(i).zip_mut_with(&w, |e, &wj| *e = *e - two * vi * wj);
        }
    }
    let mut r = r.slice(s![..n, ..]).to_owned();
    for i in 0..n {
        for j in 0..i {
            r[[i, j]] = T::zero();
        }
    }
    // A non-negative diagonal makes the factorisation unique.
    for i in 0..n.min(m) {
        if r[[i, i]] < T::zero() {
            r.row_mut(i).mapv_inplace(|e| -e);
            q.column_mut(i).mapv_inplace(|e| -e);
        }
    }
    (q, r)
}

/// The SVD of a square `a` (n × n): `u` (n × n), the singular values in decreasing order,
/// and `vt`, with `a = u diag(s) vt`. Columns of `u` for zero singular values are zero.
pub(crate) fn svd<T: Float>(a: ArrayView2<'_, T>) -> (Array2<T>, Array1<T>, Array2<T>) {
    let n = a.ncols();
    let mut w = a.to_owned();
    let mut v = Array2::<T>::eye(n);
    let eps = T::epsilon();
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (cp, cq) = (w.column(p), w.column(q));
                let alpha = cp.dot(&cp);
                let beta = cq.dot(&cq);
                let gamma = cp.dot(&cq);
                if gamma == T::zero() || gamma.abs() <= eps * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let two = T::one() + T::one();
                let zeta = (beta - alpha) / (two * gamma);
                let t = zeta.signum() / (zeta.abs() + (T::one() + zeta * zeta).sqrt());
                let c = T::one() / (T::one() + t * t).sqrt();
                let sn = c * t;
                rotate(&mut w, p, q, c, sn);
                rotate(&mut v, p, q, c, sn);
            }
        }
        if !rotated {
            break;
        }
    }
    let sigma: Vec<T> = w.axis_iter(Axis(1)).map(|c| c.dot(&c).sqrt()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| sigma[j].partial_cmp(&sigma[i]).unwrap_or(std::cmp::Ordering::Equal));
    let mut u = Array2::<T>::zeros((a.nrows(), n));
    let mut vt = Array2::<T>::zeros((n, n));
    let mut s_out = Array1::<T>::zeros(n);
    for (k, &i) in order.iter().enumerate() {
        s_out[k] = sigma[i];
        if sigma[i] > T::zero() {
            u.column_mut(k).assign(&w.column(i).mapv(|e| e / sigma[i]));
        }
        vt.row_mut(k).assign(&v.column(i));
    }
    (u, s_out, vt)
}

fn rotate<T: Float>(m: &mut Array2<T>, p: usize, q: usize, c: T, s: T) {
    for i in 0..m.nrows() {
        let (x, y) = (m[[i, p]], m[[i, q]]);
        m[[i, p]] = c * x - s * y;
        m[[i, q]] = s * x + c * y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.shape() == b.shape() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-10)
    }

    #[test]
    fn qr_reconstructs_with_orthonormal_q() {
        let a = array![[2.0, -1.0, 0.5], [1.0, 3.0, 1.0], [0.0, 1.0, -2.0], [4.0, 0.5, 1.5], [1.0, 1.0, 1.0]];
        let (q, r) = qr(a.view());
        assert!(close(&q.dot(&r), &a));
        assert!(close(&q.t().dot(&q), &Array2::eye(3)));
        assert!(r[[1, 0]] == 0.0 && r[[2, 0]] == 0.0 && r[[2, 1]] == 0.0);
        assert!((0..3).all(|i| r[[i, i]] >= 0.0));
    }

    #[test]
    fn svd_reconstructs_in_decreasing_order() {
        let a = array![[4.0, 1.0, 0.0], [2.0, 3.0, 1.0], [0.0, 1.0, 5.0]];
        let (u, s, vt) = svd(a.view());
        let back = u.dot(&Array2::from_diag(&s)).dot(&vt);
        assert!(close(&back, &a));
        assert!(s[0] >= s[1] && s[1] >= s[2]);
        assert!(close(&vt.dot(&vt.t()), &Array2::eye(3)));
        // A diagonal matrix's singular values are its absolute diagonal, sorted.
        let (_, s, _) = svd(array![[1.0, 0.0], [0.0, -3.0]].view());
        assert_eq!(s.to_vec(), vec![3.0, 1.0]);
    }
}
