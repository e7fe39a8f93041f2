//! The embedded orchestrator: the original spec's periodic loops (prediction every 15 min,
//! anomaly scan every 5 min, health every minute; collection every 5 min once pull sources
//! exist) as supervised tokio tasks sharing one cancellation token. A run that fails or panics is
//! logged, retried with backoff and shown in `/health` under `loops`; a loop is never silently
//! dead.

use serde_json::{Value, json};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What one loop is doing, for `/health`.
#[derive(Debug, Clone, Default)]
pub struct LoopStatus {
    pub interval_s: f64,
    /// `running` (waiting for its next run or in one), `retrying` (after a failure) or `stopped`.
    pub state: &'static str,
    pub runs: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
    pub last_run: Option<chrono::DateTime<chrono::Utc>>,
    pub last_ok: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    /// What the last successful run reported (e.g. "2 series forecast").
    pub last_result: Option<String>,
    pub next_run_in_s: f64,
}

/// The status of every loop, shared with the hub.
#[derive(Debug, Default)]
pub struct Loops {
    inner: Mutex<std::collections::BTreeMap<&'static str, LoopStatus>>,
}

impl Loops {
    fn update(&self, name: &'static str, f: impl FnOnce(&mut LoopStatus)) {
        let mut map = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(map.entry(name).or_default());
    }

    pub fn get(&self, name: &str) -> Option<LoopStatus> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// The `loops` block of `/health`.
    pub fn to_json(&self) -> Value {
        let map = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Value::Object(
            map.iter()
                .map(|(name, s)| {
                    (
                        name.to_string(),
                        json!({
                            "state": s.state,
                            "interval_s": s.interval_s,
                            "runs": s.runs,
                            "failures": s.failures,
                            "consecutive_failures": s.consecutive_failures,
                            "last_run": s.last_run.map(crate::model::fmt_time),
                            "last_ok": s.last_ok.map(crate::model::fmt_time),
                            "last_error": s.last_error,
                            "last_result": s.last_result,
                        }),
                    )
                })
                .collect(),
        )
    }
}

/// Retry delay after `n` consecutive failures: 1 s doubling, capped at the loop's interval.
pub fn retry_delay(n: u32, every: Duration) -> Duration {
    let d = Duration::from_secs(1u64 << n.saturating_sub(1).min(16));
    d.min(every).max(Duration::from_millis(100))
}

/// Runs `job` at once and then every `every` until `cancel` fires. Each run is its own task, so
/// a panic is caught and reported like an error; after a failure the job is retried after
/// [`retry_delay`] instead of waiting a whole interval.
pub async fn supervise<F, Fut>(
    name: &'static str,
    every: Duration,
    loops: Arc<Loops>,
    cancel: CancellationToken,
    mut job: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<String, String>> + Send + 'static,
{
    loops.update(name, |s| {
        s.interval_s = every.as_secs_f64();
        s.state = "running";
    });
    let mut next = Instant::now();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep_until(next) => {}
        }
        let started = Instant::now();
        let now = chrono::Utc::now();
        let outcome = match tokio::spawn(job()).await {
            Ok(r) => r,
            Err(e) if e.is_panic() => Err(format!("panicked: {}", panic_text(e))),
            Err(e) => Err(e.to_string()),
        };
        let mut delay = every;
        loops.update(name, |s| {
            s.runs += 1;
            s.last_run = Some(now);
            match outcome {
                Ok(result) => {
                    s.state = "running";
                    s.consecutive_failures = 0;
                    s.last_ok = Some(now);
                    s.last_result = Some(result);
                }
                Err(e) => {
                    s.failures += 1;
                    s.consecutive_failures += 1;
                    tracing::warn!(job = name, error = %e, attempt = s.consecutive_failures, "loop run failed; retrying");
                    s.last_error = Some(e);
                    s.state = "retrying";
                    delay = retry_delay(s.consecutive_failures, every);
                }
            }
            s.next_run_in_s = delay.as_secs_f64();
        });
        // Schedule from the start of the run, so a slow run does not shift every later one.
        next = (started + delay).max(Instant::now());
    }
    loops.update(name, |s| s.state = "stopped");
}

fn panic_text(e: tokio::task::JoinError) -> String {
    let p = e.into_panic();
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn runs_on_schedule_and_stops_with_the_token() {
        let loops = Arc::new(Loops::default());
        let cancel = CancellationToken::new();
        let count = Arc::new(AtomicU32::new(0));
        let c = count.clone();
        let task = tokio::spawn(supervise(
            "prediction",
            Duration::from_secs(900),
            loops.clone(),
            cancel.clone(),
            move || {
                let c = c.clone();
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    Ok("done".to_string())
                }
            },
        ));
        // At once, then at 15, 30 and 45 minutes.
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(count.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_secs(45 * 60 - 2)).await;
        assert_eq!(count.load(Ordering::SeqCst), 3);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(count.load(Ordering::SeqCst), 4);
        let s = loops.get("prediction").unwrap();
        assert_eq!((s.runs, s.failures, s.state), (4, 0, "running"));
        assert_eq!(s.interval_s, 900.0);
        cancel.cancel();
        task.await.unwrap();
        assert_eq!(loops.get("prediction").unwrap().state, "stopped");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_job_is_retried_with_backoff_and_reported() {
        let loops = Arc::new(Loops::default());
        let cancel = CancellationToken::new();
        let count = Arc::new(AtomicU32::new(0));
        let c = count.clone();
        tokio::spawn(supervise(
            "collection",
            Duration::from_secs(300),
            loops.clone(),
            cancel.clone(),
            move || {
                let n = c.fetch_add(1, Ordering::SeqCst);
                async move {
                    match n {
                        0 | 1 => Err("CPCB: HTTP 503".to_string()),
                        2 => panic!("parser bug"),
                        _ => Ok("12 readings".to_string()),
                    }
                }
            },
        ));
        // Runs at 0 s (fails), 1 s (fails), 3 s (panics), 7 s (succeeds): 1, 2, 4 s backoff.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let s = loops.get("collection").unwrap();
        assert_eq!((s.state, s.failures), ("retrying", 1));
        assert_eq!(s.last_error.as_deref(), Some("CPCB: HTTP 503"));
        tokio::time::sleep(Duration::from_secs(3)).await;
        let s = loops.get("collection").unwrap();
        assert_eq!(s.failures, 3);
        assert_eq!(s.last_error.as_deref(), Some("panicked: parser bug"));
        tokio::time::sleep(Duration::from_secs(4)).await;
        let s = loops.get("collection").unwrap();
        assert_eq!((s.state, s.runs, s.consecutive_failures), ("running", 4, 0));
        assert_eq!(s.last_result.as_deref(), Some("12 readings"));
        // Back on the normal schedule: the next run is a full interval later.
        tokio::time::sleep(Duration::from_secs(290)).await;
        assert_eq!(count.load(Ordering::SeqCst), 4);
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert_eq!(count.load(Ordering::SeqCst), 5);
        assert!(loops.to_json()["collection"]["last_ok"].is_string());
        cancel.cancel();
    }

    #[test]
    fn retry_delay_doubles_up_to_the_interval() {
        let every = Duration::from_secs(60);
        let d: Vec<u64> = (1..=8).map(|n| retry_delay(n, every).as_secs()).collect();
        assert_eq!(d, [1, 2, 4, 8, 16, 32, 60, 60]);
    }
}

/// The alarm timers and the watchdog driven by their loops on tokio's paused clock: the wall
/// time the jobs see is a fixed start plus the paused clock's elapsed time.
#[cfg(test)]
mod timer_tests {
    use super::*;
    use crate::alarms::{AlarmBook, Event, Policy};
    use crate::quality::grade;
    use chrono::{DateTime, Utc};

    fn wall(start: Instant, t0: DateTime<Utc>) -> DateTime<Utc> {
        t0 + chrono::Duration::from_std(Instant::now() - start).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn health_loop_escalates_and_reminds_on_time_until_acknowledged() {
        let (start, t0) = (
            Instant::now(),
            DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
        );
        let mut b = AlarmBook::default();
        b.policy = Policy {
            min_duration_s: 0.0,
            escalate_after_s: 1800.0,
            remind_every_s: 900.0,
        };
        let book = Arc::new(Mutex::new(b));
        let f = grade(crate::model::Parameter::DissolvedOxygen, 3.0).unwrap();
        let (alarm, _) = book
            .lock()
            .unwrap()
            .on_finding("ghat", &f, "legacy.purehealth_v6", t0)
            .unwrap();
        let events: Arc<Mutex<Vec<(i64, Event)>>> = Arc::default();
        let (b, ev) = (book.clone(), events.clone());
        let loops = Arc::new(Loops::default());
        let cancel = CancellationToken::new();
        tokio::spawn(supervise(
            "health",
            Duration::from_secs(60),
            loops.clone(),
            cancel.clone(),
            move || {
                let now = wall(start, t0);
                let due = b.lock().unwrap().tick(now);
                let minute = (now - t0).num_minutes();
                ev.lock()
                    .unwrap()
                    .extend(due.into_iter().map(|(_, e)| (minute, e)));
                async { Ok(String::new()) }
            },
        ));
        tokio::time::sleep(Duration::from_secs(46 * 60 + 1)).await;
        assert_eq!(
            *events.lock().unwrap(),
            [
                (15, Event::Reminder),
                (30, Event::Escalated),
                (31, Event::Reminder),
                (46, Event::Reminder)
            ]
        );
        book.lock()
            .unwrap()
            .acknowledge(alarm.id, "officer", None, wall(start, t0))
            .unwrap();
        tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
        assert_eq!(
            events.lock().unwrap().len(),
            4,
            "no reminders once acknowledged"
        );
        assert!(loops.get("health").unwrap().runs >= 200);
        cancel.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn watchdog_loop_takes_a_silent_station_offline_and_back() {
        let (start, t0) = (
            Instant::now(),
            DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
        );
        let live = Arc::new(Mutex::new(crate::live::LiveState::default()));
        let key = crate::model::StationKey {
            id: "ghat".into(),
            legacy_id: None,
        };
        let reading = |at: DateTime<Utc>| crate::model::Reading {
            station: key.clone(),
            parameter: crate::model::Parameter::Ph,
            observed_at: at,
            source: crate::model::SourceKind::Sensor,
            value: 7.2,
            unit: "pH",
            raw_value: 7.2,
            raw_unit: "pH".into(),
            qc: crate::model::QcFlag::Pass,
            qc_tests: vec![],
            time_from_receipt: false,
            provenance: None,
            received_at: at,
        };
        live.lock().unwrap().apply(&reading(t0));
        let went: Arc<Mutex<Vec<i64>>> = Arc::default();
        let (l, w) = (live.clone(), went.clone());
        let cancel = CancellationToken::new();
        tokio::spawn(supervise(
            "watchdog",
            Duration::from_secs(10),
            Arc::default(),
            cancel.clone(),
            move || {
                let now = wall(start, t0);
                if !l.lock().unwrap().check_offline(now).is_empty() {
                    w.lock().unwrap().push((now - t0).num_seconds());
                }
                async { Ok(String::new()) }
            },
        ));
        // Default expected interval 300 s: offline once silent for more than 3 × = 900 s, seen at
        // the watchdog's first look after that (it looks every 10 s).
        tokio::time::sleep(Duration::from_secs(905)).await;
        assert!(went.lock().unwrap().is_empty());
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(*went.lock().unwrap(), [910]);
        let back = live.lock().unwrap().apply(&reading(wall(start, t0)));
        assert!(back.back_online);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(
            went.lock().unwrap().len(),
            1,
            "online again, not reported twice"
        );
        cancel.cancel();
    }
}
