//! Type-erased values that flow between tasks, and what the engine knows about their types.

use std::any::{Any, TypeId};
use std::sync::Arc;

use crate::error::{Error, Result};

/// What a task may produce or take: any `Clone + Send + Sync + 'static` type.
///
/// `Clone` is needed because a result read by several tasks is shared; the last reader gets
/// the value itself (moved), the others a clone. Wrap a type that cannot be cloned in an
/// `Arc` to share it instead.
///
/// ```
/// fn takes_data<T: rask::Data>(_: T) {}
/// takes_data(vec![1.0_f64, 2.0]);
/// takes_data(String::from("text"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task's value: it must be `Clone + Send + Sync + 'static`",
    note = "derive `Clone`, or wrap the value in an `Arc`; `Rc` and `RefCell` cannot cross threads"
)]
pub trait Data: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> Data for T {}

/// A result held by the engine: shared, immutable, of a type known only at run time.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

pub(crate) fn value<T: Data>(x: T) -> Value {
    Arc::new(x)
}

/// Takes a `T` out of `v`: moved when `v` is its only owner, cloned otherwise.
pub(crate) fn take<T: Data>(v: Value) -> Result<T> {
    match v.downcast::<T>() {
        Ok(arc) => Ok(Arc::try_unwrap(arc).unwrap_or_else(|shared| T::clone(&shared))),
        Err(_) => Err(Error::Internal(format!("a task received a value that is not a {}", type_name::<T>()))),
    }
}

/// What the engine knows of a type: its id and readable name, and how to gather a list of
/// such values into a `Vec` (for list arguments, which Dask traverses).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct TypeDesc {
    pub(crate) id: TypeId,
    pub(crate) name: fn() -> String,
    pub(crate) vec_id: TypeId,
    pub(crate) collect: fn(Vec<Value>) -> Result<Value>,
    /// `std::any::type_name`: the tag of the type's codec.
    pub(crate) full_name: &'static str,
}

impl TypeDesc {
    pub(crate) fn of<T: Data>() -> TypeDesc {
        TypeDesc {
            id: TypeId::of::<T>(),
            name: type_name::<T>,
            vec_id: TypeId::of::<Vec<T>>(),
            collect: collect::<T>,
            full_name: std::any::type_name::<T>(),
        }
    }

    /// How a list of inputs of this type is gathered into a `Vec`.
    pub(crate) fn gather(&self) -> Gather {
        Gather { item: self.full_name, collect: self.collect }
    }

    pub(crate) fn vec_name(&self) -> String {
        format!("Vec<{}>", (self.name)())
    }
}

/// How the items of a list argument become one `Vec` value: the item type's name and the
/// function that gathers them.
#[derive(Clone, Copy)]
pub(crate) struct Gather {
    pub(crate) item: &'static str,
    pub(crate) collect: fn(Vec<Value>) -> Result<Value>,
}

pub(crate) fn collect<T: Data>(items: Vec<Value>) -> Result<Value> {
    let v: Vec<T> = items.into_iter().map(take::<T>).collect::<Result<_>>()?;
    Ok(value(v))
}

/// `std::any::type_name` without module paths: `Vec<f64>` rather than `alloc::vec::Vec<f64>`.
pub(crate) fn type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut pretty = String::with_capacity(full.len());
    let mut seg = String::new();
    for c in full.chars() {
        if "<>,;()[] &".contains(c) {
            pretty.push_str(seg.rsplit("::").next().unwrap_or(&seg));
            seg.clear();
            pretty.push(c);
        } else {
            seg.push(c);
        }
    }
    pretty.push_str(seg.rsplit("::").next().unwrap_or(&seg));
    pretty
}

/// An estimate of the bytes a value holds, for events and diagnostics: exact for common
/// containers of plain numbers and strings, the shallow size otherwise.
pub(crate) fn nbytes(v: &(dyn Any + Send + Sync)) -> usize {
    macro_rules! vec_of {
        ($($t:ty),*) => {$(
            if let Some(x) = v.downcast_ref::<Vec<$t>>() {
                return std::mem::size_of::<Vec<$t>>() + x.len() * std::mem::size_of::<$t>();
            }
        )*};
    }
    vec_of!(f64, f32, i64, i32, u64, u32, u8, usize, bool);
    if let Some(s) = v.downcast_ref::<String>() {
        return std::mem::size_of::<String>() + s.len();
    }
    if let Some(x) = v.downcast_ref::<Vec<String>>() {
        return std::mem::size_of::<Vec<String>>()
            + x.iter().map(|s| std::mem::size_of::<String>() + s.len()).sum::<usize>();
    }
    if let Some(x) = v.downcast_ref::<Vec<Vec<f64>>>() {
        return std::mem::size_of::<Vec<Vec<f64>>>()
            + x.iter().map(|s| std::mem::size_of::<Vec<f64>>() + 8 * s.len()).sum::<usize>();
    }
    std::mem::size_of_val(v)
}

/// A literal written without a type (`1`, `2.5`, `"text"`) is an `i32`, `f64` or `&str`;
/// where a task takes another number type (or a `String`), the literal is converted when
/// the conversion is exact.
pub(crate) fn convert_literal(v: &Value, to: TypeId) -> Option<Value> {
    macro_rules! to_int {
        ($x:expr, $($t:ty),*) => {$(
            if to == TypeId::of::<$t>() {
                return <$t>::try_from($x).ok().map(|y| value(y));
            }
        )*};
    }
    if let Some(&x) = v.downcast_ref::<i32>() {
        to_int!(x, i8, i16, i64, i128, isize, u8, u16, u32, u64, u128, usize);
        if to == TypeId::of::<f64>() {
            return Some(value(f64::from(x)));
        }
        if to == TypeId::of::<f32>() && x.unsigned_abs() < 1 << 24 {
            return Some(value(x as f32));
        }
    }
    if let Some(&x) = v.downcast_ref::<f64>()
        && to == TypeId::of::<f32>()
        && f64::from(x as f32) == x
    {
        return Some(value(x as f32));
    }
    if let (Some(&s), true) = (v.downcast_ref::<&'static str>(), to == TypeId::of::<String>()) {
        return Some(value(s.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_type_names() {
        assert_eq!(type_name::<Vec<f64>>(), "Vec<f64>");
        assert_eq!(type_name::<&str>(), "&str");
        assert_eq!(type_name::<std::collections::HashMap<String, Vec<i64>>>(), "HashMap<String, Vec<i64>>");
        assert_eq!(type_name::<(i64, String)>(), "(i64, String)");
    }

    #[test]
    fn take_moves_a_unique_value_and_clones_a_shared_one() {
        let v = value(vec![1u8, 2, 3]);
        let ptr = v.downcast_ref::<Vec<u8>>().map(|x| x.as_ptr());
        let moved: Vec<u8> = take(v).expect("a Vec<u8>");
        assert_eq!(Some(moved.as_ptr()), ptr, "a unique value is moved, not cloned");
        let shared = value(vec![1u8]);
        let keep = shared.clone();
        let copy: Vec<u8> = take(shared).expect("a Vec<u8>");
        assert_eq!(copy, vec![1u8]);
        assert_eq!(Arc::strong_count(&keep), 1);
        assert!(take::<String>(keep).is_err());
    }

    #[test]
    fn untyped_literals_convert_exactly() {
        let one = value(1i32);
        let big = value(300i32);
        let conv = |v: &Value, to| convert_literal(v, to).and_then(|x| x.downcast_ref::<i64>().copied());
        assert_eq!(conv(&one, TypeId::of::<i64>()), Some(1));
        assert!(convert_literal(&big, TypeId::of::<u8>()).is_none(), "300 does not fit a u8");
        assert!(convert_literal(&value(-1i32), TypeId::of::<u64>()).is_none());
        let half = convert_literal(&value(0.5f64), TypeId::of::<f32>()).expect("0.5 is exact in f32");
        assert_eq!(half.downcast_ref::<f32>(), Some(&0.5));
        assert!(convert_literal(&value(0.1f64), TypeId::of::<f32>()).is_none());
        assert!(convert_literal(&value(String::new()), TypeId::of::<i64>()).is_none());
    }

    #[test]
    fn sizes() {
        assert_eq!(nbytes(&vec![0f64; 10]), 24 + 80);
        assert_eq!(nbytes(&String::from("abc")), 24 + 3);
        assert_eq!(nbytes(&7u64), 8);
    }
}
