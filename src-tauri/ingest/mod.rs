//! Sensor ingest: MQTT topic and payload decoding, the MQTT client task and the
//! optional embedded broker.

pub mod broker;
pub mod formats;
pub mod mqtt;
pub mod payload;
pub mod routes;
pub mod tls;
