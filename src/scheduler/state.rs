//! The state of one run and the steps every scheduler takes over it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::Scheduler;
use super::cancel::CancelToken;
use crate::error::{Error, Result, TaskError};
use crate::events::{Event, Listener, Outcome};
use crate::node::{Node, Op};
use crate::panics;
use crate::plan::Plan;
use crate::value::{Value, nbytes};
use crate::visualize::NodeState;

/// A result held for the tasks that still have to read it.
struct Slot {
    value: Option<Value>,
    readers: u32,
}

/// One computation in progress.
pub(super) struct Run<'p> {
    plan: &'p Plan<'p>,
    /// Per unit head: inputs not yet available.
    waiting: Vec<AtomicU32>,
    slots: Vec<Mutex<Slot>>,
    stop: AtomicBool,
    error: Mutex<Option<Error>>,
    token: CancelToken,
    listeners: Vec<Arc<dyn Listener>>,
    id: u64,
    started: Instant,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

static NEXT_RUN: AtomicU32 = AtomicU32::new(1);

impl<'p> Run<'p> {
    pub(super) fn new(
        plan: &'p Plan<'p>,
        token: CancelToken,
        listeners: Vec<Arc<dyn Listener>>,
        scheduler: Scheduler,
    ) -> Self {
        let g = plan.graph;
        let run = Run {
            plan,
            waiting: (0..g.len() as u32).map(|i| AtomicU32::new(g.deps_of(i).len() as u32)).collect(),
            slots: plan.readers.iter().map(|&readers| Mutex::new(Slot { value: None, readers })).collect(),
            stop: AtomicBool::new(false),
            error: Mutex::new(None),
            token,
            listeners,
            id: u64::from(NEXT_RUN.fetch_add(1, Ordering::Relaxed)),
            started: Instant::now(),
        };
        let tasks = g.nodes.iter().filter(|n| n.is_task()).count();
        run.emit(&Event::RunStarted { run: run.id, tasks, scheduler });
        run
    }

    fn emit(&self, event: &Event<'_>) {
        self.listeners.iter().for_each(|l| l.on_event(event));
    }

    /// Units that need no input, in run order.
    pub(super) fn roots(&self) -> Vec<u32> {
        self.plan.heads.iter().copied().filter(|&h| self.plan.graph.deps_of(h).is_empty()).collect()
    }

    /// Whether the run should start no more work.
    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn fail(&self, e: Error) {
        let mut first = lock(&self.error);
        if first.is_none() {
            *first = Some(e);
        }
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Runs every unit in run order on this thread.
    pub(super) fn run_sync(&self) {
        for &head in &self.plan.heads {
            if !self.run_unit(head, 0) {
                break;
            }
        }
    }

    /// Runs the unit starting at `head`; false when the run must stop (failure or cancel).
    pub(super) fn run_unit(&self, head: u32, worker: usize) -> bool {
        if self.stopped() {
            return false;
        }
        if self.token.is_cancelled() {
            self.fail(Error::Cancelled);
            return false;
        }
        let g = self.plan.graph;
        let inputs = g.deps_of(head).iter().map(|&d| self.take_input(d)).collect::<Result<Vec<_>>>();
        let mut carry = match inputs {
            Ok(v) => v,
            Err(e) => {
                self.fail(e);
                return false;
            }
        };
        let tail = self.plan.tail[head as usize];
        for i in head..=tail {
            match self.execute(&g.nodes[i as usize], std::mem::take(&mut carry), worker) {
                Ok(v) => carry = vec![v],
                Err(e) => {
                    self.fail(e);
                    return false;
                }
            }
        }
        if self.plan.readers[tail as usize] > 0 {
            lock(&self.slots[tail as usize]).value = carry.pop();
        }
        true
    }

    /// Calls `ready` for each consumer of the unit ending at `tail` whose last input this was.
    pub(super) fn release_consumers(&self, head: u32, mut ready: impl FnMut(u32)) {
        let tail = self.plan.tail[head as usize];
        for &c in self.plan.consumers_of(tail) {
            if self.waiting[c as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                ready(c);
            }
        }
    }

    /// The result of task `d` for one of its readers: moved out for the last one.
    fn take_input(&self, d: u32) -> Result<Value> {
        let mut slot = lock(&self.slots[d as usize]);
        slot.readers = slot.readers.saturating_sub(1);
        let v = if slot.readers == 0 { slot.value.take() } else { slot.value.clone() };
        v.ok_or_else(|| {
            Error::Internal(format!(
                "the result of '{}' was read before it was ready",
                self.plan.graph.nodes[d as usize].key
            ))
        })
    }

    fn execute(&self, node: &Node, inputs: Vec<Value>, worker: usize) -> Result<Value> {
        let f = match &node.op {
            Op::Value(v) => return Ok(v.clone()),
            Op::Future(h) => return h.0.value(),
            Op::Call(f) => f,
        };
        let timed = !self.listeners.is_empty();
        let start = timed.then(Instant::now);
        if timed {
            self.emit(&Event::TaskStarted { run: self.id, key: &node.key, worker });
        }
        node.set_state(NodeState::Running);
        let out = panics::catch(|| f(inputs)).unwrap_or_else(|msg| Err(TaskError::Panicked(msg)));
        match out {
            Ok(v) => {
                node.set_state(NodeState::Done);
                if let Some(start) = start {
                    let duration = start.elapsed();
                    self.emit(&Event::TaskFinished {
                        run: self.id,
                        key: &node.key,
                        worker,
                        start,
                        duration,
                        nbytes: nbytes(&*v),
                    });
                }
                Ok(v)
            }
            Err(source) => {
                node.set_state(NodeState::Failed);
                if timed {
                    self.emit(&Event::TaskFailed { run: self.id, key: &node.key, worker, error: &source });
                }
                Err(Error::Task { key: node.key.clone(), source })
            }
        }
    }

    /// Ends the run: the outputs' values, or the first error.
    pub(super) fn finish(self) -> Result<Vec<Value>> {
        let error = lock(&self.error).take();
        let outcome = match &error {
            None => Outcome::Completed,
            Some(Error::Cancelled) => Outcome::Cancelled,
            Some(_) => Outcome::Failed,
        };
        self.emit(&Event::RunFinished { run: self.id, elapsed: self.started.elapsed(), outcome });
        if let Some(e) = error {
            for n in &self.plan.graph.nodes {
                if n.state() == NodeState::Running {
                    n.set_state(NodeState::Waiting);
                }
            }
            return Err(e);
        }
        self.plan.graph.outputs.iter().map(|&o| self.take_input(o)).collect()
    }
}
