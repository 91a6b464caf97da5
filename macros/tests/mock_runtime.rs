//! Compiles and runs `#[delayed]` functions against a small, eager stand-in for the `rask`
//! runtime that has the real one's signatures (`IntoArg`, `IntoArgs`, `Callable`,
//! `__private::call` and `call_fallible`), so the expansion is type-checked, not only read.

#![allow(missing_docs, clippy::unwrap_used)]

// The expansion names `::rask`: let that be this test crate.
extern crate self as rask;

use std::path::{Path, PathBuf};

use rask_macros::delayed;

/// What a task may hold.
pub trait Data: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> Data for T {}

/// A call's result, computed at once, named after its task; an `Err` names the failed task.
#[derive(Clone, Debug)]
pub struct Delayed<T> {
    name: &'static str,
    result: Result<T, String>,
}

impl<T: Data> Delayed<T> {
    fn value(x: T) -> Self {
        Delayed { name: "value", result: Ok(x) }
    }
    fn compute(self) -> Result<T, String> {
        self.result
    }
}

pub trait IntoArg<T> {
    fn into_arg(self) -> Result<T, String>;
}
impl<T: Data> IntoArg<T> for T {
    fn into_arg(self) -> Result<T, String> {
        Ok(self)
    }
}
impl IntoArg<String> for &str {
    fn into_arg(self) -> Result<String, String> {
        Ok(self.to_owned())
    }
}
impl<T: Data> IntoArg<T> for Delayed<T> {
    fn into_arg(self) -> Result<T, String> {
        self.result
    }
}
impl<T: Data> IntoArg<T> for &Delayed<T> {
    fn into_arg(self) -> Result<T, String> {
        self.result.clone()
    }
}
impl<T: Data> IntoArg<Vec<T>> for Vec<Delayed<T>> {
    fn into_arg(self) -> Result<Vec<T>, String> {
        self.into_iter().map(|d| d.result).collect()
    }
}
impl<T: Data> IntoArg<Vec<T>> for &[Delayed<T>] {
    fn into_arg(self) -> Result<Vec<T>, String> {
        self.iter().map(|d| d.result.clone()).collect()
    }
}

pub trait IntoArgs<Args> {
    fn into_args(self) -> Result<Args, String>;
}

pub trait Callable<Args>: Send + Sync + 'static {
    type Output;
    fn invoke(&self, args: Args) -> Self::Output;
}

macro_rules! impl_args {
    ($($a:ident $x:ident),*) => {
        impl<$($a, $x: IntoArg<$a>),*> IntoArgs<($($a,)*)> for ($($x,)*) {
            #[allow(non_snake_case)]
            fn into_args(self) -> Result<($($a,)*), String> {
                let ($($x,)*) = self;
                Ok(($($x.into_arg()?,)*))
            }
        }
        impl<Func, Ret, $($a: Data),*> Callable<($($a,)*)> for Func
        where
            Func: Fn($($a),*) -> Ret + Send + Sync + 'static,
        {
            type Output = Ret;
            #[allow(non_snake_case)]
            fn invoke(&self, ($($a,)*): ($($a,)*)) -> Ret {
                self($($a),*)
            }
        }
    };
}
impl_args!();
impl_args!(A1 X1);
impl_args!(A1 X1, A2 X2);
impl_args!(A1 X1, A2 X2, A3 X3);
impl_args!(A1 X1, A2 X2, A3 X3, A4 X4);

pub mod __private {
    use super::{Callable, Data, Delayed, IntoArgs};

    pub fn call<F, Args>(name: &'static str, f: F, args: impl IntoArgs<Args>) -> Delayed<F::Output>
    where
        F: Callable<Args>,
        F::Output: Data,
    {
        Delayed { name, result: args.into_args().map(|a| f.invoke(a)) }
    }

    pub fn call_fallible<F, Args, T, E>(name: &'static str, f: F, args: impl IntoArgs<Args>) -> Delayed<T>
    where
        F: Callable<Args, Output = Result<T, E>>,
        T: Data,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let result = args.into_args().and_then(|a| f.invoke(a).map_err(|e| format!("{name}: {}", e.into())));
        Delayed { name, result }
    }
}

/// Loads numbers.
#[delayed]
pub fn load(path: &str, scale: f64) -> Vec<f64> {
    path.split(',').map(|x| x.parse::<f64>().unwrap() * scale).collect()
}

#[delayed]
fn clean(data: Vec<f64>) -> Vec<f64> {
    data.into_iter().filter(|x| *x >= 0.0).collect()
}

#[delayed]
fn analyze(parts: Vec<Vec<f64>>) -> f64 {
    parts.iter().flatten().sum()
}

#[delayed]
fn total(xs: &[f64]) -> f64 {
    xs.iter().sum()
}

#[delayed]
#[allow(clippy::needless_lifetimes)] // a named lifetime, to check it is left on the body
fn file_name<'a>(p: &'a Path) -> Option<String> {
    p.file_name().map(|n| n.to_string_lossy().into_owned())
}

#[delayed]
fn parse(s: &str) -> Result<i64, std::num::ParseIntError> {
    s.trim().parse()
}

#[delayed]
fn io_check(n: i64) -> std::io::Result<i64> {
    if n < 0 { Err(std::io::Error::other("negative")) } else { Ok(n) }
}

#[delayed]
fn first<T: Clone + Send + Sync + 'static>(v: Vec<T>) -> T {
    v[0].clone()
}

#[delayed]
fn sum_n<const N: usize>(a: [i64; N], extra: &i64) -> i64
where
    [i64; N]: Clone,
{
    a.iter().sum::<i64>() + extra
}

#[delayed(name = "custom")]
fn r#type(mut x: i64, (a, b): (i64, i64), _: u8) -> i64 {
    x += a;
    x * b
}

#[delayed]
fn unit() {}

#[delayed]
fn label(s: &'static str) -> &'static str {
    s
}

struct Maths;

impl Maths {
    #[delayed]
    fn double(x: i64) -> i64 {
        x * 2
    }
}

macro_rules! make_len {
    ($t:ty) => {
        #[delayed]
        fn len_of(s: $t) -> usize {
            s.len()
        }
    };
}
make_len!(&str);

#[test]
fn borrowed_str_takes_str_string_or_delayed() {
    assert_eq!(load("1,2", 2.0).compute().unwrap(), vec![2.0, 4.0]);
    assert_eq!(load(String::from("3"), 1.0).compute().unwrap(), vec![3.0]);
    let path = Delayed::value(String::from("-1,5"));
    assert_eq!(clean(load(&path, 1.0)).compute().unwrap(), vec![5.0]);
    assert_eq!(load("1", 1.0).name, "load");
}

#[test]
fn lists_of_delayed_gather_into_a_vec() {
    let parts: Vec<_> = ["1,2", "3"].iter().map(|p| clean(load(*p, 1.0))).collect();
    assert_eq!(analyze(parts).compute().unwrap(), 6.0);
}

#[test]
fn slices_and_paths_are_stored_owned() {
    assert_eq!(total(vec![1.0, 2.5]).compute().unwrap(), 3.5);
    assert_eq!(total(Delayed::value(vec![1.0])).compute().unwrap(), 1.0);
    assert_eq!(file_name(PathBuf::from("/a/b.csv")).compute().unwrap(), Some("b.csv".into()));
}

#[test]
fn results_become_fallible_tasks() {
    assert_eq!(parse(" 42 ").compute().unwrap(), 42);
    assert_eq!(parse("x").compute().unwrap_err(), "parse: invalid digit found in string");
    assert_eq!(io_check(parse("7")).compute().unwrap(), 7);
    assert_eq!(io_check(-1).compute().unwrap_err(), "io_check: negative");
}

#[test]
fn generics_are_kept() {
    assert_eq!(first(vec!["a", "b"]).compute().unwrap(), "a");
    assert_eq!(first(Delayed::value(vec![3_u8])).compute().unwrap(), 3);
    assert_eq!(first::<i64>(vec![5]).compute().unwrap(), 5);
    assert_eq!(sum_n([1, 2, 3], 4).compute().unwrap(), 10);
}

#[test]
fn names_patterns_and_units() {
    let d = r#type(1, (2, 3), 0);
    assert_eq!(d.name, "custom");
    assert_eq!(d.compute().unwrap(), 9);
    unit().compute().unwrap();
    assert_eq!(label("x").compute().unwrap(), "x");
    assert_eq!(Maths::double(4).compute().unwrap(), 8);
    assert_eq!(len_of("abc").compute().unwrap(), 3);
    assert_eq!(len_of("abc").name, "len_of");
}
