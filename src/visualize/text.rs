//! The terminal drawing: a tree like `cargo tree` for small graphs, one line per layer for
//! big ones, so it never runs to thousands of lines.
//!
//! The tree starts at each sink (a node nothing consumes) and goes down to its inputs. A
//! node already drawn appears again as `name (*)` and is not expanded again (a DAG shares
//! nodes); nodes on a cycle with no sink are drawn as extra roots so none is left out.

use std::fmt::Write as _;

use super::VisGraph;
use super::collapse::{Layers, collapse};

/// Graphs with more nodes (or edges) than this are summarised by layer instead of drawn.
const MAX_TREE_NODES: usize = 60;
const MAX_TREE_EDGES: usize = 4 * MAX_TREE_NODES;
/// The summary shows at most this many layers, and this many consumers per layer.
const MAX_SUMMARY_LAYERS: usize = 60;
const MAX_CONSUMERS: usize = 5;

/// The text drawing of an uncollapsed graph.
pub(crate) fn graph_text(graph: &VisGraph) -> String {
    if graph.nodes.len() > MAX_TREE_NODES || graph.edges.len() > MAX_TREE_EDGES {
        return summary(&collapse(graph));
    }
    let names: Vec<String> = graph
        .nodes
        .iter()
        .map(|n| {
            if n.label.is_empty() || n.key.contains(&n.label) {
                n.key.clone()
            } else {
                format!("{} [{}]", n.key, n.label)
            }
        })
        .collect();
    tree(&names, &graph.edges)
}

/// The text drawing of a collapsed graph.
pub(crate) fn layers_text(layers: &Layers) -> String {
    if layers.layers.len() > MAX_TREE_NODES || layers.edges.len() > MAX_TREE_EDGES {
        return summary(layers);
    }
    let names: Vec<String> = layers.layers.iter().map(|l| format!("{} ×{}", l.name, l.size())).collect();
    tree(&names, &layers.edges)
}

/// The tree of `names` (one per node) with edges `(input, consumer)`, rooted at the sinks.
fn tree(names: &[String], edges: &[(usize, usize)]) -> String {
    if names.is_empty() {
        return "(empty graph)".to_owned();
    }
    let mut inputs = vec![Vec::new(); names.len()];
    let mut consumed = vec![false; names.len()];
    for &(from, to) in edges {
        if from < names.len() && to < names.len() {
            inputs[to].push(from);
            consumed[from] |= from != to;
        }
    }
    let mut tree = Tree { names, inputs: &inputs, shown: vec![false; names.len()], out: String::new() };
    for root in (0..names.len()).filter(|&i| !consumed[i]) {
        tree.draw(root, "", "");
    }
    for root in 0..names.len() {
        if !tree.shown[root] {
            tree.draw(root, "", "");
        }
    }
    tree.out.truncate(tree.out.trim_end().len());
    tree.out
}

struct Tree<'a> {
    names: &'a [String],
    inputs: &'a [Vec<usize>],
    shown: Vec<bool>,
    out: String,
}

impl Tree<'_> {
    /// Draws node `i` after `prefix` and `branch` (`├── ` or `└── `), then its inputs.
    /// Recursion depth is at most the node count, which is small here.
    fn draw(&mut self, i: usize, prefix: &str, branch: &str) {
        let again = if self.shown[i] { " (*)" } else { "" };
        // Writing to a String cannot fail.
        let _ = writeln!(self.out, "{prefix}{branch}{}{again}", self.names[i]);
        if self.shown[i] {
            return;
        }
        self.shown[i] = true;
        let continued = match branch {
            "├── " => "│   ",
            "└── " => "    ",
            _ => "",
        };
        let prefix = format!("{prefix}{continued}");
        let inputs = self.inputs;
        for (k, &input) in inputs[i].iter().enumerate() {
            let last = k + 1 == inputs[i].len();
            self.draw(input, &prefix, if last { "└── " } else { "├── " });
        }
    }
}

/// One line per layer: name, size, and the layers that consume it.
fn summary(layers: &Layers) -> String {
    let mut consumers = vec![Vec::new(); layers.layers.len()];
    for &(from, to) in &layers.edges {
        if let (Some(list), true) = (consumers.get_mut(from), to < layers.layers.len()) {
            list.push(to);
        }
    }
    let shown = &layers.layers[..layers.layers.len().min(MAX_SUMMARY_LAYERS)];
    let name_width = shown.iter().map(|l| l.name.chars().count()).max().unwrap_or(0);
    let sizes: Vec<String> = shown.iter().map(|l| format!("×{}", l.size())).collect();
    let size_width = sizes.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for ((layer, size), consumers) in shown.iter().zip(&sizes).zip(&consumers) {
        let _ = write!(out, "{:name_width$}  {size:size_width$}", layer.name);
        if !consumers.is_empty() {
            let names: Vec<&str> =
                consumers.iter().take(MAX_CONSUMERS).map(|&c| layers.layers[c].name.as_str()).collect();
            let _ = write!(out, "  ->  {}", names.join(", "));
            if consumers.len() > MAX_CONSUMERS {
                let _ = write!(out, " and {} more", consumers.len() - MAX_CONSUMERS);
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    if layers.layers.len() > shown.len() {
        let _ = writeln!(out, "... and {} more layers", layers.layers.len() - shown.len());
    }
    if out.is_empty() {
        out.push_str("(empty graph)");
    }
    out.truncate(out.trim_end().len());
    out
}
