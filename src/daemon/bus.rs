//! Live events for API subscribers: one bounded broadcast queue of ready-made JSON lines.
//! Publishing never waits: a subscriber that falls more than the queue's capacity behind
//! loses the oldest lines and is told so (`resync`) by its connection task.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::journal;
use crate::api::query::device_out;
use crate::api::wire::{EventOut, Time};
use crate::persist::Event;
use crate::store::{Change, Millis, Store};

pub type Line = Arc<str>;

pub struct Bus {
    tx: broadcast::Sender<Line>,
}

impl Bus {
    /// `capacity`: events a subscriber may fall behind before it must resync.
    pub fn new(capacity: usize) -> Bus {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Bus { tx }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Line> {
        self.tx.subscribe()
    }

    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Publish the events among `changes` (nothing is built when no one listens).
    pub fn publish(&self, changes: &[Change], store: &Store, now: Millis) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        for c in changes {
            if let Some(e) = journal::event(c, store, now) {
                self.publish_event(&e, store);
            }
        }
    }

    pub fn publish_event(&self, e: &Event, store: &Store) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        let device = e
            .device_id
            .and_then(|id| store.device(id))
            .map(|d| Box::new(device_out(d)));
        let out = EventOut {
            kind: e.kind.to_string(),
            at: Time(e.at),
            device_id: e.device_id,
            detail: e.detail.to_json(),
            device,
        };
        if let Ok(line) = serde_json::to_string(&out) {
            let _ = self.tx.send(Line::from(line));
        }
    }
}
