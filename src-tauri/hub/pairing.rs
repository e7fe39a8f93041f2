//! Pairing LAN devices with the hub. Reading is open to the LAN (the dashboard is a public
//! notice board inside the plant), but acting — acknowledging, resolving and assigning alarms,
//! starting backfills, importing files, pairing more devices — needs a trusted caller: this
//! machine (loopback, unless `trust_loopback = false`) or a paired device.
//!
//! Pairing: a trusted screen asks for a one-time 6-digit code (valid 5 minutes, shown with a QR
//! code of the pairing link); the new device sends the code with a name and receives a token,
//! which it presents as `Authorization: Bearer <token>` (or `?token=` on the WebSocket). Only a
//! SHA-256 of each token is stored; devices can be revoked. Wrong codes are rate limited.

use crate::store::{DeviceChange, Store, StoreError};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use thiserror::Error;

/// How long a pairing code is valid.
pub const CODE_TTL: Duration = Duration::from_secs(300);
/// Codes outstanding at once (older ones are dropped).
const MAX_CODES: usize = 5;
/// Wrong codes tolerated per minute before every attempt is refused for that minute.
const MAX_FAILURES_PER_MINUTE: usize = 10;

#[derive(Debug, Error)]
pub enum PairError {
    #[error("wrong or expired pairing code")]
    WrongCode,
    #[error("too many wrong pairing codes; try again in a minute")]
    TooMany,
    #[error("name: give the device a name of 1 to 60 characters")]
    BadName,
    #[error("no paired device {0}")]
    UnknownDevice(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a request presented: its peer address and bearer token. Kept by long-lived
/// connections (WebSocket) so trust is re-checked at each action, not only at connect time.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub peer: Option<SocketAddr>,
    pub token: Option<String>,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// This machine, trusted by configuration.
    Local,
    /// A paired device.
    Device { id: i64, name: String },
    /// Anyone else: may read, may not act.
    Anonymous,
}

impl Caller {
    pub fn trusted(&self) -> bool {
        !matches!(self, Caller::Anonymous)
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Caller::Device { name, .. } => Some(name),
            _ => None,
        }
    }

    pub fn device_id(&self) -> Option<i64> {
        match self {
            Caller::Device { id, .. } => Some(*id),
            _ => None,
        }
    }
}

pub struct Pairing {
    store: Store,
    trust_loopback: bool,
    /// SHA-256 (hex) of live tokens → (device id, name).
    tokens: Mutex<HashMap<String, (i64, String)>>,
    /// Outstanding codes and when each expires.
    codes: Mutex<HashMap<String, Instant>>,
    failures: Mutex<VecDeque<Instant>>,
}

/// Lower-case hex SHA-256 of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pairing {
    /// Loads the devices paired earlier (revoked ones stay out).
    pub async fn load(store: Store, trust_loopback: bool) -> Result<Pairing, StoreError> {
        let tokens = store
            .devices()
            .await?
            .into_iter()
            .filter(|d| d.revoked_at_ms.is_none())
            .map(|d| (d.token_sha256, (d.id, d.name)))
            .collect();
        Ok(Pairing {
            store,
            trust_loopback,
            tokens: Mutex::new(tokens),
            codes: Mutex::new(HashMap::new()),
            failures: Mutex::new(VecDeque::new()),
        })
    }

    /// Who a request comes from: its peer address and its bearer token, if any. A token not
    /// yet known to this process is looked up in the database once (a device paired from the
    /// command line while the hub runs).
    pub async fn caller(&self, peer: Option<SocketAddr>, token: Option<&str>) -> Caller {
        if let Some(t) = token {
            let hash = token_hash(t.trim());
            let known = lock(&self.tokens).get(&hash).cloned();
            let found = match known {
                Some(d) => Some(d),
                None => self.lookup(&hash).await,
            };
            if let Some((id, name)) = found {
                return Caller::Device { id, name };
            }
        }
        // `::ffff:127.0.0.1` (IPv4 on a dual-stack listener) is loopback too.
        if self.trust_loopback && peer.is_some_and(|p| p.ip().to_canonical().is_loopback()) {
            return Caller::Local;
        }
        Caller::Anonymous
    }

    async fn lookup(&self, hash: &str) -> Option<(i64, String)> {
        let d = self
            .store
            .devices()
            .await
            .ok()?
            .into_iter()
            .find(|d| d.token_sha256 == hash && d.revoked_at_ms.is_none())?;
        lock(&self.tokens).insert(hash.to_string(), (d.id, d.name.clone()));
        Some((d.id, d.name))
    }

    /// A new one-time code.
    pub fn start(&self) -> (String, DateTime<Utc>) {
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        codes.retain(|_, expires| *expires > now);
        while codes.len() >= MAX_CODES {
            let oldest = codes
                .iter()
                .min_by_key(|(_, expires)| **expires)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => codes.remove(&k),
                None => break,
            };
        }
        let code = loop {
            let c = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
            if !codes.contains_key(&c) {
                break c;
            }
        };
        let expires_at = Utc::now() + chrono::Duration::from_std(CODE_TTL).unwrap_or_default();
        codes.insert(code.clone(), now + CODE_TTL);
        (code, expires_at)
    }

    /// Exchanges a code for a token (returned once, never stored in clear).
    pub async fn pair(&self, code: &str, name: &str) -> Result<(String, i64, String), PairError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(PairError::BadName);
        }
        let now = Instant::now();
        {
            let mut f = lock(&self.failures);
            while f
                .front()
                .is_some_and(|t| now - *t > Duration::from_secs(60))
            {
                f.pop_front();
            }
            if f.len() >= MAX_FAILURES_PER_MINUTE {
                return Err(PairError::TooMany);
            }
        }
        let valid = {
            let mut codes = lock(&self.codes);
            // A presented code is used up, whether it was still valid or had expired.
            matches!(codes.remove(code.trim()), Some(expires) if expires > now)
        };
        if !valid {
            lock(&self.failures).push_back(now);
            return Err(PairError::WrongCode);
        }
        let (token, id) = add_device(&self.store, name).await?;
        lock(&self.tokens).insert(token_hash(&token), (id, name.to_string()));
        Ok((token, id, name.to_string()))
    }

    /// Revokes a device: its token stops working at once.
    pub async fn revoke(&self, id: i64) -> Result<(), PairError> {
        let n = self
            .store
            .change_device(DeviceChange::Revoke {
                id,
                at_ms: Utc::now().timestamp_millis(),
            })
            .await?;
        if n == 0 {
            return Err(PairError::UnknownDevice(id));
        }
        lock(&self.tokens).retain(|_, (d, _)| *d != id);
        Ok(())
    }

    pub async fn devices_json(&self) -> Result<Value, StoreError> {
        let ms = |t: i64| crate::model::fmt_time(crate::live::from_ms(t));
        Ok(Value::Array(
            self.store
                .devices()
                .await?
                .into_iter()
                .map(|d| {
                    json!({
                        "id": d.id,
                        "name": d.name,
                        "paired_at": ms(d.paired_at_ms),
                        "revoked_at": d.revoked_at_ms.map(ms),
                    })
                })
                .collect(),
        ))
    }

    /// A new code as `POST /api/pair/start` (and the window's `pair_start`) return it: the
    /// code, its expiry, the links other devices open, the first link as an SVG QR code, and a
    /// hint when the hub listens on loopback only (no other device could reach it).
    pub fn start_json(&self, listen: SocketAddr) -> Value {
        let (code, expires_at) = self.start();
        let (links, hint) = links(listen, &code);
        json!({
            "code": code,
            "expires_at": crate::model::fmt_time(expires_at),
            // Relative too: a client whose clock differs can still count down.
            "expires_in_s": CODE_TTL.as_secs(),
            "links": links,
            "qr_svg": links.first().and_then(|l| qr_svg(l)),
            "hint": hint,
        })
    }
}

/// Creates a device and its token (returned once): used by pairing and by `purehealth pair`,
/// which lets an operator pair a first device on a hub that trusts no one yet.
pub async fn add_device(store: &Store, name: &str) -> Result<(String, i64), PairError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(PairError::BadName);
    }
    let bytes: [u8; 32] = rand::rng().random();
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let id = store
        .change_device(DeviceChange::Add {
            token_sha256: token_hash(&token),
            name: name.to_string(),
            at_ms: Utc::now().timestamp_millis(),
        })
        .await?;
    Ok((token, id))
}

/// The address other devices on the LAN would use to reach this machine: the source address
/// of the default route (a UDP `connect` sends nothing).
pub fn lan_ip() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// Links to `#/pair/<code>` on the addresses other devices can use.
pub fn links(listen: SocketAddr, code: &str) -> (Vec<String>, Option<String>) {
    let port = listen.port();
    let ip = listen.ip();
    let host = if ip.is_unspecified() {
        lan_ip().unwrap_or(ip)
    } else {
        ip
    };
    let hint = (ip.is_loopback() || host.is_unspecified()).then(|| {
        format!(
            "the hub listens on {listen}: start it with --listen 0.0.0.0:{port} (or this machine's LAN address) so other devices can reach it"
        )
    });
    let h = match host {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    };
    (vec![format!("http://{h}:{port}/#/pair/{code}")], hint)
}

/// The pairing link as an SVG QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pairing(dir: &std::path::Path, trust_loopback: bool) -> Pairing {
        Pairing::load(Store::open(dir).unwrap(), trust_loopback)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_code_pairs_once_and_the_token_is_checked_by_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let p = pairing(dir.path(), false).await;
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(p.caller(Some(peer), None).await, Caller::Anonymous);
        let (code, _) = p.start();
        assert_eq!(code.len(), 6);
        let (token, id, _) = p.pair(&code, "Tablet 1").await.unwrap();
        assert!(matches!(
            p.pair(&code, "Tablet 2").await,
            Err(PairError::WrongCode)
        ));
        assert_eq!(
            p.caller(None, Some(&token)).await,
            Caller::Device {
                id,
                name: "Tablet 1".into()
            }
        );
        assert_eq!(p.caller(None, Some("forged")).await, Caller::Anonymous);
        // Survives a restart; the clear token is nowhere in the database.
        let p2 = pairing(dir.path(), false).await;
        assert!(p2.caller(None, Some(&token)).await.trusted());
        let db = std::fs::read(dir.path().join("purehealth.db")).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&db).contains(&token));
        p2.revoke(id).await.unwrap();
        assert_eq!(p2.caller(None, Some(&token)).await, Caller::Anonymous);
        assert!(matches!(
            p2.revoke(id).await,
            Err(PairError::UnknownDevice(_))
        ));
    }

    #[tokio::test]
    async fn loopback_is_trusted_only_when_configured_and_wrong_codes_are_limited() {
        let dir = tempfile::tempdir().unwrap();
        let p = pairing(dir.path(), true).await;
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let lan: SocketAddr = "192.168.1.20:5000".parse().unwrap();
        assert_eq!(p.caller(Some(local), None).await, Caller::Local);
        assert_eq!(p.caller(Some(lan), None).await, Caller::Anonymous);
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        assert_eq!(p.caller(Some(mapped), None).await, Caller::Local);
        assert!(matches!(p.pair("123", "  ").await, Err(PairError::BadName)));
        for _ in 0..MAX_FAILURES_PER_MINUTE {
            assert!(matches!(
                p.pair("000000", "x").await,
                Err(PairError::WrongCode)
            ));
        }
        let (code, _) = p.start();
        assert!(matches!(p.pair(&code, "x").await, Err(PairError::TooMany)));
    }

    #[test]
    fn the_pairing_link_renders_as_a_qr_code() {
        let svg = qr_svg("http://192.168.1.5:8080/#/pair/123456").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    }
}
