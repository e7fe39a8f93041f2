//! Satellite water-quality context layer (sources.md §6, domain.md §13): the pure building blocks.
//! Nothing here does HTTP; the connector wires STAC search, COG range reads and storage later.
//!
//! - [`stac`]: STAC item-search body, FeatureCollection parser (Earth Search and Planetary
//!   Computer asset keys), paging link and the effective scale/offset (processing-baseline 04.00).
//! - [`utm`]: WGS84 → UTM (Krüger series) and map → pixel through an asset's `proj:transform`.
//! - [`cog`]: Cloud-Optimised GeoTIFF reader over byte ranges (header, first IFD, tiles, deflate).
//! - [`water`]: SCL/NDWI masks, NDWI, NDTI, NDCI → chl-a proxy, Nechad and Dogliotti turbidity,
//!   and per-station median aggregation with valid-pixel count and adjacency flag.

pub mod cog;
pub mod stac;
pub mod utm;
pub mod water;
