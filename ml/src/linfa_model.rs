//! Building linfa's fitted models from parameters fitted here.
//!
//! linfa's fitted types (`FittedLinearRegression`, `FittedLogisticRegression`, `KMeans`,
//! `Pca`, `LinearScaler`) keep their fields private and have no public constructor, but
//! they implement `Deserialize` (linfa's `serde` feature) with those fields as their
//! format. So a model fitted over partitions is written in that format and read back as the
//! linfa type, which then predicts and serializes like one linfa fitted itself.

use ndarray::{Array1, Array2};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Reads `fields` (a mirror of a linfa type's private fields) as that type.
fn build<T: DeserializeOwned>(what: &str, fields: impl Serialize) -> Result<T> {
    let value = serde_json::to_value(fields).map_err(|e| Error::Data(format!("{what}: {e}")))?;
    serde_json::from_value(value)
        .map_err(|e| Error::Data(format!("{what}: the fitted parameters are not finite ({e})")))
}

/// linfa's fitted ordinary least squares.
pub(crate) fn linear_regression(
    intercept: f64,
    params: Array1<f64>,
) -> Result<linfa_linear::FittedLinearRegression<f64>> {
    #[derive(Serialize)]
    struct Fields {
        intercept: f64,
        params: Array1<f64>,
    }
    build("LinearRegression", Fields { intercept, params })
}

/// linfa's fitted binary logistic regression, `pos` being the class of label 1.
pub(crate) fn logistic_regression<C: Serialize + DeserializeOwned + PartialOrd + Clone>(
    intercept: f64,
    params: Array1<f64>,
    pos: C,
    neg: C,
) -> Result<linfa_logistic::FittedLogisticRegression<f64, C>> {
    #[derive(Serialize)]
    struct Class<C> {
        class: C,
        label: f64,
    }
    #[derive(Serialize)]
    struct Labels<C> {
        pos: Class<C>,
        neg: Class<C>,
    }
    #[derive(Serialize)]
    struct Fields<C> {
        threshold: f64,
        intercept: f64,
        params: Array1<f64>,
        labels: Labels<C>,
    }
    let labels = Labels { pos: Class { class: pos, label: 1.0 }, neg: Class { class: neg, label: -1.0 } };
    build("LogisticRegression", Fields { threshold: 0.5, intercept, params, labels })
}

/// linfa's fitted k-means with Euclidean distance; `inertia` is the mean squared distance
/// of a row to its centroid, as linfa reports it.
pub(crate) fn kmeans(
    centroids: Array2<f64>,
    cluster_count: Array1<f64>,
    inertia: f64,
) -> Result<linfa_clustering::KMeans<f64, linfa_nn::distance::L2Dist>> {
    #[derive(Serialize)]
    struct Fields {
        centroids: Array2<f64>,
        cluster_count: Array1<f64>,
        inertia: f64,
        dist_fn: (),
    }
    build("KMeans", Fields { centroids, cluster_count, inertia, dist_fn: () })
}

/// linfa's fitted PCA: `embedding` has a row per component.
pub(crate) fn pca(embedding: Array2<f64>, sigma: Array1<f64>, mean: Array1<f64>) -> Result<linfa_reduction::Pca<f64>> {
    #[derive(Serialize)]
    struct Fields {
        embedding: Array2<f64>,
        sigma: Array1<f64>,
        mean: Array1<f64>,
    }
    build("PCA", Fields { embedding, sigma, mean })
}

/// How a linfa linear scaler was fitted.
#[derive(Serialize)]
pub(crate) enum Method {
    /// Centered (or not) and scaled to unit variance (or not).
    Standard(bool, bool),
    /// Scaled into `[min, max]`.
    MinMax(f64, f64),
}

/// linfa's fitted linear scaler: `x ↦ (x - offsets) * scales`.
pub(crate) fn linear_scaler(
    offsets: Array1<f64>,
    scales: Array1<f64>,
    method: Method,
) -> Result<linfa_preprocessing::linear_scaling::LinearScaler<f64>> {
    #[derive(Serialize)]
    struct Fields {
        offsets: Array1<f64>,
        scales: Array1<f64>,
        method: Method,
    }
    build("scaler", Fields { offsets, scales, method })
}
