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
];

pub fn apply(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
