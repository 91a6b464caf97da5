//! Lowering output nodes into a dense, ordered task graph (culling and ordering in one walk).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::node::{Node, Op};
use crate::visualize::{NodeKind, VisGraph, VisNode};

/// A graph of tasks with dense ids (`u32`), numbered in run order.
pub(crate) struct TaskGraph {
    /// The tasks; a task's inputs always have smaller ids.
    pub(crate) nodes: Vec<Arc<Node>>,
    /// `deps[dep_start[i]..dep_start[i + 1]]` are the inputs of task `i`, in argument order.
    pub(crate) dep_start: Vec<u32>,
    pub(crate) deps: Vec<u32>,
    /// The requested tasks, in the order they were asked for (repeats allowed).
    pub(crate) outputs: Vec<u32>,
}

/// Hashes node addresses: they are unique already, so one multiplication spreads them.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(26);
    }
}

type AddressMap = HashMap<*const Node, u32, BuildHasherDefault<AddressHasher>>;

impl TaskGraph {
    /// The tasks `outputs` need, each once, numbered in post-order of a depth-first walk.
    pub(crate) fn lower(outputs: &[Arc<Node>]) -> TaskGraph {
        let mut ids = AddressMap::default();
        let mut g = TaskGraph { nodes: Vec::new(), dep_start: vec![0], deps: Vec::new(), outputs: Vec::new() };
        // (node, index of the next input to visit)
        let mut stack: Vec<(&Arc<Node>, usize)> = Vec::new();
        for out in outputs {
            if !ids.contains_key(&Arc::as_ptr(out)) {
                stack.push((out, 0));
            }
            while let Some((node, next)) = stack.last_mut() {
                if let Some(dep) = node.deps.get(*next) {
                    *next += 1;
                    if !ids.contains_key(&Arc::as_ptr(dep)) {
                        stack.push((dep, 0));
                    }
                    continue;
                }
                // The stack is the current path, so `node` is not numbered yet.
                let node = *node;
                stack.pop();
                let id = g.nodes.len() as u32;
                g.deps.extend(node.deps.iter().map(|d| ids[&Arc::as_ptr(d)]));
                g.dep_start.push(g.deps.len() as u32);
                g.nodes.push(node.clone());
                ids.insert(Arc::as_ptr(node), id);
            }
            g.outputs.push(ids[&Arc::as_ptr(out)]);
        }
        g
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn deps_of(&self, i: u32) -> &[u32] {
        &self.deps[self.dep_start[i as usize] as usize..self.dep_start[i as usize + 1] as usize]
    }

    /// The graph as plain data for drawing.
    pub(crate) fn vis_graph(&self) -> VisGraph {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(order, n)| VisNode {
                key: n.key.to_string(),
                label: n.key.prefix().to_string(),
                layer: n.key.prefix().to_string(),
                kind: match n.op {
                    Op::Call(_) => NodeKind::Task,
                    Op::Value(_) | Op::Future(_) => NodeKind::Data,
                },
                state: n.state(),
                order,
            })
            .collect();
        let edges = (0..self.len() as u32)
            .flat_map(|i| self.deps_of(i).iter().map(move |&d| (d as usize, i as usize)))
            .collect();
        VisGraph { nodes, edges }
    }
}
