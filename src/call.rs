//! Calling typed Rust functions on type-erased task inputs.
//!
//! [`Callable`] is implemented for every `Fn(A1, .., An) -> R` (n ≤ 10) whose arguments are
//! [`Data`]; it knows the parameter types (for checking raw graphs before they run) and pulls
//! each argument out of an [`ArgReader`]. Delayed calls and raw graphs both build their task
//! functions here, so there is one place where values are unpacked.

use crate::error::{BoxError, Error, Result, TaskError};
use crate::node::TaskFn;
use crate::value::{Data, Gather, TypeDesc, Value, take, value};

/// Where one argument of a task comes from.
pub(crate) enum ArgSlot {
    /// A value captured in the task itself (cloned each run).
    Lit(Value),
    /// The result of the next dependency.
    Dep,
    /// The results of the next `n` dependencies, gathered into a `Vec` of the described
    /// item type.
    Deps(usize, Gather),
}

/// Hands out the arguments of one task run, in order.
#[doc(hidden)]
pub struct ArgReader<'a> {
    slots: std::slice::Iter<'a, ArgSlot>,
    inputs: std::vec::IntoIter<Value>,
}

impl ArgReader<'_> {
    #[doc(hidden)]
    pub fn next_arg<T: Data>(&mut self) -> Result<T> {
        let missing = || Error::Internal("a task has fewer inputs than its function takes".into());
        match self.slots.next().ok_or_else(missing)? {
            ArgSlot::Lit(v) => take(v.clone()),
            ArgSlot::Dep => take(self.inputs.next().ok_or_else(missing)?),
            ArgSlot::Deps(n, item) => {
                let items: Vec<Value> = self.inputs.by_ref().take(*n).collect();
                if items.len() != *n {
                    return Err(missing());
                }
                take((item.collect)(items)?)
            }
        }
    }
}

/// A function a task can call: any `Fn(A1, .., An) -> R` with `Data` arguments.
#[doc(hidden)]
pub trait Callable<Args>: Send + Sync + 'static {
    /// What the function returns.
    type Output;
    /// The parameter types, in order.
    fn params() -> Vec<TypeDesc>;
    /// Calls the function with arguments taken from `args`.
    fn invoke(&self, args: &mut ArgReader<'_>) -> Result<Self::Output>;
}

/// Calls `$m!` once per supported arity (0 to 10) with pairs of type-parameter names:
/// `$m!()`, `$m!(A1 X1)`, `$m!(A1 X1, A2 X2)`, ...
macro_rules! for_each_arity {
    ($m:ident) => {
        $m!();
        $m!(A1 X1);
        $m!(A1 X1, A2 X2);
        $m!(A1 X1, A2 X2, A3 X3);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4, A5 X5);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4, A5 X5, A6 X6);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4, A5 X5, A6 X6, A7 X7);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4, A5 X5, A6 X6, A7 X7, A8 X8);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4, A5 X5, A6 X6, A7 X7, A8 X8, A9 X9);
        $m!(A1 X1, A2 X2, A3 X3, A4 X4, A5 X5, A6 X6, A7 X7, A8 X8, A9 X9, A10 X10);
    };
}
pub(crate) use for_each_arity;

macro_rules! impl_callable {
    ($($a:ident $_x:ident),*) => {
        impl<Func, Ret, $($a: Data),*> Callable<($($a,)*)> for Func
        where
            Func: Fn($($a),*) -> Ret + Send + Sync + 'static,
        {
            type Output = Ret;
            fn params() -> Vec<TypeDesc> {
                vec![$(TypeDesc::of::<$a>()),*]
            }
            #[allow(non_snake_case, unused_variables)]
            fn invoke(&self, args: &mut ArgReader<'_>) -> Result<Ret> {
                $(let $a = args.next_arg::<$a>()?;)*
                Ok(self($($a),*))
            }
        }
    };
}
for_each_arity!(impl_callable);

fn internal(e: Error) -> TaskError {
    TaskError::Failed(Box::new(e))
}

/// The task function of `f` over arguments from `slots`.
pub(crate) fn task_fn<F, Args>(f: F, slots: Vec<ArgSlot>) -> Box<TaskFn>
where
    F: Callable<Args>,
    F::Output: Data,
{
    Box::new(move |inputs| {
        let mut args = ArgReader { slots: slots.iter(), inputs: inputs.into_iter() };
        f.invoke(&mut args).map(value).map_err(internal)
    })
}

/// The task function of a fallible `f`: an `Err` fails the task with that error.
pub(crate) fn fallible_task_fn<F, Args, T, E>(f: F, slots: Vec<ArgSlot>) -> Box<TaskFn>
where
    F: Callable<Args, Output = std::result::Result<T, E>>,
    T: Data,
    E: Into<BoxError>,
{
    Box::new(move |inputs| {
        let mut args = ArgReader { slots: slots.iter(), inputs: inputs.into_iter() };
        match f.invoke(&mut args).map_err(internal)? {
            Ok(out) => Ok(value(out)),
            Err(e) => Err(TaskError::Failed(e.into())),
        }
    })
}
