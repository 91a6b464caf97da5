//! Calling typed Rust functions on type-erased task inputs.
//!
//! [`Callable`] is implemented for every `Fn(A1, .., An) -> R` (n ≤ 10) whose arguments are
//! [`Data`]; it knows the parameter types (for checking raw graphs before they run) and pulls
//! each argument out of an [`ArgReader`]. Delayed calls and raw graphs both build their task
//! functions here, so there is one place where values are unpacked.

use crate::error::{BoxError, Error, Result, TaskError};
use crate::node::TaskFn;
use crate::value::{Data, TypeDesc, Value, take, value};

/// Where one argument of a task comes from.
pub(crate) enum ArgSlot {
    /// A value captured in the task itself (cloned each run).
    Lit(Value),
    /// The result of the next dependency.
    Dep,
    /// The results of the next `n` dependencies, gathered into a `Vec` by `collect`.
    Deps(usize, fn(Vec<Value>) -> Result<Value>),
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
            ArgSlot::Deps(n, collect) => {
                let items: Vec<Value> = self.inputs.by_ref().take(*n).collect();
                if items.len() != *n {
                    return Err(missing());
                }
                take(collect(items)?)
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

macro_rules! impl_callable {
    ($($a:ident),*) => {
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
impl_callable!();
impl_callable!(A1);
impl_callable!(A1, A2);
impl_callable!(A1, A2, A3);
impl_callable!(A1, A2, A3, A4);
impl_callable!(A1, A2, A3, A4, A5);
impl_callable!(A1, A2, A3, A4, A5, A6);
impl_callable!(A1, A2, A3, A4, A5, A6, A7);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
impl_callable!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);

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
