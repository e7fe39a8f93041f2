//! Routing of live frames to WebSocket clients. One dispatcher task reads the pipeline's
//! broadcast and hands each frame only to the clients subscribed to its station (or to all
//! stations), through a bounded queue per client. The cost per frame is its subscribers, not
//! every connected client; a client too slow to keep up loses frames (and is told so), never
//! the producer's time.

use crate::pipeline::Outgoing;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// Subscribes to every station (an addition to the original protocol, used by the dashboard).
pub const ALL: &str = "*";

/// Frames queued per client before it starts losing them.
const CLIENT_QUEUE: usize = 1024;

/// A connected client's end: its frames, and how many it lost since it last looked.
pub struct ClientHandle {
    pub id: u64,
    pub frames: mpsc::Receiver<Arc<str>>,
    pub lagged: Arc<AtomicU64>,
}

struct Client {
    tx: mpsc::Sender<Arc<str>>,
    subs: HashSet<String>,
    lagged: Arc<AtomicU64>,
}

#[derive(Default)]
struct Inner {
    clients: HashMap<u64, Client>,
    /// station id (or `*`) → subscribed clients.
    by_station: HashMap<String, HashSet<u64>>,
}

#[derive(Default)]
pub struct Registry {
    next_id: AtomicU64,
    inner: Mutex<Inner>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn register(&self) -> ClientHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, frames) = mpsc::channel(CLIENT_QUEUE);
        let lagged = Arc::new(AtomicU64::new(0));
        self.lock().clients.insert(
            id,
            Client {
                tx,
                subs: HashSet::new(),
                lagged: lagged.clone(),
            },
        );
        ClientHandle { id, frames, lagged }
    }

    /// Replaces a client's subscriptions.
    pub fn set_subs(&self, id: u64, subs: &HashSet<String>) {
        let mut g = self.lock();
        let inner = &mut *g;
        let Some(client) = inner.clients.get_mut(&id) else {
            return;
        };
        for gone in client.subs.difference(subs) {
            if let Some(set) = inner.by_station.get_mut(gone) {
                set.remove(&id);
                if set.is_empty() {
                    inner.by_station.remove(gone);
                }
            }
        }
        for added in subs.difference(&client.subs) {
            inner
                .by_station
                .entry(added.clone())
                .or_default()
                .insert(id);
        }
        client.subs = subs.clone();
    }

    pub fn remove(&self, id: u64) {
        self.set_subs(id, &HashSet::new());
        self.lock().clients.remove(&id);
    }

    /// Queues a frame for every subscriber of its station; returns how many got it.
    pub fn dispatch(&self, o: &Outgoing) -> usize {
        let g = self.lock();
        let station = g.by_station.get(&o.station);
        let all = g.by_station.get(ALL);
        let targets = station.into_iter().flatten().chain(
            all.into_iter()
                .flatten()
                .filter(|id| !station.is_some_and(|s| s.contains(id))),
        );
        let mut delivered = 0;
        for id in targets {
            let Some(c) = g.clients.get(id) else { continue };
            match c.tx.try_send(o.frame.clone()) {
                Ok(()) => delivered += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    c.lagged.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        delivered
    }

    /// Tells every client it lost `n` frames (the dispatcher itself fell behind).
    fn all_lagged(&self, n: u64) {
        for c in self.lock().clients.values() {
            c.lagged.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// (connected clients, subscribers per station id) for `/health` and `/stats`.
    pub fn snapshot(&self) -> (usize, Vec<(String, usize)>) {
        let g = self.lock();
        let mut by: Vec<(String, usize)> = g
            .by_station
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect();
        by.sort();
        (g.clients.len(), by)
    }
}

/// Routes frames from the pipeline to clients until cancelled.
pub async fn run(
    registry: Arc<Registry>,
    mut rx: broadcast::Receiver<Outgoing>,
    cancel: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => break,
            m = rx.recv() => m,
        };
        match next {
            Ok(o) => {
                registry.dispatch(&o);
            }
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(frames = n, "hub dispatcher fell behind the pipeline");
                registry.all_lagged(n);
            }
            Err(RecvError::Closed) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(station: &str) -> Outgoing {
        Outgoing {
            station: station.into(),
            frame: Arc::from(format!("{{\"s\":\"{station}\"}}")),
        }
    }

    #[test]
    fn frames_reach_only_subscribers_once() {
        let r = Registry::default();
        let mut a = r.register();
        let mut b = r.register();
        let mut all = r.register();
        r.set_subs(a.id, &HashSet::from(["1".to_string()]));
        r.set_subs(b.id, &HashSet::from(["2".to_string()]));
        r.set_subs(all.id, &HashSet::from([ALL.to_string(), "1".to_string()]));
        assert_eq!(r.dispatch(&frame("1")), 2);
        assert_eq!(a.frames.try_recv().unwrap().as_ref(), "{\"s\":\"1\"}");
        assert!(b.frames.try_recv().is_err());
        assert!(all.frames.try_recv().is_ok());
        assert!(
            all.frames.try_recv().is_err(),
            "a client subscribed twice gets one copy"
        );
        r.remove(a.id);
        assert_eq!(r.dispatch(&frame("1")), 1);
        assert_eq!(r.snapshot().0, 2);
    }

    #[test]
    fn a_full_client_queue_counts_lost_frames() {
        let r = Registry::default();
        let slow = r.register();
        r.set_subs(slow.id, &HashSet::from(["x".to_string()]));
        for _ in 0..CLIENT_QUEUE + 5 {
            r.dispatch(&frame("x"));
        }
        assert_eq!(slow.lagged.load(Ordering::Relaxed), 5);
    }
}
