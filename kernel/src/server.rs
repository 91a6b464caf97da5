//! The Jupyter protocol: the five sockets of a connection file and what is answered on
//! each. Shell requests are served one after another (a cell, then the next); the control
//! channel (interrupt, shutdown, kernel_info) and the heartbeat have tasks of their own, so
//! they are answered while a cell runs.

use std::collections::HashMap;
use std::time::Instant;

use jupyter_protocol::{
    CodeMirrorMode, CommInfoReply, CompleteReply, ConnectionInfo, ErrorOutput, ExecuteInput, ExecuteReply,
    ExecuteRequest, ExecutionCount, HelpLink, HistoryReply, InspectReply, InterruptReply, IsCompleteReply,
    IsCompleteReplyStatus, JupyterMessage, JupyterMessageContent, KernelInfoReply, LanguageInfo, ReplyError,
    ReplyStatus, ShutdownReply, Status,
};
use jupyter_zmq_client::{
    create_kernel_control_connection, create_kernel_heartbeat_connection, create_kernel_iopub_connection,
    create_kernel_shell_connection, create_kernel_stdin_connection,
};
use rask_session::input::{Completeness, completeness};
use rask_session::{SessionError, Starter};

use crate::cells::{Cells, Job};
use crate::history::History;
use crate::iopub::{Iopub, media};

/// Why the kernel stopped serving.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KernelError {
    /// A socket could not be bound or used.
    #[error("{what}: {source}")]
    Socket {
        /// Which socket, doing what.
        what: &'static str,
        /// What went wrong.
        source: jupyter_zmq_client::RuntimeError,
    },
}

fn socket(what: &'static str) -> impl FnOnce(jupyter_zmq_client::RuntimeError) -> KernelError {
    move |source| KernelError::Socket { what, source }
}

/// Serves the connection until a shutdown request; `version` is rustc's version, for
/// kernel_info.
pub(crate) async fn serve(info: ConnectionInfo, starter: Starter, version: String) -> Result<(), KernelError> {
    let session_id = format!("rask-kernel-{}", std::process::id());
    let mut heartbeat = create_kernel_heartbeat_connection(&info).await.map_err(socket("binding the heartbeat"))?;
    let mut iopub_socket = create_kernel_iopub_connection(&info, &session_id).await.map_err(socket("binding iopub"))?;
    let (mut control_out, mut control_in) =
        create_kernel_control_connection(&info, &session_id).await.map_err(socket("binding control"))?.split();
    let (mut shell_out, mut shell_in) =
        create_kernel_shell_connection(&info, &session_id).await.map_err(socket("binding shell"))?.split();
    // Bound so clients can connect; cells cannot read input (allow_stdin is not honoured).
    let _stdin = create_kernel_stdin_connection(&info, &session_id).await.map_err(socket("binding stdin"))?;

    // A client that went away mid-beat makes one beat fail; the next client is answered.
    tokio::spawn(async move {
        loop {
            if let Err(e) = heartbeat.single_heartbeat().await {
                eprintln!("rask-kernel: heartbeat: {e}");
            }
        }
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<JupyterMessage>();
    tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if let Err(e) = iopub_socket.send(message).await {
                eprintln!("rask-kernel: publishing on iopub: {e}");
            }
        }
    });
    let iopub = Iopub::new(tx);
    let cells = Cells::spawn(starter, iopub.clone());
    let info_reply = kernel_info(&version);

    let control_cells = cells.clone();
    let control_info = info_reply.clone();
    let control_iopub = iopub.clone();
    let control_task = tokio::spawn(async move {
        while let Ok(request) = crate::wire::read(&mut control_in).await {
            let Some(request) = request else { continue };
            control_iopub.send_to(&request, Status::busy());
            let (reply, stop): (JupyterMessageContent, bool) = match &request.content {
                JupyterMessageContent::KernelInfoRequest(_) => (control_info.clone().into(), false),
                JupyterMessageContent::InterruptRequest(_) => {
                    control_cells.interrupt();
                    (InterruptReply { status: ReplyStatus::Ok, error: None }.into(), false)
                }
                JupyterMessageContent::ShutdownRequest(r) => {
                    control_cells.end();
                    (ShutdownReply { restart: r.restart, status: ReplyStatus::Ok, error: None }.into(), true)
                }
                _ => {
                    control_iopub.send_to(&request, Status::idle());
                    continue;
                }
            };
            let _ = control_out.send(JupyterMessage::new(reply, Some(&request))).await;
            control_iopub.send_to(&request, Status::idle());
            if stop {
                return;
            }
        }
    });

    let mut shell = Shell {
        out: &mut shell_out,
        iopub: &iopub,
        cells: &cells,
        history: History::default(),
        count: 0,
        failed: None,
    };
    // Requests are read as they come and stamped with their arrival, so that cells queued
    // behind a failed one (Run All) are told from cells sent after it, on this clock.
    let (arrivals, mut queue) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(request) = crate::wire::read(&mut shell_in).await {
            if let Some(request) = request
                && arrivals.send((Instant::now(), request)).is_err()
            {
                return;
            }
        }
    });
    tokio::select! {
        _ = control_task => {}
        () = async {
            while let Some((arrived, request)) = queue.recv().await {
                if shell.serve(&request, arrived, &info_reply).await {
                    break;
                }
            }
        } => {}
    }
    cells.end();
    // Let the last replies and outputs leave before the process ends.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    Ok(())
}

/// What the kernel says about itself.
fn kernel_info(version: &str) -> KernelInfoReply {
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: "5.3".into(),
        implementation: "rask".into(),
        implementation_version: env!("CARGO_PKG_VERSION").into(),
        language_info: LanguageInfo {
            name: "rust".into(),
            version: version.into(),
            mimetype: Some("text/rust".into()),
            file_extension: Some(".rs".into()),
            pygments_lexer: Some("rust".into()),
            codemirror_mode: Some(CodeMirrorMode::Simple("rust".into())),
            // No nbconvert exporter is named "rust": nbconvert's script export then uses
            // the file extension.
            nbconvert_exporter: None,
        },
        banner: format!(
            "rask {} — Rust with rask preloaded (`use rask::prelude::*;`). evcxr's `:` commands work (`:vars`, `:dep`).",
            env!("CARGO_PKG_VERSION")
        ),
        help_links: vec![HelpLink {
            text: "The Rust standard library".into(),
            url: "https://doc.rust-lang.org/std/".into(),
        }],
        debugger: false,
        error: None,
    }
}

/// The shell channel's state.
struct Shell<'a> {
    out: &'a mut jupyter_zmq_client::RouterSendConnection,
    iopub: &'a Iopub,
    cells: &'a Cells,
    history: History,
    /// The execution count of the last cell stored in history.
    count: usize,
    /// When the last cell that failed with `stop_on_error` ended: execute requests that
    /// arrived before then were queued behind it (Run All) and are aborted, as ipykernel
    /// does.
    failed: Option<Instant>,
}

impl Shell<'_> {
    /// Answers one request; `true` when the kernel is to stop.
    async fn serve(&mut self, request: &JupyterMessage, arrived: Instant, info: &KernelInfoReply) -> bool {
        self.iopub.send_to(request, Status::busy());
        let mut stop = false;
        let reply: Option<JupyterMessageContent> = match &request.content {
            JupyterMessageContent::KernelInfoRequest(_) => Some(info.clone().into()),
            JupyterMessageContent::ExecuteRequest(_) if self.failed.is_some_and(|failed| arrived < failed) => {
                Some(execute_reply(ReplyStatus::Aborted, ExecutionCount::new(self.count)).into())
            }
            JupyterMessageContent::ExecuteRequest(r) => Some(self.execute(request, r).await.into()),
            JupyterMessageContent::CompleteRequest(r) => {
                let pos = byte_offset(&r.code, r.cursor_pos);
                let code = r.code.clone();
                let found = self.cells.ask(|reply| Job::Complete { code, pos, reply }).await;
                let (start, end, matches) = found.map_or((pos, pos, Vec::new()), |c| (c.start, c.end, c.candidates));
                Some(
                    CompleteReply {
                        matches,
                        cursor_start: char_offset(&r.code, start),
                        cursor_end: char_offset(&r.code, end),
                        metadata: Default::default(),
                        status: ReplyStatus::Ok,
                        error: None,
                    }
                    .into(),
                )
            }
            JupyterMessageContent::InspectRequest(r) => {
                let (code, pos) = (r.code.clone(), byte_offset(&r.code, r.cursor_pos));
                let found = self.cells.ask(|reply| Job::Inspect { code, pos, reply }).await.flatten();
                let (found, data) = match found {
                    Some((text, html)) => {
                        let forms = HashMap::from([("text/plain".to_string(), text), ("text/html".to_string(), html)]);
                        (true, media(forms).0)
                    }
                    None => (false, Default::default()),
                };
                Some(
                    InspectReply { found, data, metadata: Default::default(), status: ReplyStatus::Ok, error: None }
                        .into(),
                )
            }
            JupyterMessageContent::IsCompleteRequest(r) => {
                let (status, indent) = match completeness(&r.code) {
                    Completeness::Complete => (IsCompleteReplyStatus::Complete, ""),
                    Completeness::Incomplete => (IsCompleteReplyStatus::Incomplete, "    "),
                    Completeness::Invalid => (IsCompleteReplyStatus::Invalid, ""),
                };
                Some(IsCompleteReply { status, indent: indent.into() }.into())
            }
            JupyterMessageContent::HistoryRequest(r) => {
                Some(HistoryReply { history: self.history.answer(r), status: ReplyStatus::Ok, error: None }.into())
            }
            JupyterMessageContent::CommInfoRequest(_) => {
                Some(CommInfoReply { status: ReplyStatus::Ok, comms: Default::default(), error: None }.into())
            }
            JupyterMessageContent::ShutdownRequest(r) => {
                stop = true;
                Some(ShutdownReply { restart: r.restart, status: ReplyStatus::Ok, error: None }.into())
            }
            _ => None,
        };
        if let Some(reply) = reply {
            let reply = JupyterMessage::new(reply, Some(request));
            if let (JupyterMessageContent::ExecuteReply(r), JupyterMessageContent::ExecuteRequest(q)) =
                (&reply.content, &request.content)
                && r.status == ReplyStatus::Error
                && q.stop_on_error
            {
                self.failed = Some(Instant::now());
            }
            if let Err(e) = self.out.send(reply).await {
                eprintln!("rask-kernel: replying on shell: {e}");
            }
        }
        self.iopub.send_to(request, Status::idle());
        stop
    }

    /// Runs a cell: its input, outputs and result on IOPub, then the reply.
    async fn execute(&mut self, request: &JupyterMessage, r: &ExecuteRequest) -> ExecuteReply {
        // A silent cell (a front end's own query) is neither counted nor remembered.
        let store = r.store_history && !r.silent;
        if store {
            self.count += 1;
        }
        let count = ExecutionCount::new(self.count);
        if !r.silent {
            self.iopub.send_to(request, ExecuteInput { code: r.code.clone(), execution_count: count });
        }
        let mut reply = execute_reply(ReplyStatus::Ok, count);
        if r.code.trim().is_empty() {
            return reply;
        }
        if !self.cells.ready() && !r.silent {
            let note = "rask: starting the session (about 20 s; the first start on a machine compiles rask and polars, about 10 minutes) ...\n";
            self.iopub.send_to(request, jupyter_protocol::StreamContent::stderr(note));
        }
        self.iopub.cell_starts((!r.silent).then_some(request));
        let code = r.code.clone();
        let outcome = self
            .cells
            .ask(|reply| Job::Execute { code, reply })
            .await
            .unwrap_or_else(|| Err(SessionError::Setup("the session stopped".into())));
        self.iopub.cell_ended();
        match outcome {
            Ok(out) => {
                let text = out.text().unwrap_or_default().to_string();
                if store {
                    self.history.push(self.count, &r.code, &text);
                }
                if !out.content.is_empty() && !r.silent {
                    // A value that updates itself goes out as display data: JupyterLab
                    // follows display ids on those only.
                    let (data, id) = media(out.content);
                    self.iopub.show(request, data, id, Some(count));
                }
            }
            Err(e) => {
                if store {
                    self.history.push(self.count, &r.code, "");
                }
                let ename = match &e {
                    SessionError::Compile(_) => "CompileError",
                    SessionError::Runtime(_) => "Error",
                    SessionError::Restarted { .. } => "SessionRestarted",
                    SessionError::Setup(_) => "SessionError",
                };
                let evalue = e.to_string();
                let traceback = vec![evalue.clone()];
                if !r.silent {
                    self.iopub.send_to(
                        request,
                        ErrorOutput { ename: ename.into(), evalue: evalue.clone(), traceback: traceback.clone() },
                    );
                }
                reply.status = ReplyStatus::Error;
                reply.error = Some(Box::new(ReplyError { ename: ename.into(), evalue, traceback }));
            }
        }
        reply
    }
}

/// An execute reply with `status`; `user_expressions` is an empty object (they are not
/// evaluated), which clients expect rather than null.
fn execute_reply(status: ReplyStatus, count: ExecutionCount) -> ExecuteReply {
    ExecuteReply {
        status,
        execution_count: count,
        payload: Vec::new(),
        user_expressions: Some(HashMap::new()),
        error: None,
    }
}

/// The byte offset of character `chars` of `text` (Jupyter counts cursor positions in
/// Unicode characters).
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(b, _)| b)
}

/// How many characters precede byte `bytes` of `text`.
fn char_offset(text: &str, bytes: usize) -> usize {
    text.get(..bytes).map_or_else(|| text.chars().count(), |head| head.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_positions_convert_between_characters_and_bytes() {
        let text = "let é = \"ü\"; é.";
        assert_eq!(byte_offset(text, 5), 6);
        assert_eq!(char_offset(text, 6), 5);
        assert_eq!(byte_offset(text, 100), text.len());
        assert_eq!(char_offset(text, byte_offset(text, 15)), 15);
    }
}
