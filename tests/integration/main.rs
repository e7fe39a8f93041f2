//! Black-box tests of the real `purehealth` binary: MQTT in, SQLite, WebSocket and HTTP out.

// MQTT readings reach WebSocket clients with the right index, through both brokers.
mod end_to_end;
// Bad payloads, bad frames, bad arguments: clear errors, and the hub keeps running.
mod bad_input;
// Nothing accepted is lost or doubled: restarts, kill -9, redelivery.
mod persistence;
// One alert per episode and a recovery message.
mod alerts;
// SenML packs, station batches and oversized payloads on the telemetry topics.
mod formats;
// The station watchdog: offline after silence, back online with the next reading.
// Logins on the embedded broker; no anonymous LAN broker.
mod auth;
// Forecasts: stored, announced, alarmed; the backtest CLI on both inference backends.
mod forecast;
// mqtts:// to a mosquitto TLS listener with a private CA.
mod tls;
// Government connectors against a local replay server: every failure mode, then recovery.
mod replay;
mod satellite;
mod sources;
// Who may act: loopback trust, paired devices, one-time codes, revocation.
mod pairing;
// Pages from other origins (the app window, another hub's page): CORS, pairing, token-only acts.
mod cross_origin;
mod util;
mod watchdog;
