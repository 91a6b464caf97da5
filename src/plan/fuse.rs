//! Fusing linear chains: a task whose only consumer takes nothing else runs in the same unit.

use super::TaskGraph;

/// A task graph cut into units, with the bookkeeping a run needs.
///
/// A unit is a run of consecutive ids `head..=tail` where every task after the head takes
/// exactly one input, the task before it, which nothing else reads and nobody asked for.
/// Lowering numbers such a chain consecutively, so units are ranges. A unit is scheduled as
/// one task: its intermediate values pass from step to step without being stored.
pub(crate) struct Plan<'g> {
    pub(crate) graph: &'g TaskGraph,
    /// `consumers[cons_start[i]..cons_start[i + 1]]`: the tasks that read task `i`, once per
    /// input edge. Every consumer of a unit's tail is the head of its own unit.
    cons_start: Vec<u32>,
    consumers: Vec<u32>,
    /// How many times the result of each task is read: by consumers and by the caller.
    pub(crate) readers: Vec<u32>,
    /// For a unit head, the id of its tail; unused for other tasks.
    pub(crate) tail: Vec<u32>,
    /// The heads of all units, in run order.
    pub(crate) heads: Vec<u32>,
}

impl<'g> Plan<'g> {
    pub(crate) fn new(graph: &'g TaskGraph, fuse: bool) -> Plan<'g> {
        let n = graph.len();
        let mut cons_start = vec![0u32; n + 1];
        for &d in &graph.deps {
            cons_start[d as usize + 1] += 1;
        }
        for i in 0..n {
            cons_start[i + 1] += cons_start[i];
        }
        let mut fill = cons_start.clone();
        let mut consumers = vec![0u32; graph.deps.len()];
        for i in 0..n as u32 {
            for &d in graph.deps_of(i) {
                consumers[fill[d as usize] as usize] = i;
                fill[d as usize] += 1;
            }
        }
        let mut readers: Vec<u32> = (0..n).map(|i| cons_start[i + 1] - cons_start[i]).collect();
        let mut requested = vec![false; n];
        for &o in &graph.outputs {
            readers[o as usize] += 1;
            requested[o as usize] = true;
        }
        let mut tail = vec![0u32; n];
        let mut heads = Vec::new();
        for i in 0..n as u32 {
            let prev = i.wrapping_sub(1);
            let chained = fuse
                && i > 0
                && graph.deps_of(i) == [prev]
                && cons_start[i as usize] - cons_start[prev as usize] == 1
                && !requested[prev as usize];
            if chained {
                let head = *heads.last().unwrap_or(&0);
                tail[head as usize] = i;
            } else {
                heads.push(i);
                tail[i as usize] = i;
            }
        }
        Plan { graph, cons_start, consumers, readers, tail, heads }
    }

    pub(crate) fn consumers_of(&self, i: u32) -> &[u32] {
        &self.consumers[self.cons_start[i as usize] as usize..self.cons_start[i as usize + 1] as usize]
    }
}
