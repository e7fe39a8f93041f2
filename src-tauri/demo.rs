//! The demo feed: a sensor simulator that replays real monitoring records as live MQTT
//! readings in the original layout, stamped with the time of publication.
//!
//! - `apacpwq`: NOAA NERRS SWMP, Apalachicola Bay, Cat Point (YSI 6600 sonde), 15-minute
//!   records 2012-2013 (CC0, via the SWMPr package), replayed one record per tick.
//! - `NWMP-1151` and `NWMP-2685`: CPCB National Water Quality Monitoring Programme annual
//!   station means for the Patalganga river, Maharashtra (CPCB/ENVIS "water_dataX",
//!   GODL-India), one year per five ticks, so the index and class are computable.

use crate::config::Credentials;
use crate::model::{Parameter, StationKey, fmt_time};
use crate::store::StationInfo;
use chrono::Utc;
use flate2::read::GzDecoder;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use serde_json::json;
use std::io::Read;
use std::time::Duration;
use thiserror::Error;
use tokio_util::sync::CancellationToken;

const SWMP_GZ: &[u8] = include_bytes!("../data/demo/swmp_apacp_wq_15min_2012-2013.csv.gz");
const NWMP_CSV: &str = include_str!("../data/demo/cpcb_dataX_patalganga.csv");

/// SWMP columns replayed: (column, parameter, unit as recorded).
pub const SWMP_COLUMNS: [(&str, Parameter, &str); 8] = [
    ("temp", Parameter::Temperature, "°C"),
    ("spcond", Parameter::SpecificConductance, "mS/cm"),
    ("sal", Parameter::Salinity, "PSU"),
    ("do_pct", Parameter::DoSat, "%"),
    ("do_mgl", Parameter::DissolvedOxygen, "mg/L"),
    ("depth", Parameter::Depth, "m"),
    ("ph", Parameter::Ph, "pH"),
    ("turb", Parameter::Turbidity, "NTU"),
];

/// The bundled SWMP sonde record as CSV text (header `station_code,datetime_utc,…` with NERRS
/// flag columns `f_*`).
pub fn swmp_csv() -> Result<String, DemoError> {
    let mut text = String::new();
    GzDecoder::new(SWMP_GZ)
        .read_to_string(&mut text)
        .map_err(|e| DemoError::Data(e.to_string()))?;
    Ok(text)
}

/// The sonde replay starts here; the records before it become the station's history
/// (about a year), so trends, anomalies and forecasts have data from the first minute.
pub const HISTORY_UNTIL: &str = "2013-01-01";

/// Parameters seeded as history (recorded in canonical units, so no conversion is needed).
const HISTORY_PARAMETERS: [Parameter; 5] = [
    Parameter::Temperature,
    Parameter::DissolvedOxygen,
    Parameter::Ph,
    Parameter::Turbidity,
    Parameter::Depth,
];

/// Index of the first sonde record the live replay publishes.
pub fn replay_start(records: &[Record]) -> usize {
    records
        .iter()
        .position(|r| r.source_time.as_str() >= HISTORY_UNTIL)
        .unwrap_or(0)
}

/// The sonde records before [`HISTORY_UNTIL`] as readings, shifted in time so that the last one
/// is stamped `now`: a year of real history ending where the live replay begins.
pub fn history(records: &[Record], now: chrono::DateTime<Utc>) -> Vec<crate::model::Reading> {
    let start = replay_start(records);
    let parse = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    // The last history record is stamped `now`; the live replay continues from the next one.
    let Some(end) = start
        .checked_sub(1)
        .and_then(|i| records.get(i))
        .and_then(|r| parse(&r.source_time))
    else {
        return Vec::new();
    };
    let key = StationKey {
        id: "apacpwq".into(),
        legacy_id: None,
    };
    let mut out = Vec::new();
    for rec in &records[..start] {
        let Some(t) = parse(&rec.source_time) else {
            continue;
        };
        let at = now - (end - t);
        for &(p, v, unit) in &rec.values {
            if !HISTORY_PARAMETERS.contains(&p) {
                continue;
            }
            out.push(crate::model::Reading {
                station: key.clone(),
                parameter: p,
                observed_at: at,
                source: crate::model::SourceKind::Sensor,
                value: v,
                unit: p.canonical_unit(),
                raw_value: v,
                raw_unit: unit.to_string(),
                qc: crate::model::QcFlag::NotEvaluated,
                qc_tests: Vec::new(),
                time_from_receipt: false,
                provenance: None,
                received_at: now,
            });
        }
    }
    out
}

/// Ticks between two CPCB annual records.
const NWMP_EVERY: u64 = 5;

#[derive(Debug, Error)]
pub enum DemoError {
    #[error("demo data is unreadable: {0}")]
    Data(String),
    #[error("speed must be between 1 and 100000, got {0}")]
    Speed(f64),
}

/// One record: a station and its parameter values with units, plus the original time.
#[derive(Debug, Clone)]
pub struct Record {
    pub station: &'static str,
    pub source_time: String,
    pub values: Vec<(Parameter, f64, &'static str)>,
}

/// The demo stations' names and positions, registered by `hub --demo`.
pub fn stations() -> Vec<StationInfo> {
    let s = |id: &str, name: &str, lat: f64, lon: f64, source: &str| StationInfo {
        key: StationKey::normalise(id).unwrap_or(StationKey {
            id: id.into(),
            legacy_id: None,
        }),
        name: name.into(),
        location: Some((lat, lon)),
        source: source.into(),
    };
    vec![
        s(
            "apacpwq",
            "Apalachicola Bay – Cat Point sonde (NERRS SWMP apacpwq)",
            29.7021,
            -84.8802,
            "sensor",
        ),
        s(
            "NWMP-1151",
            "Patalganga at Shilphata, Maharashtra (CPCB NWMP 1151)",
            18.8853,
            73.1733,
            "sensor",
        ),
        s(
            "NWMP-2685",
            "Patalganga d/s of Kharpada bridge, Raigad (CPCB NWMP 2685)",
            18.7461,
            73.0960,
            "sensor",
        ),
    ]
}

/// Parses the bundled SWMP file: one record per 15-minute row with the values present.
pub fn swmp_records() -> Result<Vec<Record>, DemoError> {
    let text = swmp_csv()?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| DemoError::Data(e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let t_col =
        col("datetime_utc").ok_or_else(|| DemoError::Data("no datetime_utc column".into()))?;
    let fields: Vec<(usize, Parameter, &'static str)> = SWMP_COLUMNS
        .into_iter()
        .filter_map(|(name, p, u)| col(name).map(|i| (i, p, u)))
        .collect();
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| DemoError::Data(e.to_string()))?;
        let values: Vec<_> = fields
            .iter()
            .filter_map(|(i, p, u)| row.get(*i)?.trim().parse::<f64>().ok().map(|v| (*p, v, *u)))
            .collect();
        if !values.is_empty() {
            out.push(Record {
                station: "apacpwq",
                source_time: row.get(t_col).unwrap_or_default().to_string(),
                values,
            });
        }
    }
    Ok(out)
}

/// Parses the bundled CPCB annual means, oldest year first per station.
pub fn nwmp_records() -> Result<Vec<Record>, DemoError> {
    let mut rdr = csv::Reader::from_reader(NWMP_CSV.as_bytes());
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| DemoError::Data(e.to_string()))?;
        let station = match row.get(0) {
            Some("1151") => "NWMP-1151",
            Some("2685") => "NWMP-2685",
            _ => continue,
        };
        let num = |i: usize| row.get(i).and_then(|s| s.trim().parse::<f64>().ok());
        let values: Vec<_> = [
            (3, Parameter::Temperature, "°C"),
            (4, Parameter::DissolvedOxygen, "mg/L"),
            (5, Parameter::Ph, "pH"),
            (6, Parameter::Conductivity, "µS/cm"),
            (7, Parameter::Bod, "mg/L"),
            (9, Parameter::FecalColiform, "MPN/100mL"),
        ]
        .into_iter()
        .filter_map(|(i, p, u)| num(i).map(|v| (p, v, u)))
        .collect();
        out.push(Record {
            station,
            source_time: row.get(11).unwrap_or_default().to_string(),
            values,
        });
    }
    out.sort_by(|a, b| {
        a.station
            .cmp(b.station)
            .then(a.source_time.cmp(&b.source_time))
    });
    Ok(out)
}

/// Publishes the demo feed to the broker at `host:port` until cancelled.
/// One tick every 900 s / `speed` (one 15-minute sonde record per tick).
pub async fn run(
    host: String,
    port: u16,
    speed: f64,
    login: Option<Credentials>,
    cancel: CancellationToken,
) -> Result<(), DemoError> {
    if !(1.0..=100_000.0).contains(&speed) {
        return Err(DemoError::Speed(speed));
    }
    let (swmp, nwmp) =
        tokio::task::spawn_blocking(|| Ok::<_, DemoError>((swmp_records()?, nwmp_records()?)))
            .await
            .map_err(|e| DemoError::Data(e.to_string()))??;
    let mut opts = MqttOptions::new(
        format!("purehealth-demo-{}", std::process::id()),
        host,
        port,
    );
    opts.set_keep_alive(Duration::from_secs(30));
    if let Some(c) = login {
        opts.set_credentials(c.username, c.password);
    }
    let (client, mut eventloop) = AsyncClient::new(opts, 1024);
    let poll_cancel = cancel.clone();
    let poller = tokio::spawn(async move {
        let mut backoff = crate::ingest::mqtt::Backoff::default();
        loop {
            tokio::select! {
                _ = poll_cancel.cancelled() => break,
                e = eventloop.poll() => match e {
                    Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_))) => backoff.reset(),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "demo feed: broker not reachable, retrying");
                        tokio::time::sleep(backoff.next_delay()).await;
                    }
                }
            }
        }
    });
    let start = replay_start(&swmp);
    let period = Duration::from_secs_f64((900.0 / speed).max(0.01));
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let by_station =
        |id: &str| -> Vec<&Record> { nwmp.iter().filter(|r| r.station == id).collect() };
    let nwmp_a = by_station("NWMP-1151");
    let nwmp_b = by_station("NWMP-2685");
    tracing::info!(
        records = swmp.len(),
        period_ms = period.as_millis() as u64,
        "demo feed started"
    );
    for tick in 0u64.. {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = ticker.tick() => {}
        }
        let mut batch = vec![&swmp[(start + tick as usize) % swmp.len()]];
        if tick % NWMP_EVERY == 0 {
            let year = (tick / NWMP_EVERY) as usize;
            for list in [&nwmp_a, &nwmp_b] {
                if !list.is_empty() {
                    batch.push(list[year % list.len()]);
                }
            }
        }
        let now = fmt_time(Utc::now());
        for rec in batch {
            for (p, v, unit) in &rec.values {
                let topic = format!("purehealth/{}/{}", rec.station, p.as_str());
                let payload = json!({"value": v, "unit": unit, "timestamp": now, "source_time": rec.source_time});
                if client
                    .publish(topic, QoS::AtLeastOnce, false, payload.to_string())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    let _ = client.disconnect().await;
    poller.abort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_records_parse() {
        let swmp = swmp_records().unwrap();
        assert!(swmp.len() > 60_000, "{}", swmp.len());
        assert!(swmp[0].values.iter().any(|(p, _, _)| *p == Parameter::Ph));
        let nwmp = nwmp_records().unwrap();
        assert!(
            nwmp.iter()
                .any(|r| r.station == "NWMP-2685" && r.source_time == "2013")
        );
        let full = nwmp.iter().filter(|r| r.values.len() == 6).count();
        assert!(full >= 10);
    }
}
