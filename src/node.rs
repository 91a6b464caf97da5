//! Nodes: the immutable building blocks collections are made of, and the task state they carry.
//!
//! A [`Node`] is one task: its key, what it does ([`Op`]) and the nodes it takes as inputs,
//! in argument order. Builders share nodes through `Arc`, so building is O(1) per call and a
//! node used by two collections is one task when both are computed together.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::TaskError;
use crate::key::Key;
use crate::remote::Recipe;
use crate::value::Value;
use crate::visualize::NodeState;

/// The function of a task: takes its inputs (dependency results, in order) and produces a value.
pub(crate) type TaskFn = dyn Fn(Vec<Value>) -> Result<Value, TaskError> + Send + Sync;

/// What a node does when it runs.
pub(crate) enum Op {
    /// Call a function on the results of the dependencies.
    Call(Box<TaskFn>),
    /// A value already in memory: a literal or a persisted result.
    Value(Value),
    /// The result of a client's future, read (waited for) when the task runs.
    Future(Arc<crate::client::Handle>),
}

/// One task of a graph.
pub(crate) struct Node {
    pub(crate) key: Key,
    pub(crate) op: Op,
    pub(crate) deps: Box<[Arc<Node>]>,
    /// The same task as data, for a cluster's workers; `None` for a closure, which only
    /// this process can run.
    pub(crate) recipe: Option<Recipe>,
    state: AtomicU8,
}

impl Node {
    pub(crate) fn new(key: Key, op: Op, deps: Vec<Arc<Node>>) -> Arc<Node> {
        Self::build(key, op, deps, None)
    }

    /// A node that a cluster's workers can run too: `op` and `recipe` do the same work.
    pub(crate) fn with_recipe(key: Key, op: Op, deps: Vec<Arc<Node>>, recipe: Recipe) -> Arc<Node> {
        Self::build(key, op, deps, Some(recipe))
    }

    fn build(key: Key, op: Op, deps: Vec<Arc<Node>>, recipe: Option<Recipe>) -> Arc<Node> {
        let state = match op {
            Op::Call(_) => NodeState::Waiting,
            Op::Value(_) | Op::Future(_) => NodeState::Memory,
        };
        Arc::new(Node { key, op, deps: deps.into_boxed_slice(), recipe, state: AtomicU8::new(state as u8) })
    }

    /// The state this task was left in by the last run that included it.
    pub(crate) fn state(&self) -> NodeState {
        match self.state.load(Ordering::Relaxed) {
            s if s == NodeState::Running as u8 => NodeState::Running,
            s if s == NodeState::Done as u8 => NodeState::Done,
            s if s == NodeState::Failed as u8 => NodeState::Failed,
            s if s == NodeState::Memory as u8 => NodeState::Memory,
            _ => NodeState::Waiting,
        }
    }

    /// Whether the node runs a function (rather than holding or reading a value).
    pub(crate) fn is_task(&self) -> bool {
        matches!(self.op, Op::Call(_))
    }

    pub(crate) fn set_state(&self, s: NodeState) {
        if self.is_task() {
            self.state.store(s as u8, Ordering::Relaxed);
        }
    }
}
