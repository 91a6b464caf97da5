//! Waiting for many futures: [`as_completed`] hands them out in the order they end (as an
//! iterator, or a stream in async code), [`wait`] blocks until all have ended.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::future::Future;
use crate::value::Data;

struct Queue<T> {
    ended: VecDeque<Future<T>>,
    /// Futures added and not yet handed out.
    remaining: usize,
    waker: Option<Waker>,
}

struct Inner<T> {
    queue: Mutex<Queue<T>>,
    ready: Condvar,
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Futures in the order they end: an [`Iterator`] (blocking) and a
/// [`Stream`](futures_core::Stream) (for async code). More can be [`add`](Self::add)ed
/// while iterating.
///
/// ```
/// use rask::prelude::*;
/// let client = Client::builder().threads(2).dashboard(None).build()?;
/// let fs = client.map(|ms: u64| { std::thread::sleep(std::time::Duration::from_millis(ms)); ms }, [300, 1]);
/// let order: Vec<u64> = rask::as_completed(&fs).map(|f| f.result()).collect::<Result<_, _>>()?;
/// assert_eq!(order, vec![1, 300]);
/// # Ok::<(), rask::Error>(())
/// ```
pub struct AsCompleted<T> {
    inner: Arc<Inner<T>>,
}

/// Hands out `futures` in the order they end.
pub fn as_completed<'a, T: Data>(futures: impl IntoIterator<Item = &'a Future<T>>) -> AsCompleted<T> {
    let ac = AsCompleted {
        inner: Arc::new(Inner {
            queue: Mutex::new(Queue { ended: VecDeque::new(), remaining: 0, waker: None }),
            ready: Condvar::new(),
        }),
    };
    futures.into_iter().for_each(|f| ac.add(f));
    ac
}

impl<T: Data> AsCompleted<T> {
    /// Adds a future to hand out once it ends.
    pub fn add(&self, future: &Future<T>) {
        self.inner.lock().remaining += 1;
        let inner = self.inner.clone();
        future.add_done_callback(move |f| {
            let mut q = inner.lock();
            q.ended.push_back(f.clone());
            let waker = q.waker.take();
            drop(q);
            inner.ready.notify_one();
            if let Some(w) = waker {
                w.wake();
            }
        });
    }

    /// How many futures have not been handed out yet.
    pub fn remaining(&self) -> usize {
        self.inner.lock().remaining
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Future<T>;

    /// The next future to end; `None` when all were handed out, or when an interrupt
    /// stopped the wait.
    fn next(&mut self) -> Option<Future<T>> {
        let interrupts = crate::scheduler::interrupts();
        let mut q = self.inner.lock();
        loop {
            if let Some(f) = q.ended.pop_front() {
                q.remaining -= 1;
                return Some(f);
            }
            if q.remaining == 0 || crate::scheduler::interrupts() != interrupts {
                return None;
            }
            q = self
                .inner
                .ready
                .wait_timeout(q, std::time::Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl<T> futures_core::Stream for AsCompleted<T> {
    type Item = Future<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Future<T>>> {
        let mut q = self.inner.lock();
        if let Some(f) = q.ended.pop_front() {
            q.remaining -= 1;
            return Poll::Ready(Some(f));
        }
        if q.remaining == 0 {
            return Poll::Ready(None);
        }
        q.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Blocks until every future has ended (finished, failed or cancelled); returns how many
/// finished successfully. An interrupt stops the wait early (the futures go on).
///
/// ```
/// use rask::prelude::*;
/// let client = Client::builder().threads(2).dashboard(None).build()?;
/// let fs = client.map(|x: i32| 10 / x, [1, 0, 5]);
/// assert_eq!(rask::wait(&fs), 2);                 // 10 / 0 panicked
/// assert!(fs.iter().all(Future::done));
/// # Ok::<(), rask::Error>(())
/// ```
pub fn wait<'a, T: 'a>(futures: impl IntoIterator<Item = &'a Future<T>>) -> usize {
    futures
        .into_iter()
        .take_while(|f| f.shared().wait().is_ok())
        .filter(|f| f.status() == super::FutureStatus::Finished)
        .count()
}
