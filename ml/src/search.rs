//! Model selection as task graphs: [`GridSearchCV`], [`RandomizedSearchCV`] and
//! [`cross_val_score`].
//!
//! The graph of a search, as Dask-ML builds it: the data is gathered once (`gather`), the
//! cross-validation splits are drawn once (`splits`), each fold's training and test sets are
//! cut (and preprocessed, with [`GridSearchCV::preprocess`]) once (`fold`), and only the
//! fits and scores are per candidate (`fit_candidate`, `score_candidate`), all in parallel;
//! `cv_results` gathers the scores. [`GridSearchCV::plan`] gives that graph without running
//! it, to draw with `.visualize()`.

use std::sync::Arc;
use std::time::Instant;

use ndarray::{Array1, Array2, ArrayView2};
use rask::polars::prelude::{Column, DataFrame as PlFrame, PolarsResult};
use rask::{BoxError, Delayed, delayed};

use crate::data::{Blocks, Features, Targets, stack_labels, stack_rows};
use crate::error::{Error, Result};
use crate::estimator::Estimator;
use crate::label::{Label, Scoring};
use crate::params::{ParamDistributions, ParamGrid, Params};
use crate::split::{KFold, Split, Splitter, select};

/// A preprocessing step a search fits once per training fold and shares between all
/// candidates (a scaler), as Dask-ML shares the common steps of pipelines.
pub trait Preprocess: std::fmt::Debug + Send + Sync {
    /// Fits on `train` and transforms both `train` and `test`.
    fn fit_transform(
        &self,
        train: ArrayView2<'_, f64>,
        test: ArrayView2<'_, f64>,
    ) -> Result<(Array2<f64>, Array2<f64>), BoxError>;
}

/// The whole data set of a search, in memory.
type Dataset<L> = Arc<(Array2<f64>, Array1<L>)>;

/// One fold: training rows and test rows.
struct Fold<L> {
    x_train: Array2<f64>,
    y_train: Array1<L>,
    x_test: Array2<f64>,
    y_test: Array1<L>,
}

/// A candidate's fitted model on one fold, with how long fitting took.
#[derive(Clone)]
struct FoldFit<M> {
    model: M,
    seconds: f64,
}

/// A candidate's score on one fold.
#[derive(Clone, Copy, Debug)]
struct FoldScore {
    score: f64,
    fit_seconds: f64,
    score_seconds: f64,
}

/// The scores of every candidate on every fold, as scikit-learn's `cv_results_`.
///
/// ```
/// use rask_ml::{GridSearchCV, KFold, LinearRegression, ParamGrid};
/// let x = ndarray::Array2::from_shape_fn((40, 2), |(i, j)| (i * (j + 1)) as f64 % 7.0);
/// let y = x.column(0).mapv(|v| 2.0 * v + 1.0);
/// let grid = ParamGrid::new().param("fit_intercept", [true, false]);
/// let search = GridSearchCV::new(grid, |p| Ok(LinearRegression::new().fit_intercept(p.bool("fit_intercept")?)))
///     .cv(KFold::new(4))
///     .fit(&x, &y)?;
/// let results = &search.cv_results;
/// assert_eq!(results.split_scores[0].len(), 4);
/// assert_eq!(results.rank_test_score[search.best_index], 1);
/// assert_eq!(search.best_params.to_string(), "fit_intercept=true");
/// let table = results.to_frame()?;
/// assert_eq!(table.height(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CvResults {
    /// Each candidate's parameters.
    pub params: Vec<Params>,
    /// `split_scores[c][k]`: candidate `c`'s score on test fold `k`.
    pub split_scores: Vec<Vec<f64>>,
    /// The mean of each candidate's fold scores.
    pub mean_test_score: Vec<f64>,
    /// Their standard deviation.
    pub std_test_score: Vec<f64>,
    /// 1 for the best mean score; ties share a rank.
    pub rank_test_score: Vec<usize>,
    /// The mean seconds a fit took.
    pub mean_fit_time: Vec<f64>,
    /// The mean seconds scoring took.
    pub mean_score_time: Vec<f64>,
    /// What the scores are (`accuracy`, `r2`, ...).
    pub scoring: String,
}

impl CvResults {
    fn new(params: Vec<Params>, n_splits: usize, scoring: String, scores: Vec<FoldScore>) -> CvResults {
        let per: Vec<&[FoldScore]> = scores.chunks(n_splits).collect();
        let mean = |f: fn(&FoldScore) -> f64| -> Vec<f64> {
            per.iter().map(|s| s.iter().map(f).sum::<f64>() / s.len() as f64).collect()
        };
        let mean_test_score = mean(|s| s.score);
        let std_test_score = per
            .iter()
            .zip(&mean_test_score)
            .map(|(s, m)| (s.iter().map(|f| (f.score - m).powi(2)).sum::<f64>() / s.len() as f64).sqrt())
            .collect();
        let rank_test_score =
            mean_test_score.iter().map(|m| 1 + mean_test_score.iter().filter(|o| better(**o, *m)).count()).collect();
        CvResults {
            split_scores: per.iter().map(|s| s.iter().map(|f| f.score).collect()).collect(),
            mean_fit_time: mean(|s| s.fit_seconds),
            mean_score_time: mean(|s| s.score_seconds),
            params,
            mean_test_score,
            std_test_score,
            rank_test_score,
            scoring,
        }
    }

    /// The candidate with the best mean score (the first of equals); NaN scores rank last.
    pub fn best_index(&self) -> usize {
        (0..self.params.len()).find(|&i| self.rank_test_score[i] == 1).unwrap_or(0)
    }

    /// The results as a polars table: a column per parameter, then `mean_test_score`,
    /// `std_test_score`, `rank_test_score`, `split{k}_test_score` and the mean times.
    pub fn to_frame(&self) -> PolarsResult<PlFrame> {
        let mut columns: Vec<Column> = Vec::new();
        if let Some(first) = self.params.first() {
            for (name, _) in first.iter() {
                let values: Vec<String> =
                    self.params.iter().map(|p| p.get(name).map(|v| v.to_string()).unwrap_or_default()).collect();
                columns.push(Column::new(format!("param_{name}").into(), values));
            }
        }
        columns.push(Column::new("mean_test_score".into(), &self.mean_test_score));
        columns.push(Column::new("std_test_score".into(), &self.std_test_score));
        columns.push(Column::new(
            "rank_test_score".into(),
            self.rank_test_score.iter().map(|&r| r as u32).collect::<Vec<_>>(),
        ));
        for k in 0..self.split_scores.first().map_or(0, Vec::len) {
            let fold: Vec<f64> = self.split_scores.iter().map(|s| s[k]).collect();
            columns.push(Column::new(format!("split{k}_test_score").into(), fold));
        }
        columns.push(Column::new("mean_fit_time".into(), &self.mean_fit_time));
        columns.push(Column::new("mean_score_time".into(), &self.mean_score_time));
        PlFrame::new(self.params.len(), columns)
    }
}

/// Whether score `a` ranks before `b` (NaN ranks after everything).
fn better(a: f64, b: f64) -> bool {
    a > b || (b.is_nan() && !a.is_nan())
}

impl std::fmt::Display for CvResults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} candidates × {} folds, scored by {}",
            self.params.len(),
            self.split_scores.first().map_or(0, Vec::len),
            self.scoring
        )?;
        let mut order: Vec<usize> = (0..self.params.len()).collect();
        order.sort_by_key(|&i| self.rank_test_score[i]);
        for i in order {
            writeln!(
                f,
                "  #{:<3} {:.4} ± {:.4}  fit {:.3}s  {}",
                self.rank_test_score[i],
                self.mean_test_score[i],
                self.std_test_score[i],
                self.mean_fit_time[i],
                self.params[i]
            )?;
        }
        Ok(())
    }
}

/// What a search found: every candidate's scores, the best candidate, and (unless
/// [`GridSearchCV::refit`] turned it off) the best estimator refitted on all the data
/// (after the preprocessing step, when there is one, fitted on all the data too).
#[derive(Clone)]
pub struct SearchResult<E: Estimator> {
    /// Every candidate's scores.
    pub cv_results: CvResults,
    /// The best candidate's index in `cv_results`.
    pub best_index: usize,
    /// Its parameters.
    pub best_params: Params,
    /// Its mean score over the folds.
    pub best_score: f64,
    /// Its estimator.
    pub best_estimator: E,
    /// Its model fitted on all the data (preprocessed, if the search has a step), if
    /// refitting was on.
    pub best_model: Option<E::Model>,
    /// The rows the search ran on, and its preprocessing step.
    data: Dataset<E::Label>,
    preprocess: Option<Arc<dyn Preprocess>>,
}

impl<E: Estimator> std::fmt::Debug for SearchResult<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchResult")
            .field("best_index", &self.best_index)
            .field("best_params", &self.best_params)
            .field("best_score", &self.best_score)
            .field("best_estimator", &self.best_estimator)
            .field("cv_results", &self.cv_results)
            .finish_non_exhaustive()
    }
}

impl<E: Estimator> SearchResult<E> {
    /// Predicts with the refitted best model, after the search's preprocessing step (fitted
    /// on all the rows the search ran on).
    ///
    /// Fails when the search was built with `.refit(false)`, or when `x` has another number
    /// of features than the search's rows.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<E::Label>> {
        let model = self.best_model.as_ref().ok_or_else(|| {
            Error::Search("this search did not refit the best estimator (refit was turned off)".to_string())
        })?;
        let width = self.data.0.ncols();
        if x.ncols() != width {
            return Err(Error::Data(format!("the search ran on {width} features, but X has {}", x.ncols())));
        }
        match &self.preprocess {
            Some(step) => {
                let (_, z) =
                    step.fit_transform(self.data.0.view(), x).map_err(|e| Error::Data(format!("{step:?}: {e}")))?;
                Ok(self.best_estimator.predict(model, z.view()))
            }
            None => Ok(self.best_estimator.predict(model, x)),
        }
    }
}

/// How a candidate's estimator is made from its parameters.
type Make<E> = Arc<dyn Fn(&Params) -> Result<E> + Send + Sync>;

/// What both searches share: how to make, split, score and preprocess.
struct Search<E: Estimator> {
    what: &'static str,
    make: Make<E>,
    cv: Arc<dyn Splitter>,
    scoring: Scoring<E::Label>,
    refit: bool,
    preprocess: Option<Arc<dyn Preprocess>>,
}

impl<E: Estimator> Search<E> {
    fn new(what: &'static str, make: Make<E>) -> Self {
        Search { what, make, cv: Arc::new(KFold::new(5)), scoring: Scoring::default(), refit: true, preprocess: None }
    }

    /// The candidates' estimators, or the first one that cannot be made.
    fn estimators(&self, candidates: &[Params]) -> Result<Vec<E>> {
        if candidates.is_empty() {
            return Err(Error::Search(format!("{}: no candidates to search", self.what)));
        }
        candidates
            .iter()
            .enumerate()
            .map(|(i, p)| (self.make)(p).map_err(|e| Error::Search(format!("{}: candidate {i} ({p}): {e}", self.what))))
            .collect()
    }

    /// The search's task graph over `data`, `estimators[c]` made from `candidates[c]`.
    fn graph(
        &self,
        candidates: &[Params],
        estimators: &[E],
        data: &Delayed<Dataset<E::Label>>,
    ) -> Result<Delayed<CvResults>> {
        self.cv.validate().map_err(|e| Error::Search(format!("{}: {e}", self.what)))?;
        let cv = self.cv.clone();
        let splits = data.try_map(move |d: Dataset<E::Label>| cv.split(d.0.nrows()).map(Arc::new));
        let folds: Vec<Delayed<Arc<Fold<E::Label>>>> = (0..self.cv.n_splits())
            .map(|k| {
                let fold = delayed!(fold::<E::Label>(data, &splits, k));
                match &self.preprocess {
                    Some(pre) => delayed!(preprocess_fold::<E::Label>(pre.clone(), fold, k)?),
                    None => fold,
                }
            })
            .collect();
        let mut scores = Vec::with_capacity(estimators.len() * folds.len());
        for (c, (est, params)) in estimators.iter().zip(candidates).enumerate() {
            let who = format!("candidate {c} ({params})");
            for (k, fold) in folds.iter().enumerate() {
                let fitted = delayed!(fit_candidate::<E>(est, fold, who.clone(), k)?);
                scores.push(delayed!(score_candidate::<E>(est, self.scoring.clone(), fitted, fold)));
            }
        }
        let (params, n, name) = (candidates.to_vec(), self.cv.n_splits(), self.scoring.name().to_string());
        Ok(delayed!(cv_results(params, n, name, scores)))
    }

    fn plan(
        &self,
        candidates: &[Params],
        x: &(impl Features + ?Sized),
        y: &(impl Targets<E::Label> + ?Sized),
    ) -> Result<Delayed<CvResults>> {
        self.graph(candidates, &self.estimators(candidates)?, &dataset(x, y)?)
    }

    fn fit(
        &self,
        candidates: &[Params],
        x: &(impl Features + ?Sized),
        y: &(impl Targets<E::Label> + ?Sized),
    ) -> Result<SearchResult<E>> {
        let estimators = self.estimators(candidates)?;
        // Gathered once: the folds read it, and so does the refit after the search.
        let data = dataset(x, y)?.persist()?;
        let cv_results = self.graph(candidates, &estimators, &data)?.compute()?;
        let best_index = cv_results.best_index();
        let best_estimator = estimators[best_index].clone();
        let best_model = if self.refit {
            let (est, step) = (best_estimator.clone(), self.preprocess.clone());
            let refit = data.try_map(move |d: Dataset<E::Label>| match &step {
                Some(step) => {
                    let (z, _) = step.fit_transform(d.0.view(), d.0.slice(ndarray::s![..0, ..]))?;
                    est.fit(z.view(), d.1.view())
                }
                None => est.fit(d.0.view(), d.1.view()),
            });
            Some(refit.compute()?)
        } else {
            None
        };
        let dataset = data.compute()?;
        Ok(SearchResult {
            best_params: candidates[best_index].clone(),
            best_score: cv_results.mean_test_score[best_index],
            cv_results,
            best_index,
            best_estimator,
            best_model,
            data: dataset,
            preprocess: self.preprocess.clone(),
        })
    }
}

/// The data gathered into one task's memory.
fn dataset<L: Label>(x: &(impl Features + ?Sized), y: &(impl Targets<L> + ?Sized)) -> Result<Delayed<Dataset<L>>> {
    let blocks = Blocks::new(x, y)?;
    Ok(delayed!(gather::<L>(blocks.parts)?))
}

fn gather<L: Label>(parts: Vec<(Array2<f64>, Array1<L>)>) -> std::result::Result<Dataset<L>, String> {
    let (xs, ys): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    Ok(Arc::new((stack_rows(xs)?, stack_labels(ys))))
}

fn fold<L: Label>(data: Dataset<L>, splits: Arc<Vec<Split>>, k: usize) -> Arc<Fold<L>> {
    let (train, test) = &splits[k];
    let (x_train, y_train) = select(&data.0, &data.1, train);
    let (x_test, y_test) = select(&data.0, &data.1, test);
    Arc::new(Fold { x_train, y_train, x_test, y_test })
}

fn preprocess_fold<L: Label>(
    pre: Arc<dyn Preprocess>,
    fold: Arc<Fold<L>>,
    k: usize,
) -> std::result::Result<Arc<Fold<L>>, String> {
    let (x_train, x_test) =
        pre.fit_transform(fold.x_train.view(), fold.x_test.view()).map_err(|e| format!("fold {k}: {pre:?}: {e}"))?;
    Ok(Arc::new(Fold { x_train, x_test, y_train: fold.y_train.clone(), y_test: fold.y_test.clone() }))
}

fn fit_candidate<E: Estimator>(
    est: E,
    fold: Arc<Fold<E::Label>>,
    who: String,
    k: usize,
) -> std::result::Result<FoldFit<E::Model>, String> {
    let start = Instant::now();
    let model = est.fit(fold.x_train.view(), fold.y_train.view()).map_err(|e| format!("{who}, fold {k}: {e}"))?;
    Ok(FoldFit { model, seconds: start.elapsed().as_secs_f64() })
}

fn score_candidate<E: Estimator>(
    est: E,
    scoring: Scoring<E::Label>,
    fitted: FoldFit<E::Model>,
    fold: Arc<Fold<E::Label>>,
) -> FoldScore {
    let start = Instant::now();
    let pred = est.predict(&fitted.model, fold.x_test.view());
    let score = scoring.score(fold.y_test.view(), pred.view());
    FoldScore { score, fit_seconds: fitted.seconds, score_seconds: start.elapsed().as_secs_f64() }
}

fn cv_results(params: Vec<Params>, n_splits: usize, scoring: String, scores: Vec<FoldScore>) -> CvResults {
    CvResults::new(params, n_splits, scoring, scores)
}

/// The builder methods both searches share.
macro_rules! search_builder {
    ($name:ident) => {
        impl<E: Estimator> $name<E> {
            /// How to cut the data into folds (default: `KFold::new(5)`).
            pub fn cv(mut self, cv: impl Splitter + 'static) -> Self {
                self.search.cv = Arc::new(cv);
                self
            }

            /// How to score a candidate on a test fold (default: the label type's, R² or
            /// accuracy).
            pub fn scoring(mut self, scoring: Scoring<E::Label>) -> Self {
                self.search.scoring = scoring;
                self
            }

            /// Whether to fit the best candidate on all the data afterwards (default: true).
            pub fn refit(mut self, refit: bool) -> Self {
                self.search.refit = refit;
                self
            }

            /// A step fitted once on each training fold and applied to both of its sets, shared
            /// by every candidate.
            pub fn preprocess(mut self, step: impl Preprocess + 'static) -> Self {
                self.search.preprocess = Some(Arc::new(step));
                self
            }

            /// The search as a task graph, without running it (`.visualize()` draws it,
            /// `.compute()` gives the [`CvResults`]).
            pub fn plan(
                &self,
                x: &(impl Features + ?Sized),
                y: &(impl Targets<E::Label> + ?Sized),
            ) -> Result<Delayed<CvResults>> {
                self.search.plan(&self.candidates()?, x, y)
            }

            /// Runs the search on `x` and `y`, in parallel, and refits the best candidate.
            pub fn fit(
                &self,
                x: &(impl Features + ?Sized),
                y: &(impl Targets<E::Label> + ?Sized),
            ) -> Result<SearchResult<E>> {
                self.search.fit(&self.candidates()?, x, y)
            }
        }
    };
}

/// An exhaustive search over a [`ParamGrid`]: every candidate is scored by cross-validation,
/// in parallel, as one task graph.
///
/// `make` builds a candidate's estimator from its [`Params`]; reading a parameter the grid
/// does not set fails before anything runs, naming the candidate.
///
/// ```
/// use rask_ml::{GridSearchCV, KFold, LogisticRegression, ParamGrid};
/// let x = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
/// let y = x.column(0).mapv(|v| v + 0.5 > 0.0);
/// let grid = ParamGrid::new().param("alpha", [0.01, 1.0, 100.0]);
/// let search = GridSearchCV::new(grid, |p| Ok(LogisticRegression::new().alpha(p.f64("alpha")?)))
///     .cv(KFold::new(3))
///     .fit(&x, &y)?;
/// assert!(search.best_score > 0.95);
/// assert_eq!(search.cv_results.params.len(), 3);
///
/// let bad = GridSearchCV::new(ParamGrid::new().param("C", [1.0]), |p| Ok(LogisticRegression::new().alpha(p.f64("alpha")?)));
/// let err = bad.fit(&x, &y).unwrap_err();
/// assert_eq!(err.to_string(), "GridSearchCV: candidate 0 (C=1): parameter 'alpha' is not set by the search (it sets C)");
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub struct GridSearchCV<E: Estimator> {
    grid: ParamGrid,
    search: Search<E>,
}

impl<E: Estimator> GridSearchCV<E> {
    /// A search over `grid`, making each candidate's estimator with `make`.
    pub fn new(grid: ParamGrid, make: impl Fn(&Params) -> Result<E> + Send + Sync + 'static) -> Self {
        GridSearchCV { grid, search: Search::new("GridSearchCV", Arc::new(make)) }
    }

    fn candidates(&self) -> Result<Vec<Params>> {
        self.grid.candidates()
    }
}
search_builder!(GridSearchCV);

/// A search over `n_iter` candidates drawn from [`ParamDistributions`] with a seed, scored by
/// cross-validation in parallel as one task graph.
///
/// ```
/// use rask_ml::{KFold, LinearRegression, ParamDistributions, RandomizedSearchCV};
/// let x = ndarray::Array2::from_shape_fn((60, 1), |(i, _)| i as f64);
/// let y = x.column(0).mapv(|v| 3.0 * v - 2.0);
/// let dists = ParamDistributions::new().param("fit_intercept", [true, false]);
/// let search = RandomizedSearchCV::new(dists, 4, |p| Ok(LinearRegression::new().fit_intercept(p.bool("fit_intercept")?)))
///     .seed(3)
///     .cv(KFold::new(3).shuffle(0))
///     .fit(&x, &y)?;
/// assert_eq!(search.cv_results.params.len(), 4);
/// assert!(search.best_params.bool("fit_intercept")?);
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub struct RandomizedSearchCV<E: Estimator> {
    distributions: ParamDistributions,
    n_iter: usize,
    seed: u64,
    search: Search<E>,
}

impl<E: Estimator> RandomizedSearchCV<E> {
    /// A search over `n_iter` candidates drawn from `distributions` (seed 0 unless
    /// [`RandomizedSearchCV::seed`] says otherwise), each made with `make`.
    pub fn new(
        distributions: ParamDistributions,
        n_iter: usize,
        make: impl Fn(&Params) -> Result<E> + Send + Sync + 'static,
    ) -> Self {
        RandomizedSearchCV { distributions, n_iter, seed: 0, search: Search::new("RandomizedSearchCV", Arc::new(make)) }
    }

    /// The seed candidates are drawn with.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn candidates(&self) -> Result<Vec<Params>> {
        if self.n_iter == 0 {
            return Err(crate::error::parameter("RandomizedSearchCV", "n_iter", 0, "it must be at least 1"));
        }
        self.distributions.sample(self.n_iter, self.seed)
    }
}
search_builder!(RandomizedSearchCV);

/// The score of `estimator` on each test fold of `cv`, the folds fitted in parallel.
///
/// ```
/// use rask_ml::{KFold, LinearRegression, cross_val_score};
/// let x = ndarray::Array2::from_shape_fn((30, 1), |(i, _)| i as f64);
/// let y = x.column(0).mapv(|v| 2.0 * v);
/// let scores = cross_val_score(&LinearRegression::new(), &x, &y, KFold::new(3))?;
/// assert_eq!(scores.len(), 3);
/// assert!(scores.iter().all(|s| (s - 1.0).abs() < 1e-9));     // R² of a perfect fit
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub fn cross_val_score<E: Estimator>(
    estimator: &E,
    x: &(impl Features + ?Sized),
    y: &(impl Targets<E::Label> + ?Sized),
    cv: impl Splitter + 'static,
) -> Result<Vec<f64>> {
    let est = estimator.clone();
    let mut search = Search::new("cross_val_score", Arc::new(move |_: &Params| Ok(est.clone())));
    search.cv = Arc::new(cv);
    search.refit = false;
    let results = search.plan(&[Params::default()], x, y)?.compute()?;
    Ok(results.split_scores.into_iter().next().unwrap_or_default())
}
