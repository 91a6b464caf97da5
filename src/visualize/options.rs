//! The options of a drawing: [`Visualize`] and the small enums it takes.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How to draw a task graph: direction, colours, collapsing, renderer, output file and format.
///
/// Every method takes the options by value and returns them changed, so calls chain. The
/// defaults follow Dask: arrows point up ([`RankDir::BT`]), no colours, graphs of more than
/// 150 tasks collapse to one box per layer, the graphviz `dot` program renders when it is
/// installed (a pure-Rust layout otherwise), and an SVG file is written to
/// `$RASK_GRAPH_DIR` (or `rask-graphs` in the system temporary directory).
///
/// ```no_run
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// use rask::{Color, RankDir};
///
/// let x = delayed!(i64::abs(-3));
/// let options = Visualize::new().rankdir(RankDir::LR).color(Color::Order).filename("abs.svg");
/// let drawing = x.visualize_with(&options)?;
/// println!("{drawing}"); // the graph as text, then "graph written to abs.svg"
/// # Ok::<(), rask::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Visualize {
    pub(crate) rankdir: RankDir,
    pub(crate) color: Color,
    pub(crate) collapse: Collapse,
    pub(crate) renderer: Renderer,
    pub(crate) filename: Option<PathBuf>,
    /// `None` until set: then the file name's extension decides, else SVG.
    pub(crate) format: Option<Format>,
}

impl Visualize {
    /// The default options (the same as `Visualize::default()`).
    ///
    /// ```
    /// assert_eq!(rask::Visualize::new(), rask::Visualize::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The direction the arrows point, from inputs to results (default [`RankDir::BT`]).
    ///
    /// ```
    /// use rask::{RankDir, Visualize};
    /// let options = Visualize::new().rankdir(RankDir::LR);
    /// ```
    pub fn rankdir(self, rankdir: RankDir) -> Self {
        Self { rankdir, ..self }
    }

    /// How to fill the nodes (default [`Color::None`]).
    ///
    /// ```
    /// use rask::{Color, Visualize};
    /// let options = Visualize::new().color(Color::State);
    /// ```
    pub fn color(self, color: Color) -> Self {
        Self { color, ..self }
    }

    /// Whether to draw one box per layer instead of every task (default [`Collapse::Auto`]).
    ///
    /// ```
    /// use rask::{Collapse, Visualize};
    /// let options = Visualize::new().collapse(Collapse::Never);
    /// ```
    pub fn collapse(self, collapse: Collapse) -> Self {
        Self { collapse, ..self }
    }

    /// What lays the graph out (default [`Renderer::Auto`]).
    ///
    /// ```
    /// use rask::{Renderer, Visualize};
    /// let options = Visualize::new().renderer(Renderer::Builtin);
    /// ```
    pub fn renderer(self, renderer: Renderer) -> Self {
        Self { renderer, ..self }
    }

    /// The file to write. Its extension (`.svg`, `.png`, `.dot`) picks the format unless
    /// [`format`](Self::format) was set; with no extension, the format's is appended. Any
    /// other extension is an error when the graph is drawn.
    ///
    /// ```
    /// use rask::Visualize;
    /// let options = Visualize::new().filename("graphs/pipeline.png");
    /// ```
    pub fn filename(self, filename: impl Into<PathBuf>) -> Self {
        Self { filename: Some(filename.into()), ..self }
    }

    /// The file format (default [`Format::Svg`], or what the file name's extension says).
    ///
    /// ```
    /// use rask::{Format, Visualize};
    /// let options = Visualize::new().format(Format::Dot);
    /// ```
    pub fn format(self, format: Format) -> Self {
        Self { format: Some(format), ..self }
    }

    /// The file to write and its format; `dir` and `stem` name the file when no
    /// [`filename`](Self::filename) was given.
    pub(crate) fn target(&self, dir: &Path, stem: &str) -> Result<(PathBuf, Format)> {
        let Some(name) = &self.filename else {
            let format = self.format.unwrap_or_default();
            return Ok((dir.join(format!("{stem}.{}", format.extension())), format));
        };
        let ext = name.extension();
        let format = match (self.format, ext) {
            (Some(format), _) => format,
            (None, None) => Format::default(),
            (None, Some(ext)) => Format::from_extension(ext).ok_or_else(|| {
                Error::Visualize(format!(
                    "unknown graph file extension `.{}` in {}; use .svg, .png or .dot, or set Visualize::format",
                    ext.to_string_lossy(),
                    name.display()
                ))
            })?,
        };
        if ext.is_some_and(|ext| Format::from_extension(ext) == Some(format)) {
            Ok((name.clone(), format))
        } else {
            let mut with_ext = name.clone().into_os_string();
            with_ext.push(".");
            with_ext.push(format.extension());
            Ok((with_ext.into(), format))
        }
    }
}

/// The direction of the arrows, from a task's inputs to its result (graphviz's `rankdir`).
///
/// ```
/// use rask::{RankDir, Visualize};
/// let options = Visualize::new().rankdir(RankDir::TB);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RankDir {
    /// Top to bottom: inputs at the top.
    TB,
    /// Bottom to top: inputs at the bottom, the result on top (Dask's default).
    #[default]
    BT,
    /// Left to right.
    LR,
    /// Right to left.
    RL,
}

impl RankDir {
    /// The graphviz spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RankDir::TB => "TB",
            RankDir::BT => "BT",
            RankDir::LR => "LR",
            RankDir::RL => "RL",
        }
    }
}

/// How to fill the nodes.
///
/// ```
/// use rask::{Color, Visualize};
/// let options = Visualize::new().color(Color::Order);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Color {
    /// No fill.
    #[default]
    None,
    /// By execution order, like Dask's `color="order"`: red runs first, through white, to
    /// blue last.
    Order,
    /// By the state of the last run: waiting grey, running orange, done green, failed red,
    /// in memory blue.
    State,
}

/// Whether to draw every task, or one box per layer (the tasks of one operation).
///
/// ```
/// use rask::{Collapse, Visualize};
/// let options = Visualize::new().collapse(Collapse::Always);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Collapse {
    /// Collapse graphs of more than 150 tasks.
    #[default]
    Auto,
    /// Always draw every task (graphs of many thousands of tasks take long to lay out).
    Never,
    /// Always draw one box per layer.
    Always,
}

/// Graphs with more task nodes than this are collapsed under [`Collapse::Auto`].
pub(crate) const AUTO_COLLAPSE_TASKS: usize = 150;

/// What lays the graph out.
///
/// ```
/// use rask::{Renderer, Visualize};
/// let options = Visualize::new().renderer(Renderer::Dot);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Renderer {
    /// The graphviz `dot` program when it is on `PATH`, else the built-in layout.
    #[default]
    Auto,
    /// The graphviz `dot` program; an error when it is not on `PATH`.
    Dot,
    /// The pure-Rust layout of the `layout-rs` crate (SVG only; plainer than `dot`'s).
    Builtin,
}

/// The format of the file written.
///
/// ```
/// use rask::{Format, Visualize};
/// let options = Visualize::new().format(Format::Png);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// SVG, kept in [`Rendered::svg`](crate::Rendered::svg) too (for notebooks).
    #[default]
    Svg,
    /// PNG; needs the graphviz `dot` program on `PATH`.
    Png,
    /// The DOT text itself, for graphviz or other tools.
    Dot,
}

impl Format {
    /// The file extension, without the dot.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Dot => "dot",
        }
    }

    /// The format a file extension names (`svg`, `png`, `dot` or `gv`, any case).
    fn from_extension(ext: &OsStr) -> Option<Format> {
        let ext = ext.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            "dot" | "gv" => Some(Format::Dot),
            _ => None,
        }
    }
}
