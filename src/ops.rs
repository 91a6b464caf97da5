//! Arithmetic on delayed values, as Dask allows: `&a + &b` builds an `add` task.

use std::ops;

use crate::delayed::{Delayed, call};
use crate::value::Data;

macro_rules! binary_op {
    ($($Trait:ident $method:ident $name:literal),*) => {$(
        impl<T, U> ops::$Trait<Delayed<U>> for Delayed<T>
        where
            T: Data + ops::$Trait<U>,
            U: Data,
            T::Output: Data,
        {
            type Output = Delayed<T::Output>;
            fn $method(self, rhs: Delayed<U>) -> Self::Output {
                call($name, |a: T, b: U| ops::$Trait::$method(a, b), (self, rhs))
            }
        }

        impl<T, U> ops::$Trait<&Delayed<U>> for &Delayed<T>
        where
            T: Data + ops::$Trait<U>,
            U: Data,
            T::Output: Data,
        {
            type Output = Delayed<T::Output>;
            fn $method(self, rhs: &Delayed<U>) -> Self::Output {
                call($name, |a: T, b: U| ops::$Trait::$method(a, b), (self, rhs))
            }
        }
    )*};
}

binary_op!(Add add "add", Sub sub "sub", Mul mul "mul", Div div "truediv", Rem rem "mod");

impl<T> ops::Neg for &Delayed<T>
where
    T: Data + ops::Neg,
    T::Output: Data,
{
    type Output = Delayed<T::Output>;
    fn neg(self) -> Self::Output {
        call("neg", |a: T| -a, (self,))
    }
}

#[cfg(test)]
mod tests {
    use crate::Delayed;

    #[test]
    fn operators_build_tasks_that_compute_like_the_numbers() {
        let a = Delayed::value(7i64);
        let b = Delayed::value(2i64);
        let expr = &(&a + &b) * &(&a - &b);
        assert!(expr.key().to_string().starts_with("mul-"));
        assert_eq!(expr.compute().expect("runs"), 45);
        assert_eq!((&a / &b).compute().expect("runs"), 3);
        assert_eq!((&a % &b).compute().expect("runs"), 1);
        assert_eq!((-&a).compute().expect("runs"), -7);
        let s = Delayed::value(String::from("ab")) + Delayed::value("cd");
        assert_eq!(s.compute().expect("runs"), "abcd");
    }
}
