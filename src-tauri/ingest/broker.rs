//! The embedded MQTT broker (rumqttd), so sensors and the demo feed have a broker on a
//! machine with nothing installed. It runs on its own OS threads and, like rumqttd itself,
//! lives until the process exits (rumqttd has no shutdown API).

use crate::config::Credentials;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum BrokerError {
    #[error(
        "cannot listen for MQTT on {addr} (is another broker running? use --mqtt mqtt://host:port to use it instead)"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("embedded MQTT broker on {0} did not start accepting connections")]
    NotReady(SocketAddr),
    #[error("cannot start the embedded MQTT broker thread: {0}")]
    Thread(std::io::Error),
}

/// Largest payload accepted; SenML packs and station batches are bigger than rumqttd's 20 KiB default.
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// Starts the broker on `listen` and waits until it accepts connections.
pub fn start(listen: SocketAddr, login: Option<&Credentials>) -> Result<(), BrokerError> {
    // rumqttd reports a bind failure only in its log, from another thread: probe first so
    // the user gets a clear error instead of a hub with no broker.
    drop(
        TcpListener::bind(listen).map_err(|source| BrokerError::Bind {
            addr: listen,
            source,
        })?,
    );
    let config = config(listen, login);
    std::thread::Builder::new()
        .name("purehealth-mqtt-broker".into())
        .spawn(move || {
            let mut broker = rumqttd::Broker::new(config);
            if let Err(e) = broker.start() {
                tracing::error!(error = %e, "embedded MQTT broker stopped");
            }
        })
        .map_err(BrokerError::Thread)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&listen, Duration::from_millis(200)).is_ok() {
            tracing::info!(%listen, "embedded MQTT broker listening");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(BrokerError::NotReady(listen))
}

fn config(listen: SocketAddr, login: Option<&Credentials>) -> rumqttd::Config {
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: MAX_PAYLOAD,
        max_inflight_count: 200,
        auth: login.map(|c| HashMap::from([(c.username.clone(), c.password.clone())])),
        external_auth: None,
        dynamic_filters: true,
    };
    let server = rumqttd::ServerSettings {
        name: "v4-1".into(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 10_010,
            max_outgoing_packet_count: 200,
            max_segment_size: 100 * 1024 * 1024,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(HashMap::from([("1".to_string(), server)])),
        v5: None,
        ws: None,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    }
}
