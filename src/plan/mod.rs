//! From collections to something a scheduler runs: lowering (cull + order) and fusion.
//!
//! [`TaskGraph::lower`] walks the nodes the caller asks for, depth first, and numbers every
//! task it reaches in post-order. That single walk is both optimisations the brief asks for
//! before a run: tasks nobody needs are never reached (cull), and the numbering is the run
//! order — each task's inputs come before it, and a branch is finished before the walk
//! opens the next one (memory stays low). [`fuse`] then merges linear chains into units.

mod fuse;
mod lower;

pub(crate) use fuse::Plan;
pub(crate) use lower::TaskGraph;

#[cfg(test)]
mod tests;
