//! Water-quality indices on request (`GET /api/stations/{id}/wqi?method=…`): the CPCB/MPCB
//! index of the latest values (the default, also in every station summary) and the CCME index
//! over a rolling window against the station's profile.

use crate::error::CommandError;
use crate::model::QcFlag;
use crate::pipeline::Core;
use serde_json::{Value, json};

impl Core {
    pub async fn wqi_json(
        &self,
        raw_id: &str,
        method: Option<&str>,
        days: Option<u32>,
    ) -> Result<Value, CommandError> {
        let key = self
            .resolve(raw_id)
            .ok_or_else(|| CommandError::UnknownStation(raw_id.chars().take(64).collect()))?;
        let (profile, summary) = {
            let live = self.live();
            let st = live
                .get(&key.id)
                .ok_or_else(|| CommandError::UnknownStation(key.id.clone()))?;
            (st.profile.clone(), st.summary_json())
        };
        match method.unwrap_or("cpcb") {
            "cpcb" | "mpcb" => Ok(json!({
                "station_id": key.id, "method": summary["wqi_method"], "value": summary["wqi"],
                "class": summary["class"], "mpcb_class": summary["mpcb_class"],
                "classification": summary["classification"],
            })),
            // The NSF rating curves are published only as charts; no citable digitised table
            // is available to us, and stand-in curves would not be the NSF index.
            "nsf" => Err(CommandError::BadRequest(
                "method nsf is not available: the NSF rating curves have no citable digitised table yet (docs/ARCHITECTURE.md)".into(),
            )),
            "ccme" => {
                let days = days.unwrap_or(30);
                if !(1..=3660).contains(&days) {
                    return Err(CommandError::BadRequest(format!(
                        "days must be 1 to 3660, not {days}"
                    )));
                }
                let cat = crate::profiles::Catalogue::bundled();
                let prof = cat
                    .get(&profile)
                    .ok_or_else(|| CommandError::BadRequest(format!("unknown profile {profile}")))?;
                let objectives = crate::ccme::objectives(prof);
                let to = chrono::Utc::now().timestamp_millis();
                let from = to - i64::from(days) * 86_400_000;
                let mut samples = Vec::new();
                for (p, _) in &objectives {
                    let pts = self
                        .store
                        .series(key.id.clone(), p.as_str().into(), from, to, 500_000)
                        .await?;
                    samples.extend(
                        pts.into_iter()
                            .filter(|pt| QcFlag::from_code(pt.qc).usable())
                            .map(|pt| (*p, pt.value)),
                    );
                }
                let r = crate::ccme::ccme(&samples, &objectives).ok_or_else(|| {
                    CommandError::NotFound(format!(
                        "{}: the CCME index needs {} of the profile's parameters with {} readings each in the last {days} days",
                        key.id,
                        crate::ccme::MIN_VARIABLES,
                        crate::ccme::MIN_TESTS
                    ))
                })?;
                Ok(json!({
                    "station_id": key.id, "method": crate::ccme::METHOD, "profile": profile,
                    "days": days, "value": crate::live::finite(r.value), "band": r.band,
                    "f1": r.f1, "f2": r.f2, "f3": r.f3, "tests": r.tests,
                    "variables": r.variables.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                }))
            }
            other => Err(CommandError::BadRequest(format!(
                "method must be cpcb, nsf or ccme, not `{}`",
                other.chars().take(20).collect::<String>()
            ))),
        }
    }
}
