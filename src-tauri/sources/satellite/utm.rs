//! WGS84 longitude/latitude → UTM (EPSG 32601–32660 north, 32701–32760 south) and map → pixel
//! through a COG's `proj:transform`.
//!
//! The forward projection is the Krüger n-series to third order (as in the USGS/NGA
//! "Universal Transverse Mercator" formulas, Karney 2011 "Transverse Mercator with an accuracy of
//! a few nanometers", J. Geodesy 85:475–485): millimetre accuracy within a UTM zone, far below
//! the 10 m Sentinel-2 pixel.

use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq)]
pub enum UtmError {
    #[error("EPSG:{0} is not a WGS84 UTM zone (32601–32660, 32701–32760)")]
    NotUtm(u32),
    #[error("latitude {0} is outside the UTM range (−80…84)")]
    Latitude(f64),
    #[error("longitude {0} is not a WGS84 longitude")]
    Longitude(f64),
    #[error("proj:transform {0:?} cannot be inverted")]
    Singular([f64; 6]),
}

/// WGS84 semi-major axis (m) and flattening.
const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;
const K0: f64 = 0.9996;
const FALSE_EASTING: f64 = 500_000.0;
const FALSE_NORTHING_SOUTH: f64 = 10_000_000.0;

/// A UTM zone and hemisphere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub number: u8,
    pub north: bool,
}

impl Zone {
    pub fn from_epsg(epsg: u32) -> Result<Zone, UtmError> {
        match epsg {
            32601..=32660 => Ok(Zone {
                number: (epsg - 32600) as u8,
                north: true,
            }),
            32701..=32760 => Ok(Zone {
                number: (epsg - 32700) as u8,
                north: false,
            }),
            _ => Err(UtmError::NotUtm(epsg)),
        }
    }

    /// The central meridian in degrees.
    pub fn central_meridian(self) -> f64 {
        f64::from(self.number) * 6.0 - 183.0
    }
}

/// Projects (lon, lat) in degrees to (easting, northing) in metres in the zone of `epsg`.
/// The point need not lie inside the zone (Sentinel-2 tiles overlap zone edges).
pub fn to_utm(lon: f64, lat: f64, epsg: u32) -> Result<(f64, f64), UtmError> {
    let zone = Zone::from_epsg(epsg)?;
    // UTM is defined to 84° N / 80° S; Sentinel-2 tiles go slightly further, so allow a margin.
    if !(-80.5..=84.5).contains(&lat) || lat.is_nan() {
        return Err(UtmError::Latitude(lat));
    }
    if !(-180.0..=180.0).contains(&lon) || lon.is_nan() {
        return Err(UtmError::Longitude(lon));
    }
    let n = F / (2.0 - F);
    let n2 = n * n;
    let n3 = n2 * n;
    // Rectifying radius A (the `A` of the Krüger series), times k0.
    let big_a = A / (1.0 + n) * (1.0 + n2 / 4.0 + n2 * n2 / 64.0);
    let alpha = [
        n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0,
        13.0 * n2 / 48.0 - 3.0 * n3 / 5.0,
        61.0 * n3 / 240.0,
    ];
    let phi = lat.to_radians();
    // Wrap the longitude difference into −180…180 so zones near the antimeridian work.
    let mut dl = lon - zone.central_meridian();
    if dl > 180.0 {
        dl -= 360.0;
    } else if dl < -180.0 {
        dl += 360.0;
    }
    let dlambda = dl.to_radians();
    let c = 2.0 * n.sqrt() / (1.0 + n);
    // Conformal latitude via t = sinh(atanh(sin φ) − c·atanh(c·sin φ)).
    let t = (phi.sin().atanh() - c * (c * phi.sin()).atanh()).sinh();
    let xi = t.atan2(dlambda.cos());
    let eta = (dlambda.sin() / (1.0 + t * t).sqrt()).atanh();
    let mut e = eta;
    let mut nn = xi;
    for (j, a) in alpha.iter().enumerate() {
        let k = 2.0 * (j as f64 + 1.0);
        e += a * (k * xi).cos() * (k * eta).sinh();
        nn += a * (k * xi).sin() * (k * eta).cosh();
    }
    let easting = FALSE_EASTING + K0 * big_a * e;
    let northing = K0 * big_a * nn
        + if zone.north {
            0.0
        } else {
            FALSE_NORTHING_SOUTH
        };
    Ok((easting, northing))
}

/// Fractional (col, row) of map point (x, y) for `proj:transform` `[a, b, c, d, e, f]`
/// (x = a·col + b·row + c, y = d·col + e·row + f). Pixel (0, 0) spans [0, 1) × [0, 1).
pub fn pixel_of(transform: &[f64; 6], x: f64, y: f64) -> Result<(f64, f64), UtmError> {
    let [a, b, c, d, e, f] = *transform;
    let det = a * e - b * d;
    if det == 0.0 || !det.is_finite() {
        return Err(UtmError::Singular(*transform));
    }
    let (dx, dy) = (x - c, y - f);
    Ok(((e * dx - b * dy) / det, (a * dy - d * dx) / det))
}

/// The integer pixel containing (x, y); may be negative or past the shape (the caller checks).
pub fn pixel_index(transform: &[f64; 6], x: f64, y: f64) -> Result<(i64, i64), UtmError> {
    let (col, row) = pixel_of(transform, x, y)?;
    Ok((col.floor() as i64, row.floor() as i64))
}

/// Map coordinates of a pixel's centre.
pub fn pixel_centre(transform: &[f64; 6], col: i64, row: i64) -> (f64, f64) {
    let [a, b, c, d, e, f] = *transform;
    let (cc, rr) = (col as f64 + 0.5, row as f64 + 0.5);
    (a * cc + b * rr + c, d * cc + e * rr + f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(lon: f64, lat: f64, epsg: u32, e: f64, n: f64, tol: f64) {
        let (ge, gn) = to_utm(lon, lat, epsg).unwrap();
        assert!(
            (ge - e).abs() < tol && (gn - n).abs() < tol,
            "{lat},{lon} EPSG:{epsg}: got {ge:.3} {gn:.3}, want {e} {n}"
        );
    }

    #[test]
    fn published_coordinates() {
        // GeographicLib GeoConvert documentation: "33.3 44.4" → 38n 444140.54 3684706.36.
        close(44.4, 33.3, 32638, 444_140.54, 3_684_706.36, 0.01);
        // 45° N on the central meridian of zone 18: N = k0 × meridian arc 4 984 944.378 m.
        close(-75.0, 45.0, 32618, 500_000.0, 4_982_950.400, 0.001);
        // CN Tower (Wikipedia, UTM article): 17T 630084 4833438 (metre-truncated).
        close(-79.387_139, 43.642_567, 32617, 630_084.5, 4_833_438.5, 1.0);
        // Equator on a central meridian.
        close(3.0, 0.0, 32631, 500_000.0, 0.0, 1e-6);
    }

    #[test]
    fn agrees_with_proj_including_the_south_and_zone_edges() {
        // Reference values from PROJ 9.5.1 (pyproj 3.7.2, EPSG:4326 → EPSG:326xx/327xx).
        close(73.8567, 18.5204, 32643, 379_320.818, 2_048_144.623, 0.01);
        close(77.2090, 28.6139, 32643, 715_980.294, 3_167_204.820, 0.01);
        close(78.0, 18.5, 32643, 816_797.179, 2_048_138.384, 0.01);
        close(151.2153, -33.8568, 32756, 334_900.570, 6_252_288.753, 0.01);
        close(-43.2, -22.9, 32723, 684_623.673, 7_466_421.401, 0.01);
        close(170.9, -45.0, 32759, 492_118.470, 5_017_044.736, 0.01);
        close(-177.0, 84.0, 32601, 500_000.0, 9_328_093.831, 0.01);
    }

    #[test]
    fn rejects_non_utm_and_out_of_range() {
        assert_eq!(to_utm(0.0, 0.0, 4326), Err(UtmError::NotUtm(4326)));
        assert_eq!(to_utm(0.0, 0.0, 32661), Err(UtmError::NotUtm(32661)));
        assert_eq!(to_utm(0.0, 0.0, 32700), Err(UtmError::NotUtm(32700)));
        assert!(matches!(
            to_utm(0.0, 89.0, 32631),
            Err(UtmError::Latitude(_))
        ));
        assert!(matches!(
            to_utm(f64::NAN, 0.0, 32631),
            Err(UtmError::Longitude(_))
        ));
        assert_eq!(Zone::from_epsg(32760).unwrap().central_meridian(), 177.0);
        assert!(!Zone::from_epsg(32760).unwrap().north);
    }

    #[test]
    fn pixel_from_transform() {
        let t = [10.0, 0.0, 300_000.0, 0.0, -10.0, 2_100_000.0];
        // Pune (379 320.818, 2 048 144.623): col 7932.08, row 5185.54.
        let (e, n) = to_utm(73.8567, 18.5204, 32643).unwrap();
        let (c, r) = pixel_of(&t, e, n).unwrap();
        assert!(
            (c - 7932.0818).abs() < 1e-3 && (r - 5185.5377).abs() < 1e-3,
            "{c} {r}"
        );
        assert_eq!(pixel_index(&t, e, n).unwrap(), (7932, 5185));
        // SCL at 20 m: the same point is in pixel (3966, 2592).
        let t20 = [20.0, 0.0, 300_000.0, 0.0, -20.0, 2_100_000.0];
        assert_eq!(pixel_index(&t20, e, n).unwrap(), (3966, 2592));
        assert_eq!(pixel_centre(&t, 0, 0), (300_005.0, 2_099_995.0));
        // A rotated/sheared transform inverts too.
        let rot = [10.0, 2.0, 100.0, 1.0, -10.0, 500.0];
        let (x, y) = (10.0 * 3.5 + 2.0 * 7.25 + 100.0, 3.5 - 10.0 * 7.25 + 500.0);
        let (c, r) = pixel_of(&rot, x, y).unwrap();
        assert!((c - 3.5).abs() < 1e-9 && (r - 7.25).abs() < 1e-9);
        assert!(pixel_of(&[0.0; 6], 1.0, 1.0).is_err());
    }
}
