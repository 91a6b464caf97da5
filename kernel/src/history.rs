//! The cells this kernel ran, for Jupyter's `history_request` (tail, range and search), as
//! `jupyter console` and notebooks ask for them.

use jupyter_protocol::{HistoryEntry, HistoryRequest};

/// The session number this kernel's entries carry (history is kept for the kernel's life).
const SESSION: usize = 1;

/// Cells by execution count, with their text output.
#[derive(Default)]
pub(crate) struct History {
    /// (execution count, input, output).
    cells: Vec<(usize, String, String)>,
}

impl History {
    /// Records cell `count`.
    pub(crate) fn push(&mut self, count: usize, input: &str, output: &str) {
        self.cells.push((count, input.to_string(), output.to_string()));
    }

    /// The entries `request` asks for, oldest first.
    pub(crate) fn answer(&self, request: &HistoryRequest) -> Vec<HistoryEntry> {
        let (picked, output): (Vec<&(usize, String, String)>, bool) = match request {
            HistoryRequest::Tail { n, output, .. } => {
                let n = usize::try_from(*n).unwrap_or(0);
                (self.cells.iter().skip(self.cells.len().saturating_sub(n)).collect(), *output)
            }
            HistoryRequest::Range { session, start, stop, output, .. } => {
                // Session 0 (or none) is this one; negative numbers count back from it, and
                // there is no earlier one.
                let this = session.is_none_or(|s| s == 0 || usize::try_from(s).is_ok_and(|s| s == SESSION));
                let (start, stop) = (i64::from(*start), i64::from(*stop));
                let cells = self.cells.iter().filter(|(count, ..)| {
                    let count = *count as i64;
                    this && count >= start && (stop <= start || count < stop)
                });
                (cells.collect(), *output)
            }
            HistoryRequest::Search { pattern, unique, output, n, .. } => {
                let mut found: Vec<&(usize, String, String)> =
                    self.cells.iter().filter(|(_, input, _)| glob_match(pattern, input)).collect();
                if *unique {
                    let mut seen = std::collections::HashSet::new();
                    let mut kept: Vec<_> =
                        found.into_iter().rev().filter(|(_, input, _)| seen.insert(input.clone())).collect();
                    kept.reverse();
                    found = kept;
                }
                let n = usize::try_from(*n).unwrap_or(0);
                if n > 0 {
                    found = found.split_off(found.len().saturating_sub(n));
                }
                (found, *output)
            }
        };
        picked
            .into_iter()
            .map(|(count, input, out)| match output {
                true => HistoryEntry::InputOutput(SESSION, *count, (input.clone(), out.clone())),
                false => HistoryEntry::Input(SESSION, *count, input.clone()),
            })
            .collect()
    }
}

/// Whether `text` matches the glob `pattern` (`*` any run, `?` one character), as IPython's
/// history search does.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        let mut h = History::default();
        h.push(1, "let a = 1;", "");
        h.push(2, "a + 1", "2");
        h.push(3, "a + 1", "2");
        h.push(4, "a * 3", "3");
        h
    }

    fn inputs(entries: Vec<HistoryEntry>) -> Vec<(usize, String)> {
        entries
            .into_iter()
            .map(|e| match e {
                HistoryEntry::Input(_, n, input) => (n, input),
                HistoryEntry::InputOutput(_, n, (input, _)) => (n, input),
            })
            .collect()
    }

    #[test]
    fn tail_range_and_search_pick_the_cells_asked_for() {
        let h = history();
        let tail = h.answer(&HistoryRequest::Tail { n: 2, output: false, raw: true });
        assert_eq!(inputs(tail), [(3, "a + 1".to_string()), (4, "a * 3".to_string())]);
        let range = h.answer(&HistoryRequest::Range { session: Some(1), start: 2, stop: 3, output: true, raw: true });
        assert!(matches!(&range[..], [HistoryEntry::InputOutput(1, 2, (i, o))] if i == "a + 1" && o == "2"));
        let all = |unique, n| HistoryRequest::Search { pattern: "a ?*".into(), unique, output: false, raw: true, n };
        assert_eq!(inputs(h.answer(&all(false, 0))).len(), 3);
        assert_eq!(inputs(h.answer(&all(true, 0))), [(3, "a + 1".to_string()), (4, "a * 3".to_string())]);
        assert_eq!(inputs(h.answer(&all(false, 1))), [(4, "a * 3".to_string())]);
        assert!(glob_match("*", "") && glob_match("a*c", "abbc") && !glob_match("a?c", "ac"));
        assert!(glob_match("6 *", "6 * 7"), "a `*` in the text is matched by the pattern's `*`");
    }
}
