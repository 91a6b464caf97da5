//! The `#[delayed]` attribute of [rask](https://docs.rs/rask).
//!
//! Use it through `rask`, which re-exports it as `rask::delayed`: the generated code calls
//! into `::rask`, so this crate is of no use on its own.

mod expand;
mod options;
#[cfg(test)]
mod tests;
mod types;

use proc_macro::TokenStream;

/// Makes a function lazy, as Dask's `@delayed`: calling it builds a task and returns a
/// [`Delayed`] instead of running the body.
///
/// Each argument may be given as a plain value or as a `Delayed` of it (or `&Delayed`, or,
/// for a `Vec<U>` parameter, a list of `Delayed<U>`: anything that is `IntoArg<T>` for the
/// parameter's type `T`), so calls chain into a task graph. Nothing runs until the result is
/// computed; then each task runs once all of its inputs are ready, in parallel with the others.
///
/// ```ignore
/// use rask::{Delayed, delayed};
///
/// /// Reads the numbers in one file, one per line.
/// #[delayed]
/// fn load(path: &str) -> std::io::Result<Vec<f64>> {
///     let text = std::fs::read_to_string(path)?;
///     Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
/// }
///
/// #[delayed]
/// fn clean(data: Vec<f64>) -> Vec<f64> {
///     data.into_iter().filter(|x| x.is_finite()).collect()
/// }
///
/// #[delayed(name = "sum")]
/// fn total(parts: Vec<Vec<f64>>) -> f64 {
///     parts.iter().flatten().sum()
/// }
///
/// let parts: Vec<Delayed<Vec<f64>>> = ["a.txt", "b.txt"].into_iter().map(|p| clean(load(p))).collect();
/// let sum: Delayed<f64> = total(parts); // nothing has run yet
/// let value: f64 = sum.compute()?;      // loads and cleans both files in parallel, then sums
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
///
/// [`Delayed`]: https://docs.rs/rask/latest/rask/struct.Delayed.html
#[proc_macro_attribute]
pub fn delayed(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match expand::expand(attr.into(), item.clone()) {
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
