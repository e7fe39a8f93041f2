//! Schema migrations keyed by `PRAGMA user_version`; each runs in its own transaction.

use super::StoreError;
use rusqlite::Connection;
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    // 1: stations and readings. Readings are keyed so a redelivered reading is not stored twice.
    "CREATE TABLE station (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        legacy_id INTEGER UNIQUE,
        lat REAL,
        lon REAL,
        source TEXT NOT NULL,
        first_seen INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE reading (
        station_id TEXT NOT NULL REFERENCES station(id),
        parameter TEXT NOT NULL,
        ts INTEGER NOT NULL,
        source TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        raw_value REAL NOT NULL,
        raw_unit TEXT NOT NULL,
        qc INTEGER NOT NULL,
        qc_tests TEXT NOT NULL,
        time_from_receipt INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (station_id, parameter, ts, source)
    ) STRICT, WITHOUT ROWID;",
    // 2: readings keyed time-first. Readings arrive roughly in time order, so inserts append to
    // the end of the B-tree instead of dirtying one page per series (~50k → far more rows/s).
    // The same key columns keep inserts idempotent. A small `series` table holds each series'
    // latest value and count, so start-up and /health never scan the readings.
    "CREATE TABLE reading_by_time (
        station_id TEXT NOT NULL REFERENCES station(id),
        parameter TEXT NOT NULL,
        ts INTEGER NOT NULL,
        source TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        raw_value REAL NOT NULL,
        raw_unit TEXT NOT NULL,
        qc INTEGER NOT NULL,
        qc_tests TEXT NOT NULL,
        time_from_receipt INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (ts, station_id, parameter, source)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO reading_by_time SELECT station_id, parameter, ts, source, value, unit, raw_value,
        raw_unit, qc, qc_tests, time_from_receipt, received_at FROM reading ORDER BY ts;
    DROP TABLE reading;
    ALTER TABLE reading_by_time RENAME TO reading;
    CREATE TABLE series (
        station_id TEXT NOT NULL REFERENCES station(id),
        parameter TEXT NOT NULL,
        source TEXT NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        qc INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (station_id, parameter, source)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO series
        SELECT r.station_id, r.parameter, r.source, r.ts, r.value, r.unit, r.qc, r.received_at, m.n
        FROM reading r
        JOIN (SELECT station_id, parameter, source, max(ts) AS ts, count(*) AS n
              FROM reading GROUP BY station_id, parameter, source) m
          ON r.station_id = m.station_id AND r.parameter = m.parameter
         AND r.source = m.source AND r.ts = m.ts;",
    // 3: alarms and their event log. Every change is written before it is announced.
    "CREATE TABLE alarm (
        id INTEGER PRIMARY KEY,
        station_id TEXT NOT NULL,
        parameter TEXT NOT NULL,
        rule TEXT NOT NULL,
        profile TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_value REAL NOT NULL,
        peak_value REAL NOT NULL,
        occurrences INTEGER NOT NULL,
        acknowledged_by TEXT,
        acknowledged_at INTEGER,
        resolved_by TEXT,
        resolved_at INTEGER,
        note TEXT
    ) STRICT;
    CREATE INDEX alarm_by_state ON alarm (state, opened_at);
    CREATE TABLE alarm_event (
        alarm_id INTEGER NOT NULL REFERENCES alarm(id),
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        value REAL NOT NULL,
        actor TEXT
    ) STRICT;",
    // 4: daily rollups of usable readings (QC pass, not evaluated, suspect), kept by the writer,
    // for forecasts and long-range charts without scanning `reading`; and issued forecasts.
    "CREATE TABLE daily (
        station_id TEXT NOT NULL,
        parameter TEXT NOT NULL,
        day INTEGER NOT NULL,
        n INTEGER NOT NULL,
        sum REAL NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        PRIMARY KEY (station_id, parameter, day)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO daily
        SELECT station_id, parameter, ts / 86400000, count(*), sum(value), min(value), max(value)
        FROM reading WHERE qc IN (1, 2, 3) AND ts >= 0
        GROUP BY station_id, parameter, ts / 86400000;
    CREATE TABLE forecast (
        station_id TEXT NOT NULL,
        parameter TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        horizon INTEGER NOT NULL,
        origin_day INTEGER NOT NULL,
        p10 REAL NOT NULL,
        p50 REAL NOT NULL,
        p90 REAL NOT NULL,
        model TEXT NOT NULL,
        model_version TEXT NOT NULL,
        backend TEXT NOT NULL,
        climatology INTEGER NOT NULL,
        PRIMARY KEY (station_id, parameter, issued_at, horizon)
    ) STRICT, WITHOUT ROWID;",
    // 5: alarm assignee, escalation and reminders.
    "ALTER TABLE alarm ADD COLUMN assignee TEXT;
    ALTER TABLE alarm ADD COLUMN escalated_at INTEGER;
    ALTER TABLE alarm ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alarm ADD COLUMN last_reminder_at INTEGER;",
    // 6: the newest forecast of each series in one row (its 90 horizons packed as little-endian
    // f64 triples), so a cycle writes one row per series instead of ninety; `forecast` keeps the
    // 7/30/90-day horizons of every origin day for verification.
    "CREATE TABLE forecast_latest (
        station_id TEXT NOT NULL,
        parameter TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        origin_day INTEGER NOT NULL,
        model TEXT NOT NULL,
        model_version TEXT NOT NULL,
        backend TEXT NOT NULL,
        climatology INTEGER NOT NULL,
        quantiles BLOB NOT NULL,
        PRIMARY KEY (station_id, parameter)
    ) STRICT, WITHOUT ROWID;
    DELETE FROM forecast WHERE horizon NOT IN (7, 30, 90);",
    // 7: provenance of readings from government and weather connectors (which connector, which
    // correction), on every row and on each series' newest value.
    "ALTER TABLE reading ADD COLUMN provenance TEXT;
    ALTER TABLE series ADD COLUMN provenance TEXT;",
    // 8: devices paired with the hub (LAN browsers and phones allowed to act on alarms). Only
    // a SHA-256 of each token is kept.
    "CREATE TABLE device (
        id INTEGER PRIMARY KEY,
        token_sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        paired_at INTEGER NOT NULL,
        revoked_at INTEGER
    ) STRICT;",
    // 9: the criteria profile an operator chose for a station in the app (overrides the
    // config file's, which only seeds it).
    "ALTER TABLE station ADD COLUMN profile TEXT;",
    // 10: Sentinel-2 water estimates, one row per station, scene and algorithm, with what is
    // needed to judge them (domain.md §13). Kept apart from `reading`: a low-confidence context
    // layer in its own units (FNU, a chl-a proxy) that never feeds QC, alarms or forecasts.
    "CREATE TABLE satellite_estimate (
        station_id TEXT NOT NULL,
        scene_id TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        product TEXT NOT NULL,
        unit TEXT NOT NULL,
        value REAL,
        valid_pixels INTEGER NOT NULL,
        adjacency INTEGER NOT NULL,
        acquired_at INTEGER NOT NULL,
        cloud_cover REAL,
        collection TEXT NOT NULL,
        platform TEXT,
        catalogue TEXT NOT NULL,
        computed_at INTEGER NOT NULL,
        PRIMARY KEY (station_id, scene_id, algorithm)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX satellite_estimate_time ON satellite_estimate (station_id, acquired_at);",
];

pub fn apply(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    apply_up_to(conn, path, MIGRATIONS.len())
}

fn apply_up_to(conn: &mut Connection, path: &Path, target: usize) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target)
        .skip(found as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_data_survives_the_time_first_rebuild() {
        let mut c = Connection::open_in_memory().unwrap();
        let p = Path::new(":memory:");
        apply_up_to(&mut c, p, 1).unwrap();
        c.execute_batch(
            "INSERT INTO station VALUES ('1', 'One', 1, NULL, NULL, 'sensor', 0);
             INSERT INTO reading VALUES ('1','ph',2000,'sensor',7.1,'pH',7.1,'pH',1,'',0,2001);
             INSERT INTO reading VALUES ('1','ph',1000,'sensor',6.9,'pH',6.9,'pH',1,'',0,1001);
             INSERT INTO reading VALUES ('1','bod',1500,'sensor',2.0,'mg/L',2.0,'mg/L',1,'',0,1501);",
        )
        .unwrap();
        apply(&mut c, p).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        let n: i64 = c
            .query_row("SELECT count(*) FROM reading", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
        let (ts, value, count): (i64, f64, i64) = c
            .query_row(
                "SELECT ts, value, count FROM series WHERE parameter = 'ph'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((ts, value, count), (2000, 7.1, 2));
        // Applying again is a no-op; a newer schema is refused.
        apply(&mut c, p).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(apply(&mut c, p), Err(StoreError::TooNew { .. })));
    }
}
