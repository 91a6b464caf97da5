//! The `#[delayed]` attribute of rask.
//!
//! Use it through `rask`, which re-exports it as `rask::delayed`: the generated code calls
//! into `::rask`, so this crate is of no use on its own.

use proc_macro::TokenStream;

/// Makes a function lazy, as Dask's `@delayed`: calling it builds a task and returns a
/// `Delayed` instead of running the body.
///
/// Each argument may be given as a plain value or as a `Delayed` of it (or `&Delayed`, or,
/// for a `Vec<U>` parameter, a list of `Delayed<U>`: anything that is `IntoArg<T>` for the
/// parameter's type `T`), so calls chain into a task graph. Nothing runs until the result is
/// computed; then each task runs once all of its inputs are ready, in parallel with the others.
///
/// ```text
/// use rask::prelude::*;
///
/// /// Parses comma-separated numbers.
/// #[delayed]
/// fn parse(text: &str) -> Result<Vec<f64>, std::num::ParseFloatError> {
///     text.split(',').map(|x| x.trim().parse()).collect()
/// }
///
/// #[delayed]
/// fn clean(data: Vec<f64>) -> Vec<f64> {
///     data.into_iter().filter(|x| *x >= 0.0).collect()
/// }
///
/// #[delayed(name = "sum")]
/// fn total(parts: Vec<Vec<f64>>) -> f64 {
///     parts.iter().flatten().sum()
/// }
///
/// let parts: Vec<Delayed<Vec<f64>>> = ["1, 2, -5", "3.5"].into_iter().map(|t| clean(parse(t))).collect();
/// let sum: Delayed<f64> = total(parts); // nothing has run yet
/// assert_eq!(sum.compute()?, 6.5);      // parses and cleans both texts in parallel, then sums
///
/// assert!(parse("1, x").compute().is_err()); // an `Err` fails the task, naming it
/// # Ok::<(), rask::Error>(())
/// ```
///
/// # What the function becomes
///
/// `#[delayed] fn f(a: A, b: &B) -> R` becomes, keeping its attributes, docs and visibility,
/// `fn f(a: impl IntoArg<A>, b: impl IntoArg<B::Owned>) -> Delayed<R>`:
///
/// - **Borrowed parameters** `&X` are stored as `X`'s owned form (`<X as ToOwned>::Owned`)
///   and lent to the body: `&str` takes a `String` (or a `&str`), `&[T]` a `Vec<T>`, `&Path`
///   a `PathBuf`. Every other parameter, `&'static X` included, is stored as written.
///   Values live in the task graph, so their types must be `Clone + Send + Sync + 'static`;
///   a `&mut` parameter, or a borrow nested inside a type (`Vec<&str>`), is an error.
/// - **`Result` returns** (any type whose last path segment is `Result`: `Result<T, E>`,
///   `io::Result<T>`, `anyhow::Result<T>`...) give a `Delayed<T>`: an `Err` stops the
///   computation with an error that names the task. The error type must convert into
///   `Box<dyn Error + Send + Sync>`. Any other return type `R` gives a `Delayed<R>`, and no
///   return type a `Delayed<()>`.
/// - **Generic functions** keep their parameters and `where` clause, e.g.
///   `#[delayed] fn first<T: Clone + Send + Sync + 'static>(v: Vec<T>) -> T`. A type
///   parameter must be a named one: `impl Trait` parameters are not accepted.
/// - **Patterns** such as `mut x: i64` or `(a, b): (i64, i64)` stay on the body; the
///   generated function names such an argument `argN` (its position).
/// - **The task name**, which keys and graphs show, is the function's name; set another with
///   `#[delayed(name = "...")]`.
///
/// The body becomes a function nested in the generated one, so it sees the module's items
/// but not an enclosing `impl` block's `Self` or generic parameters: in an `impl` block,
/// only associated functions that use neither can be `#[delayed]`. A call of the function
/// inside its own body is a delayed call too.
///
/// # Errors
///
/// Compile errors, pointing at the offending part, for: `async`, `const`, `unsafe` and
/// `extern` functions, methods (a `self` receiver), variadic functions, functions naming
/// `Self` in their signature, more than 10 parameters, `&mut` or other borrowed parameters
/// (other than a top-level `&X`), `impl Trait` parameters, borrowed return types, a `Result`
/// without its type arguments, `#[cfg]` on a parameter, and any attribute argument other
/// than `name = "..."`.
#[proc_macro_attribute]
pub fn delayed(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match rask_expand::delayed(attr.into(), item.clone()) {
        Ok(expanded) => expanded.into(),
        // Keep the function as written, so its body is still checked and the errors are
        // only the attribute's.
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            out.into()
        }
    }
}
