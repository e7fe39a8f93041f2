//! The MQTT ingest client. One task owns the rumqttc event loop (nothing else may await on
//! the client from it, or a full request channel deadlocks); a worker task decodes, stores
//! and only then acknowledges each message, so a reading the broker handed us is either in
//! SQLite or will be redelivered.

use crate::config::TimeZoneSetting;
use crate::ingest::payload;
use crate::pipeline::Core;
use chrono::Utc;
use rand::Rng;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Wildcard for the original layout `purehealth/{station}/{parameter}`.
pub const LEGACY_FILTER: &str = "purehealth/+/+";

/// Messages decoded per store transaction at most.
const BATCH: usize = 512;

#[derive(Debug, Clone)]
pub struct MqttSettings {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub timezone: TimeZoneSetting,
}

/// Runs until `cancel` fires. Never returns early: broker errors are retried with backoff.
pub async fn run(settings: MqttSettings, core: Core, cancel: CancellationToken) {
    let mut opts = MqttOptions::new(
        settings.client_id.clone(),
        settings.host.clone(),
        settings.port,
    );
    opts.set_keep_alive(Duration::from_secs(30))
        // A persistent session: the broker keeps our subscription and queues QoS 1
        // messages while we are away.
        .set_clean_session(false)
        .set_manual_acks(true)
        .set_max_packet_size(super::broker::MAX_PAYLOAD, super::broker::MAX_PAYLOAD)
        .set_inflight(100);
    let (client, eventloop) = AsyncClient::new(opts, 256);
    // Bounded: when storage falls behind, the poll task waits, and the broker holds the
    // rest (inflight window) instead of our memory growing.
    let (tx, rx) = mpsc::channel::<Publish>(BATCH * 2);
    let worker = tokio::spawn(work(
        rx,
        client.clone(),
        core.clone(),
        settings.timezone.clone(),
    ));
    poll(eventloop, client, tx, core.clone(), &settings, cancel).await;
    let _ = worker.await;
    core.stats.set_mqtt(false, None);
}

async fn poll(
    mut eventloop: EventLoop,
    client: AsyncClient,
    tx: mpsc::Sender<Publish>,
    core: Core,
    settings: &MqttSettings,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::default();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => break,
            e = eventloop.poll() => e,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                backoff.reset();
                core.stats.set_mqtt(true, None);
                tracing::info!(host = %settings.host, port = settings.port, session_present = ack.session_present, "MQTT connected");
                if !ack.session_present {
                    // The broker forgot us: subscribe again, always at QoS 1.
                    if let Err(e) = client.try_subscribe(LEGACY_FILTER, QoS::AtLeastOnce) {
                        tracing::error!(error = %e, "MQTT subscribe failed");
                    }
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                core.stats.received.fetch_add(1, Ordering::Relaxed);
                let sent = tokio::select! {
                    _ = cancel.cancelled() => break,
                    r = tx.send(p) => r,
                };
                if sent.is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => {
                core.stats.set_mqtt(false, Some(e.to_string()));
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "MQTT connection error");
                // rumqttc would reconnect immediately on the next poll: wait first.
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
    let _ = client.try_disconnect();
}

async fn work(
    mut rx: mpsc::Receiver<Publish>,
    client: AsyncClient,
    core: Core,
    tz: TimeZoneSetting,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let now = Utc::now();
        let mut readings = Vec::with_capacity(batch.len());
        for p in &batch {
            match payload::decode(&p.topic, &p.payload, now, &tz) {
                Ok(r) => readings.push(r),
                Err(e) => {
                    core.stats.reject(e.kind());
                    tracing::warn!(topic = %p.topic.chars().take(120).collect::<String>(), reason = %e, "rejected MQTT message");
                }
            }
        }
        match core.ingest(readings).await {
            Ok(_) => {
                // Stored (or rejected for good): now the broker may forget them.
                for p in batch.drain(..) {
                    if let Err(e) = client.ack(&p).await {
                        tracing::warn!(error = %e, "MQTT ack failed; the broker will redeliver");
                    }
                }
            }
            Err(e) => {
                // Not acknowledged: the broker redelivers after reconnecting.
                tracing::error!(error = %e, count = batch.len(), "could not store readings");
                core.stats.reject("storage_error");
                batch.clear();
            }
        }
    }
}

/// Exponential backoff with full jitter: 0.5 s doubling to 30 s.
#[derive(Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub fn next_delay(&mut self) -> Duration {
        let cap_ms = (500u64 << self.attempt.min(6)).min(30_000);
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_millis(rand::rng().random_range(cap_ms / 2..=cap_ms))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_and_resets() {
        let mut b = Backoff::default();
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
        for _ in 0..20 {
            assert!(b.next_delay() <= Duration::from_secs(30));
        }
        assert!(b.next_delay() >= Duration::from_secs(15));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(500));
    }
}
