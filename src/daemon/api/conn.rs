//! One client connection: bounded request lines in, reply lines out, or an event stream
//! after `subscribe`. Every wait is bounded: idle connections and clients that stop
//! reading are dropped, and nothing here ever holds up ingestion.

use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::UnixStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::handle::{self, Outcome};
use super::Api;
use crate::api::query::device_out;
use crate::api::wire::{code, EventOut, SubscribedOut, Time, PROTOCOL_VERSION};

/// What reading one line gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Eof,
    /// A complete line (without its newline) in the buffer.
    Ok,
    /// The line exceeded the limit; it was consumed up to its newline.
    TooLong,
}

/// Read one `\n`-terminated line into `buf` (cleared first), keeping at most `max` bytes;
/// a longer line is skipped to its end. A last line without a newline still counts.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(match (too_long, buf.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::Eof,
                (false, false) => Line::Ok,
            });
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if !too_long && buf.len() + take <= max {
            buf.extend_from_slice(&chunk[..take]);
        } else {
            too_long = true;
            buf.clear();
        }
        r.consume(take + usize::from(done));
        if done {
            return Ok(if too_long { Line::TooLong } else { Line::Ok });
        }
    }
}

/// `{"ok":true,...,"result":<result>}` with the protocol on the first reply.
fn reply_line(first: bool, id: Option<&serde_json::Value>, outcome: &Outcome) -> String {
    let mut s = String::with_capacity(64);
    match outcome {
        Outcome::Error(..) => s.push_str("{\"ok\":false"),
        _ => s.push_str("{\"ok\":true"),
    }
    if first {
        s.push_str(&format!(",\"protocol\":{PROTOCOL_VERSION}"));
    }
    if let Some(id) = id {
        s.push_str(",\"id\":");
        s.push_str(&id.to_string());
    }
    match outcome {
        Outcome::Result(r) => {
            s.push_str(",\"result\":");
            s.push_str(r);
        }
        Outcome::Error(code, message) => {
            let body = serde_json::json!({"code": code, "message": message});
            s.push_str(",\"error\":");
            s.push_str(&body.to_string());
        }
        Outcome::Subscribe { .. } => {}
    }
    s.push('}');
    s
}

/// An error line for a refused connection.
pub fn refusal(code: &'static str, message: String) -> String {
    reply_line(true, None, &Outcome::Error(code, message))
}

struct Writer {
    w: BufWriter<OwnedWriteHalf>,
    deadline: std::time::Duration,
}

impl Writer {
    /// Write one line, or fail when the client does not take it in time.
    async fn line(&mut self, line: &str) -> Result<(), End> {
        let write = async {
            self.w.write_all(line.as_bytes()).await?;
            self.w.write_all(b"\n").await?;
            self.w.flush().await
        };
        match timeout(self.deadline, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(End::WriteTimeout),
        }
    }
}

enum End {
    Gone,
    WriteTimeout,
}

/// Serve one admitted client; its slot is freed before the socket closes, so a client that
/// sees the end of its connection can immediately connect again.
pub async fn serve(api: Arc<Api>, stream: UnixStream, shutdown: CancellationToken) {
    let (rd, wr) = stream.into_split();
    let mut reader = BufReader::new(rd);
    let mut writer = Writer {
        w: BufWriter::new(wr),
        deadline: api.cfg.write_timeout,
    };
    session(&api, &mut reader, &mut writer, &shutdown).await;
    api.count(|c| c.connected = c.connected.saturating_sub(1));
}

async fn session(
    api: &Api,
    reader: &mut BufReader<tokio::net::unix::OwnedReadHalf>,
    writer: &mut Writer,
    shutdown: &CancellationToken,
) {
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        let read = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = timeout(api.cfg.idle_timeout, read_line(reader, &mut buf, api.cfg.max_line)) => r,
        };
        let (id, outcome) = match read {
            Err(_) => return api.count(|c| c.idle_timeouts += 1),
            Ok(Err(_)) | Ok(Ok(Line::Eof)) => return,
            Ok(Ok(Line::TooLong)) => {
                api.count(|c| c.lines_too_long += 1);
                let msg = format!(
                    "request line longer than api.max_line ({} bytes)",
                    api.cfg.max_line
                );
                (None, Outcome::Error(code::LINE_TOO_LONG, msg))
            }
            Ok(Ok(Line::Ok)) if buf.iter().all(u8::is_ascii_whitespace) => continue,
            Ok(Ok(Line::Ok)) => {
                api.count(|c| c.requests += 1);
                match handle::parse(&buf) {
                    (id, Ok(req)) => (id, handle::handle(api, req).await),
                    (id, Err(outcome)) => (id, outcome),
                }
            }
        };
        if matches!(outcome, Outcome::Error(..)) {
            api.count(|c| c.errors += 1);
        }
        if let Outcome::Subscribe { snapshot } = outcome {
            return subscribe(api, reader, writer, snapshot, first, id, shutdown).await;
        }
        let line = reply_line(first, id.as_ref(), &outcome);
        first = false;
        if let Err(end) = writer.line(&line).await {
            return api.ended(end);
        }
    }
}

async fn subscribe<R: AsyncBufRead + Unpin>(
    api: &Api,
    reader: &mut R,
    writer: &mut Writer,
    snapshot: bool,
    first: bool,
    id: Option<serde_json::Value>,
    shutdown: &CancellationToken,
) {
    // Register and list the devices under one lock: every change after that instant
    // arrives as an event. The devices are then sent chunk by chunk (never holding the
    // lock for the whole inventory), each as it is when its chunk is copied.
    let (mut rx, mut ids) = api
        .with_store(|s| {
            let rx = s.bus.subscribe();
            let ids: Vec<u64> = if snapshot {
                s.store.devices().map(|d| d.id).collect()
            } else {
                Vec::new()
            };
            (rx, ids)
        })
        .await;
    ids.sort_unstable();
    let ack = SubscribedOut {
        subscribed: true,
        snapshot: ids.len(),
    };
    let result = serde_json::to_string(&ack).unwrap_or_default();
    if writer
        .line(&reply_line(first, id.as_ref(), &Outcome::Result(result)))
        .await
        .is_err()
    {
        return;
    }
    let now = Time::now();
    for chunk in ids.chunks(super::handle::QUERY_CHUNK) {
        let present: Vec<_> = api
            .with_store(|s| {
                chunk
                    .iter()
                    .filter_map(|id| s.store.device(*id))
                    .map(device_out)
                    .collect()
            })
            .await;
        for d in present {
            let e = EventOut {
                kind: "present".into(),
                at: now,
                device_id: Some(d.id),
                detail: serde_json::json!({}),
                device: Some(Box::new(d)),
            };
            let line = serde_json::to_string(&e).unwrap_or_default();
            if let Err(end) = writer.line(&line).await {
                return api.ended(end);
            }
        }
    }
    let mut sink = Vec::new();
    loop {
        let line: Arc<str> = tokio::select! {
            _ = shutdown.cancelled() => return,
            // Anything the client sends is ignored; end of input ends the subscription.
            r = read_line(reader, &mut sink, 1024) => match r {
                Ok(Line::Eof) | Err(_) => return,
                Ok(_) => continue,
            },
            ev = rx.recv() => match ev {
                Ok(line) => line,
                Err(RecvError::Closed) => return,
                Err(RecvError::Lagged(missed)) => {
                    api.count(|c| c.resyncs += 1);
                    let e = EventOut {
                        kind: "resync".into(),
                        at: Time::now(),
                        device_id: None,
                        detail: serde_json::json!({ "missed": missed }),
                        device: None,
                    };
                    Arc::from(serde_json::to_string(&e).unwrap_or_default())
                }
            },
        };
        if let Err(end) = writer.line(&line).await {
            return api.ended(end);
        }
    }
}

impl Api {
    fn ended(&self, end: End) {
        if let End::WriteTimeout = end {
            self.count(|c| c.write_timeouts += 1);
        }
    }
}

/// Write a refusal and close, without waiting long for a client that does not read.
pub async fn refuse<W: AsyncWrite + Unpin>(mut w: W, line: String) {
    let _ = timeout(std::time::Duration::from_secs(1), async {
        w.write_all(line.as_bytes()).await?;
        w.write_all(b"\n").await?;
        w.flush().await
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<(Line, String)> {
        let mut r = BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let l = read_line(&mut r, &mut buf, max).await.expect("in memory");
            if l == Line::Eof {
                return out;
            }
            out.push((l, String::from_utf8_lossy(&buf).into_owned()));
        }
    }

    #[tokio::test]
    async fn bounded_lines_skip_what_is_too_long() {
        let got = lines(b"short\nthis one is too long\nok\nlast", 8).await;
        assert_eq!(
            got,
            [
                (Line::Ok, "short".to_string()),
                (Line::TooLong, String::new()),
                (Line::Ok, "ok".to_string()),
                (Line::Ok, "last".to_string()),
            ]
        );
    }

    #[test]
    fn reply_lines() {
        let ok = reply_line(
            true,
            Some(&serde_json::json!(7)),
            &Outcome::Result("[]".into()),
        );
        assert_eq!(ok, r#"{"ok":true,"protocol":1,"id":7,"result":[]}"#);
        let err = reply_line(false, None, &Outcome::Error(code::BAD_JSON, "x\"y".into()));
        let v: serde_json::Value = serde_json::from_str(&err).expect("valid JSON");
        assert_eq!(v["error"]["code"], "bad_json");
        assert_eq!(v["error"]["message"], "x\"y");
        assert_eq!(v["ok"], false);
    }
}
