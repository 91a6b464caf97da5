//! Searches against a plain loop over the same folds, and the shape of their task graphs.

use ndarray::{Array1, Array2, Axis};
use rask::prelude::*;
use rask_ml::{
    Estimator, GridSearchCV, KFold, LinearRegression, Linfa, LogisticRegression, ParamDistributions, ParamGrid,
    Preprocess, RandomizedSearchCV, Scoring, ShuffleSplit, Splitter, StandardScaler, cross_val_score, loguniform,
};

use crate::{classification, dense, regression, vector};

/// The scores a plain loop gets: fit on each training fold, score on its test fold.
fn by_loop<E: Estimator>(
    est: &E,
    x: &Array2<f64>,
    y: &Array1<E::Label>,
    cv: &dyn Splitter,
    pre: Option<&dyn Preprocess>,
) -> Vec<f64> {
    scored_loop(est, x, y, cv, pre, &Scoring::default())
}

fn scored_loop<E: Estimator>(
    est: &E,
    x: &Array2<f64>,
    y: &Array1<E::Label>,
    cv: &dyn Splitter,
    pre: Option<&dyn Preprocess>,
    scoring: &Scoring<E::Label>,
) -> Vec<f64> {
    cv.split(x.nrows())
        .expect("succeeds")
        .into_iter()
        .map(|(train, test)| {
            let (mut xtr, mut xte) = (x.select(Axis(0), &train), x.select(Axis(0), &test));
            if let Some(pre) = pre {
                (xtr, xte) = pre.fit_transform(xtr.view(), xte.view()).expect("succeeds");
            }
            let ytr: Array1<E::Label> = train.iter().map(|&i| y[i].clone()).collect();
            let yte: Array1<E::Label> = test.iter().map(|&i| y[i].clone()).collect();
            let model = est.fit(xtr.view(), ytr.view()).expect("succeeds");
            let pred = est.predict(&model, xte.view());
            scoring.score(yte.view(), pred.view())
        })
        .collect()
}

#[test]
fn grid_search_scores_equal_a_plain_loop() {
    let (x, y) = classification(3000, 4, 61);
    let (xd, yd) = (dense(&x), vector(&y));
    let grid = ParamGrid::new().param("alpha", [0.001, 0.1, 10.0, 1000.0]).param("fit_intercept", [true, false]);
    let cv = KFold::new(5).shuffle(1);
    let make = |p: &rask_ml::Params| {
        Ok(LogisticRegression::new().alpha(p.f64("alpha")?).fit_intercept(p.bool("fit_intercept")?))
    };
    let search = GridSearchCV::new(grid.clone(), make).cv(cv).fit(&x, &y).expect("succeeds");
    let results = &search.cv_results;
    assert_eq!(results.params.len(), 8);
    for (c, params) in grid.candidates().expect("succeeds").iter().enumerate() {
        assert_eq!(&results.params[c], params);
        let want = by_loop(&make(params).expect("succeeds"), &xd, &yd, &cv, None);
        assert_eq!(results.split_scores[c], want, "candidate {c} ({params})");
        let mean = want.iter().sum::<f64>() / 5.0;
        assert!((results.mean_test_score[c] - mean).abs() < 1e-12);
    }
    let best = (0..8)
        .max_by(|&a, &b| results.mean_test_score[a].total_cmp(&results.mean_test_score[b]).then(b.cmp(&a)))
        .expect("succeeds");
    assert_eq!(search.best_index, best);
    assert_eq!(results.rank_test_score[best], 1);
    // refit on all the data: the same model as fitting the best candidate directly
    let direct = Estimator::fit(&search.best_estimator, xd.view(), yd.view()).expect("succeeds");
    assert_eq!(search.best_model.as_ref().expect("succeeds").params(), direct.params());
    assert_eq!(search.predict(xd.view()).expect("succeeds").len(), 3000);
    let table = results.to_frame().expect("succeeds");
    assert_eq!(table.shape(), (8, 2 + 3 + 5 + 2));
    assert!(results.to_string().starts_with("8 candidates × 5 folds, scored by accuracy"));
}

#[test]
fn search_graph_shares_data_splits_and_preprocessing() {
    let (x, y) = classification(600, 3, 62);
    let grid = ParamGrid::new().param("alpha", [0.1, 1.0, 10.0]);
    let search = GridSearchCV::new(grid, |p| Ok(LogisticRegression::new().alpha(p.f64("alpha")?)))
        .cv(KFold::new(4))
        .preprocess(StandardScaler::new());
    let dot = search.plan(&x, &y).expect("succeeds").visualize().expect("succeeds").dot().to_string();
    let count = |name: &str| dot.matches(&format!("label=\"{name}\" shape=circle")).count();
    assert_eq!(count("fit_candidate"), 12, "{dot}");
    assert_eq!(count("score_candidate"), 12);
    assert_eq!(count("preprocess_fold"), 4);
    assert_eq!(count("fold"), 4);
    assert_eq!(count("gather"), 1);
    // and the scores are a loop's with the scaler fitted per fold
    let fitted = search.fit(&x, &y).expect("succeeds");
    let (xd, yd) = (dense(&x), vector(&y));
    let want = by_loop(&LogisticRegression::new().alpha(0.1), &xd, &yd, &KFold::new(4), Some(&StandardScaler::new()));
    assert_eq!(fitted.cv_results.split_scores[0], want);
}

#[test]
fn randomized_search_and_cross_val_score_equal_a_plain_loop() {
    let (x, y) = regression(1500, 3, 63);
    let (xd, yd) = (dense(&x), vector(&y));
    let cv = ShuffleSplit::new(4, 0.2, 5);
    let scores = cross_val_score(&LinearRegression::new(), &x, &y, cv).expect("succeeds");
    assert_eq!(scores, by_loop(&LinearRegression::new(), &xd, &yd, &cv, None));
    assert!(scores.iter().all(|s| *s > 0.95), "{scores:?}");
    // any linfa estimator, through Linfa
    let linfa_ols = Linfa::new(linfa_linear::LinearRegression::new());
    let theirs = cross_val_score(&linfa_ols, &x, &y, cv).expect("succeeds");
    assert!(scores.iter().zip(&theirs).all(|(a, b)| (a - b).abs() < 1e-9), "{scores:?} vs {theirs:?}");
    // a randomized search over a linfa estimator's parameter
    let dists = ParamDistributions::new().param("intercept", [true, false]).param("unused", loguniform(1e-3, 1.0));
    let neg_mse = Scoring::new("neg_mse", |t, p| -rask_ml::mean_squared_error(t, p));
    let search = RandomizedSearchCV::new(dists, 5, |p| {
        Ok(Linfa::new(linfa_linear::LinearRegression::new().with_intercept(p.bool("intercept")?)))
    })
    .seed(4)
    .cv(cv)
    .scoring(neg_mse.clone())
    .fit(&x, &y)
    .expect("succeeds");
    assert_eq!(search.cv_results.scoring, "neg_mse");
    let drawn = ParamDistributions::new()
        .param("intercept", [true, false])
        .param("unused", loguniform(1e-3, 1.0))
        .sample(5, 4)
        .expect("succeeds");
    assert_eq!(search.cv_results.params, drawn);
    assert!(
        drawn.iter().any(|p| p.bool("intercept").expect("succeeds"))
            && drawn.iter().any(|p| !p.bool("intercept").expect("succeeds"))
    );
    assert!(search.best_params.bool("intercept").expect("succeeds"), "{}", search.cv_results);
    for (c, params) in drawn.iter().enumerate() {
        let est = Linfa::new(
            linfa_linear::LinearRegression::new().with_intercept(params.bool("intercept").expect("succeeds")),
        );
        assert_eq!(search.cv_results.split_scores[c], scored_loop(&est, &xd, &yd, &cv, None, &neg_mse));
    }
}

#[test]
fn searches_name_bad_input() {
    let (x, y) = classification(100, 2, 64);
    let make = |p: &rask_ml::Params| Ok(LogisticRegression::new().alpha(p.f64("alpha")?));
    let err = GridSearchCV::new(ParamGrid::new().param("alpha", Vec::<f64>::new()), make)
        .fit(&x, &y)
        .expect_err("fails")
        .to_string();
    assert_eq!(err, "ParamGrid: parameter 'alpha' has no values");
    let err = GridSearchCV::new(ParamGrid::new().param("alpha", [1.0, -1.0]), make)
        .fit(&x, &y)
        .expect_err("fails")
        .to_string();
    // whichever fold fails first stops the run
    assert!(
        err.contains("candidate 1 (alpha=-1), fold ")
            && err.contains(": LogisticRegression: alpha = -1 is out of range"),
        "{err}"
    );
    let short = da::full(&[99], true, 50).expect("succeeds");
    let err =
        GridSearchCV::new(ParamGrid::new().param("alpha", [1.0]), make).fit(&x, &short).expect_err("fails").to_string();
    assert_eq!(err, "X has 100 rows but y has 99: they must have one row per label");
    let err = GridSearchCV::new(ParamGrid::new().param("alpha", [1.0]), make)
        .cv(KFold::new(200))
        .fit(&x, &y)
        .expect_err("fails")
        .to_string();
    assert!(err.contains("KFold: cannot cut 100 rows into 200 folds"), "{err}");
    let err = RandomizedSearchCV::new(ParamDistributions::new(), 0, make).fit(&x, &y).expect_err("fails").to_string();
    assert_eq!(err, "RandomizedSearchCV: n_iter = 0 is out of range: it must be at least 1");
}

#[test]
fn the_refitted_model_is_the_one_the_search_scored() {
    let (x, y) = classification(800, 3, 65);
    let x = &(&x * 100.0) + 50.0;
    let grid = ParamGrid::new().param("alpha", [0.01, 1.0]);
    let found = GridSearchCV::new(grid, |p| Ok(LogisticRegression::new().alpha(p.f64("alpha")?)))
        .cv(KFold::new(3))
        .preprocess(StandardScaler::new())
        .fit(&x, &y)
        .expect("fits");
    // the best candidate refitted on all rows, scaled by a scaler fitted on all rows
    let (xd, yd) = (dense(&x), vector(&y));
    let (scaled, _) = StandardScaler::new().fit_transform(xd.view(), xd.slice(ndarray::s![..0, ..])).expect("scales");
    let direct = Estimator::fit(&found.best_estimator, scaled.view(), yd.view()).expect("fits");
    assert_eq!(found.best_model.as_ref().expect("refit").params(), direct.params());
    assert_eq!(found.predict(xd.view()).expect("predicts"), found.best_estimator.predict(&direct, scaled.view()));
    let err = found.predict(xd.slice(ndarray::s![.., ..2])).expect_err("fails").to_string();
    assert_eq!(err, "the search ran on 3 features, but X has 2");
    let err = GridSearchCV::new(ParamGrid::new().param("alpha", [1.0]), |p| {
        Ok(LogisticRegression::new().alpha(p.f64("alpha")?))
    })
    .cv(KFold::new(0))
    .fit(&x, &y)
    .expect_err("fails")
    .to_string();
    assert_eq!(err, "GridSearchCV: KFold: n_splits = 0 is out of range: it must be at least 2");
}
