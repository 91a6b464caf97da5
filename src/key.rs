//! Keys: the readable names of tasks (`load-3f2a`, `('read-csv', 4)`, `clean-1`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The name of a task: a function name, or a whole user-written key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Name {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Static(s) => s,
            Name::Shared(s) => s,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    /// `name-token`: a function name plus a token unique in this process.
    Token(Name, u64),
    /// `('name', i)`: one partition of a collection.
    Part(Name, u64),
    /// `('name', i, j, ...)`: one block of a chunked array.
    Block(Name, Arc<[u32]>),
    /// A key written by the user, used as is.
    Plain(Name),
}

/// The name of one task in a graph.
///
/// Keys read like Dask's: a delayed call gets the function's name plus a short token,
/// a raw graph keeps the keys the user wrote.
///
/// ```
/// use rask::Key;
/// let k = Key::from("clean-1");
/// assert_eq!(k.to_string(), "clean-1");
/// assert_eq!(k.prefix(), "clean");
/// let t = Key::unique("load");
/// assert!(t.to_string().starts_with("load-"));
/// assert_eq!(t.prefix(), "load");
/// assert_ne!(Key::unique("load"), t);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(Repr);

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

impl Key {
    /// A fresh key `name-token`, different from every other key made in this process.
    pub fn unique(name: &'static str) -> Key {
        Key(Repr::Token(Name::Static(name), NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)))
    }

    /// The key of partition `index` of a collection named `name`: `('name', index)`.
    pub fn part(name: impl Into<Arc<str>>, index: u64) -> Key {
        Key(Repr::Part(Name::Shared(name.into()), index))
    }

    /// The key of the block at `index` in the grid of an array named `name`:
    /// `('name', i, j)`.
    ///
    /// ```
    /// use rask::Key;
    /// assert_eq!(Key::block("add-3f2a", &[1, 0]).to_string(), "('add-3f2a', 1, 0)");
    /// assert_eq!(Key::block("add-3f2a", &[1, 0]).prefix(), "add-3f2a"); // the layer
    /// ```
    pub fn block(name: impl Into<Arc<str>>, index: &[usize]) -> Key {
        Key(Repr::Block(Name::Shared(name.into()), index.iter().map(|&i| i as u32).collect()))
    }

    /// The group a key belongs to: the function name for generated keys, the text before a
    /// trailing `-number` (or `-hex` token) for written ones, like Dask's `key_split`.
    ///
    /// ```
    /// use rask::Key;
    /// assert_eq!(Key::from("load-1").prefix(), "load");
    /// assert_eq!(Key::from("read-csv-3f2a9c01").prefix(), "read-csv");
    /// assert_eq!(Key::from("store").prefix(), "store");
    /// ```
    pub fn prefix(&self) -> &str {
        match &self.0 {
            Repr::Token(n, _) | Repr::Part(n, _) | Repr::Block(n, _) => n.as_str(),
            Repr::Plain(n) => key_split(n.as_str()),
        }
    }
}

impl Key {
    /// The key as Dask writes it: a name and, for a partition or block, its index (a tuple
    /// key `('name', i, j)` on the Dask side).
    pub(crate) fn wire_parts(&self) -> (String, Vec<u64>) {
        match &self.0 {
            Repr::Part(n, i) => (n.as_str().to_string(), vec![*i]),
            Repr::Block(n, idx) => (n.as_str().to_string(), idx.iter().map(|&i| u64::from(i)).collect()),
            Repr::Token(..) | Repr::Plain(_) => (self.to_string(), Vec::new()),
        }
    }
}

/// Strips trailing `-<digits>` or `-<hex token>` segments from a written key.
fn key_split(key: &str) -> &str {
    let mut s = key;
    while let Some((head, tail)) = s.rsplit_once('-') {
        let numeric = !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit());
        let token = tail.len() >= 4
            && tail.bytes().any(|b| b.is_ascii_digit())
            && tail.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if head.is_empty() || !(numeric || token) {
            break;
        }
        s = head;
    }
    s
}

/// A fresh layer name made at run time: `name-token`, as [`Key::unique`] shows, e.g.
/// `sum-partial-3f2a`.
pub(crate) fn unique_name(name: &str) -> Arc<str> {
    format!("{name}-{}", token(NEXT_TOKEN.fetch_add(1, Ordering::Relaxed))).into()
}

/// Spreads consecutive counters over the token space so tokens look unrelated, while staying
/// unique: an odd multiplier is a bijection modulo 2^16 and modulo 2^32.
fn token(id: u64) -> String {
    if id < 1 << 16 {
        format!("{:04x}", id.wrapping_mul(0x9e37) & 0xffff)
    } else {
        format!("{:08x}", id.wrapping_mul(0x9e37_79b9) & 0xffff_ffff)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Token(n, id) => write!(f, "{}-{}", n.as_str(), token(*id)),
            Repr::Part(n, i) => write!(f, "('{}', {i})", n.as_str()),
            Repr::Block(n, index) => {
                write!(f, "('{}'", n.as_str())?;
                index.iter().try_for_each(|i| write!(f, ", {i}"))?;
                f.write_str(")")
            }
            Repr::Plain(n) => f.write_str(n.as_str()),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{self}'")
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key(Repr::Plain(Name::Shared(s.into())))
    }
}

impl From<String> for Key {
    fn from(s: String) -> Key {
        Key(Repr::Plain(Name::Shared(s.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_short() {
        let mut seen = std::collections::HashSet::new();
        for id in 1..70_000u64 {
            assert!(seen.insert(token(id)), "token of {id} repeats");
        }
        assert_eq!(token(5).len(), 4);
        assert_eq!(token(1 << 20).len(), 8);
    }

    #[test]
    fn key_split_like_dask() {
        assert_eq!(key_split("load-1"), "load");
        assert_eq!(key_split("x"), "x");
        assert_eq!(key_split("-1"), "-1");
        assert_eq!(key_split("add-2-13"), "add");
        assert_eq!(key_split("read-csv-3f2a"), "read-csv");
        assert_eq!(key_split("my-data"), "my-data");
    }
}
