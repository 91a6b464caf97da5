//! rask's one integration test binary, grouped by topic.

#[macro_use]
extern crate rask;

mod array;
mod attribute;
mod bag;
mod budget;
mod dataframe;
mod delayed;
mod diagnostics;
mod futures;
mod raw;
mod schedulers;
mod shuffles;
mod visualize;
mod web;
