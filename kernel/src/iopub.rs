//! What the kernel publishes on IOPub: every message goes through one channel to the task
//! that owns the socket, as a child of the request being served, so that a notebook puts
//! each output under the cell that made it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use jupyter_protocol::{
    ClearOutput, DisplayData, ExecuteResult, JupyterMessage, JupyterMessageContent, Media, StreamContent, Transient,
    UpdateDisplayData,
};
use rask_session::{DISPLAY_ID_MIME, Output, Stream};
use tokio::sync::mpsc::UnboundedSender;

/// Sends IOPub messages as children of the current request.
#[derive(Clone)]
pub(crate) struct Iopub {
    tx: UnboundedSender<JupyterMessage>,
    /// The execute request whose cell runs now (`None` between cells, or while a silent
    /// cell runs).
    current: Arc<Mutex<Option<JupyterMessage>>>,
    /// The last request a cell ran for: updates between cells go under it.
    last: Arc<Mutex<Option<JupyterMessage>>>,
    /// Display ids published so far, and the latest update of each id not published yet.
    ids: Arc<Mutex<Ids>>,
}

/// Which display ids a front end knows: an update for an id it has not been shown is
/// dropped by JupyterLab, so such an update waits for its display.
#[derive(Default)]
struct Ids {
    shown: HashSet<String>,
    waiting: HashMap<String, (Media, JupyterMessage)>,
}

impl Iopub {
    /// Publishes through `tx`, which the task owning the socket reads.
    pub(crate) fn new(tx: UnboundedSender<JupyterMessage>) -> Iopub {
        Iopub { tx, current: Arc::default(), last: Arc::default(), ids: Arc::default() }
    }

    /// Shows `data` under `parent`, as display data when it has a display `id` (which
    /// front ends then follow) or else as the cell's result when `result` has its count.
    pub(crate) fn show(
        &self,
        parent: &JupyterMessage,
        data: Media,
        id: Option<String>,
        result: Option<jupyter_protocol::ExecutionCount>,
    ) {
        let Some(id) = id else {
            match result {
                Some(count) => self.send_to(
                    parent,
                    ExecuteResult {
                        execution_count: count,
                        data,
                        metadata: Default::default(),
                        transient: Some(Transient::default()),
                    },
                ),
                None => self.send_to(parent, DisplayData { data, metadata: Default::default(), transient: None }),
            }
            return;
        };
        let mut ids = lock(&self.ids);
        self.send_to(
            parent,
            DisplayData { data, metadata: Default::default(), transient: Some(transient(id.clone())) },
        );
        if let Some((data, under)) = ids.waiting.remove(&id) {
            self.send_to(
                &under,
                UpdateDisplayData { data, metadata: Default::default(), transient: transient(id.clone()) },
            );
        }
        ids.shown.insert(id);
    }

    /// Sends `content` as a child of `parent`.
    pub(crate) fn send_to(&self, parent: &JupyterMessage, content: impl Into<JupyterMessageContent>) {
        // The task that owns the socket is gone only when the kernel is shutting down.
        let _ = self.tx.send(JupyterMessage::new(content.into(), Some(parent)));
    }

    /// Sends `content` under the running cell; dropped when none runs (or it is silent).
    fn send_to_current(&self, content: impl Into<JupyterMessageContent>) {
        if let Some(parent) = lock(&self.current).as_ref() {
            self.send_to(parent, content);
        }
    }

    /// Outputs go under `request` from now on (`None`: nowhere) until [`Iopub::cell_ended`].
    pub(crate) fn cell_starts(&self, request: Option<&JupyterMessage>) {
        *lock(&self.current) = request.cloned();
        if let Some(request) = request {
            *lock(&self.last) = Some(request.clone());
        }
    }

    /// The request whose cell runs now.
    pub(crate) fn current(&self) -> Option<JupyterMessage> {
        lock(&self.current).clone()
    }

    /// The cell ended: outputs that come now (a future's update) go under the last cell.
    pub(crate) fn cell_ended(&self) {
        *lock(&self.current) = None;
    }

    /// Publishes what the process that runs cells printed or showed.
    pub(crate) fn output(&self, out: Output<'_>) {
        match out {
            Output::Line(stream, line) => {
                let text = format!("{line}\n");
                self.send_to_current(match stream {
                    Stream::Stdout => StreamContent::stdout(&text),
                    Stream::Stderr => StreamContent::stderr(&text),
                });
            }
            Output::Display(forms) => {
                if let Some(parent) = self.current() {
                    let (data, id) = media(forms);
                    self.show(&parent, data, id, None);
                }
            }
            Output::Update(forms) => self.update(forms),
            Output::Clear { wait } => self.send_to_current(ClearOutput { wait }),
        }
    }

    /// Replaces the output shown under the display id among `forms`: under the running cell,
    /// else under the last one (nbclient reads only the running cell's messages).
    pub(crate) fn update(&self, forms: HashMap<String, String>) {
        let (data, id) = media(forms);
        let Some(id) = id else { return };
        let parent = lock(&self.current).clone().or_else(|| lock(&self.last).clone());
        let Some(parent) = parent else { return };
        let mut ids = lock(&self.ids);
        match ids.shown.contains(&id) {
            true => self
                .send_to(&parent, UpdateDisplayData { data, metadata: Default::default(), transient: transient(id) }),
            false => drop(ids.waiting.insert(id, (data, parent))),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A transient part that carries `id`.
fn transient(id: String) -> Transient {
    Transient { display_id: Some(id) }
}

/// A value's forms as Jupyter media, and its display id when it has one. JSON types carry
/// parsed JSON; a form that is not valid for its type is left out, the others kept.
pub(crate) fn media(mut forms: HashMap<String, String>) -> (Media, Option<String>) {
    let id = forms.remove(DISPLAY_ID_MIME);
    let content = forms
        .into_iter()
        .filter_map(|(mime, text)| {
            let value = match mime.ends_with("json") {
                true => serde_json::from_str(&text).ok()?,
                false => serde_json::Value::String(text),
            };
            let one: Media = serde_json::from_value(serde_json::json!({ mime: value })).ok()?;
            one.content.into_iter().next()
        })
        .collect();
    (Media { content }, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::MediaType;

    #[test]
    fn forms_become_media_and_the_display_id_is_taken_out() {
        let forms = HashMap::from([
            ("text/plain".to_string(), "Future 'f-1': running".to_string()),
            ("text/html".to_string(), "<b>f</b>".to_string()),
            (DISPLAY_ID_MIME.to_string(), "rask-future-1".to_string()),
        ]);
        let (media, id) = media(forms);
        assert_eq!(id.as_deref(), Some("rask-future-1"));
        assert_eq!(media.content.len(), 2);
        assert!(media.content.iter().any(|m| matches!(m, MediaType::Html(h) if h == "<b>f</b>")));
        let forms = HashMap::from([
            ("text/plain".to_string(), "kept".to_string()),
            ("application/json".to_string(), "{not json".to_string()),
        ]);
        let (media, _) = super::media(forms);
        assert!(matches!(&media.content[..], [MediaType::Plain(t)] if t == "kept"), "{media:?}");
    }

    #[test]
    fn an_update_waits_for_its_display() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let iopub = Iopub::new(tx);
        let parent = JupyterMessage::new(jupyter_protocol::KernelInfoRequest {}, None);
        iopub.cell_starts(Some(&parent));
        let forms = |text: &str| {
            HashMap::from([
                ("text/plain".to_string(), text.to_string()),
                (DISPLAY_ID_MIME.to_string(), "f-1".to_string()),
            ])
        };
        iopub.update(forms("finished"));
        assert!(rx.try_recv().is_err(), "an update for an id not shown yet waits");
        let (data, id) = media(forms("running"));
        iopub.show(&parent, data, id, Some(jupyter_protocol::ExecutionCount::new(1)));
        let kinds: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok()).map(|m| m.header.msg_type).collect();
        assert_eq!(kinds, ["display_data", "update_display_data"]);
    }
}
