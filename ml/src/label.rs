//! Target types ([`Label`]) and the scores a search ranks models by ([`Scoring`]).
//!
//! Real-valued targets (`f64`, `f32`) are scored by R² by default, discrete ones (`bool`,
//! integers, `String`) by accuracy, as scikit-learn's regressors and classifiers are.

use ndarray::{Array1, ArrayView1};
use rask::BoxError;
use rask::polars::prelude::{DataFrame as PlFrame, DataType};

/// A target type: what `y` holds.
///
/// ```
/// use rask_ml::Label;
/// let truth = ndarray::array![1.0, 2.0, 3.0];
/// assert_eq!(f64::default_score(truth.view(), truth.view()), 1.0);        // R²
/// let hits = bool::default_score(ndarray::array![true, false].view(), ndarray::array![true, true].view());
/// assert_eq!(hits, 0.5);                                                   // accuracy
/// ```
pub trait Label: Clone + PartialEq + PartialOrd + Default + std::fmt::Debug + Send + Sync + 'static {
    /// The name of the default score (`"r2"` or `"accuracy"`).
    const SCORE: &'static str;

    /// The default score of predictions `pred` against `truth`: higher is better.
    fn default_score(truth: ArrayView1<'_, Self>, pred: ArrayView1<'_, Self>) -> f64;

    /// Reads a one-column polars frame (a partition of a target DataFrame).
    fn from_frame(df: &PlFrame) -> Result<Array1<Self>, BoxError>;

    /// Whether the label cannot be learnt from (a NaN or infinite real number).
    fn is_invalid(&self) -> bool {
        false
    }
}

/// The share of predictions equal to the truth.
///
/// ```
/// assert_eq!(rask_ml::accuracy(ndarray::array![1, 2, 3, 4].view(), ndarray::array![1, 2, 0, 4].view()), 0.75);
/// ```
pub fn accuracy<L: PartialEq>(truth: ArrayView1<'_, L>, pred: ArrayView1<'_, L>) -> f64 {
    if truth.is_empty() {
        return f64::NAN;
    }
    truth.iter().zip(pred.iter()).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

/// The coefficient of determination R² (1 is a perfect fit, 0 as good as the mean).
///
/// ```
/// let r2 = rask_ml::r2(ndarray::array![1.0, 2.0, 3.0].view(), ndarray::array![1.0, 2.0, 4.0].view());
/// assert!((r2 - 0.5).abs() < 1e-12);
/// ```
pub fn r2(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> f64 {
    let mean = truth.mean().unwrap_or(f64::NAN);
    let ss_res: f64 = truth.iter().zip(pred.iter()).map(|(t, p)| (t - p).powi(2)).sum();
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    if ss_tot == 0.0 { if ss_res == 0.0 { 1.0 } else { 0.0 } } else { 1.0 - ss_res / ss_tot }
}

/// The mean squared error (lower is better; a search ranks by its negative).
///
/// ```
/// assert_eq!(rask_ml::mean_squared_error(ndarray::array![1.0, 2.0].view(), ndarray::array![1.0, 4.0].view()), 2.0);
/// ```
pub fn mean_squared_error(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> f64 {
    truth.iter().zip(pred.iter()).map(|(t, p)| (t - p).powi(2)).sum::<f64>() / truth.len() as f64
}

/// How a search scores a model on a test fold: the label type's default, or a named
/// function (higher is better).
///
/// ```
/// use rask_ml::Scoring;
/// let neg_mse = Scoring::new("neg_mean_squared_error", |t, p| -rask_ml::mean_squared_error(t, p));
/// assert_eq!(neg_mse.name(), "neg_mean_squared_error");
/// assert_eq!(Scoring::<f64>::default().name(), "r2");
/// ```
pub struct Scoring<L> {
    name: String,
    score: std::sync::Arc<ScoreFn<L>>,
}

/// A score of predictions against the truth.
type ScoreFn<L> = dyn Fn(ArrayView1<'_, L>, ArrayView1<'_, L>) -> f64 + Send + Sync;

impl<L> Clone for Scoring<L> {
    fn clone(&self) -> Self {
        Scoring { name: self.name.clone(), score: self.score.clone() }
    }
}

impl<L> std::fmt::Debug for Scoring<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scoring({})", self.name)
    }
}

impl<L: Label> Default for Scoring<L> {
    fn default() -> Self {
        Scoring::new(L::SCORE, L::default_score)
    }
}

impl<L> Scoring<L> {
    /// A score named `name` computed by `score(truth, predictions)`.
    pub fn new(
        name: &str,
        score: impl Fn(ArrayView1<'_, L>, ArrayView1<'_, L>) -> f64 + Send + Sync + 'static,
    ) -> Self {
        Scoring { name: name.to_string(), score: std::sync::Arc::new(score) }
    }

    /// The score's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Scores `pred` against `truth`.
    pub fn score(&self, truth: ArrayView1<'_, L>, pred: ArrayView1<'_, L>) -> f64 {
        (self.score)(truth, pred)
    }
}

fn one_column(df: &PlFrame, dtype: DataType) -> Result<rask::polars::prelude::Series, BoxError> {
    let column = df.columns().first().ok_or("y's partition has no column")?;
    let name = column.name().clone();
    column
        .as_materialized_series()
        .cast(&dtype)
        .map_err(|e| format!("column '{name}' cannot be read as {dtype} labels: {e}").into())
}

fn no_null<T>(name: &str, i: usize, v: Option<T>) -> Result<T, BoxError> {
    v.ok_or_else(|| format!("column '{name}' has a null at row {i} of this partition").into())
}

macro_rules! real_label {
    ($($t:ty => $dtype:expr, $get:ident);*) => {$(
        impl Label for $t {
            const SCORE: &'static str = "r2";
            fn is_invalid(&self) -> bool {
                !self.is_finite()
            }
            fn default_score(truth: ArrayView1<'_, Self>, pred: ArrayView1<'_, Self>) -> f64 {
                r2(truth.mapv(f64::from).view(), pred.mapv(f64::from).view())
            }
            fn from_frame(df: &PlFrame) -> Result<Array1<Self>, BoxError> {
                let s = one_column(df, $dtype)?;
                let name = s.name().to_string();
                s.$get()?.iter().enumerate().map(|(i, v)| no_null(&name, i, v)).collect()
            }
        }
    )*};
}
real_label!(f64 => DataType::Float64, f64; f32 => DataType::Float32, f32);

macro_rules! class_label {
    ($($t:ty => $dtype:expr, $get:ident);*) => {$(
        impl Label for $t {
            const SCORE: &'static str = "accuracy";
            fn default_score(truth: ArrayView1<'_, Self>, pred: ArrayView1<'_, Self>) -> f64 {
                accuracy(truth, pred)
            }
            fn from_frame(df: &PlFrame) -> Result<Array1<Self>, BoxError> {
                let s = one_column(df, $dtype)?;
                let name = s.name().to_string();
                s.$get()?.iter().enumerate().map(|(i, v)| no_null(&name, i, v).map(Into::into)).collect()
            }
        }
    )*};
}
class_label!(bool => DataType::Boolean, bool; i32 => DataType::Int32, i32; i64 => DataType::Int64, i64;
    String => DataType::String, str);
