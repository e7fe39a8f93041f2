//! The MQTT ingest client. One task owns the rumqttc event loop (nothing else may await on
//! the client from it, or a full request channel deadlocks); a worker task decodes, stores
//! and only then acknowledges each message, so a reading the broker handed us is either in
//! SQLite or will be redelivered.

use crate::config::{Credentials, TimeZoneSetting};
use crate::ingest::payload;
use crate::ingest::routes::Route;
use crate::pipeline::Core;
use chrono::Utc;
use rand::Rng;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Largest MQTT packet the client accepts. Far above the decode limit on purpose: a packet
/// over the client limit is a connection error, and the broker would redeliver it forever,
/// whereas one under it is decoded, refused as `too_large` and acknowledged.
const MAX_INCOMING_PACKET: usize = 16 * 1024 * 1024;

/// Messages decoded per store transaction at most.
const BATCH: usize = 512;

#[derive(Debug, Clone)]
pub struct MqttSettings {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub timezone: TimeZoneSetting,
    pub credentials: Option<Credentials>,
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    /// Topics to subscribe to and how to decode them.
    pub routes: Vec<Route>,
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
        .set_max_packet_size(MAX_INCOMING_PACKET, super::broker::MAX_PAYLOAD)
        .set_inflight(100);
    if let Some(c) = &settings.credentials {
        opts.set_credentials(c.username.clone(), c.password.clone());
    }
    if let Some(tls) = &settings.tls {
        opts.set_transport(rumqttc::Transport::Tls(rumqttc::TlsConfiguration::Rustls(
            tls.clone(),
        )));
    }
    let (client, eventloop) = AsyncClient::new(opts, 256);
    // Bounded: when storage falls behind, the poll task waits, and the broker holds the
    // rest (inflight window) instead of our memory growing.
    let (tx, rx) = mpsc::channel::<Publish>(BATCH * 2);
    let worker = tokio::spawn(work(
        rx,
        client.clone(),
        core.clone(),
        settings.timezone.clone(),
        settings.routes.clone(),
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
                // Subscribe on every connection, always at QoS 1: when the broker forgot our
                // session (`session_present == false`) it is required, and otherwise it is
                // harmless and picks up routes added to the configuration since.
                let filters = settings
                    .routes
                    .iter()
                    .map(|r| rumqttc::SubscribeFilter::new(r.filter.clone(), QoS::AtLeastOnce));
                if let Err(e) = client.try_subscribe_many(filters) {
                    tracing::error!(error = %e, "MQTT subscribe failed");
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
    routes: Vec<Route>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    // Acks go through the client's request channel, which only the poll task drains; the poll
    // task may itself be waiting for room in `rx`. Awaiting an ack here could deadlock the
    // two, so acks are queued and sent without waiting, and the worker keeps receiving.
    let mut acks: VecDeque<Publish> = VecDeque::new();
    loop {
        flush_acks(&client, &mut acks);
        let n = if acks.is_empty() {
            rx.recv_many(&mut batch, BATCH).await
        } else {
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => n,
                _ = tokio::time::sleep(Duration::from_millis(5)) => continue,
            }
        };
        if n == 0 {
            break;
        }
        let now = Utc::now();
        let mut readings = Vec::with_capacity(batch.len());
        for p in &batch {
            match payload::decode_with(&routes, &p.topic, &p.payload, now, &tz) {
                Ok(d) => {
                    for e in &d.rejected {
                        core.stats.reject(e.kind());
                        tracing::warn!(topic = %p.topic.chars().take(120).collect::<String>(), reason = %e, "rejected record");
                    }
                    readings.extend(d.readings);
                }
                Err(e) => {
                    core.stats.reject(e.kind());
                    tracing::warn!(topic = %p.topic.chars().take(120).collect::<String>(), reason = %e, "rejected MQTT message");
                }
            }
        }
        match core.ingest(readings).await {
            // Stored (or refused for good): now the broker may forget them.
            Ok(_) => acks.extend(batch.drain(..)),
            Err(e) => {
                // Not acknowledged: the broker redelivers after reconnecting.
                tracing::error!(error = %e, count = batch.len(), "could not store readings");
                core.stats.reject("storage_error");
                batch.clear();
            }
        }
    }
}

/// Sends queued acks while the request channel has room.
fn flush_acks(client: &AsyncClient, acks: &mut VecDeque<Publish>) {
    while let Some(p) = acks.front() {
        match client.try_ack(p) {
            Ok(()) => {
                acks.pop_front();
            }
            Err(_) => break,
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
