//! The thread that owns the session: it starts it (compiling rask on the first start on a
//! machine, with progress shown under the cell that waits), then runs the requests that
//! need it one at a time, while the protocol's tasks go on answering.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rask_session::{BuildProgress, CellOutput, Completions, DISPLAY_ID_MIME, Interrupter, SessionError, Starter};
use tokio::sync::oneshot;

use crate::iopub::{Iopub, media};

/// How long an interrupted cell has to stop before its process is ended (the REPL's too).
pub(crate) const GRACE: Duration = Duration::from_secs(3);

/// What the session thread is asked to do.
pub(crate) enum Job {
    /// Run a cell.
    Execute { code: String, reply: oneshot::Sender<Result<CellOutput, SessionError>> },
    /// Complete at a byte offset.
    Complete { code: String, pos: usize, reply: oneshot::Sender<Completions> },
    /// Document the name at a byte offset.
    Inspect { code: String, pos: usize, reply: oneshot::Sender<Option<(String, String)>> },
}

/// The session thread, seen from the protocol's side.
#[derive(Clone)]
pub(crate) struct Cells {
    jobs: crossbeam_channel::Sender<Job>,
    ready: Arc<AtomicBool>,
    interrupter: Arc<Mutex<Option<Interrupter>>>,
}

impl Cells {
    /// Starts the session on a thread of its own; outputs go to `iopub`.
    pub(crate) fn spawn(starter: Starter, iopub: Iopub) -> Cells {
        let (jobs, queue) = crossbeam_channel::unbounded();
        let cells = Cells { jobs, ready: Arc::default(), interrupter: Arc::default() };
        let (ready, interrupter) = (cells.ready.clone(), cells.interrupter.clone());
        let updates = starter.display_updates();
        let for_updates = iopub.clone();
        std::thread::spawn(move || {
            for mut update in updates.iter() {
                update.content.insert(DISPLAY_ID_MIME.to_string(), update.id);
                for_updates.update(update.content);
            }
        });
        std::thread::spawn(move || {
            let progress = build_progress(iopub.clone());
            let started = starter.start(move |out| iopub.output(out), progress);
            match started {
                Ok(mut session) => {
                    *interrupter.lock().unwrap_or_else(PoisonError::into_inner) = Some(session.interrupter());
                    ready.store(true, Ordering::SeqCst);
                    for job in queue {
                        match job {
                            Job::Execute { code, reply } => drop(reply.send(session.execute(&code))),
                            Job::Complete { code, pos, reply } => drop(reply.send(session.completions(&code, pos))),
                            Job::Inspect { code, pos, reply } => drop(reply.send(session.inspect(&code, pos))),
                        }
                    }
                }
                Err(why) => {
                    let why = why.to_string();
                    for job in queue {
                        match job {
                            Job::Execute { reply, .. } => drop(
                                reply.send(Err(SessionError::Setup(format!("the session could not start: {why}")))),
                            ),
                            Job::Complete { pos, reply, .. } => {
                                drop(reply.send(Completions { start: pos, end: pos, candidates: Vec::new() }))
                            }
                            Job::Inspect { reply, .. } => drop(reply.send(None)),
                        }
                    }
                }
            }
        });
        cells
    }

    /// Whether the session has started.
    pub(crate) fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Runs `job` once the session is up and gives its answer.
    pub(crate) async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.jobs.send(job(tx)).ok()?;
        rx.await.ok()
    }

    /// Interrupts the running cell, as Ctrl-C does in the REPL (nothing while the session
    /// starts).
    pub(crate) fn interrupt(&self) {
        if let Some(interrupter) = self.interrupter.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            interrupter.interrupt(GRACE);
        }
    }

    /// Ends the process that runs cells, busy or not (the kernel is shutting down).
    pub(crate) fn end(&self) {
        if let Some(interrupter) = self.interrupter.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            interrupter.end_process();
        }
    }
}

/// Shows how compiling rask goes (the first start on a machine) as an output of the cell
/// that waits for the session, updated in place.
fn build_progress(iopub: Iopub) -> impl FnMut(&BuildProgress, &mut dyn std::io::Write) + Send + 'static {
    const ID: &str = "rask-build-progress";
    let mut shown = false;
    move |report, _| {
        let html = format!(
            "<div><progress value=\"{:.3}\" max=\"1\" style=\"width:300px\"></progress> <code>rask: {report}</code></div>",
            report.fraction()
        );
        let forms = std::collections::HashMap::from([
            ("text/plain".to_string(), format!("rask: {report}")),
            ("text/html".to_string(), html),
            (DISPLAY_ID_MIME.to_string(), ID.to_string()),
        ]);
        match (shown, iopub.current()) {
            (true, _) => iopub.update(forms),
            (false, Some(parent)) => {
                let (data, id) = media(forms);
                iopub.show(&parent, data, id, None);
                shown = true;
            }
            // No cell waits yet: the first one to wait is shown the build from then on.
            (false, None) => {}
        }
    }
}
