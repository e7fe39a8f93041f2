//! Government, weather and file sources (issue 4): one connector per agency, all behind the same
//! resilient HTTP client and the same health and staleness rules.
//!
//! - [`types`]: what parsers produce ([`types::Observation`], [`types::SourceStation`],
//!   [`types::Drift`]); [`lenient`]: numbers as strings, naive IST times, HTML-for-JSON.
//! - Parsers, pure functions over payload bytes: [`cpcb`] (RTWQMS static JSON), [`datagov`]
//!   (data.gov.in OGD), [`cwc`] (flood forecasting system), [`imd`], [`openmeteo`].
//! - [`catalogue`]: the India station catalogue from the CPCB NWMP list; [`nwmp`]: NWMP / MPCB
//!   station-table file import.
//! - [`satellite`]: Sentinel-2 STAC search, COG range reader, UTM and water-quality algorithms.

pub mod backfill;
pub mod catalogue;
pub mod cpcb;
pub mod cwc;
pub mod datagov;
pub mod feeds;
pub mod http;
pub mod imd;
pub mod lenient;
pub mod nwmp;
pub mod openmeteo;
pub mod runner;
pub mod satellite;
pub mod settings;
pub mod types;
