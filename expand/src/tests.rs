//! Tests of the expansion: the generated code, pretty-printed, and each compile error.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::expand;

/// The expansion of `#[delayed(attr)] item`, pretty-printed.
fn expanded(attr: TokenStream, item: TokenStream) -> String {
    let out = expand(attr, item).unwrap_or_else(|e| panic!("expansion failed: {e}"));
    let file: syn::File = syn::parse2(out).unwrap_or_else(|e| panic!("unparsable expansion: {e}"));
    prettyplease::unparse(&file)
}

/// The messages of the errors `#[delayed(attr)] item` gives.
fn errors(attr: TokenStream, item: TokenStream) -> Vec<String> {
    match expand(attr, item) {
        Ok(out) => panic!("expected an error, got {out}"),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The one error `#[delayed] item` gives.
fn error(item: TokenStream) -> String {
    let mut all = errors(quote!(), item);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[test]
fn str_param() {
    let item = quote! {
        /// Loads a file.
        #[inline]
        pub fn load(path: &str, scale: f64) -> Vec<f64> { read(path, scale) }
    };
    assert_eq!(
        expanded(quote!(), item),
        r#"/// Loads a file.
#[inline]
pub fn load(
    path: impl ::rask::IntoArg<::std::string::String>,
    scale: impl ::rask::IntoArg<f64>,
) -> ::rask::Delayed<Vec<f64>> {
    fn __rask_impl(path: &str, scale: f64) -> Vec<f64> {
        read(path, scale)
    }
    ::rask::__private::call(
        "load",
        |path: ::std::string::String, scale: f64| __rask_impl(
            ::core::borrow::Borrow::borrow(&path),
            scale,
        ),
        (path, scale),
    )
}
"#
    );
}

#[test]
fn str_param_tokens() {
    // The same expansion, compared as tokens with what the documentation shows (`> >`: the
    // generated closing brackets are separate tokens, not one `>>`).
    let out = expand(quote!(), quote! { pub fn load(path: &str, scale: f64) -> Vec<f64> { body } });
    let expected = quote! {
        pub fn load(path: impl ::rask::IntoArg<::std::string::String>, scale: impl ::rask::IntoArg<f64>) -> ::rask::Delayed<Vec<f64> > {
            fn __rask_impl(path: &str, scale: f64) -> Vec<f64> { body }
            ::rask::__private::call("load", |path: ::std::string::String, scale: f64| __rask_impl(::core::borrow::Borrow::borrow(&path), scale), (path, scale))
        }
    };
    assert_eq!(out.map(|t| t.to_string()).ok(), Some(expected.to_string()));
}

#[test]
fn slice_path_and_other_borrowed_params() {
    let item = quote! { fn total<'a>(xs: &'a [f64], p: &Path, v: &Vec<f64>) -> f64 { 1.0 } };
    assert_eq!(
        expanded(quote!(), item),
        r#"fn total<'a>(
    xs: impl ::rask::IntoArg<::std::vec::Vec<f64>>,
    p: impl ::rask::IntoArg<<Path as ::std::borrow::ToOwned>::Owned>,
    v: impl ::rask::IntoArg<<Vec<f64> as ::std::borrow::ToOwned>::Owned>,
) -> ::rask::Delayed<f64> {
    fn __rask_impl<'a>(xs: &'a [f64], p: &Path, v: &Vec<f64>) -> f64 {
        1.0
    }
    ::rask::__private::call(
        "total",
        |
            xs: ::std::vec::Vec<f64>,
            p: <Path as ::std::borrow::ToOwned>::Owned,
            v: <Vec<f64> as ::std::borrow::ToOwned>::Owned|
        __rask_impl(
            ::core::borrow::Borrow::borrow(&xs),
            ::core::borrow::Borrow::borrow(&p),
            ::core::borrow::Borrow::borrow(&v),
        ),
        (xs, p, v),
    )
}
"#
    );
}

#[test]
fn static_borrows_are_kept_as_values() {
    let item = quote! {
        fn f(x: &'static str, y: Vec<&'static str>, f: fn(&str) -> usize, g: Box<dyn Fn(&str) + Send + Sync>) -> &'static str { x }
    };
    assert_eq!(
        expanded(quote!(), item),
        r#"fn f(
    x: impl ::rask::IntoArg<&'static str>,
    y: impl ::rask::IntoArg<Vec<&'static str>>,
    f: impl ::rask::IntoArg<fn(&str) -> usize>,
    g: impl ::rask::IntoArg<Box<dyn Fn(&str) + Send + Sync>>,
) -> ::rask::Delayed<&'static str> {
    fn __rask_impl(
        x: &'static str,
        y: Vec<&'static str>,
        f: fn(&str) -> usize,
        g: Box<dyn Fn(&str) + Send + Sync>,
    ) -> &'static str {
        x
    }
    ::rask::__private::call(
        "f",
        |
            x: &'static str,
            y: Vec<&'static str>,
            f: fn(&str) -> usize,
            g: Box<dyn Fn(&str) + Send + Sync>|
        __rask_impl(x, y, f, g),
        (x, y, f, g),
    )
}
"#
    );
}

#[test]
fn result_return_is_fallible() {
    let item = quote! { fn parse(s: &str) -> Result<i64, ParseIntError> { s.parse() } };
    assert_eq!(
        expanded(quote!(), item),
        r#"fn parse(s: impl ::rask::IntoArg<::std::string::String>) -> ::rask::Delayed<i64> {
    fn __rask_impl(s: &str) -> Result<i64, ParseIntError> {
        s.parse()
    }
    ::rask::__private::call_fallible(
        "parse",
        |s: ::std::string::String| __rask_impl(::core::borrow::Borrow::borrow(&s)),
        (s,),
    )
}
"#
    );
}

#[test]
fn io_result_return_is_fallible() {
    let item = quote! { fn read(p: &std::path::Path) -> io::Result<String> { fs::read_to_string(p) } };
    assert_eq!(
        expanded(quote!(), item),
        r#"fn read(
    p: impl ::rask::IntoArg<<std::path::Path as ::std::borrow::ToOwned>::Owned>,
) -> ::rask::Delayed<String> {
    fn __rask_impl(p: &std::path::Path) -> io::Result<String> {
        fs::read_to_string(p)
    }
    ::rask::__private::call_fallible(
        "read",
        |p: <std::path::Path as ::std::borrow::ToOwned>::Owned| __rask_impl(
            ::core::borrow::Borrow::borrow(&p),
        ),
        (p,),
    )
}
"#
    );
}

#[test]
fn any_result_path_is_fallible() {
    for ret in [
        quote!(anyhow::Result<Vec<u8>>),
        quote!(std::result::Result<Vec<u8>, String>),
        quote!(::core::result::Result<Vec<u8>, Box<dyn Error + Send + Sync>>),
        quote!((Result<Vec<u8>, E>)),
    ] {
        let out = expanded(quote!(), quote! { fn f() -> #ret { todo!() } });
        assert!(out.starts_with("fn f() -> ::rask::Delayed<Vec<u8>> {"), "{out}");
        assert!(out.contains("::rask::__private::call_fallible(\"f\", || __rask_impl(), ())"), "{out}");
    }
    // Not a `Result`: the value is the whole type.
    let out = expanded(quote!(), quote! { fn f() -> Option<Result<u8, E>> { None } });
    assert!(out.starts_with("fn f() -> ::rask::Delayed<Option<Result<u8, E>>> {"), "{out}");
    assert!(out.contains("::rask::__private::call(\"f\""), "{out}");
}

#[test]
fn no_return_no_args_and_one_arg() {
    assert_eq!(
        expanded(quote!(), quote! { fn nothing() {} }),
        r#"fn nothing() -> ::rask::Delayed<()> {
    fn __rask_impl() {}
    ::rask::__private::call("nothing", || __rask_impl(), ())
}
"#
    );
    assert_eq!(
        expanded(quote!(), quote! { fn one(x: i64) { println!("{x}"); } }),
        r#"fn one(x: impl ::rask::IntoArg<i64>) -> ::rask::Delayed<()> {
    fn __rask_impl(x: i64) {
        println!("{x}");
    }
    ::rask::__private::call("one", |x: i64| __rask_impl(x), (x,))
}
"#
    );
}

#[test]
fn generics_are_copied_and_named_in_the_call() {
    let item = quote! {
        pub(crate) fn first<'a, T: Clone + Send + Sync + 'static, const N: usize>(v: Vec<T>, a: [u8; N], s: &'a str) -> T
        where
            T: Default,
        {
            v[0].clone()
        }
    };
    assert_eq!(
        expanded(quote!(), item),
        r#"pub(crate) fn first<'a, T: Clone + Send + Sync + 'static, const N: usize>(
    v: impl ::rask::IntoArg<Vec<T>>,
    a: impl ::rask::IntoArg<[u8; N]>,
    s: impl ::rask::IntoArg<::std::string::String>,
) -> ::rask::Delayed<T>
where
    T: Default,
{
    fn __rask_impl<'a, T: Clone + Send + Sync + 'static, const N: usize>(
        v: Vec<T>,
        a: [u8; N],
        s: &'a str,
    ) -> T
    where
        T: Default,
    {
        v[0].clone()
    }
    ::rask::__private::call(
        "first",
        |v: Vec<T>, a: [u8; N], s: ::std::string::String| __rask_impl::<
            T,
            N,
        >(v, a, ::core::borrow::Borrow::borrow(&s)),
        (v, a, s),
    )
}
"#
    );
}

#[test]
fn name_argument_sets_the_task_name() {
    let out = expanded(quote!(name = "custom"), quote! { fn f(x: i64) -> i64 { x } });
    assert!(out.contains("::rask::__private::call(\"custom\", |x: i64| __rask_impl(x), (x,))"), "{out}");
    let out = expanded(quote!(name = "load-csv",), quote! { fn f() {} });
    assert!(out.contains("call(\"load-csv\""), "{out}");
}

#[test]
fn raw_identifiers_name_the_task_without_prefix() {
    let out = expanded(quote!(), quote! { fn r#type() {} });
    assert!(out.starts_with("fn r#type() -> ::rask::Delayed<()> {"), "{out}");
    assert!(out.contains("call(\"type\""), "{out}");
}

#[test]
fn patterns_stay_on_the_body() {
    let item = quote! { fn f(mut x: i64, (a, b): (i64, i64), _: u8, ref r: String) -> i64 { x += a; x + b } };
    assert_eq!(
        expanded(quote!(), item),
        r#"fn f(
    x: impl ::rask::IntoArg<i64>,
    arg1: impl ::rask::IntoArg<(i64, i64)>,
    arg2: impl ::rask::IntoArg<u8>,
    arg3: impl ::rask::IntoArg<String>,
) -> ::rask::Delayed<i64> {
    fn __rask_impl(mut x: i64, (a, b): (i64, i64), _: u8, ref r: String) -> i64 {
        x += a;
        x + b
    }
    ::rask::__private::call(
        "f",
        |x: i64, arg1: (i64, i64), arg2: u8, arg3: String| __rask_impl(
            x,
            arg1,
            arg2,
            arg3,
        ),
        (x, arg1, arg2, arg3),
    )
}
"#
    );
}

#[test]
fn impl_trait_return_and_param_attributes() {
    let item = quote! { fn f(#[allow(unused)] x: i64) -> impl Clone + Send + Sync + 'static { x } };
    assert_eq!(
        expanded(quote!(), item),
        r#"fn f(
    x: impl ::rask::IntoArg<i64>,
) -> ::rask::Delayed<impl Clone + Send + Sync + 'static> {
    fn __rask_impl(#[allow(unused)] x: i64) -> impl Clone + Send + Sync + 'static {
        x
    }
    ::rask::__private::call("f", |x: i64| __rask_impl(x), (x,))
}
"#
    );
}

#[test]
fn error_mut_reference() {
    assert_eq!(
        error(quote! { fn f(x: &mut Vec<f64>) {} }),
        "#[delayed] functions cannot take `&mut` arguments: a task's inputs are shared values"
    );
    assert_eq!(
        error(quote! { fn f<'a>(x: &'a mut str) {} }),
        "#[delayed] functions cannot take `&mut` arguments: a task's inputs are shared values"
    );
}

#[test]
fn error_qualifiers() {
    assert_eq!(
        error(quote! { async fn f() {} }),
        "#[delayed] functions cannot be `async`: a task runs a plain function (call `.compute()` from async code instead)"
    );
    assert_eq!(
        error(quote! { const fn f() {} }),
        "#[delayed] functions cannot be `const`: calling one builds a task at run time"
    );
    assert_eq!(
        error(quote! { unsafe fn f() {} }),
        "#[delayed] functions cannot be `unsafe`: the task would run the body without the caller's `unsafe` block"
    );
    assert_eq!(error(quote! { extern "C" fn f() {} }), "#[delayed] functions cannot have an `extern` ABI");
    assert_eq!(
        errors(quote!(), quote! { unsafe extern "C" fn f(x: i32, ...) {} }),
        [
            "#[delayed] functions cannot be `unsafe`: the task would run the body without the caller's `unsafe` block",
            "#[delayed] functions cannot have an `extern` ABI",
            "#[delayed] functions cannot be variadic",
        ]
    );
}

#[test]
fn error_methods() {
    let msg = "#[delayed] cannot be applied to methods (functions taking `self`): use a free function, passing the value as an ordinary argument";
    assert_eq!(error(quote! { fn f(&self) {} }), msg);
    assert_eq!(error(quote! { fn f(mut self, x: i64) {} }), msg);
    assert_eq!(error(quote! { pub fn f(self: Arc<Self>) {} }), msg);
    assert_eq!(
        error(quote! { fn new(x: i64) -> Self { Self(x) } }),
        "#[delayed] functions cannot name `Self`: the body becomes a nested function, where `Self` is unknown; write the type's name"
    );
}

#[test]
fn error_attribute_arguments() {
    let unexpected = "unexpected argument; #[delayed] takes only `name = \"...\"`";
    let item = quote! { fn f() {} };
    assert_eq!(errors(quote!(x), item.clone()), [unexpected]);
    assert_eq!(errors(quote!(x = 1), item.clone()), [unexpected]);
    assert_eq!(errors(quote!("load"), item.clone()), [unexpected]);
    assert_eq!(errors(quote!(name = "a", x), item.clone()), [unexpected]);
    assert_eq!(errors(quote!(name), item.clone()), ["expected `name = \"...\"`"]);
    assert_eq!(errors(quote!(name = load), item.clone()), ["the task name must be a string literal: `name = \"...\"`"]);
    assert_eq!(errors(quote!(name = ""), item.clone()), ["the task name cannot be empty"]);
    assert_eq!(errors(quote!(name = "a", name = "b"), item.clone()), ["duplicate `name` argument"]);
    assert_eq!(errors(quote!(name = "a" name = "b"), item), ["expected `,`"]);
}

#[test]
fn error_not_a_function() {
    assert_eq!(error(quote! { struct S; }), "#[delayed] can only be applied to a function");
    assert_eq!(error(quote! { fn f(); }), "#[delayed] can only be applied to a function with a body");
    assert_eq!(
        errors(quote!(x), quote! { enum E {} }),
        ["unexpected argument; #[delayed] takes only `name = \"...\"`", "#[delayed] can only be applied to a function",]
    );
}

#[test]
fn error_borrows_that_cannot_be_stored() {
    let param = "#[delayed] arguments must be owned values: only a top-level `&X` is converted (to `X`'s owned form); use an owned type here";
    assert_eq!(error(quote! { fn f(x: Vec<&str>) {} }), param);
    assert_eq!(error(quote! { fn f(x: &&str) {} }), param);
    assert_eq!(error(quote! { fn f<'a>(x: Cow<'a, str>) {} }), param);
    assert_eq!(error(quote! { fn f(x: (i64, &[u8])) {} }), param);
    assert_eq!(
        error(quote! { fn f(x: impl Into<f64>) {} }),
        "#[delayed] arguments cannot use `impl Trait`: declare a generic type parameter instead"
    );
    let ret = "#[delayed] functions must return an owned value, which the task keeps; use an owned type here (e.g. `String` for `&str`)";
    assert_eq!(error(quote! { fn f<'a>(x: &'a str) -> &'a str { x } }), ret);
    assert_eq!(error(quote! { fn f(x: &str) -> Result<&str, E> { x } }), ret);
}

#[test]
fn error_result_without_arguments() {
    assert_eq!(
        error(quote! { fn f() -> Result { Ok(()) } }),
        "#[delayed] cannot tell the value type of this `Result`: write it as `Result<T, E>` (or `io::Result<T>`), the task's value being `T`"
    );
}

#[test]
fn error_too_many_or_conditional_params() {
    assert_eq!(
        error(quote! { fn f(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8, i: u8, j: u8, k: u8) {} }),
        "#[delayed] functions take at most 10 arguments; group some into a struct or a tuple"
    );
    assert!(
        !expanded(quote!(), quote! { fn f(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8, i: u8, j: u8) {} })
            .is_empty()
    );
    assert_eq!(error(quote! { fn f(#[cfg(test)] x: u8) {} }), "#[delayed] does not support `#[cfg]` on parameters");
}

#[test]
fn all_errors_are_reported_together() {
    assert_eq!(
        errors(quote!(x), quote! { async fn f(&self, a: &mut u8, b: Vec<&str>) -> &str { "" } }),
        [
            "unexpected argument; #[delayed] takes only `name = \"...\"`",
            "#[delayed] functions cannot be `async`: a task runs a plain function (call `.compute()` from async code instead)",
            "#[delayed] cannot be applied to methods (functions taking `self`): use a free function, passing the value as an ordinary argument",
            "#[delayed] functions cannot take `&mut` arguments: a task's inputs are shared values",
            "#[delayed] arguments must be owned values: only a top-level `&X` is converted (to `X`'s owned form); use an owned type here",
            "#[delayed] functions must return an owned value, which the task keeps; use an owned type here (e.g. `String` for `&str`)",
        ]
    );
}
