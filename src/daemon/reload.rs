//! SIGHUP: a new configuration, already loaded and checked by the binary, applied without
//! a restart. Everything that can fail (the rules file) is prepared first, so a bad new
//! configuration changes nothing. Keys that only take effect at start are named in a warning.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tracing::{error, info, warn};

use super::ingest::lock;
use super::now_ms;
use super::tasks::Ctx;
use crate::config::Config;

/// Keys read once at start: changing them needs a restart.
fn restart_only(old: &Config, new: &Config) -> Vec<&'static str> {
    let (o, n) = (old, new);
    [
        ("listen.port", o.listen.port != n.listen.port),
        ("listen.ipv4", o.listen.ipv4 != n.listen.ipv4),
        ("listen.ipv6", o.listen.ipv6 != n.listen.ipv6),
        (
            "listen.receive_buffer",
            o.listen.receive_buffer != n.listen.receive_buffer,
        ),
        (
            "listen.queue_size",
            o.listen.queue_size != n.listen.queue_size,
        ),
        ("store.state_dir", o.store.state_dir != n.store.state_dir),
        (
            "store.flush_interval",
            o.store.flush_interval != n.store.flush_interval,
        ),
        (
            "store.event_retention",
            o.store.event_retention != n.store.event_retention,
        ),
        ("parse", o.parse != n.parse),
        ("api", o.api != n.api),
    ]
    .into_iter()
    .filter_map(|(k, changed)| changed.then_some(k))
    .collect()
}

/// Apply each configuration the binary sends until shutdown; publish the applied one to
/// the tasks that read it each round (interface rescans, ticks).
pub async fn reload_loop(
    ctx: Ctx,
    mut incoming: mpsc::Receiver<Config>,
    current: watch::Sender<Arc<Config>>,
) {
    loop {
        let new = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            n = incoming.recv() => match n {
                Some(n) => n,
                None => return,
            },
        };
        let old = current.borrow().clone();
        match apply(&ctx, &new) {
            Ok(reidentified) => {
                let ignored = restart_only(&old, &new);
                if !ignored.is_empty() {
                    warn!(
                        keys = ignored.join(" "),
                        "configuration reloaded, but these keys take effect only at restart"
                    );
                }
                info!(reidentified, "configuration reloaded");
                current.send_replace(Arc::new(new));
            }
            Err(e) => error!(
                error = %e,
                "configuration reload refused: the running configuration stays"
            ),
        }
    }
}

/// Swap in the new rules, sites, limits and rates. Returns how many devices changed.
fn apply(ctx: &Ctx, new: &Config) -> Result<usize, String> {
    let identifier = Arc::new(super::identifier(new).map_err(|e| e.to_string())?);
    ctx.ingest.set_identifier(identifier.clone());
    let now = now_ms();
    let mut guard = lock(&ctx.shared);
    let s = &mut *guard;
    s.store.set_limits(new.store_limits());
    let l = &new.listen;
    s.rate
        .reconfigure(l.rate_per_source, l.rate_burst, l.max_sources);
    let mut changes = s.store.reidentify(|e| identifier.identify(e).verdict);
    changes.extend(s.store.set_sites(new.sites()));
    s.watchlist = new.watchlist_out();
    s.record(&changes, now);
    Ok(changes.len())
}
