//! Drawing task graphs: DOT text, SVG (through `dot` or a pure-Rust layout) and terminal text.
//!
//! Collections and raw graphs lower themselves into a [`VisGraph`] (plain data: nodes and
//! edges); everything in this module works on that, so it never sees closures or values.
//!
//! The pipeline, one file per step:
//!
//! ```text
//! VisGraph ──collapse.rs──> Layers          (big graphs: one box per layer)
//!    │                        │
//!    └────drawing.rs──────────┴──> Drawing  (shapes, labels, fills, arrows)
//!                                    ├── dot.rs ──> DOT text (graphviz-rust AST)
//!                                    └── svg.rs ──> SVG (`dot` program, or layout-rs)
//! VisGraph / Layers ──text.rs──> terminal drawing (a tree, or one line per layer)
//! output.rs: `render`, which runs the above, writes the file and returns a `Rendered`.
//! ```
//!
//! Architecture invariant: both renderers draw the same [`drawing::Drawing`], so the
//! `dot` and the built-in SVG show the same shapes, labels and colours. This module does
//! no terminal or notebook I/O; it only writes the graph file it is asked for.

mod collapse;
mod dot;
mod drawing;
mod options;
mod output;
mod svg;
#[cfg(test)]
mod tests;
mod text;

pub use options::{Collapse, Color, Format, RankDir, Renderer, Visualize};
pub use output::Rendered;
pub(crate) use output::{render, render_svg};

/// What kind of thing a drawn node stands for (Dask draws functions as circles, data as boxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// A task: a function applied to its inputs. Drawn as a circle labelled with the
    /// function name, followed by a box for the data it produces.
    Task,
    /// A plain value already in memory (a literal or a persisted result). Drawn as a box only.
    Data,
}

/// The last known state of a task, for colouring by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeState {
    /// Not run yet (or its result was released).
    Waiting,
    /// Running now.
    Running,
    /// Finished in the last run.
    Done,
    /// Failed (returned an error or panicked) in the last run.
    Failed,
    /// Held in memory (a literal or a persisted value).
    Memory,
}

/// One node of a graph to draw.
#[derive(Debug, Clone)]
pub(crate) struct VisNode {
    /// The full key as users see it, e.g. `load-3f2a` or `('read-csv', 4)`.
    pub(crate) key: String,
    /// The short label: the function name or key prefix, e.g. `load`.
    pub(crate) label: String,
    /// The group the node belongs to when a big graph is collapsed (one box per layer).
    pub(crate) layer: String,
    pub(crate) kind: NodeKind,
    pub(crate) state: NodeState,
    /// Position in the execution order (0 runs first), for colouring by order.
    pub(crate) order: usize,
}

/// A graph to draw: nodes plus edges `(from, to)` meaning "`to` takes the output of `from`".
#[derive(Debug, Clone, Default)]
pub(crate) struct VisGraph {
    pub(crate) nodes: Vec<VisNode>,
    pub(crate) edges: Vec<(usize, usize)>,
}
