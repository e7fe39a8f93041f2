//! Satellite water-quality context layer (sources.md §6, domain.md §13). The pure building blocks
//! do no I/O; [`connector`] wires them to HTTP (STAC search, COG range reads) and storage.
//!
//! - [`connector`]: the `[sources.satellite]` connector: per located station, search, read the
//!   tiles under it, aggregate, store [`crate::store::SatelliteRow`]s.
//! - [`stac`]: STAC item-search body, FeatureCollection parser (Earth Search and Planetary
//!   Computer asset keys), paging link and the effective scale/offset (processing-baseline 04.00).
//! - [`utm`]: WGS84 → UTM (Krüger series) and map → pixel through an asset's `proj:transform`.
//! - [`cog`]: Cloud-Optimised GeoTIFF reader over byte ranges (header, first IFD, tiles, deflate).
//! - [`water`]: SCL/NDWI masks, NDWI, NDTI, NDCI → chl-a proxy, Nechad and Dogliotti turbidity,
//!   and per-station median aggregation with valid-pixel count and adjacency flag.

pub mod cog;
pub mod connector;
pub mod stac;
pub mod utm;
pub mod water;
