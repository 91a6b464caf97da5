//! How a function's parameter and return types map onto the values a task stores.
//!
//! Tasks keep their inputs and results (`Clone + Send + Sync + 'static`), so a parameter
//! `&X` is stored as `X`'s owned form and lent to the body; every other type, `&'static X`
//! included, is stored as written. A `Result` return makes the task fallible and its value the `Ok` type.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, GenericArgument, Lifetime, PatType, PathArguments, ReturnType, Type};

/// How one parameter travels from the caller to the body.
pub(crate) struct StoredParam {
    /// The type the task stores (and the caller passes, or a `Delayed` of it).
    pub(crate) ty: TokenStream,
    /// Whether the body takes a reference to the stored value rather than the value.
    pub(crate) borrowed: bool,
}

/// What the task computes.
pub(crate) struct Output {
    /// The value type `T` of the `Delayed<T>` the function returns.
    pub(crate) value: TokenStream,
    /// Whether the body returns a `Result` whose `Err` fails the task.
    pub(crate) fallible: bool,
}

/// Where a type appears, for the wording of errors.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Param,
    Return,
}

const BORROWED_PARAM: &str = "#[delayed] arguments must be owned values: only a top-level `&X` \
     is converted (to `X`'s owned form); use an owned type here";
const BORROWED_RETURN: &str = "#[delayed] functions must return an owned value, which the task \
     keeps; use an owned type here (e.g. `String` for `&str`)";
const IMPL_TRAIT_PARAM: &str = "#[delayed] arguments cannot use `impl Trait`: declare a generic type parameter instead";
const MUT_REF: &str = "#[delayed] functions cannot take `&mut` arguments: a task's inputs are shared values";

/// Looks through the invisible groups `macro_rules!` puts around `$t:ty` and through parentheses.
fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(g) => ty = &g.elem,
            Type::Paren(p) => ty = &p.elem,
            _ => return ty,
        }
    }
}

/// The stored form of the parameter `param`.
pub(crate) fn stored_param(param: &PatType) -> syn::Result<StoredParam> {
    let ty = &*param.ty;
    let Type::Reference(r) = peel(ty) else {
        check_owned(ty, Position::Param)?;
        return Ok(StoredParam { ty: ty.to_token_stream(), borrowed: false });
    };
    if r.mutability.is_some() {
        return Err(Error::new_spanned(param, MUT_REF));
    }
    let elem = &*r.elem;
    check_owned(elem, Position::Param)?;
    if r.lifetime.as_ref().is_some_and(is_static) {
        // A `&'static X` is itself a value a task can keep; an owned copy could not be lent
        // back for `'static`.
        return Ok(StoredParam { ty: ty.to_token_stream(), borrowed: false });
    }
    let span = ty.span();
    let owned = match peel(elem) {
        Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            quote_spanned!(span=> ::std::string::String)
        }
        Type::Slice(s) => {
            let item = &s.elem;
            quote_spanned!(span=> ::std::vec::Vec<#item>)
        }
        _ => quote_spanned!(span=> <#elem as ::std::borrow::ToOwned>::Owned),
    };
    Ok(StoredParam { ty: owned, borrowed: true })
}

/// The value type and fallibility of a function returning `ret`.
pub(crate) fn output(ret: &ReturnType) -> syn::Result<Output> {
    let ty = match ret {
        ReturnType::Default => {
            return Ok(Output { value: quote!(()), fallible: false });
        }
        ReturnType::Type(_, ty) => &**ty,
    };
    check_owned(ty, Position::Return)?;
    let result = match peel(ty) {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().filter(|s| s.ident == "Result"),
        _ => None,
    };
    if let Some(last) = result {
        let ok = match &last.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            }),
            _ => None,
        };
        let Some(ok) = ok else {
            return Err(Error::new_spanned(
                ty,
                "#[delayed] cannot tell the value type of this `Result`: write it as \
                 `Result<T, E>` (or `io::Result<T>`), the task's value being `T`",
            ));
        };
        return Ok(Output { value: ok.to_token_stream(), fallible: true });
    }
    Ok(Output { value: ty.to_token_stream(), fallible: false })
}

/// Rejects what cannot live in a task: borrows (other than `'static` ones) nested anywhere in
/// `ty`, and `impl Trait` in parameters. Function pointers and trait objects are left alone:
/// the lifetimes in `fn(&str)` or `dyn Fn(&str)` are their own business.
fn check_owned(ty: &Type, pos: Position) -> syn::Result<()> {
    let borrowed = |span: Span| {
        let msg = if pos == Position::Param { BORROWED_PARAM } else { BORROWED_RETURN };
        Err(Error::new(span, msg))
    };
    match ty {
        Type::Reference(r) => match &r.lifetime {
            Some(l) if is_static(l) => check_owned(&r.elem, pos),
            _ => borrowed(r.and_token.span),
        },
        Type::Array(a) => check_owned(&a.elem, pos),
        Type::Slice(s) => check_owned(&s.elem, pos),
        Type::Group(g) => check_owned(&g.elem, pos),
        Type::Paren(p) => check_owned(&p.elem, pos),
        Type::Ptr(p) => check_owned(&p.elem, pos),
        Type::Tuple(t) => t.elems.iter().try_for_each(|e| check_owned(e, pos)),
        Type::ImplTrait(i) if pos == Position::Param => Err(Error::new(i.impl_token.span, IMPL_TRAIT_PARAM)),
        Type::Path(p) => {
            if let Some(q) = &p.qself {
                check_owned(&q.ty, pos)?;
            }
            for seg in &p.path.segments {
                let PathArguments::AngleBracketed(args) = &seg.arguments else {
                    continue;
                };
                for arg in &args.args {
                    match arg {
                        GenericArgument::Type(t) => check_owned(t, pos)?,
                        GenericArgument::AssocType(a) => check_owned(&a.ty, pos)?,
                        GenericArgument::Lifetime(l) if !is_static(l) => return borrowed(l.span()),
                        _ => {}
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn is_static(l: &Lifetime) -> bool {
    l.ident == "static"
}

/// The first `Self` in `tokens`, if any.
pub(crate) fn find_self(tokens: TokenStream) -> Option<Span> {
    tokens.into_iter().find_map(|tt| match tt {
        TokenTree::Ident(i) if i == "Self" => Some(i.span()),
        TokenTree::Group(g) => find_self(g.stream()),
        _ => None,
    })
}
