//! Reading requests off a socket, forgiving about what clients leave out.
//!
//! jupyter-protocol rejects a message whose content lacks a field it declares required,
//! and its reader then loses the message: a reply never comes and the client waits. Real
//! clients leave fields out (`jupyter_client` sends a history search without `n`), so
//! requests are read here: the signature is checked as usual, missing fields get the
//! protocol's defaults, and a message that still cannot be read is reported and skipped
//! instead of ending the kernel.

use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent};
use jupyter_zmq_client::{RawMessage, RouterRecvConnection, RuntimeError};
use serde_json::{Value, json};
use zeromq::SocketRecv;

/// The next request on `conn`: `Ok(None)` for one that could not be read (reported on
/// stderr); `Err` when the socket itself failed.
pub(crate) async fn read(conn: &mut RouterRecvConnection) -> Result<Option<JupyterMessage>, RuntimeError> {
    let frames = conn.socket.recv().await?;
    let raw = match RawMessage::from_multipart(frames, &conn.mac) {
        Ok(raw) => raw,
        Err(e) => {
            eprintln!("rask-kernel: dropped a message: {e}");
            return Ok(None);
        }
    };
    match parse(raw) {
        Ok(message) => Ok(Some(message)),
        Err(e) => {
            eprintln!("rask-kernel: dropped a message: {e}");
            Ok(None)
        }
    }
}

fn parse(raw: RawMessage) -> Result<JupyterMessage, String> {
    let [header, parent, metadata, content, ..] = &raw.jparts[..] else {
        return Err(format!("{} parts, not 4", raw.jparts.len()));
    };
    let header: Header = serde_json::from_slice(header).map_err(|e| format!("its header: {e}"))?;
    let mut content: Value = serde_json::from_slice(content).map_err(|e| format!("its content: {e}"))?;
    with_defaults(&header.msg_type, &mut content);
    let content = JupyterMessageContent::from_type_and_content(&header.msg_type, content)
        .map_err(|e| format!("a {} whose content does not parse: {e}", header.msg_type))?;
    Ok(JupyterMessage {
        zmq_identities: raw.zmq_identities.clone(),
        header,
        parent_header: serde_json::from_slice(parent).ok(),
        metadata: serde_json::from_slice(metadata).unwrap_or_else(|_| json!({})),
        content,
        buffers: raw.jparts[4..].to_vec(),
        channel: None,
    })
}

/// Fills in the fields of `content` the protocol gives defaults for.
fn with_defaults(msg_type: &str, content: &mut Value) {
    let defaults = match msg_type {
        "history_request" => json!({
            "output": false, "raw": true, "session": null, "start": 0, "stop": 0, "n": 0,
            "pattern": "*", "unique": false,
        }),
        "execute_request" => json!({
            "silent": false, "store_history": true, "user_expressions": {}, "allow_stdin": false, "stop_on_error": true,
        }),
        "shutdown_request" => json!({ "restart": false }),
        _ => return,
    };
    let (Value::Object(content), Value::Object(defaults)) = (content, defaults) else { return };
    for (key, value) in defaults {
        match content.get(&key) {
            Some(Value::Null) | None if !value.is_null() => drop(content.insert(key, value)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_search_without_n_gets_the_default() {
        let mut content =
            json!({"hist_access_type": "search", "pattern": "6 *", "output": false, "raw": true, "n": null});
        with_defaults("history_request", &mut content);
        let parsed = JupyterMessageContent::from_type_and_content("history_request", content).expect("parses");
        assert!(matches!(
            parsed,
            JupyterMessageContent::HistoryRequest(jupyter_protocol::HistoryRequest::Search { n: 0, .. })
        ));
    }
}
