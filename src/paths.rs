//! Default state and socket locations: systemd's directories, then the system paths for
//! root, then the user's XDG directories. The client resolves the socket the same way.

use std::collections::HashMap;
use std::path::PathBuf;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn first_dir(env: &HashMap<String, String>, var: &str) -> Option<PathBuf> {
    let v = env.get(var)?.split(':').next()?.trim();
    (!v.is_empty()).then(|| PathBuf::from(v))
}

/// `$STATE_DIRECTORY`, else `/var/lib/camcensus` for root, else `$XDG_STATE_HOME/camcensus`
/// or `~/.local/state/camcensus`.
pub fn default_state_dir(env: &HashMap<String, String>) -> PathBuf {
    if let Some(d) = first_dir(env, "STATE_DIRECTORY") {
        return d;
    }
    if is_root() {
        return PathBuf::from("/var/lib/camcensus");
    }
    first_dir(env, "XDG_STATE_HOME")
        .or_else(|| first_dir(env, "HOME").map(|h| h.join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("camcensus")
}

/// `$RUNTIME_DIRECTORY/camcensus.sock`, else `/run/camcensus/camcensus.sock` for root, else
/// `$XDG_RUNTIME_DIR/camcensus/camcensus.sock`.
pub fn default_socket(env: &HashMap<String, String>) -> PathBuf {
    if let Some(d) = first_dir(env, "RUNTIME_DIRECTORY") {
        return d.join("camcensus.sock");
    }
    let dir = if is_root() {
        PathBuf::from("/run/camcensus")
    } else {
        first_dir(env, "XDG_RUNTIME_DIR")
            .map(|d| d.join("camcensus"))
            .unwrap_or_else(|| {
                std::env::temp_dir().join(format!("camcensus-{}", nix::unistd::geteuid()))
            })
    };
    dir.join("camcensus.sock")
}
