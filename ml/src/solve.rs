//! Solving the small symmetric systems estimators end in (normal equations, Newton steps):
//! a Cholesky factorisation, which also tells when a matrix is not positive definite.

use ndarray::{Array1, Array2};

/// Solves `a x = b` for a symmetric positive definite `a`; `None` when `a` is not (to
/// rounding), e.g. the Gram matrix of collinear features.
pub(crate) fn solve_spd(a: &Array2<f64>, b: &Array1<f64>) -> Option<Array1<f64>> {
    let n = b.len();
    let scale = (0..n).map(|i| a[(i, i)].abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let d = a[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if d.is_nan() || d <= scale * 1e-12 {
            return None;
        }
        let d = d.sqrt();
        l[(j, j)] = d;
        for i in j + 1..n {
            l[(i, j)] = (a[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>()) / d;
        }
    }
    let mut y = Array1::<f64>::zeros(n);
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[(i, k)] * y[k]).sum::<f64>()) / l[(i, i)];
    }
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[(k, i)] * x[k]).sum::<f64>()) / l[(i, i)];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    #[test]
    fn solves_and_refuses_singular() {
        let a = array![[4.0, 2.0, 0.0], [2.0, 3.0, 1.0], [0.0, 1.0, 2.0]];
        let x = array![1.0, -2.0, 0.5];
        let b = a.dot(&x);
        let got = super::solve_spd(&a, &b).expect("positive definite");
        assert!((&got - &x).iter().all(|e| e.abs() < 1e-12), "{got}");
        assert!(super::solve_spd(&array![[1.0, 1.0], [1.0, 1.0]], &array![1.0, 1.0]).is_none());
    }
}
