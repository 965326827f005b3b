//! The API socket file: created safely (a stale socket is replaced, anything else is left
//! alone), mode 0660 and the configured group; or taken over from systemd socket activation.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixListener as StdListener;
use std::path::{Path, PathBuf};

use tracing::{info, warn};

/// Why the socket could not be set up (the message says what to do).
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error(
        "{path} exists and is not a socket: refusing to replace it (remove it or set api.socket)"
    )]
    NotASocket { path: PathBuf },
    #[error("another daemon is already answering on {path} (stop it, or set api.socket)")]
    InUse { path: PathBuf },
    #[error("cannot create the API socket {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// The socket file we created: removed when this is dropped (at shutdown).
pub struct SocketFile {
    path: PathBuf,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Bind `path`: create its directory, replace a stale socket (nothing answers on it), then
/// chmod 0660 and chgrp `group` (when the group exists).
pub fn bind(path: &Path, group: &str) -> Result<(StdListener, SocketFile), BindError> {
    let io_err = |source| BindError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_socket() => {
            return Err(BindError::NotASocket {
                path: path.to_path_buf(),
            })
        }
        Ok(_) => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(BindError::InUse {
                    path: path.to_path_buf(),
                });
            }
            info!(path = %path.display(), "removing a stale API socket");
            std::fs::remove_file(path).map_err(io_err)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(e)),
    }
    let listener = StdListener::bind(path).map_err(io_err)?;
    let file = SocketFile {
        path: path.to_path_buf(),
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(io_err)?;
    set_group(path, group);
    Ok((listener, file))
}

fn set_group(path: &Path, group: &str) {
    if group.is_empty() {
        return;
    }
    match nix::unistd::Group::from_name(group) {
        Ok(Some(g)) => {
            if let Err(e) = nix::unistd::chown(path, None, Some(g.gid)) {
                warn!(path = %path.display(), group, error = %e, "cannot give the API socket its group");
            }
        }
        _ => warn!(
            group,
            "group for the API socket does not exist: only root and the daemon's user can query (create it, or set api.group)"
        ),
    }
}

/// A socket passed by systemd socket activation (`LISTEN_FDS`), if any. Call before any
/// thread is started: it clears the activation variables.
pub fn from_systemd() -> io::Result<Option<StdListener>> {
    listenfd::ListenFd::from_env().take_unix_listener(0)
}
