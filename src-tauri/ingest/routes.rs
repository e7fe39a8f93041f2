//! Which MQTT topics the hub subscribes to and how each is decoded: a filter, a payload format
//! and the topic levels that carry the station id (and, for the original layout, the
//! parameter). The defaults are the original layout and the telemetry topic; deployments add
//! their own in the config file (`[[mqtt_topics]]`).

use serde::Deserialize;

/// How a route's payloads are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// One value per message: `{"value", "unit", "timestamp"}` or a bare number.
    Legacy,
    /// A SenML pack (JSON array).
    Senml,
    /// A station batch `{"station_id", "timestamp", "readings": {...}}`.
    Batch,
    /// SenML for an array, a batch for an object with `readings`, else the legacy form.
    Auto,
}

/// One subscription and its decoding rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// MQTT topic filter, subscribed at QoS 1 (`+` and a trailing `#` allowed).
    pub filter: String,
    pub format: Format,
    /// 1-based topic level that holds the station id.
    pub station_level: usize,
    /// 1-based topic level that holds the parameter (legacy messages).
    #[serde(default)]
    pub parameter_level: Option<usize>,
}

/// The original layout and the telemetry topic.
pub fn defaults() -> Vec<Route> {
    vec![
        Route {
            filter: "purehealth/+/+".into(),
            format: Format::Legacy,
            station_level: 2,
            parameter_level: Some(3),
        },
        Route {
            filter: "stations/+/telemetry".into(),
            format: Format::Auto,
            station_level: 2,
            parameter_level: None,
        },
    ]
}

impl Route {
    /// Checks the route; the message names what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let levels: Vec<&str> = self.filter.split('/').collect();
        if self.filter.is_empty() || levels.iter().any(|l| l.is_empty()) {
            return Err(format!("filter `{}` has an empty level", self.filter));
        }
        for (i, l) in levels.iter().enumerate() {
            let wildcard_ok = *l == "+" || (*l == "#" && i == levels.len() - 1);
            if (l.contains('+') || l.contains('#')) && !wildcard_ok {
                return Err(format!(
                    "filter `{}`: wildcards must be whole levels (`#` last)",
                    self.filter
                ));
            }
        }
        let check = |name: &str, level: usize| match levels.get(level.wrapping_sub(1)) {
            Some(&"+") | Some(&"#") => Ok(()),
            Some(_) => Err(format!(
                "{name} {level} of `{}` is not a wildcard level",
                self.filter
            )),
            None => Err(format!(
                "{name} {level} is beyond the levels of `{}`",
                self.filter
            )),
        };
        check("station_level", self.station_level)?;
        if let Some(p) = self.parameter_level {
            check("parameter_level", p)?;
        }
        if self.format == Format::Legacy && self.parameter_level.is_none() {
            return Err(format!(
                "format legacy needs parameter_level (topic `{}`)",
                self.filter
            ));
        }
        Ok(())
    }

    /// Whether `topic` matches this route's filter.
    pub fn matches(&self, topic: &str) -> bool {
        let mut t = topic.split('/');
        for f in self.filter.split('/') {
            match (f, t.next()) {
                ("#", _) => return true,
                ("+", Some(_)) => {}
                (f, Some(l)) if f == l => {}
                _ => return false,
            }
        }
        t.next().is_none()
    }

    /// The topic level at a 1-based position.
    pub fn level<'t>(&self, topic: &'t str, level: usize) -> Option<&'t str> {
        topic.split('/').nth(level.checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_and_levels() {
        let r = Route {
            filter: "site/+/data/#".into(),
            format: Format::Batch,
            station_level: 2,
            parameter_level: None,
        };
        r.validate().unwrap();
        assert!(r.matches("site/a1/data"));
        assert!(r.matches("site/a1/data/x/y"));
        assert!(!r.matches("site/a1/other"));
        assert_eq!(r.level("site/a1/data", 2), Some("a1"));
        let d = &defaults()[0];
        assert!(d.matches("purehealth/station1/ph"));
        assert!(!d.matches("purehealth/station1/ph/x"));
    }

    #[test]
    fn invalid_routes_say_why() {
        let r = |filter: &str, format, station_level, parameter_level| Route {
            filter: filter.into(),
            format,
            station_level,
            parameter_level,
        };
        assert!(
            r("a/+/b", Format::Auto, 1, None)
                .validate()
                .unwrap_err()
                .contains("not a wildcard")
        );
        assert!(
            r("a/+", Format::Auto, 5, None)
                .validate()
                .unwrap_err()
                .contains("beyond")
        );
        assert!(
            r("a/b+/c", Format::Auto, 2, None)
                .validate()
                .unwrap_err()
                .contains("whole levels")
        );
        assert!(
            r("a/+/+", Format::Legacy, 2, None)
                .validate()
                .unwrap_err()
                .contains("parameter_level")
        );
        assert!(
            r("a//+", Format::Auto, 3, None)
                .validate()
                .unwrap_err()
                .contains("empty level")
        );
    }
}
