use std::sync::Arc;

use super::{Plan, TaskGraph};
use crate::key::Key;
use crate::node::{Node, Op};
use crate::value::value;

fn leaf(name: &'static str) -> Arc<Node> {
    Node::new(Key::from(name), Op::Value(value(1u8)), Vec::new())
}

fn task(name: &'static str, deps: Vec<Arc<Node>>) -> Arc<Node> {
    Node::new(Key::from(name), Op::Call(Box::new(|_| Ok(value(0u8)))), deps)
}

fn keys(g: &TaskGraph) -> Vec<String> {
    g.nodes.iter().map(|n| n.key.to_string()).collect()
}

#[test]
fn lowering_culls_and_finishes_branches_first() {
    let unused = task("unused", vec![leaf("x")]);
    let a = task("a", vec![leaf("a0"), leaf("a1")]);
    let b = task("b", vec![leaf("b0"), leaf("b1")]);
    let root = task("root", vec![a.clone(), b]);
    let g = TaskGraph::lower(std::slice::from_ref(&root));
    // Each branch is complete before the next opens; `unused` is never reached.
    assert_eq!(keys(&g), ["a0", "a1", "a", "b0", "b1", "b", "root"]);
    assert_eq!(g.deps_of(6), [2, 5]);
    assert_eq!(g.outputs, [6]);
    drop(unused);
    // A node shared by two outputs is one task.
    let g = TaskGraph::lower(&[a.clone(), root, a]);
    assert_eq!(g.len(), 7);
    assert_eq!(g.outputs, [2, 6, 2]);
}

#[test]
fn fusion_merges_linear_chains_only() {
    // load-i -> clean-i (a chain each), both read by analyze, which feeds store.
    let c1 = task("clean-1", vec![task("load-1", vec![])]);
    let c2 = task("clean-2", vec![task("load-2", vec![])]);
    let analyze = task("analyze", vec![c1, c2]);
    let store = task("store", vec![analyze]);
    let g = TaskGraph::lower(&[store]);
    assert_eq!(keys(&g), ["load-1", "clean-1", "load-2", "clean-2", "analyze", "store"]);
    let plan = Plan::new(&g, true);
    assert_eq!(plan.heads, [0, 2, 4]);
    assert_eq!((plan.tail[0], plan.tail[2], plan.tail[4]), (1, 3, 5));
    assert_eq!(plan.consumers_of(1), [4]);
    let unfused = Plan::new(&g, false);
    assert_eq!(unfused.heads, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn a_requested_task_ends_its_unit() {
    let a = task("a", vec![]);
    let b = task("b", vec![a.clone()]);
    let g = TaskGraph::lower(&[b, a]);
    let plan = Plan::new(&g, true);
    assert_eq!(plan.heads, [0, 1], "`a` is asked for, so its result must be kept");
    assert_eq!(plan.readers, [2, 1]);
}

#[test]
fn shared_inputs_are_not_fused() {
    let x = task("x", vec![]);
    let y = task("y", vec![x.clone()]);
    let z = task("z", vec![x]);
    let g = TaskGraph::lower(&[y, z]);
    let plan = Plan::new(&g, true);
    assert_eq!(plan.heads, [0, 1, 2]);
    assert_eq!(plan.readers, [2, 1, 1]);
}
