//! Hyper-parameters of a search: a value ([`Param`]), one candidate's values ([`Params`]),
//! a grid of them ([`ParamGrid`]) and distributions to sample them from
//! ([`ParamDistributions`]).

use std::fmt;

use rand::Rng;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};

/// One hyper-parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// A real number.
    F64(f64),
    /// An integer.
    I64(i64),
    /// A flag.
    Bool(bool),
    /// A name (a solver, a kernel).
    Str(String),
}

macro_rules! param_from {
    ($($t:ty => $v:ident $(as $c:ty)?),*) => {$(
        impl From<$t> for Param {
            fn from(x: $t) -> Param {
                Param::$v(x $(as $c)?)
            }
        }
    )*};
}
param_from!(f64 => F64, f32 => F64 as f64, i64 => I64, i32 => I64 as i64, usize => I64 as i64, u64 => I64 as i64,
    bool => Bool, String => Str);

impl From<&str> for Param {
    fn from(x: &str) -> Param {
        Param::Str(x.to_string())
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::F64(x) => write!(f, "{x}"),
            Param::I64(x) => write!(f, "{x}"),
            Param::Bool(x) => write!(f, "{x}"),
            Param::Str(x) => write!(f, "{x:?}"),
        }
    }
}

/// One candidate's hyper-parameters, by name, in the order the grid gave them.
///
/// ```
/// use rask_ml::ParamGrid;
/// let grid = ParamGrid::new().param("alpha", [0.1, 1.0]).param("iterations", [10, 20]);
/// let candidates = grid.candidates()?;
/// assert_eq!(candidates.len(), 4);
/// assert_eq!(candidates[1].to_string(), "alpha=0.1, iterations=20");
/// assert_eq!(candidates[1].usize("iterations")?, 20);
/// let err = candidates[0].f64("beta").unwrap_err();
/// assert_eq!(err.to_string(), "parameter 'beta' is not set by the search (it sets alpha, iterations)");
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params(Vec<(String, Param)>);

impl Params {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Result<&Param> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v).ok_or_else(|| {
            let names: Vec<&str> = self.0.iter().map(|(n, _)| n.as_str()).collect();
            Error::Search(format!("parameter '{name}' is not set by the search (it sets {})", names.join(", ")))
        })
    }

    /// `name` as a real number (integers are converted).
    pub fn f64(&self, name: &str) -> Result<f64> {
        match self.get(name)? {
            Param::F64(x) => Ok(*x),
            Param::I64(x) => Ok(*x as f64),
            other => Err(wrong_type(name, other, "a number")),
        }
    }

    /// `name` as an integer.
    pub fn i64(&self, name: &str) -> Result<i64> {
        match self.get(name)? {
            Param::I64(x) => Ok(*x),
            other => Err(wrong_type(name, other, "an integer")),
        }
    }

    /// `name` as a count (a non-negative integer).
    pub fn usize(&self, name: &str) -> Result<usize> {
        let v = self.i64(name)?;
        usize::try_from(v).map_err(|_| Error::Search(format!("parameter '{name}' is {v}, but must not be negative")))
    }

    /// `name` as a flag.
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.get(name)? {
            Param::Bool(x) => Ok(*x),
            other => Err(wrong_type(name, other, "true or false")),
        }
    }

    /// `name` as a string.
    pub fn str(&self, name: &str) -> Result<&str> {
        match self.get(name)? {
            Param::Str(x) => Ok(x),
            other => Err(wrong_type(name, other, "a string")),
        }
    }

    /// The names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Param)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

fn wrong_type(name: &str, v: &Param, want: &str) -> Error {
    Error::Search(format!("parameter '{name}' is {v}, but is read as {want}"))
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (n, v)) in self.0.iter().enumerate() {
            write!(f, "{}{n}={v}", if i > 0 { ", " } else { "" })?;
        }
        Ok(())
    }
}

/// Every combination of some values of each parameter, as scikit-learn's `ParameterGrid`:
/// the last parameter varies fastest.
///
/// ```
/// use rask_ml::ParamGrid;
/// let grid = ParamGrid::new().param("C", [0.1, 1.0, 10.0]).param("intercept", [true, false]);
/// assert_eq!(grid.len(), 6);
/// assert!(ParamGrid::new().param("C", Vec::<f64>::new()).candidates().is_err());
/// ```
#[derive(Clone, Debug, Default)]
pub struct ParamGrid {
    params: Vec<(String, Vec<Param>)>,
}

impl ParamGrid {
    /// An empty grid (one candidate with no parameters).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter and the values it takes.
    pub fn param<V: Into<Param>>(mut self, name: &str, values: impl IntoIterator<Item = V>) -> Self {
        self.params.push((name.to_string(), values.into_iter().map(Into::into).collect()));
        self
    }

    /// The number of candidates.
    pub fn len(&self) -> usize {
        self.params.iter().map(|(_, v)| v.len()).product()
    }

    /// Whether the grid has no candidate (a parameter with no values).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every combination, the last parameter varying fastest.
    pub fn candidates(&self) -> Result<Vec<Params>> {
        check_names(self.params.iter().map(|(n, _)| n.as_str()))?;
        if let Some((name, _)) = self.params.iter().find(|(_, v)| v.is_empty()) {
            return Err(Error::Search(format!("ParamGrid: parameter '{name}' has no values")));
        }
        let mut out = vec![Params::default()];
        for (name, values) in &self.params {
            out = out
                .iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut p = p.clone();
                        p.0.push((name.clone(), v.clone()));
                        p
                    })
                })
                .collect();
        }
        Ok(out)
    }
}

fn check_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(Error::Search(format!("parameter '{n}' is given twice")));
        }
    }
    Ok(())
}

/// Where a randomized search draws one parameter from.
pub trait Distribution: fmt::Debug + Send + Sync {
    /// Draws a value.
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Param;
    /// Why the distribution is invalid, if it is.
    fn invalid(&self) -> Option<String> {
        None
    }
}

/// Real numbers uniform in `[low, high)`.
///
/// ```
/// use rask_ml::{ParamDistributions, uniform};
/// let drawn = ParamDistributions::new().param("l1_ratio", uniform(0.2, 0.4)).sample(5, 1)?;
/// assert!(drawn.iter().all(|p| (0.2..0.4).contains(&p.f64("l1_ratio").unwrap())));
/// # Ok::<(), rask_ml::Error>(())
/// ```
pub fn uniform(low: f64, high: f64) -> Uniform {
    Uniform { low, high, log: false }
}

/// Real numbers whose logarithm is uniform: as likely in `[0.001, 0.01)` as in `[1, 10)`.
pub fn loguniform(low: f64, high: f64) -> Uniform {
    Uniform { low, high, log: true }
}

/// A uniform or log-uniform range of reals (see [`uniform`], [`loguniform`]).
#[derive(Clone, Copy, Debug)]
pub struct Uniform {
    low: f64,
    high: f64,
    log: bool,
}

impl Distribution for Uniform {
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Param {
        let u: f64 = rng.r#gen();
        Param::F64(if self.log {
            (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp()
        } else {
            self.low + u * (self.high - self.low)
        })
    }

    fn invalid(&self) -> Option<String> {
        let ok = self.low.is_finite() && self.high.is_finite() && self.low < self.high && (!self.log || self.low > 0.0);
        (!ok).then(|| {
            let what = if self.log { "loguniform needs 0 < low < high" } else { "uniform needs low < high" };
            format!("{what}, got [{}, {})", self.low, self.high)
        })
    }
}

/// Integers uniform in `[low, high)`.
pub fn randint(low: i64, high: i64) -> RandInt {
    RandInt { low, high }
}

/// A uniform range of integers (see [`randint`]).
#[derive(Clone, Copy, Debug)]
pub struct RandInt {
    low: i64,
    high: i64,
}

impl Distribution for RandInt {
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Param {
        Param::I64(rng.gen_range(self.low..self.high))
    }

    fn invalid(&self) -> Option<String> {
        (self.low >= self.high).then(|| format!("randint needs low < high, got [{}, {})", self.low, self.high))
    }
}

/// One of a list of values, each as likely.
#[derive(Clone, Debug)]
pub struct Choice(Vec<Param>);

impl Distribution for Choice {
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Param {
        self.0[rng.gen_range(0..self.0.len())].clone()
    }

    fn invalid(&self) -> Option<String> {
        self.0.is_empty().then(|| "a list of choices is empty".to_string())
    }
}

/// What can be given for a parameter of [`ParamDistributions`]: a distribution, or a list of
/// values to choose from.
pub trait IntoDistribution {
    /// The distribution.
    fn into_distribution(self) -> Box<dyn Distribution>;
}

impl IntoDistribution for Uniform {
    fn into_distribution(self) -> Box<dyn Distribution> {
        Box::new(self)
    }
}

impl IntoDistribution for RandInt {
    fn into_distribution(self) -> Box<dyn Distribution> {
        Box::new(self)
    }
}

impl<V: Into<Param>, const N: usize> IntoDistribution for [V; N] {
    fn into_distribution(self) -> Box<dyn Distribution> {
        Box::new(Choice(self.into_iter().map(Into::into).collect()))
    }
}

impl<V: Into<Param>> IntoDistribution for Vec<V> {
    fn into_distribution(self) -> Box<dyn Distribution> {
        Box::new(Choice(self.into_iter().map(Into::into).collect()))
    }
}

/// Distributions of parameters for [`crate::RandomizedSearchCV`].
///
/// ```
/// use rask_ml::{ParamDistributions, loguniform, randint};
/// let d = ParamDistributions::new()
///     .param("alpha", loguniform(1e-4, 1.0))
///     .param("iterations", randint(10, 100))
///     .param("solver", ["newton", "gd"]);
/// let drawn = d.sample(20, 7)?;
/// assert_eq!(drawn, d.sample(20, 7)?);                       // the same seed, the same draws
/// assert!(drawn.iter().all(|p| p.f64("alpha").unwrap() < 1.0));
/// let bad = ParamDistributions::new().param("alpha", loguniform(0.0, 1.0)).sample(1, 0).unwrap_err();
/// assert_eq!(bad.to_string(), "ParamDistributions: parameter 'alpha': loguniform needs 0 < low < high, got [0, 1)");
/// # Ok::<(), rask_ml::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ParamDistributions {
    params: Vec<(String, Box<dyn Distribution>)>,
}

impl ParamDistributions {
    /// No parameters yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter drawn from `dist` (a distribution or a list of values).
    pub fn param(mut self, name: &str, dist: impl IntoDistribution) -> Self {
        self.params.push((name.to_string(), dist.into_distribution()));
        self
    }

    /// `n` candidates drawn with `seed`.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<Params>> {
        check_names(self.params.iter().map(|(n, _)| n.as_str()))?;
        if let Some((name, why)) = self.params.iter().find_map(|(n, d)| d.invalid().map(|w| (n, w))) {
            return Err(Error::Search(format!("ParamDistributions: parameter '{name}': {why}")));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        Ok((0..n)
            .map(|_| Params(self.params.iter().map(|(name, d)| (name.clone(), d.sample(&mut rng))).collect()))
            .collect())
    }
}
