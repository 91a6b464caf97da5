//! Solving the small symmetric systems estimators end in (normal equations, Newton steps):
//! a Cholesky factorisation, which also tells when a matrix is not positive definite.

use ndarray::{Array1, Array2};

/// Solves `a x = b` for a symmetric positive definite `a`; `None` when `a` is not (to
/// rounding), e.g. the Gram matrix of collinear features.
pub(crate) fn solve_spd(a: &Array2<f64>, b: &Array1<f64>) -> Option<Array1<f64>> {
    // Scaled to a unit diagonal first (Jacobi), so that features on very different scales
    // are not mistaken for a singular matrix; each pivot is then compared with 1.
    let n = b.len();
    let d: Array1<f64> = (0..n).map(|i| if a[(i, i)] > 0.0 { 1.0 / a[(i, i)].sqrt() } else { f64::NAN }).collect();
    if d.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let pivot = a[(j, j)] * d[j] * d[j] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if pivot.is_nan() || pivot <= 1e-12 {
            return None;
        }
        let pivot = pivot.sqrt();
        l[(j, j)] = pivot;
        for i in j + 1..n {
            l[(i, j)] = (a[(i, j)] * d[i] * d[j] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>()) / pivot;
        }
    }
    let mut y = Array1::<f64>::zeros(n);
    for i in 0..n {
        y[i] = (b[i] * d[i] - (0..i).map(|k| l[(i, k)] * y[k]).sum::<f64>()) / l[(i, i)];
    }
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[(k, i)] * x[k]).sum::<f64>()) / l[(i, i)];
    }
    Some(x * &d)
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
        // features on scales 1e12 apart are not singular
        let wide = array![[1e12, 1e5], [1e5, 1.0]];
        let want = array![2e-6, -3.0];
        let got = super::solve_spd(&wide, &wide.dot(&want)).expect("positive definite");
        assert!(((&got - &want) / &want).iter().all(|e| e.abs() < 1e-9), "{got}");
    }
}
