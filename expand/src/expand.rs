//! The expansion of `#[delayed]`: a function whose call builds a task instead of running.
//!
//! The user's function becomes a nested `fn __rask_impl` inside a function of the same name
//! and signature shape, whose parameters accept `impl IntoArg<T>` and which returns
//! `Delayed<T>` built by `rask::__private::call` (or `call_fallible` for a `Result`).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Error, FnArg, GenericParam, Ident, Item, ItemFn, LitStr, Pat, Signature};

use crate::options::Options;
use crate::types::{self, Output, StoredParam};

/// The most arguments a task function may take (what the runtime implements `IntoArgs` for).
const MAX_ARGS: usize = 10;

/// Expands `#[delayed(attr)] item`.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let options = Options::parse(attr).unwrap_or_else(|e| {
        errors.push(e);
        Options::default()
    });
    let func = match parse_fn(item) {
        Ok(func) => func,
        Err(e) => return Err(errors.fail(e)),
    };
    check_signature(&func.sig, &mut errors);
    let params = params(&func.sig, &mut errors);
    let output = types::output(&func.sig.output);
    if let Err(e) = &output {
        errors.push(e.clone());
    }
    errors.finish()?;
    Ok(generate(&func, &options, &params, &output?))
}

/// Collects every error found, so the user sees all of them at once.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, e: Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// All the errors so far, and then `e`.
    fn fail(self, e: Error) -> Error {
        match self.0 {
            Some(mut all) => {
                all.combine(e);
                all
            }
            None => e,
        }
    }
}

fn parse_fn(item: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(item)? {
        Item::Fn(f) => Ok(f),
        Item::Verbatim(v) => Err(Error::new_spanned(v, "#[delayed] can only be applied to a function with a body")),
        other => Err(Error::new_spanned(other, "#[delayed] can only be applied to a function")),
    }
}

/// Rejects the kinds of function a task cannot be built from.
fn check_signature(sig: &Signature, errors: &mut Errors) {
    if let Some(t) = &sig.constness {
        errors
            .push(Error::new(t.span, "#[delayed] functions cannot be `const`: calling one builds a task at run time"));
    }
    if let Some(t) = &sig.asyncness {
        errors.push(Error::new(
            t.span,
            "#[delayed] functions cannot be `async`: a task runs a plain function \
             (call `.compute()` from async code instead)",
        ));
    }
    if let Some(t) = &sig.unsafety {
        errors.push(Error::new(
            t.span,
            "#[delayed] functions cannot be `unsafe`: the task would run the body without \
             the caller's `unsafe` block",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(Error::new_spanned(abi, "#[delayed] functions cannot have an `extern` ABI"));
    }
    if let Some(v) = &sig.variadic {
        errors.push(Error::new_spanned(v, "#[delayed] functions cannot be variadic"));
    }
    let mut sig_tokens = TokenStream::new();
    sig.generics.to_tokens(&mut sig_tokens);
    sig.generics.where_clause.to_tokens(&mut sig_tokens);
    sig.inputs.iter().filter(|a| matches!(a, FnArg::Typed(_))).for_each(|a| a.to_tokens(&mut sig_tokens));
    sig.output.to_tokens(&mut sig_tokens);
    if let Some(span) = types::find_self(sig_tokens) {
        errors.push(Error::new(
            span,
            "#[delayed] functions cannot name `Self`: the body becomes a nested function, \
             where `Self` is unknown; write the type's name",
        ));
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_ARGS) {
        errors.push(Error::new_spanned(
            extra,
            format!(
                "#[delayed] functions take at most {MAX_ARGS} arguments; \
                 group some into a struct or a tuple"
            ),
        ));
    }
}

/// One parameter of the function, as the generated code handles it.
struct Param {
    /// The name the outer function and the closure give it.
    name: Ident,
    stored: StoredParam,
}

fn params(sig: &Signature, errors: &mut Errors) -> Vec<Param> {
    let mut out = Vec::new();
    for (i, arg) in sig.inputs.iter().enumerate() {
        let p = match arg {
            FnArg::Receiver(r) => {
                errors.push(Error::new_spanned(
                    r,
                    "#[delayed] cannot be applied to methods (functions taking `self`): \
                     use a free function, passing the value as an ordinary argument",
                ));
                continue;
            }
            FnArg::Typed(p) => p,
        };
        if let Some(cfg) = p.attrs.iter().find(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr")) {
            errors.push(Error::new_spanned(cfg, "#[delayed] does not support `#[cfg]` on parameters"));
        }
        let name = match &*p.pat {
            Pat::Ident(id) if id.by_ref.is_none() && id.subpat.is_none() => id.ident.clone(),
            // `_`, tuples, structs, `ref x`...: the inner function keeps the pattern, the
            // outer one names the argument.
            _ => format_ident!("arg{}", i, span = Span::mixed_site()),
        };
        match types::stored_param(p) {
            Ok(stored) => out.push(Param { name, stored }),
            Err(e) => errors.push(e),
        }
    }
    out
}

fn generate(func: &ItemFn, options: &Options, params: &[Param], output: &Output) -> TokenStream {
    let ItemFn { attrs, vis, sig, block } = func;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let where_clause = &generics.where_clause;
    let task_name = match &options.name {
        Some(name) => name.clone(),
        None => LitStr::new(&ident.unraw().to_string(), ident.span()),
    };

    let impl_ident = Ident::new("__rask_impl", Span::call_site());
    let mut inner_sig = sig.clone();
    inner_sig.ident = impl_ident.clone();

    let outer_params = params.iter().map(|p| {
        let (name, ty) = (&p.name, &p.stored.ty);
        quote_spanned!(ty.span()=> #name: impl ::rask::IntoArg<#ty>)
    });
    let closure_params = params.iter().map(|p| {
        let (name, ty) = (&p.name, &p.stored.ty);
        quote!(#name: #ty)
    });
    let inner_args = params.iter().map(|p| {
        let name = &p.name;
        if p.stored.borrowed { quote!(::core::borrow::Borrow::borrow(&#name)) } else { quote!(#name) }
    });
    let names: Vec<&Ident> = params.iter().map(|p| &p.name).collect();
    let args_tuple = match names.as_slice() {
        [one] => quote!((#one,)),
        all => quote!((#(#all),*)),
    };

    let explicit: Vec<&Ident> = generics
        .params
        .iter()
        .filter_map(|g| match g {
            GenericParam::Type(t) => Some(&t.ident),
            GenericParam::Const(c) => Some(&c.ident),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    let turbofish = if explicit.is_empty() { quote!() } else { quote!(::<#(#explicit),*>) };

    let value = &output.value;
    let call = if output.fallible { quote!(call_fallible) } else { quote!(call) };
    let ret_span = match &sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => ident.span(),
    };
    let delayed = quote_spanned!(ret_span=> ::rask::Delayed<#value>);

    quote! {
        #(#attrs)*
        #vis fn #ident #generics (#(#outer_params),*) -> #delayed #where_clause {
            #inner_sig #block
            ::rask::__private::#call(
                #task_name,
                |#(#closure_params),*| #impl_ident #turbofish(#(#inner_args),*),
                #args_tuple
            )
        }
    }
}
