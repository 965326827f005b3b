//! The client side of the socket protocol: connect, send one request line, read one reply
//! line; errors that say what to do.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::wire::{code, Reply, Request, PROTOCOL_VERSION};

/// Where the system daemon's socket is when it runs under systemd or as root.
pub const SYSTEM_SOCKET: &str = "/run/camcensus/camcensus.sock";

/// Longest reply line the client accepts (a full export of 100,000 devices is ~100 MB).
pub const MAX_REPLY: usize = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach camcensusd at {path}: {reason}\n  Is the daemon running? Start it with `sudo systemctl start camcensusd` (or run `camcensusd` in a terminal), or point to its socket with --socket PATH or CAMCENSUS_SOCKET.")]
    Unreachable { path: PathBuf, reason: String },
    #[error("permission denied on {path}: {detail}\n  Join the group that owns the socket (`sudo usermod -aG camcensus $USER`, then log in again), or run as root.")]
    Denied { path: PathBuf, detail: String },
    #[error("camcensusd speaks protocol {daemon}, this client speaks {PROTOCOL_VERSION}: install matching versions of camcensus and camcensusd")]
    Version { daemon: u32 },
    #[error("{message} ({code})")]
    Failed { code: String, message: String },
    #[error("bad reply from camcensusd: {0}")]
    Protocol(String),
}

impl ClientError {
    /// 69 (EX_UNAVAILABLE) when the daemon cannot be reached, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::Unreachable { .. } => super::EXIT_UNREACHABLE,
            _ => super::EXIT_FAILED,
        }
    }
}

/// `--socket`, else `$CAMCENSUS_SOCKET`, else the daemon's default for this user; when
/// that does not exist but the system socket does, the system socket.
pub fn socket_path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("CAMCENSUS_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let env = std::env::vars().collect();
    let own = crate::paths::default_socket(&env);
    if !own.exists() && Path::new(SYSTEM_SOCKET).exists() {
        return PathBuf::from(SYSTEM_SOCKET);
    }
    own
}

pub struct Client {
    path: PathBuf,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    first: bool,
}

impl Client {
    pub fn connect(path: &Path) -> Result<Client, ClientError> {
        let stream = UnixStream::connect(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => ClientError::Denied {
                path: path.to_path_buf(),
                detail: e.to_string(),
            },
            _ => ClientError::Unreachable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            },
        })?;
        let writer = stream.try_clone().map_err(|e| ClientError::Unreachable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(Client {
            path: path.to_path_buf(),
            reader: BufReader::new(stream),
            writer,
            first: true,
        })
    }

    /// Send a request and return its `result`.
    pub fn call(&mut self, req: &Request) -> Result<Value, ClientError> {
        self.get(req)
    }

    /// Send a request and decode its result as `T` (in one pass over the reply line).
    pub fn get<T: DeserializeOwned>(&mut self, req: &Request) -> Result<T, ClientError> {
        let mut line = serde_json::to_string(req)
            .map_err(|e| ClientError::Protocol(format!("cannot encode the request: {e}")))?;
        line.push('\n');
        // A refused client gets its error line before the daemon closes: read it even
        // when the write failed.
        let wrote = self.writer.write_all(line.as_bytes());
        match self.read_reply::<T>() {
            Ok(reply) => self.result(reply),
            Err(e) => Err(match wrote {
                Err(w) => self.gone(w),
                Ok(()) => e,
            }),
        }
    }

    /// The next raw line (event streams), or `None` at end of stream.
    pub fn next_line(&mut self) -> Result<Option<String>, ClientError> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_REPLY as u64)
            .read_until(b'\n', &mut buf)
            .map_err(|e| self.gone(e))?;
        if n == 0 {
            return Ok(None);
        }
        String::from_utf8(buf)
            .map(|s| Some(s.trim_end().to_string()))
            .map_err(|_| ClientError::Protocol("reply is not UTF-8".into()))
    }

    fn read_reply<T: DeserializeOwned>(&mut self) -> Result<Reply<T>, ClientError> {
        let Some(line) = self.next_line()? else {
            return Err(ClientError::Protocol(
                "the daemon closed the connection".into(),
            ));
        };
        serde_json::from_str(&line).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    fn result<T>(&mut self, reply: Reply<T>) -> Result<T, ClientError> {
        if self.first {
            self.first = false;
            if let Some(v) = reply.protocol.filter(|v| *v != PROTOCOL_VERSION) {
                return Err(ClientError::Version { daemon: v });
            }
        }
        if let (true, Some(result)) = (reply.ok, reply.result) {
            return Ok(result);
        }
        let e = reply.error.unwrap_or_else(|| crate::api::wire::ErrorBody {
            code: "unknown".into(),
            message: "the daemon reported an error without details".into(),
        });
        if e.code == code::FORBIDDEN {
            return Err(ClientError::Denied {
                path: self.path.clone(),
                detail: e.message,
            });
        }
        Err(ClientError::Failed {
            code: e.code,
            message: e.message,
        })
    }

    fn gone(&self, e: std::io::Error) -> ClientError {
        ClientError::Unreachable {
            path: self.path.clone(),
            reason: format!("connection lost: {e}"),
        }
    }
}
