//! The one trait every collection implements, and compute/visualize written once over it.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::node::Node;
use crate::plan::TaskGraph;
use crate::scheduler::{self, RunOptions};
use crate::value::Value;
use crate::visualize::{self, Rendered, Visualize};

/// Something that can be computed: it names the tasks whose results it needs and builds its
/// result from them. Implemented by [`Delayed`](crate::Delayed), by references, tuples (up to
/// 8), `Vec`s and arrays of collections, so several can be computed in one run.
pub trait Collection {
    /// What computing it gives.
    type Output;

    /// Pushes the nodes whose results this collection needs, in the order `finish` reads them.
    #[doc(hidden)]
    fn add_outputs(&self, outputs: &mut Outputs);

    /// Builds the result from the values of the nodes pushed by `add_outputs`, in order.
    #[doc(hidden)]
    fn finish(&self, results: &mut Results) -> Result<Self::Output>;

    /// Starts computing in the background on the current [`Client`](crate::Client) (the
    /// latest one started, or a local one) and returns a [`Future`](crate::Future) at once.
    ///
    /// ```
    /// # #[macro_use] extern crate rask;
    /// use rask::prelude::*;
    /// let x = delayed!(u64::pow(2, 16));
    /// let f = x.compute_async();          // the caller goes on meanwhile
    /// assert_eq!(f.result()?, 65536);
    /// # Ok::<(), rask::Error>(())
    /// ```
    fn compute_async(&self) -> crate::Future<Self::Output>
    where
        Self: Clone + Send + Sized + 'static,
        Self::Output: crate::Data,
    {
        match crate::Client::current() {
            Ok(client) => client.compute(self),
            Err(e) => crate::Future::failed(e),
        }
    }
}

/// The output nodes a computation asks for.
#[doc(hidden)]
#[derive(Default)]
pub struct Outputs(pub(crate) Vec<Arc<Node>>);

impl Outputs {
    pub(crate) fn push(&mut self, node: Arc<Node>) {
        self.0.push(node);
    }
}

/// The values of the output nodes, handed out in order.
#[doc(hidden)]
pub struct Results(std::vec::IntoIter<Value>);

impl Results {
    pub(crate) fn new(values: Vec<Value>) -> Results {
        Results(values.into_iter())
    }

    pub(crate) fn next(&mut self) -> Result<Value> {
        self.0.next().ok_or_else(|| Error::Internal("a collection read more results than it asked for".into()))
    }
}

/// A collection that can be rebuilt on results held elsewhere: what
/// [`Client::persist`](crate::Client::persist) gives back. Implemented by
/// [`Delayed`](crate::Delayed), [`DataFrame`](crate::dataframe::DataFrame) and `Vec`s of them.
pub trait Persist: Collection + Sized {
    /// The same collection with each output node replaced by the next of `parts`, in the
    /// order `add_outputs` pushed them.
    #[doc(hidden)]
    fn with_outputs(&self, parts: &mut Parts<'_>) -> Self;
}

/// Nodes a persisted collection is rebuilt on, handed out in order.
#[doc(hidden)]
pub struct Parts<'a>(pub(crate) &'a mut dyn Iterator<Item = Arc<Node>>);

impl Parts<'_> {
    /// The next node; a collection takes exactly as many as it pushed as outputs.
    pub(crate) fn next(&mut self) -> Arc<Node> {
        self.0.next().unwrap_or_else(|| unreachable!("a collection takes as many parts as it has outputs"))
    }
}

impl<C: Persist> Persist for Vec<C> {
    fn with_outputs(&self, parts: &mut Parts<'_>) -> Self {
        self.iter().map(|c| c.with_outputs(parts)).collect()
    }
}

impl<C: Collection + ?Sized> Collection for &C {
    type Output = C::Output;
    fn add_outputs(&self, outputs: &mut Outputs) {
        (**self).add_outputs(outputs)
    }
    fn finish(&self, results: &mut Results) -> Result<Self::Output> {
        (**self).finish(results)
    }
}

impl<C: Collection> Collection for Vec<C> {
    type Output = Vec<C::Output>;
    fn add_outputs(&self, outputs: &mut Outputs) {
        self.iter().for_each(|c| c.add_outputs(outputs))
    }
    fn finish(&self, results: &mut Results) -> Result<Self::Output> {
        self.iter().map(|c| c.finish(results)).collect()
    }
}

impl<C: Collection> Collection for [C] {
    type Output = Vec<C::Output>;
    fn add_outputs(&self, outputs: &mut Outputs) {
        self.iter().for_each(|c| c.add_outputs(outputs))
    }
    fn finish(&self, results: &mut Results) -> Result<Self::Output> {
        self.iter().map(|c| c.finish(results)).collect()
    }
}

macro_rules! impl_tuple {
    ($($c:ident $i:tt),*) => {
        impl<$($c: Collection),*> Collection for ($($c,)*) {
            type Output = ($($c::Output,)*);
            fn add_outputs(&self, outputs: &mut Outputs) {
                $(self.$i.add_outputs(outputs);)*
            }
            fn finish(&self, results: &mut Results) -> Result<Self::Output> {
                Ok(($(self.$i.finish(results)?,)*))
            }
        }
    };
}
impl_tuple!(A 0);
impl_tuple!(A 0, B 1);
impl_tuple!(A 0, B 1, C 2);
impl_tuple!(A 0, B 1, C 2, D 3);
impl_tuple!(A 0, B 1, C 2, D 3, E 4);
impl_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
impl_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
impl_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

fn lower<C: Collection + ?Sized>(c: &C) -> TaskGraph {
    let mut outputs = Outputs::default();
    c.add_outputs(&mut outputs);
    TaskGraph::lower(&outputs.0)
}

/// Computes one or several collections in one run, sharing the work they have in common.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// fn inc(x: i64) -> i64 { x + 1 }
/// let a = delayed!(inc(1));
/// let b = delayed!(inc(a.clone()));
/// let c = delayed!(inc(b.clone()));
/// let (x, y, z) = rask::compute((&a, &b, &c))?;   // `a` runs once
/// assert_eq!((x, y, z), (2, 3, 4));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn compute<C: Collection>(c: C) -> Result<C::Output> {
    compute_with(c, RunOptions::default())
}

/// Like [`compute`], with a scheduler or [`RunOptions`].
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let v: Vec<Delayed<u32>> = (0..4).map(|i| delayed!(u32::pow(i, 2))).collect();
/// assert_eq!(rask::compute_with(&v, Scheduler::Threads(2))?, vec![0, 1, 4, 9]);
/// # Ok::<(), rask::Error>(())
/// ```
pub fn compute_with<C: Collection>(c: C, options: impl Into<RunOptions>) -> Result<C::Output> {
    let graph = lower(&c);
    let values = scheduler::run(&graph, &options.into())?;
    c.finish(&mut Results::new(values))
}

/// Draws the task graph of a collection (see [`Visualize`] for the options).
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let x = delayed!(i64::abs(-3));
/// let drawing = rask::visualize(&x)?;
/// assert!(drawing.dot().contains("abs"));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn visualize<C: Collection>(c: C) -> Result<Rendered> {
    visualize_with(c, &Visualize::default())
}

/// Like [`visualize`], with options.
pub fn visualize_with<C: Collection>(c: C, options: &Visualize) -> Result<Rendered> {
    let graph = lower(&c);
    let stem =
        graph.outputs.first().map(|&i| graph.nodes[i as usize].key.to_string()).unwrap_or_else(|| "graph".into());
    visualize::render(&graph.vis_graph(), options, &stem)
}
