//! Periodic scans over stored series (the orchestrator's anomaly loop): the last complete day
//! of every series is checked against its own seasonal baseline, and an anomaly alarm follows
//! the result (raised on a high or critical score, resolved by itself when a later day is normal).

use crate::anomaly::{self, Severity};
use crate::error::CommandError;
use crate::model::Parameter;
use crate::pipeline::Core;
use crate::quality::Level;
use chrono::{DateTime, Utc};

/// The rule of anomaly alarms.
pub const ANOMALY_RULE: &str = "anomaly.daily_residual";
/// Days of daily means the baseline is fitted on.
const BASELINE_DAYS: i64 = 365;

/// The alarm level of an anomaly severity: low scores are reported, not alarmed.
pub fn level_of(s: Severity) -> Level {
    match s {
        Severity::Critical => Level::Critical,
        Severity::High => Level::Warning,
        _ => Level::Ok,
    }
}

impl Core {
    /// One anomaly scan over every series; returns a summary for the loop's status.
    pub async fn anomaly_scan(&self, now: DateTime<Utc>) -> Result<String, CommandError> {
        let today = now.timestamp_millis().div_euclid(86_400_000);
        let last_complete = today - 1;
        let mut findings = Vec::new();
        let mut scanned = 0;
        for (station, parameter) in self.store.series_keys().await? {
            let Some(p) = Parameter::parse(&parameter) else {
                continue;
            };
            if matches!(p, Parameter::Battery | Parameter::Depth) {
                continue;
            }
            let days = self
                .store
                .daily(
                    station.clone(),
                    parameter,
                    last_complete - BASELINE_DAYS,
                    last_complete,
                )
                .await?;
            let Some(last) = days.last().filter(|d| d.day == last_complete) else {
                continue;
            };
            scanned += 1;
            let series: Vec<(i64, f64)> = days.iter().map(|d| (d.day, d.mean)).collect();
            let found = anomaly::detect_latest(&series).filter(|a| a.day == last_complete);
            let level = found.as_ref().map_or(Level::Ok, |a| level_of(a.severity));
            let low = found.as_ref().is_some_and(|a| a.score < 0.0);
            findings.push((station, p, level, last.mean, low, found.map(|a| a.score)));
        }
        let raised = self.apply_rule_levels(ANOMALY_RULE, findings, now).await;
        Ok(format!("{scanned} series scanned, {raised} alarm changes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_high_and_critical_anomalies_alarm() {
        assert_eq!(level_of(Severity::Critical), Level::Critical);
        assert_eq!(level_of(Severity::High), Level::Warning);
        assert_eq!(level_of(Severity::Low), Level::Ok);
    }
}
