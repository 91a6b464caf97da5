//! When a cell is complete: its brackets balance outside strings and comments, and it does
//! not end in the middle of an expression or with an attribute or doc comment. The interactive prompt continues on the next line
//! until then; `rask run` cuts a file into cells the same way.

/// Whether `text` is a whole cell (an evcxr `:command` is whole at its end of line).
pub(crate) fn is_complete(text: &str) -> bool {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with(':') {
        return true;
    }
    let mut depth: i64 = 0;
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
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    if in_string || depth > 0 {
        return false;
    }
    // An attribute or a doc comment belongs to the item on the next line.
    let last_line = trimmed.lines().last().unwrap_or("").trim_start();
    if last_line.starts_with("#[") || last_line.starts_with("///") {
        return false;
    }
    let code: String = trimmed.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    !matches!(code.trim_end().chars().last(), Some('=' | '+' | '-' | '*' | '/' | '.' | ',' | '|' | '&' | '<'))
}

/// Cuts a file of REPL input into cells: lines are gathered until they make a complete
/// cell; blank lines between cells are dropped. Each cell comes with its first line number.
pub(crate) fn cells(text: &str) -> Vec<(usize, String)> {
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
