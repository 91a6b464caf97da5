//! When a cell is complete: its brackets balance outside strings and comments, and it does
//! not end in the middle of an expression or with an attribute or doc comment. The REPL's
//! prompt continues on the next line until then, `rask run` cuts a file into cells the same
//! way, and the kernel answers Jupyter's `is_complete_request` with it.

/// Whether a cell is whole (see [`completeness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// It can run.
    Complete,
    /// More lines are needed: an open bracket or string, a trailing operator, an attribute.
    Incomplete,
    /// No more lines can make it whole: a bracket closes what was never opened, or the wrong
    /// kind of bracket.
    Invalid,
}

/// Whether `text` is a whole cell.
///
/// ```
/// use rask_session::input::{Completeness, completeness};
/// assert_eq!(completeness("let x = 1;"), Completeness::Complete);
/// assert_eq!(completeness("fn f() {"), Completeness::Incomplete);
/// assert_eq!(completeness("let x = (1];"), Completeness::Invalid);
/// ```
pub fn completeness(text: &str) -> Completeness {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with(':') {
        return Completeness::Complete;
    }
    let mut open: Vec<char> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if chars.peek() == Some(&'/') => {
                // A line comment: skip to its end.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal ('a', '\n') or a lifetime ('a): skip a literal's closing quote.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    chars.next();
                    chars.next();
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let opener = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(opener) {
                    return Completeness::Invalid;
                }
            }
            _ => {}
        }
    }
    if in_string || !open.is_empty() {
        return Completeness::Incomplete;
    }
    // An attribute or a doc comment belongs to the item on the next line.
    let last_line = trimmed.lines().last().unwrap_or("").trim_start();
    if last_line.starts_with("#[") || last_line.starts_with("///") {
        return Completeness::Incomplete;
    }
    let code: String = trimmed.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    match code.trim_end().chars().last() {
        Some('=' | '+' | '-' | '*' | '/' | '.' | ',' | '|' | '&' | '<') => Completeness::Incomplete,
        _ => Completeness::Complete,
    }
}

/// Whether `text` can be sent to run: complete, or invalid (then the compiler says why).
pub fn is_complete(text: &str) -> bool {
    completeness(text) != Completeness::Incomplete
}

/// Cuts a file of REPL input into cells: lines are gathered until they make a complete
/// cell; blank lines between cells are dropped. Each cell comes with its first line number.
///
/// ```
/// let cells = rask_session::input::cells("let a = 1;\nfn f() {\n}\n");
/// assert_eq!(cells, [(1, "let a = 1;".to_string()), (2, "fn f() {\n}".to_string())]);
/// ```
pub fn cells(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut first = 0;
    for (i, line) in text.lines().enumerate() {
        if current.is_empty() {
            if line.trim().is_empty() {
                continue;
            }
            first = i + 1;
        } else {
            current.push('\n');
        }
        current.push_str(line);
        if is_complete(&current) {
            out.push((first, std::mem::take(&mut current)));
        }
    }
    if !current.trim().is_empty() {
        out.push((first, current));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_strings_and_trailing_operators_continue() {
        assert!(is_complete("let x = 1;"));
        assert!(is_complete("x + 1"));
        assert!(!is_complete("fn f() {"));
        assert!(!is_complete("let s = \"a {"));
        assert!(is_complete("let s = \"a {\";"));
        assert!(!is_complete("let x = df\n    .filter(col(\"a\"))\n    ."));
        assert!(is_complete("let c = '{';"));
        assert!(is_complete("fn f<'a>(x: &'a str) -> &'a str { x }"));
        assert!(is_complete("let x = 1; // open { in a comment"));
        assert!(is_complete(":vars"));
        assert!(!is_complete("#[delayed]"));
        assert!(!is_complete("/// Loads a file.\n#[delayed(name = \"load\")]"));
        assert!(is_complete("#[delayed]\nfn f() -> i64 { 1 }"));
        assert_eq!(completeness("let v = vec![1, 2)];"), Completeness::Invalid);
        assert_eq!(completeness("}"), Completeness::Invalid);
        assert_eq!(completeness("let s = \"}\";"), Completeness::Complete);
    }

    #[test]
    fn a_file_becomes_cells_with_their_line_numbers() {
        let text = "let a = 1;\n\nfn f(x: i64) -> i64 {\n    x + a\n}\nf(2)\n";
        assert_eq!(
            cells(text),
            [
                (1, "let a = 1;".to_string()),
                (3, "fn f(x: i64) -> i64 {\n    x + a\n}".to_string()),
                (6, "f(2)".to_string())
            ]
        );
    }
}
