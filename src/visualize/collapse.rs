//! Collapsing a big graph to one node per layer (the tasks of one operation).
//!
//! Linear in nodes plus edges: one hash lookup per node and one per edge, so a graph of
//! hundreds of thousands of tasks collapses in milliseconds.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::options::{AUTO_COLLAPSE_TASKS, Collapse};
use super::{NodeKind, NodeState, VisGraph};

/// One layer of a collapsed graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layer {
    /// The layer name, shared by all its nodes.
    pub(crate) name: String,
    /// How many nodes it holds.
    pub(crate) count: usize,
    /// True when every node is [`NodeKind::Data`] (drawn as a plain box).
    pub(crate) all_data: bool,
    /// The most telling state of its nodes (see [`StateSummary`]).
    pub(crate) state: NodeState,
    /// The earliest execution order among its nodes.
    pub(crate) order: usize,
}

impl Layer {
    /// `"100 tasks"`, `"1 task"`, or `"2 values"` for a layer of data.
    pub(crate) fn size(&self) -> String {
        let noun = if self.all_data { "value" } else { "task" };
        let s = if self.count == 1 { "" } else { "s" };
        format!("{} {noun}{s}", self.count)
    }
}

/// A collapsed graph: layers in order of first appearance, and deduplicated edges between
/// them (`(from, to)`: some node of `to` takes the output of some node of `from`; a layer
/// feeding itself, as in a tree reduction, has one self-edge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layers {
    pub(crate) layers: Vec<Layer>,
    pub(crate) edges: Vec<(usize, usize)>,
}

/// Whether `mode` collapses this graph.
pub(crate) fn should_collapse(graph: &VisGraph, mode: Collapse) -> bool {
    match mode {
        Collapse::Never => false,
        Collapse::Always => true,
        Collapse::Auto => graph.nodes.iter().filter(|n| n.kind == NodeKind::Task).count() > AUTO_COLLAPSE_TASKS,
    }
}

/// Collapses `graph` to one node per distinct layer. Edges must be in range (see
/// `output::check`); an out-of-range edge is skipped.
pub(crate) fn collapse(graph: &VisGraph) -> Layers {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut layers = Vec::new();
    let mut states: Vec<StateSummary> = Vec::new();
    let layer_of: Vec<usize> = graph
        .nodes
        .iter()
        .map(|n| {
            let i = match index.entry(n.layer.as_str()) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    layers.push(Layer {
                        name: n.layer.clone(),
                        count: 0,
                        all_data: true,
                        state: n.state,
                        order: n.order,
                    });
                    states.push(StateSummary::default());
                    *e.insert(layers.len() - 1)
                }
            };
            let layer = &mut layers[i];
            layer.count += 1;
            layer.all_data &= n.kind == NodeKind::Data;
            layer.order = layer.order.min(n.order);
            states[i].add(n.state);
            i
        })
        .collect();
    for (layer, state) in layers.iter_mut().zip(&states) {
        layer.state = state.state();
    }

    let mut seen = std::collections::HashSet::new();
    let edges = graph
        .edges
        .iter()
        .filter_map(|&(a, b)| Some((*layer_of.get(a)?, *layer_of.get(b)?)))
        .filter(|&edge| seen.insert(edge))
        .collect();
    Layers { layers, edges }
}

/// The state a layer shows: any failed node makes it failed, else any running node makes
/// it running; all in memory is memory, all done (or in memory) is done; else waiting.
#[derive(Debug, Clone, Copy)]
struct StateSummary {
    failed: bool,
    running: bool,
    all_memory: bool,
    all_ready: bool,
}

impl Default for StateSummary {
    fn default() -> Self {
        StateSummary { failed: false, running: false, all_memory: true, all_ready: true }
    }
}

impl StateSummary {
    fn add(&mut self, state: NodeState) {
        self.failed |= state == NodeState::Failed;
        self.running |= state == NodeState::Running;
        self.all_memory &= state == NodeState::Memory;
        self.all_ready &= matches!(state, NodeState::Done | NodeState::Memory);
    }

    fn state(self) -> NodeState {
        if self.failed {
            NodeState::Failed
        } else if self.running {
            NodeState::Running
        } else if self.all_memory {
            NodeState::Memory
        } else if self.all_ready {
            NodeState::Done
        } else {
            NodeState::Waiting
        }
    }
}
