//! Compile errors as a user reads them: the message, then each line of the cell it points
//! at with a caret underline, without evcxr's generated code.

use evcxr::CompilationError;

/// Renders the errors that come from the user's cell, or rustc's full report of the others
/// when none does.
pub(crate) fn render(errors: &[CompilationError], cell: &str) -> String {
    let from_user: Vec<&CompilationError> = errors.iter().filter(|e| e.is_from_user_code()).collect();
    let shown: Vec<&CompilationError> = if from_user.is_empty() { errors.iter().collect() } else { from_user };
    let lines: Vec<&str> = cell.lines().collect();
    let mut out = String::new();
    for e in shown {
        if !e.is_from_user_code() {
            // Nothing in the cell to point at: rustc's own report is the best there is.
            out.push_str(e.rendered().trim_end());
            out.push('\n');
            continue;
        }
        match e.code() {
            Some(code) => out.push_str(&format!("error[{code}]: {}\n", e.message())),
            None => out.push_str(&format!("error: {}\n", e.message())),
        }
        for m in e.spanned_messages() {
            let Some(span) = &m.span else { continue };
            let Some(line) = lines.get(span.start_line.saturating_sub(1)) else { continue };
            let width = if span.end_line == span.start_line {
                span.end_column.saturating_sub(span.start_column).max(1)
            } else {
                line.chars().count().saturating_sub(span.start_column - 1).max(1)
            };
            out.push_str(&format!("  --> cell:{}:{}\n", span.start_line, span.start_column));
            out.push_str(&format!("   | {line}\n"));
            out.push_str(&format!("   | {}{} {}\n", " ".repeat(span.start_column - 1), "^".repeat(width), m.label));
        }
        for help in e.help() {
            // The first line is the advice; rustc's suggested code may follow it.
            out.push_str(&format!("   = help: {}\n", help.lines().next().unwrap_or_default()));
        }
    }
    out.trim_end().to_string()
}
