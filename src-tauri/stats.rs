//! Counters for `/stats` and `/health`: what each source received, stored, rejected and why.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug)]
pub struct Stats {
    started: Instant,
    pub received: AtomicU64,
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    qc: Mutex<BTreeMap<i64, u64>>,
    pub mqtt_connected: AtomicBool,
    mqtt_last_error: Mutex<Option<String>>,
    pub ws_lagged: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            started: Instant::now(),
            received: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            rejected: Mutex::default(),
            qc: Mutex::default(),
            mqtt_connected: AtomicBool::new(false),
            mqtt_last_error: Mutex::default(),
            ws_lagged: AtomicU64::new(0),
        }
    }
}

impl Stats {
    pub fn reject(&self, reason: &'static str) {
        if let Ok(mut m) = self.rejected.lock() {
            *m.entry(reason).or_default() += 1;
        }
    }

    pub fn qc(&self, flag: i64) {
        if let Ok(mut m) = self.qc.lock() {
            *m.entry(flag).or_default() += 1;
        }
    }

    pub fn set_mqtt(&self, connected: bool, error: Option<String>) {
        self.mqtt_connected.store(connected, Ordering::Relaxed);
        if (error.is_some() || connected)
            && let Ok(mut e) = self.mqtt_last_error.lock()
        {
            *e = error;
        }
    }

    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub fn rejected_total(&self) -> u64 {
        self.rejected.lock().map(|m| m.values().sum()).unwrap_or(0)
    }

    pub fn to_json(&self) -> Value {
        let rejected = self.rejected.lock().map(|m| m.clone()).unwrap_or_default();
        let qc: BTreeMap<String, u64> = self
            .qc
            .lock()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let name = match k {
                            1 => "pass",
                            3 => "suspect",
                            4 => "fail",
                            9 => "missing",
                            _ => "not_evaluated",
                        };
                        (name.to_string(), *v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "received": self.received.load(Ordering::Relaxed),
            "stored": self.stored.load(Ordering::Relaxed),
            "duplicates": self.duplicates.load(Ordering::Relaxed),
            "rejected": rejected,
            "rejected_total": self.rejected_total(),
            "qc_flags": qc,
            "connected": self.mqtt_connected.load(Ordering::Relaxed),
            "last_error": self.mqtt_last_error.lock().ok().and_then(|e| e.clone()),
        })
    }
}
