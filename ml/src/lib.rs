//! Machine learning on rask: parallel model selection and estimators that train over
//! partitions, on linfa (Dask-ML's experience in Rust).
//!
//! - **Model selection** ([`search`]): [`GridSearchCV`], [`RandomizedSearchCV`] and
//!   [`cross_val_score`] for any [`Estimator`] (this crate's, or any linfa algorithm through
//!   [`Linfa`]), built as one task graph in which the data, the splits and a shared
//!   preprocessing step are computed once; [`KFold`], [`ShuffleSplit`],
//!   [`train_test_split`] ([`split`]).
//! - **Estimators over partitions** of rask Arrays and DataFrames, each returning linfa's own
//!   fitted model: [`StandardScaler`], [`MinMaxScaler`] ([`preprocessing`]),
//!   [`LinearRegression`], [`LogisticRegression`] ([`linear`]), [`KMeans`] ([`cluster`]),
//!   [`PCA`] ([`decomposition`]); predictions on Arrays with [`PredictArray`] and
//!   [`TransformArray`] ([`predict`]).
//! - **Incremental learning** ([`incremental`]): [`Incremental`] over estimators that
//!   [`PartialFit`], such as [`SGDClassifier`].
//!
//! In the rask REPL and kernel, a cell that mentions `ml::` loads this crate as `ml` (the
//! first time on a machine it compiles linfa, about a minute).
//!
//! ```
//! use rask::prelude::*;
//! use rask_ml::{GridSearchCV, KFold, LogisticRegression, ParamGrid, PredictArray, StandardScaler, TransformArray};
//! let x = da::random(&[4000, 3], [1000, -1], 11)?;                        // 4 partitions
//! let y = x.sum(1).map_blocks(|b| b.mapv(|s| s > 1.5));
//!
//! let scaler = StandardScaler::new().fit(&x)?;                           // one pass
//! let z = scaler.transform_array(&x)?;
//! let model = LogisticRegression::new().fit(&z, &y)?;                    // Newton steps
//! let predicted = model.predict_array(&z)?.to_vec()?;
//! let right = predicted.iter().zip(y.to_vec()?).filter(|(p, t)| **p == *t).count();
//! assert!(right > 3900);
//!
//! let grid = ParamGrid::new().param("alpha", [0.1, 10.0, 1000.0]);
//! let search = GridSearchCV::new(grid, |p| Ok(LogisticRegression::new().alpha(p.f64("alpha")?)))
//!     .cv(KFold::new(3))
//!     .fit(&z, &y)?;
//! assert_eq!(search.best_params.f64("alpha")?, 0.1);
//! # Ok::<(), rask_ml::Error>(())
//! ```

pub mod cluster;
mod data;
pub mod decomposition;
mod error;
mod estimator;
pub mod incremental;
mod label;
pub mod linear;
mod linfa_model;
mod params;
mod passes;
pub mod predict;
pub mod preprocessing;
pub mod search;
mod solve;
pub mod split;

pub use cluster::KMeans;
pub use data::{Features, Targets};
pub use decomposition::{PCA, explained_variance};
pub use error::{Error, Result};
pub use estimator::{Estimator, Linfa};
pub use incremental::{Incremental, PartialFit, SGDClassifier};
pub use label::{Label, Scoring, accuracy, mean_squared_error, r2};
pub use linear::{LinearRegression, LogisticRegression};
pub use params::{
    Choice, Distribution, IntoDistribution, Param, ParamDistributions, ParamGrid, Params, RandInt, Uniform, loguniform,
    randint, uniform,
};
pub use predict::{PredictArray, TransformArray, predict_rows};
pub use preprocessing::{MinMaxScaler, StandardScaler};
pub use search::{CvResults, GridSearchCV, Preprocess, RandomizedSearchCV, SearchResult, cross_val_score};
pub use split::{KFold, ShuffleSplit, Splitter, train_test_split};

/// linfa, whose traits (`Fit`, `Predict`, `Transformer`) fit and apply models to data in
/// memory, and the linfa crates whose fitted models this crate returns.
pub use {linfa, linfa_clustering, linfa_linear, linfa_logistic, linfa_nn, linfa_preprocessing, linfa_reduction};
