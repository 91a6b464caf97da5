//! The arguments of the attribute: none, or `name = "..."` to choose the task name.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, LitStr, Token};

/// The error for anything but `name = "..."` between the parentheses.
pub(crate) const UNEXPECTED: &str = "unexpected argument; #[delayed] takes only `name = \"...\"`";

/// What `#[delayed(...)]` was given.
#[derive(Default)]
pub(crate) struct Options {
    /// The task name set with `name = "..."`; the function's name when absent.
    pub(crate) name: Option<LitStr>,
}

impl Options {
    /// Parses the tokens between the attribute's parentheses (empty for a bare `#[delayed]`).
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Self> {
        (|input: ParseStream<'_>| {
            let mut options = Options::default();
            while !input.is_empty() {
                options.parse_one(input)?;
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(options)
        })
        .parse2(attr)
    }

    fn parse_one(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        if !input.peek(Ident::peek_any) {
            let tt: TokenTree = input.parse()?;
            return Err(Error::new(tt.span(), UNEXPECTED));
        }
        let key = input.call(Ident::parse_any)?;
        if key != "name" {
            return Err(Error::new(key.span(), UNEXPECTED));
        }
        if !input.peek(Token![=]) {
            return Err(Error::new(key.span(), "expected `name = \"...\"`"));
        }
        input.parse::<Token![=]>()?;
        let name: LitStr = input
            .parse()
            .map_err(|e| Error::new(e.span(), "the task name must be a string literal: `name = \"...\"`"))?;
        if name.value().is_empty() {
            return Err(Error::new(name.span(), "the task name cannot be empty"));
        }
        if self.name.is_some() {
            return Err(Error::new(key.span(), "duplicate `name` argument"));
        }
        self.name = Some(name);
        Ok(())
    }
}
