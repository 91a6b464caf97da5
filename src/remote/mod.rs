//! Tasks as data: functions registered by name, so that a task can leave this process and run
//! on a Dask cluster's workers ([`crate::Client::connect`]).
//!
//! A closure lives only in the process that made it. A function [registered](register) under
//! a name, in a crate that both the program and the worker runtime (`worker/`, a Python
//! extension module) link, can be called on either side: a task built from it carries a
//! recipe next to its closure (the name, literal arguments encoded by their
//! [codec](crate::client::register_spill), inputs by position), and a worker rebuilds the
//! same task from it and runs the same function. [`try_register`] does the same for a
//! function returning `Result`.
//!
//! rask's own collections make their tasks as data too: a DataFrame's partitions,
//! aggregations, shuffles, joins and sorts (`dataframe/task.rs`), an array's made blocks and
//! reductions (`array/task.rs`, `array/reduce.rs`), a bag's reads, registered stages and
//! reductions (`bag/task.rs`) are `Builtin` tasks, whose parameters are serialized only
//! when a task is sent, and which a worker finds by their type's name and runs with the
//! same code.
//!
//! ```
//! # #[macro_use] extern crate rask;
//! use rask::prelude::*;
//! fn inc(x: i64) -> i64 { x + 1 }
//! let inc = rask::remote::register("inc", inc);
//! let two = inc.call((1,));
//! let four = inc.call((inc.call((two.clone(),)),));
//! assert_eq!(four.compute()?, 4);     // runs here, or on a cluster through its Client
//! # Ok::<(), rask::Error>(())
//! ```

pub(crate) mod cluster;
mod wire;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError, RwLock};

use polars::polars_utils::pl_serialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{ArgSlot, Callable, fallible_task_fn, task_fn};
use crate::codec;
use crate::delayed::{Delayed, IntoArgs, split};
use crate::error::{BoxError, TaskError};
use crate::key::Key;
use crate::node::{Node, Op, TaskFn};
use crate::value::{Data, Gather, TypeDesc, Value};

use self::wire::{Reader, Writer};

/// rask's version: a cluster's workers must run the worker runtime built from the same.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A registered function, type-erased: builds its task from the slots of one call.
#[derive(Clone)]
struct Registered {
    build: Arc<dyn Fn(Vec<ArgSlot>) -> Box<TaskFn> + Send + Sync>,
    /// The parameter types, in order: the tags of literal arguments.
    params: Arc<[TypeDesc]>,
    /// The result type's name.
    output: &'static str,
}

impl Registered {
    /// The function as a task function of its one argument, to call on item after item.
    fn per_item(&self) -> Box<TaskFn> {
        (self.build)(vec![ArgSlot::Dep])
    }
}

static FUNCTIONS: RwLock<Option<HashMap<&'static str, Registered>>> = RwLock::new(None);

/// A function registered by name: calling it builds a task that a cluster's workers can run
/// (see the [module](self) docs). Made by [`register`].
pub struct Function<Args, R> {
    name: &'static str,
    registered: Registered,
    _types: PhantomData<fn(Args) -> R>,
}

impl<Args, R> Clone for Function<Args, R> {
    fn clone(&self) -> Self {
        Function { name: self.name, registered: self.registered.clone(), _types: PhantomData }
    }
}

impl<Args, R> std::fmt::Debug for Function<Args, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Function('{}')", self.name)
    }
}

/// Registers `f` under `name`, for this process: call it on both sides, the program that
/// builds graphs and the worker runtime (from a crate both link), so the names agree.
/// Registering a name again replaces the function.
///
/// ```
/// # #[macro_use] extern crate rask;
/// use rask::prelude::*;
/// let add = rask::remote::register("add", |a: i64, b: i64| a + b);
/// let total = add.call((delayed!(i64::abs(-2)), 3));
/// assert_eq!(total.compute()?, 5);
/// assert!(rask::remote::is_registered("add"));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn register<F, Args>(name: &'static str, f: F) -> Function<Args, F::Output>
where
    F: Callable<Args> + Clone,
    F::Output: Data,
{
    add(
        name,
        Registered {
            build: Arc::new(move |slots| task_fn(f.clone(), slots)),
            params: F::params().into(),
            output: std::any::type_name::<F::Output>(),
        },
    )
}

/// Like [`register`], for a function returning `Result<T, E>`: an `Err` fails the task with
/// its message (on a worker too), and the call's value is the `Ok` one.
///
/// ```
/// use rask::prelude::*;
/// let parse = rask::remote::try_register("parse", |s: String| s.parse::<i64>());
/// assert_eq!(parse.call(("42",)).compute()?, 42);
/// let err = parse.call(("x",)).compute().unwrap_err();
/// assert!(err.to_string().ends_with("failed: invalid digit found in string"));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn try_register<F, Args, T, E>(name: &'static str, f: F) -> Function<Args, T>
where
    F: Callable<Args, Output = std::result::Result<T, E>> + Clone,
    T: Data,
    E: Into<BoxError>,
{
    add(
        name,
        Registered {
            build: Arc::new(move |slots| fallible_task_fn(f.clone(), slots)),
            params: F::params().into(),
            output: std::any::type_name::<T>(),
        },
    )
}

fn add<Args, R>(name: &'static str, registered: Registered) -> Function<Args, R> {
    let mut functions = FUNCTIONS.write().unwrap_or_else(PoisonError::into_inner);
    functions.get_or_insert_with(HashMap::new).insert(name, registered.clone());
    Function { name, registered, _types: PhantomData }
}

/// Whether a function is registered under `name` in this process.
pub fn is_registered(name: &str) -> bool {
    lookup(name).is_some()
}

fn lookup(name: &str) -> Option<Registered> {
    FUNCTIONS.read().unwrap_or_else(PoisonError::into_inner).as_ref().and_then(|m| m.get(name).cloned())
}

impl<Args, R: Data> Function<Args, R> {
    /// A lazy call: each argument may be a value, a `Delayed`, a `Future` or a list of them,
    /// as in [`delayed!`](crate::delayed!). The task's key starts with the function's name.
    pub fn call(&self, args: impl IntoArgs<Args>) -> Delayed<R> {
        let (slots, deps) = split(args.into_args());
        let recipe = Recipe::call(self.name, &self.registered.params, &slots);
        let op = Op::Call((self.registered.build)(slots));
        Delayed::from_node(Node::with_recipe(Key::unique(self.name), op, deps, recipe))
    }

    /// The name it is registered under.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<A, R: Data> Function<(A,), R> {
    /// The function as a task function of its one argument, to call on item after item
    /// (a bag's `map_registered`).
    pub(crate) fn item_fn(&self) -> Box<TaskFn> {
        self.registered.per_item()
    }
}

/// The function registered under `name`, called on one argument at a time (a bag's stage on
/// a worker), or why there is none.
pub(crate) fn item_fn(name: &str) -> Result<Box<TaskFn>, String> {
    match lookup(name) {
        Some(registered) if registered.params.len() == 1 => Ok(registered.per_item()),
        Some(registered) => {
            Err(format!("'{name}' takes {} arguments here, and a bag's stage passes one", registered.params.len()))
        }
        None => Err(no_function(name)),
    }
}

fn no_function(name: &str) -> String {
    format!("no function '{name}' is registered in this worker runtime (build it with the crate that registers it)")
}

/// One argument of a registered function's recipe.
#[derive(Clone)]
pub(crate) enum Slot {
    /// A literal and its type's name.
    Lit(Value, &'static str),
    Dep,
    /// `n` inputs gathered into a `Vec` of the named item type.
    Deps(usize, &'static str),
}

/// One of rask's own tasks as data: it runs here, and a worker rebuilds it from its bytes
/// (its serde form, found by its type's name in [`builtin_decoder`]) and runs the same code.
pub(crate) trait Builtin: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Runs the task on its inputs (dependency results, in order).
    fn run(&self, inputs: Vec<Value>) -> Result<Value, TaskError>;
}

/// A built-in task, type-erased, for its recipe.
pub(crate) trait EncodeBuiltin: Send + Sync {
    fn name(&self) -> &'static str;
    fn encode(&self) -> Result<Vec<u8>, String>;
}

impl<B: Builtin> EncodeBuiltin for B {
    fn name(&self) -> &'static str {
        std::any::type_name::<B>()
    }
    fn encode(&self) -> Result<Vec<u8>, String> {
        encode_builtin(self)
    }
}

/// A built-in task's parameters as bytes (bincode, through polars' serializer, which also
/// writes polars' expressions and frames), or why they cannot be sent.
pub(crate) fn encode_builtin<B: Builtin>(task: &B) -> Result<Vec<u8>, String> {
    pl_serialize::serialize_to_bytes::<_, false>(task).map_err(|e| {
        let why = e.to_string();
        format!(
            "its parameters cannot be sent ({}); a Rust function inside an expression stays in this process",
            why.lines().next().unwrap_or(&why).trim()
        )
    })
}

/// The task [`encode_builtin`] wrote.
pub(crate) fn decode_builtin<B: Builtin>(bytes: &[u8]) -> Result<B, String> {
    pl_serialize::deserialize_from_reader::<_, _, false>(bytes)
        .map_err(|e| format!("a task that does not read back ({e}): client and worker differ?"))
}

/// A node running the built-in `task` on `deps`, here or on a cluster's workers.
pub(crate) fn builtin_node<B: Builtin>(key: Key, task: B, deps: Vec<Arc<Node>>) -> Arc<Node> {
    let task = Arc::new(task);
    let recipe = Recipe::Builtin(task.clone());
    Node::with_recipe(key, Op::Call(Box::new(move |inputs| task.run(inputs))), deps, recipe)
}

/// Rebuilds a built-in task from its bytes, as a task function.
pub(crate) type Decoder = fn(&[u8]) -> Result<Box<TaskFn>, String>;

/// The decoder of built-in tasks of type `B`, under the type's name.
pub(crate) fn decoder<B: Builtin>() -> (&'static str, Decoder) {
    fn decode<B: Builtin>(bytes: &[u8]) -> Result<Box<TaskFn>, String> {
        let task = decode_builtin::<B>(bytes)?;
        Ok(Box::new(move |inputs| task.run(inputs)))
    }
    (std::any::type_name::<B>(), decode::<B>)
}

/// The decoder of the built-in named `name`: every kind of task a collection makes.
fn builtin_decoder(name: &str) -> Option<Decoder> {
    static TABLE: std::sync::OnceLock<HashMap<&'static str, Decoder>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        std::iter::once(decoder::<crate::dataframe::FrameTask>())
            .chain(crate::array::decoders())
            .chain(crate::bag::decoders())
            .collect()
    });
    table.get(name).copied()
}

/// A task as data: a registered function's call, or a built-in task.
#[derive(Clone)]
pub(crate) enum Recipe {
    Call {
        function: &'static str,
        slots: Arc<[Slot]>,
    },
    Builtin(Arc<dyn EncodeBuiltin>),
    /// A task only this process can run, and why (a bag's closure, an item type without a
    /// form on the wire): sending it is that error.
    Refused(Arc<str>),
}

/// The first byte after the version: what kind of recipe follows.
const CALL: u8 = 0;
const BUILTIN: u8 = 1;

impl Recipe {
    fn call(function: &'static str, params: &[TypeDesc], slots: &[ArgSlot]) -> Recipe {
        let slots = slots
            .iter()
            .zip(params)
            .map(|(s, param)| match s {
                ArgSlot::Lit(v) => Slot::Lit(v.clone(), param.full_name),
                ArgSlot::Dep => Slot::Dep,
                ArgSlot::Deps(n, gather) => Slot::Deps(*n, gather.item),
            })
            .collect();
        Recipe::Call { function, slots }
    }

    /// The recipe as bytes, or why it cannot be sent (a literal whose type has no codec).
    pub(crate) fn encode(&self) -> Result<Vec<u8>, String> {
        let mut w = Writer::default();
        w.str(VERSION);
        match self {
            Recipe::Call { function, slots } => {
                w.u8(CALL);
                encode_call(&mut w, function, slots)?;
            }
            Recipe::Builtin(task) => {
                w.u8(BUILTIN);
                w.str(task.name());
                w.bytes(&task.encode()?)?;
            }
            Recipe::Refused(why) => return Err(why.to_string()),
        }
        Ok(w.into_inner())
    }
}

fn encode_call(w: &mut Writer, function: &str, slots: &[Slot]) -> Result<(), String> {
    w.str(function);
    w.u32(slots.len() as u32);
    for (i, slot) in slots.iter().enumerate() {
        match slot {
            Slot::Lit(v, ty) => {
                let bytes = codec::encode_tagged(v)
                    .ok_or_else(|| {
                        format!(
                            "argument {} of '{function}' is a {ty}, which has no codec to send it to a worker \
                             (register one with rask::client::register_spill)",
                            i + 1,
                        )
                    })?
                    .map_err(|e| format!("argument {} of '{function}' could not be encoded: {e}", i + 1))?;
                w.u8(0);
                w.bytes(&bytes).map_err(|e| format!("argument {} of '{function}': {e}", i + 1))?;
            }
            Slot::Dep => w.u8(1),
            Slot::Deps(n, item) => {
                w.u8(2);
                w.u32(*n as u32);
                w.str(item);
            }
        }
    }
    Ok(())
}

/// Runs one task on a worker: rebuilds it from `recipe` (made by [`Recipe::encode`] in a
/// program running the same rask and registrations), feeds it `inputs` (tagged values, in
/// order) and returns its tagged result. The error is one line; the caller adds the key.
#[doc(hidden)]
pub fn run_encoded(recipe: &[u8], inputs: &[&[u8]]) -> Result<Vec<u8>, String> {
    // A panic anywhere (a user's codec, too) is the task's error, never the worker's.
    crate::panics::catch(|| run_recipe(recipe, inputs)).unwrap_or_else(|m| Err(format!("panicked: {m}")))
}

fn run_recipe(recipe: &[u8], inputs: &[&[u8]]) -> Result<Vec<u8>, String> {
    let mut r = Reader::new(recipe);
    let client = r.str()?;
    if client != VERSION {
        return Err(format!(
            "this worker runs rask-worker {VERSION} and the task comes from rask {client}: install the same version"
        ));
    }
    let (f, output) = match r.u8()? {
        CALL => decode_call(&mut r)?,
        BUILTIN => {
            let name = r.str()?;
            let decode = builtin_decoder(name).ok_or_else(|| {
                format!("this worker runtime has no built-in task '{name}' (client and worker differ?)")
            })?;
            (decode(r.bytes()?)?, "value")
        }
        k => return Err(format!("a recipe of unknown kind {k} (client and worker differ?)")),
    };
    let values = inputs
        .iter()
        .map(|b| codec::decode_tagged(b))
        .collect::<std::io::Result<Vec<Value>>>()
        .map_err(|e| format!("an input: {e}"))?;
    let out = crate::panics::catch(|| f(values)).unwrap_or_else(|m| Err(TaskError::Panicked(m)));
    let out = out.map_err(|e| e.to_string())?;
    codec::encode_tagged(&out)
        .ok_or_else(|| {
            format!(
                "its result is a {output}, which has no codec to send it back (register one with rask::client::register_spill)"
            )
        })?
        .map_err(|e| format!("its result could not be encoded: {e}"))
}

/// A registered function's task and the name of its result type, from its recipe.
fn decode_call(r: &mut Reader<'_>) -> Result<(Box<TaskFn>, &'static str), String> {
    let function = r.str()?;
    let registered = lookup(function).ok_or_else(|| no_function(function))?;
    let n = r.u32()? as usize;
    let mut slots = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        slots.push(match r.u8()? {
            0 => ArgSlot::Lit(codec::decode_tagged(r.bytes()?).map_err(|e| format!("a literal argument: {e}"))?),
            1 => ArgSlot::Dep,
            2 => {
                let count = r.u32()? as usize;
                let item = r.str()?;
                let codec = codec::codec_named(item).ok_or_else(|| format!("no codec for {item} in this worker"))?;
                ArgSlot::Deps(count, Gather { item: codec.name, collect: codec.collect })
            }
            k => return Err(format!("a recipe with an unknown argument kind {k} (client and worker differ?)")),
        });
    }
    Ok(((registered.build)(slots), registered.output))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_tagged, encode_tagged};
    use crate::value::value;

    fn recipe_of<T: Data>(d: &Delayed<T>) -> Vec<u8> {
        d.node().recipe.as_ref().expect("a registered call has a recipe").encode().expect("encodes")
    }

    fn tagged<T: Data>(x: T) -> Vec<u8> {
        encode_tagged(&value(x)).expect("a codec").expect("encodes")
    }

    fn run<T: Data>(recipe: &[u8], inputs: &[Vec<u8>]) -> Result<T, String> {
        let inputs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let out = run_encoded(recipe, &inputs)?;
        crate::value::take::<T>(decode_tagged(&out).map_err(|e| e.to_string())?).map_err(|e| e.to_string())
    }

    #[test]
    fn a_worker_rebuilds_a_call_from_its_recipe() {
        let scale = register("test-scale", |xs: Vec<f64>, by: f64, label: String| {
            format!("{label}: {}", xs.iter().map(|x| x * by).sum::<f64>())
        });
        let a = Delayed::value(1.5f64);
        let b = Delayed::value(2.0f64);
        let call = scale.call((vec![a, b], 10.0, "total"));
        assert_eq!(call.compute().expect("runs here"), "total: 35");
        // The same task on "a worker": literals travel in the recipe, the list's two inputs
        // arrive as bytes and are gathered into the Vec.
        let recipe = recipe_of(&call);
        assert_eq!(run::<String>(&recipe, &[tagged(1.5f64), tagged(2.0f64)]), Ok("total: 35".to_string()));
        assert_eq!(call.key().prefix(), "test-scale");
    }

    #[test]
    fn what_cannot_travel_is_named() {
        #[derive(Clone)]
        struct Opaque;
        let f = register("test-opaque", |_: Opaque| 1i64);
        let err = f.call((Opaque,)).node().recipe.as_ref().expect("a recipe").encode().expect_err("no codec");
        assert!(err.starts_with("argument 1 of 'test-opaque' is a "), "{err}");
        assert!(err.contains("Opaque, which has no codec"), "{err}");

        let g = register("test-pair", |x: i64| (x, x));
        let recipe = recipe_of(&g.call((1,)));
        let err = run::<(i64, i64)>(&recipe, &[]).expect_err("no codec for the result");
        assert!(err.starts_with("its result is a (i64, i64), which has no codec"), "{err}");
    }

    #[test]
    fn a_bad_recipe_is_an_error_not_a_panic() {
        let h = register("test-neg", |x: i64| -x);
        let recipe = recipe_of(&h.call((h.call((4,)),)));
        assert_eq!(run::<i64>(&recipe, &[tagged(4i64)]), Ok(-4));
        assert!(run::<i64>(&recipe[..recipe.len() - 1], &[tagged(4i64)]).is_err(), "truncated");
        assert!(run::<i64>(&recipe, &[b"junk".to_vec()]).is_err(), "a bad input");
        let mut w = Writer::default();
        w.str(VERSION);
        w.u8(CALL);
        w.str("test-never-registered");
        w.u32(0);
        let err = run::<i64>(&w.into_inner(), &[]).expect_err("unknown");
        assert!(err.starts_with("no function 'test-never-registered' is registered"), "{err}");
        let mut w = Writer::default();
        w.str("0.0.0-other");
        w.str("test-neg");
        let err = run::<i64>(&w.into_inner(), &[]).expect_err("another version");
        assert!(err.starts_with("this worker runs rask-worker"), "{err}");
        assert!(err.contains("the task comes from rask 0.0.0-other"), "{err}");
        // A fallible function's Err is the task's error, as the client shows it.
        let parse = try_register("test-parse", |s: String| s.parse::<u8>());
        assert_eq!(run::<u8>(&recipe_of(&parse.call(("7",))), &[]), Ok(7));
        let err = run::<u8>(&recipe_of(&parse.call(("300",))), &[]).expect_err("fails");
        assert_eq!(err, "failed: number too large to fit in target type");
        // A panic in the function is the task's error.
        let boom = register("test-boom", |x: i64| -> i64 { panic!("boom at {x}") });
        let err = run::<i64>(&recipe_of(&boom.call((3,))), &[]).expect_err("panics");
        assert!(err.starts_with("panicked: boom at 3"), "{err}");
    }
}
