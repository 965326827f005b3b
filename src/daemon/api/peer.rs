//! Who may query: root, the daemon's own user, configured users, and members (primary or
//! supplementary) of configured groups. Checked with the peer's kernel credentials.

use std::collections::HashSet;

use tracing::warn;

#[derive(Debug, Clone, Default)]
pub struct Policy {
    uids: HashSet<u32>,
    gids: HashSet<u32>,
}

impl Policy {
    /// Resolve names to ids once; unknown names are logged and ignored (`quiet`: a group
    /// already reported missing elsewhere, e.g. the socket's group).
    pub fn new(users: &[String], groups: &[String], quiet: &str) -> Policy {
        let mut p = Policy::default();
        p.uids.insert(0);
        p.uids.insert(nix::unistd::geteuid().as_raw());
        for u in users {
            match u.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => nix::unistd::User::from_name(u)
                    .ok()
                    .flatten()
                    .map(|u| u.uid.as_raw()),
            }
            .map_or_else(
                || warn!(user = %u, "api.allow_users: no such user"),
                |n| {
                    p.uids.insert(n);
                },
            );
        }
        for g in groups {
            match g.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => nix::unistd::Group::from_name(g)
                    .ok()
                    .flatten()
                    .map(|g| g.gid.as_raw()),
            }
            .map_or_else(
                || {
                    if g != quiet {
                        warn!(group = %g, "api.allow_groups: no such group")
                    }
                },
                |n| {
                    p.gids.insert(n);
                },
            );
        }
        p
    }

    /// Is a peer with these credentials allowed? `groups` are its supplementary groups.
    pub fn allows(&self, uid: u32, gid: u32, groups: &[u32]) -> bool {
        self.uids.contains(&uid)
            || self.gids.contains(&gid)
            || groups.iter().any(|g| self.gids.contains(g))
    }
}

/// Supplementary groups of a process, from `/proc/<pid>/status` (empty if unreadable).
pub fn supplementary_groups(pid: Option<i32>) -> Vec<u32> {
    let Some(pid) = pid else {
        return Vec::new();
    };
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("Groups:")).map(|g| {
                g.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_self_users_and_groups() {
        let p = Policy::new(
            &["4242".into()],
            &["4343".into(), "no-such-group-xyz".into()],
            "",
        );
        assert!(p.allows(0, 0, &[]));
        assert!(p.allows(nix::unistd::geteuid().as_raw(), 9, &[]));
        assert!(p.allows(4242, 9, &[]));
        assert!(p.allows(5000, 4343, &[]));
        assert!(p.allows(5000, 9, &[1, 4343]));
        let stranger = 5000;
        if nix::unistd::geteuid().as_raw() != stranger {
            assert!(!p.allows(stranger, 9, &[1, 2]));
        }
    }

    #[test]
    fn reads_own_groups() {
        let own = supplementary_groups(Some(std::process::id() as i32));
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if status.contains("Groups:\t\n") || status.contains("Groups:\n") {
            assert!(own.is_empty());
        }
        assert!(supplementary_groups(None).is_empty());
    }
}
