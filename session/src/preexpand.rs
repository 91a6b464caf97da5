//! `#[delayed]` functions expanded in a cell before evcxr sees it.
//!
//! evcxr asks rust-analyzer for the type of each `let` in a cell so it can keep the variable
//! for later cells, and rust-analyzer does not expand attribute macros: after
//! `#[delayed] fn load(p: &str) -> Vec<f64>`, it takes `let x = load("a.txt");` for a
//! `Vec<f64>` where the call really gives a `Delayed<Vec<f64>>`. So the session replaces each
//! such function in the cell's text by the attribute's own expansion (`rask_expand`), keeping
//! the line count so the lines after it keep their numbers in error messages.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The cell with each top-level `#[delayed]` function replaced by its expansion, or `None`
/// when it has none, or when one does not expand (the attribute then reports the error).
pub(crate) fn expand_delayed(cell: &str) -> Option<String> {
    if !cell.contains("delayed") {
        return None;
    }
    let tokens: Vec<TokenTree> = cell.parse::<TokenStream>().ok()?.into_iter().collect();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < tokens.len() {
        let Some(item) = DelayedFn::at(&tokens, i) else {
            i += 1;
            continue;
        };
        let (start, end) = (tokens[item.start].span().byte_range().start, tokens[item.end].span().byte_range().end);
        let mut body = TokenStream::new();
        for (j, token) in tokens[item.start..=item.end].iter().enumerate() {
            if !(j + item.start == item.attribute || j + item.start == item.attribute + 1) {
                body.extend([token.clone()]);
            }
        }
        let expanded = rask_expand::delayed(item.arguments, body).ok()?;
        out.push_str(&cell[copied..start]);
        out.push_str(&expanded.to_string());
        out.push_str(&"\n".repeat(cell[start..end].matches('\n').count()));
        copied = end;
        i = item.end + 1;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&cell[copied..]);
    Some(out)
}

/// Where a `#[delayed]` function lies in a cell's top-level tokens.
struct DelayedFn {
    /// Its first token: the first of its attributes.
    start: usize,
    /// The `#` of the `#[delayed]` attribute (followed by its bracketed group).
    attribute: usize,
    /// What the attribute was given between parentheses.
    arguments: TokenStream,
    /// Its last token: the body.
    end: usize,
}

impl DelayedFn {
    /// The `#[delayed]` function whose attributes start at `tokens[start]`, if there is one.
    fn at(tokens: &[TokenTree], start: usize) -> Option<DelayedFn> {
        if start > 0 && !ends_item(&tokens[start - 1]) {
            return None;
        }
        let mut i = start;
        let mut found = None;
        while let (Some(TokenTree::Punct(p)), Some(TokenTree::Group(g))) = (tokens.get(i), tokens.get(i + 1)) {
            if p.as_char() != '#' || g.delimiter() != Delimiter::Bracket {
                break;
            }
            if let Some(arguments) = delayed_arguments(g.stream()) {
                found = Some((i, arguments));
            }
            i += 2;
        }
        let (attribute, arguments) = found?;
        let mut seen_fn = false;
        for (j, token) in tokens.iter().enumerate().skip(i) {
            match token {
                TokenTree::Ident(ident) if ident == "fn" => seen_fn = true,
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    return seen_fn.then_some(DelayedFn { start, attribute, arguments, end: j });
                }
                TokenTree::Punct(p) if p.as_char() == ';' => return None,
                _ => {}
            }
        }
        None
    }
}

/// Whether an item may start after `token`: it ends a statement or an item.
fn ends_item(token: &TokenTree) -> bool {
    match token {
        TokenTree::Punct(p) => p.as_char() == ';',
        TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
        _ => false,
    }
}

/// The arguments of an attribute's contents when it is rask's `delayed` (written `delayed`,
/// `rask::delayed` or `rask::prelude::delayed`), with or without parentheses.
fn delayed_arguments(attribute: TokenStream) -> Option<TokenStream> {
    let tokens: Vec<TokenTree> = attribute.into_iter().collect();
    let path_end = tokens.iter().position(|t| matches!(t, TokenTree::Group(_))).unwrap_or(tokens.len());
    let path: String = tokens[..path_end].iter().map(ToString::to_string).collect();
    if !matches!(path.as_str(), "delayed" | "rask::delayed" | "::rask::delayed" | "rask::prelude::delayed") {
        return None;
    }
    match &tokens[path_end..] {
        [] => Some(TokenStream::new()),
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => Some(g.stream()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::expand_delayed;

    #[test]
    fn a_delayed_function_becomes_its_expansion_and_later_lines_keep_their_numbers() {
        let cell = "let a = 1;\n/// Doubles.\n#[delayed(name = \"twice\")]\nfn double(x: i64) -> i64 {\n    x * 2\n}\nlet b = double(a);";
        let out = expand_delayed(cell).expect("expanded");
        assert!(out.starts_with("let a = 1;\n"), "{out}");
        assert!(out.contains("Delayed < i64 >") && out.contains("\"twice\""), "{out}");
        assert!(!out.contains("# [delayed"), "{out}");
        assert_eq!(out.lines().count(), cell.lines().count());
        assert_eq!(out.lines().last(), Some("let b = double(a);"));
    }

    #[test]
    fn cells_without_the_attribute_or_with_a_bad_one_are_left_alone() {
        assert_eq!(expand_delayed("let delayed = 1;\ndelayed + 1"), None);
        assert_eq!(expand_delayed("#[derive(Debug)]\nstruct S;"), None);
        // A method cannot be delayed: the attribute itself reports that when evcxr compiles.
        assert_eq!(expand_delayed("#[delayed]\nfn f(&self) -> i64 { 1 }"), None);
        // Another crate's attribute of the same last name is not rask's.
        assert_eq!(expand_delayed("#[other::delayed]\nfn f() -> i64 { 1 }"), None);
    }

    #[test]
    fn every_delayed_function_of_a_cell_is_expanded() {
        let cell =
            "#[delayed]\nfn a() -> i64 { 1 }\n#[rask::delayed]\npub fn b(x: i64) -> Result<i64, String> { Ok(x) }";
        let out = expand_delayed(cell).expect("expanded");
        assert_eq!(out.matches("Delayed <").count(), 2, "{out}");
        assert!(out.contains("call_fallible"), "{out}");
    }
}
