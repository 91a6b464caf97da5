//! The expansion of rask's `#[delayed]` attribute as a plain library on `proc-macro2`
//! tokens, so that both the attribute (`rask-macros`) and the REPL session (which expands
//! the attribute in a cell before rust-analyzer infers the cell's types) use the same code.
//!
//! ```
//! let item: proc_macro2::TokenStream = "fn double(x: i64) -> i64 { x * 2 }".parse().unwrap();
//! let out = rask_expand::delayed(Default::default(), item).unwrap().to_string();
//! assert!(out.contains("Delayed < i64 >"), "{out}");
//! ```

mod expand;
mod options;
#[cfg(test)]
mod tests;
mod types;

use proc_macro2::TokenStream;

/// Expands `#[delayed(attr)] item`: the function whose call builds a task and returns a
/// `Delayed`, or every error found in the attribute and the signature.
pub fn delayed(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    expand::expand(attr, item)
}
