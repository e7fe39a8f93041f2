//! `GET /api/stations/{id}/satellite`: a station's Sentinel-2 estimates, one entry per scene
//! (newest first) with the values of every algorithm and what is needed to judge them, beside
//! the in-situ turbidity and chlorophyll-a measured closest to the overpass.

use crate::error::CommandError;
use crate::model::{Parameter, fmt_time};
use crate::pipeline::Core;
use crate::store::{Point, SatelliteRow};
use chrono::Utc;
use serde_json::{Map, Value, json};
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// An in-situ value counts as "at the overpass" within this many hours of it.
pub const IN_SITU_WINDOW_H: i64 = 6;
/// Default and largest look-back, days.
const DEFAULT_DAYS: u32 = 365;
const MAX_DAYS: u32 = 3650;

/// The in-situ parameter a satellite product is compared with.
pub fn in_situ_parameter(product: &str) -> Option<Parameter> {
    match product {
        "turbidity" => Some(Parameter::Turbidity),
        "chla" => Some(Parameter::Chlorophyll),
        _ => None,
    }
}

/// Groups rows (any order) into scenes, newest first.
pub fn scenes(rows: &[SatelliteRow]) -> Vec<Value> {
    let mut by_scene: BTreeMap<(Reverse<i64>, &str), Vec<&SatelliteRow>> = BTreeMap::new();
    for r in rows {
        by_scene
            .entry((Reverse(r.acquired_ms), &r.scene_id))
            .or_default()
            .push(r);
    }
    by_scene
        .into_iter()
        .map(|((_, id), v)| {
            let first = v[0];
            let values: Map<String, Value> = v
                .iter()
                .map(|r| {
                    (
                        r.product.clone(),
                        json!({
                            "algorithm": r.algorithm,
                            "unit": r.unit,
                            "value": r.value,
                            "valid_pixels": r.valid_pixels,
                            "adjacency": r.adjacency,
                        }),
                    )
                })
                .collect();
            json!({
                "scene_id": id,
                "acquired_at": fmt_time(crate::live::from_ms(first.acquired_ms)),
                "acquired_ms": first.acquired_ms,
                "platform": first.platform,
                "collection": first.collection,
                "cloud_cover": first.cloud_cover,
                "catalogue": first.catalogue,
                "computed_at": fmt_time(crate::live::from_ms(first.computed_ms)),
                "values": values,
            })
        })
        .collect()
}

/// The point of `points` nearest `t_ms`, if any.
pub fn nearest(points: &[Point], t_ms: i64) -> Option<&Point> {
    points.iter().min_by_key(|p| (p.ts_ms - t_ms).abs())
}

impl Core {
    pub async fn satellite_json(
        &self,
        raw_id: &str,
        days: Option<u32>,
    ) -> Result<Value, CommandError> {
        let key = self
            .resolve(raw_id)
            .ok_or_else(|| CommandError::UnknownStation(raw_id.chars().take(64).collect()))?;
        let days = days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(CommandError::BadRequest(format!(
                "days: {days} is not 1 to {MAX_DAYS}"
            )));
        }
        let now = Utc::now();
        let to = now.timestamp_millis();
        let from = to - i64::from(days) * 86_400_000;
        let rows = self.store.satellite(key.id.clone(), from, to).await?;
        let mut scenes = scenes(&rows);
        let window = IN_SITU_WINDOW_H * 3_600_000;
        for scene in &mut scenes {
            let t = scene["acquired_ms"].as_i64().unwrap_or_default();
            let mut in_situ = Map::new();
            for product in ["turbidity", "chla"] {
                let Some(p) = in_situ_parameter(product) else {
                    continue;
                };
                let points = self
                    .store
                    .series(
                        key.id.clone(),
                        p.as_str().to_string(),
                        t - window,
                        t + window,
                        10_000,
                    )
                    .await?;
                if let Some(pt) = nearest(&points, t) {
                    in_situ.insert(
                        product.to_string(),
                        json!({
                            "parameter": p.as_str(),
                            "value": pt.value,
                            "unit": p.canonical_unit(),
                            "observed_at": fmt_time(crate::live::from_ms(pt.ts_ms)),
                            "minutes_from_overpass": (pt.ts_ms - t) / 60_000,
                        }),
                    );
                }
            }
            scene["in_situ"] = Value::Object(in_situ);
        }
        let cfg = self.sources.config("satellite");
        let health = self
            .sources
            .snapshot(now)
            .into_iter()
            .find(|h| h.id == "satellite");
        Ok(json!({
            "station_id": key.id,
            "location": self.live().get(&key.id).and_then(|s| s.location).map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
            "generated_at": fmt_time(now),
            "days": days,
            "enabled": cfg.as_ref().is_some_and(|c| c.enabled),
            "catalogue": cfg.as_ref().map(|c| c.base_url.clone()),
            "min_valid_pixels": cfg.as_ref().map(|c| c.satellite.min_valid_pixels),
            "in_situ_window_h": IN_SITU_WINDOW_H,
            "source": health,
            "scenes": scenes,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scene: &str, t: i64, product: &str, value: Option<f64>) -> SatelliteRow {
        SatelliteRow {
            station_id: "s".into(),
            scene_id: scene.into(),
            algorithm: format!("{product}_alg"),
            product: product.into(),
            unit: "FNU".into(),
            value,
            valid_pixels: if value.is_some() { 9 } else { 2 },
            adjacency: false,
            acquired_ms: t,
            cloud_cover: Some(3.5),
            collection: "sentinel-2-l2a".into(),
            platform: Some("sentinel-2b".into()),
            catalogue: "earth-search.aws.element84.com".into(),
            computed_ms: t + 1000,
        }
    }

    #[test]
    fn rows_group_into_scenes_newest_first() {
        let rows = [
            row("A", 1_000, "turbidity", Some(12.5)),
            row("B", 5_000, "turbidity", None),
            row("A", 1_000, "ndti", Some(-0.1)),
        ];
        let s = scenes(&rows);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0]["scene_id"], "B");
        assert_eq!(s[0]["values"]["turbidity"]["value"], Value::Null);
        assert_eq!(s[0]["values"]["turbidity"]["valid_pixels"], 2);
        assert_eq!(s[1]["values"]["turbidity"]["value"], 12.5);
        assert_eq!(s[1]["values"]["ndti"]["value"], -0.1);
        assert_eq!(s[1]["cloud_cover"], 3.5);
    }

    #[test]
    fn the_nearest_in_situ_point_wins() {
        let p = |ts_ms| Point {
            ts_ms,
            value: ts_ms as f64,
            qc: 1,
        };
        let pts = [p(0), p(900), p(1_300)];
        assert_eq!(nearest(&pts, 1_000).map(|p| p.ts_ms), Some(900));
        assert_eq!(nearest(&pts, 1_200).map(|p| p.ts_ms), Some(1_300));
        assert!(nearest(&[], 5).is_none());
    }
}
