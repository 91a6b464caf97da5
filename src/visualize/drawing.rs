//! The picture before it is printed: shapes with labels and fills, and the arrows between them.
//!
//! Built from a [`VisGraph`] (Dask's way: a circle per function, a box per result) or from
//! its collapsed [`Layers`] (a stacked box per layer), then printed as DOT (`dot.rs`) or laid
//! out by layout-rs (`svg.rs`), so both renderers draw the same picture.

use std::collections::HashSet;
use std::fmt;

use super::collapse::Layers;
use super::options::{Color, RankDir, Visualize};
use super::{NodeKind, NodeState, VisGraph};

/// What a node looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A function (a task).
    Circle,
    /// A value (a task's result, or data).
    Box,
    /// A collapsed layer of tasks (graphviz's `box3d`).
    Stack,
}

/// A fill colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub(crate) u8, pub(crate) u8, pub(crate) u8);

impl fmt::Display for Rgb {
    /// `#rrggbb`, which graphviz and layout-rs both read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// One node of the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DrawNode {
    /// A name unique in the drawing (unescaped; `dot.rs` quotes it).
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) shape: Shape,
    pub(crate) fill: Option<Rgb>,
}

/// The whole picture: nodes, arrows `(from, to)` between them, and their direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Drawing {
    pub(crate) rankdir: RankDir,
    pub(crate) nodes: Vec<DrawNode>,
    pub(crate) edges: Vec<(usize, usize)>,
}

impl Drawing {
    /// Dask's picture of a graph: each task a circle labelled with its function, pointing
    /// to a box labelled with its key; each data node a box. A graph edge goes from the
    /// producer's box to the consumer's circle (or box, for data). Edges must be in range.
    pub(crate) fn of_graph(graph: &VisGraph, options: &Visualize) -> Drawing {
        let paint = Paint::new(options.color, graph.nodes.iter().map(|n| n.order));
        let mut ids = Ids::default();
        let mut nodes = Vec::with_capacity(2 * graph.nodes.len());
        let mut edges = Vec::with_capacity(graph.nodes.len() + graph.edges.len());
        // For each graph node: the drawn node its result leaves from, and the one its
        // inputs arrive at.
        let mut output = Vec::with_capacity(graph.nodes.len());
        let mut input = Vec::with_capacity(graph.nodes.len());
        for n in &graph.nodes {
            let fill = paint.fill(n.state, n.order);
            input.push(nodes.len());
            if n.kind == NodeKind::Task {
                // The circle, then the box it points to.
                edges.push((nodes.len(), nodes.len() + 1));
                let id = ids.unique(format!("{} (fn)", n.key));
                nodes.push(DrawNode { id, label: n.label.clone(), shape: Shape::Circle, fill });
            }
            output.push(nodes.len());
            let id = ids.unique(n.key.clone());
            nodes.push(DrawNode { id, label: n.key.clone(), shape: Shape::Box, fill });
        }
        edges.extend(graph.edges.iter().map(|&(a, b)| (output[a], input[b])));
        Drawing { rankdir: options.rankdir, nodes, edges }
    }

    /// One node per layer, labelled with its name and size: a stack for tasks, a box for
    /// data.
    pub(crate) fn of_layers(layers: &Layers, options: &Visualize) -> Drawing {
        let paint = Paint::new(options.color, layers.layers.iter().map(|l| l.order));
        let mut ids = Ids::default();
        let nodes = layers
            .layers
            .iter()
            .map(|l| DrawNode {
                id: ids.unique(l.name.clone()),
                label: format!("{}\n{}", l.name, l.size()),
                shape: if l.all_data { Shape::Box } else { Shape::Stack },
                fill: paint.fill(l.state, l.order),
            })
            .collect();
        Drawing { rankdir: options.rankdir, nodes, edges: layers.edges.clone() }
    }
}

/// Hands out node ids, suffixing `#2`, `#3`, ... when one is taken (duplicate keys, or a
/// key that happens to read like another's function node).
#[derive(Default)]
struct Ids(HashSet<String>);

impl Ids {
    fn unique(&mut self, id: String) -> String {
        let mut candidate = id.clone();
        let mut n = 1;
        while self.0.contains(&candidate) {
            n += 1;
            candidate = format!("{id}#{n}");
        }
        self.0.insert(candidate.clone());
        candidate
    }
}

/// Chooses fills for one [`Color`] mode.
struct Paint {
    color: Color,
    min_order: usize,
    max_order: usize,
}

impl Paint {
    fn new(color: Color, orders: impl Iterator<Item = usize>) -> Paint {
        let (min_order, max_order) = orders.fold((usize::MAX, 0), |(lo, hi), o| (lo.min(o), hi.max(o)));
        Paint { color, min_order, max_order }
    }

    fn fill(&self, state: NodeState, order: usize) -> Option<Rgb> {
        match self.color {
            Color::None => None,
            Color::State => Some(state_color(state)),
            Color::Order => {
                let span = self.max_order.saturating_sub(self.min_order);
                let t = if span == 0 { 0.0 } else { order.saturating_sub(self.min_order) as f64 / span as f64 };
                Some(order_color(t))
            }
        }
    }
}

/// Colours by state: waiting grey, running orange, done green, failed red, memory blue.
pub(crate) fn state_color(state: NodeState) -> Rgb {
    match state {
        NodeState::Waiting => Rgb(0xd9, 0xd9, 0xd9),
        NodeState::Running => Rgb(0xff, 0xb3, 0x47),
        NodeState::Done => Rgb(0x9b, 0xd7, 0x9b),
        NodeState::Failed => Rgb(0xf2, 0x6b, 0x6b),
        NodeState::Memory => Rgb(0x7f, 0xc7, 0xd9),
    }
}

/// The colormap for execution order, `t` from 0 (first) to 1 (last): matplotlib's `RdBu`,
/// Dask's default for `color="order"`.
pub(crate) fn order_color(t: f64) -> Rgb {
    const STOPS: [Rgb; 7] = [
        Rgb(0xb2, 0x18, 0x2b),
        Rgb(0xef, 0x8a, 0x62),
        Rgb(0xfd, 0xdb, 0xc7),
        Rgb(0xf7, 0xf7, 0xf7),
        Rgb(0xd1, 0xe5, 0xf0),
        Rgb(0x67, 0xa9, 0xcf),
        Rgb(0x21, 0x66, 0xac),
    ];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    // `x` is in 0..=6, so the casts stay in range.
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let (a, b, f) = (STOPS[i], STOPS[i + 1], x - i as f64);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
