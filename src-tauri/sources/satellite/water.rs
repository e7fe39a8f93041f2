//! Satellite water-quality algorithms and per-station aggregation (domain.md §13, sources.md §6.5).
//!
//! - NDWI (G − NIR)/(G + NIR), B03/B08: McFeeters 1996, IJRS 17(7):1425–1432.
//! - MNDWI (G − SWIR1)/(G + SWIR1), B03/B11: Xu 2006, IJRS 27(14):3025–3033.
//! - NDTI (Red − Green)/(Red + Green), B04/B03: Lacaux et al. 2007, RSE 106:66–74.
//! - NDCI (R705 − R665)/(R705 + R665), B05/B04 at 20 m: Mishra & Mishra 2012, RSE 117:394–406;
//!   chl-a proxy `a₀ + a₁·NDCI + a₂·NDCI²` with the field calibration (14.039, 86.115, 194.325),
//!   negatives dropped as in ACOLITE `chl_re_mishra`.
//! - Turbidity `T = A·ρw / (1 − ρw/C)`: Nechad et al. 2009 (SPIE 7473), 2010 (RSE 114:854–866),
//!   S2 B4 2016 calibration A = 366.14 FNU, C = 0.19563 (ACOLITE `Nechad_calibration_201609.txt`),
//!   masked where ρw ≥ 0.5·C (ACOLITE `nechad_max_rhow_C_factor`).
//! - Switching turbidity: Dogliotti et al. 2015, RSE 156:157–168.
//!
//! Inputs are Sen2Cor surface reflectance ρs used as ρw: there is no glint or adjacency
//! correction, a known bias. Satellite values are a low-confidence context layer and never
//! trigger regulatory alarms by themselves.

use super::cog::{PixelWindow, Window};
use super::stac::Scaling;
use super::utm::{UtmError, pixel_centre, pixel_index, pixel_of};
use thiserror::Error;

pub const NDWI_MCFEETERS1996: &str = "ndwi_mcfeeters1996";
pub const NDTI_LACAUX2007: &str = "ndti_lacaux2007";
pub const NECHAD2016_S2B4: &str = "nechad2016_s2b4";
pub const NDCI_MISHRA2012: &str = "ndci_mishra2012";
pub const CHLA_NDCI_MISHRA2012: &str = "chla_ndci_mishra2012_field";

#[derive(Debug, Clone, Error, PartialEq)]
pub enum WaterError {
    #[error("raster holds {got} values for {width}×{height}")]
    RasterSize {
        got: usize,
        width: usize,
        height: usize,
    },
    #[error(transparent)]
    Utm(#[from] UtmError),
    #[error("invalid aggregation options: {0}")]
    Options(String),
}

// --- Formulas ---

/// (a − b)/(a + b). `None` for non-finite or negative inputs (dark water can go below zero
/// after the BOA offset; sources.md §6.4 allows dropping such pixels) or a zero sum.
pub fn normalized_difference(a: f64, b: f64) -> Option<f64> {
    if !(a.is_finite() && b.is_finite()) || a < 0.0 || b < 0.0 || a + b <= 0.0 {
        return None;
    }
    Some((a - b) / (a + b))
}

/// NDWI from B03 (green) and B08 (NIR); water if above 0 (tune 0–0.3 for turbid/urban water).
pub fn ndwi(green: f64, nir: f64) -> Option<f64> {
    normalized_difference(green, nir)
}

/// MNDWI from B03 and B11 (SWIR1, 20 m).
pub fn mndwi(green: f64, swir1: f64) -> Option<f64> {
    normalized_difference(green, swir1)
}

/// NDTI from B04 and B03: relative turbidity, higher is more turbid (unitless).
pub fn ndti(red: f64, green: f64) -> Option<f64> {
    normalized_difference(red, green)
}

/// NDCI from B05 (705 nm) and B04 (665 nm) on the 20 m grid.
pub fn ndci(rededge705: f64, red665: f64) -> Option<f64> {
    normalized_difference(rededge705, red665)
}

/// Mishra & Mishra 2012 field calibration (Chesapeake/Delaware Bay, MERIS 708/665).
pub const MISHRA_FIELD: [f64; 3] = [14.039, 86.115, 194.325];
/// Model-calibrated alternative (BrandonSmithJ/MDN `Mishra_modelled_NDCI`).
pub const MISHRA_MODELLED: [f64; 3] = [42.197, 236.5, 314.97];

/// chl-a proxy (mg/m³) from NDCI; negative results are `None`. Site calibration is advised.
pub fn chla_from_ndci(ndci: f64, a: &[f64; 3]) -> Option<f64> {
    let chl = a[0] + a[1] * ndci + a[2] * ndci * ndci;
    (chl.is_finite() && chl >= 0.0).then_some(chl)
}

/// A Nechad-type single-band algorithm `T = A·ρw / (1 − ρw/C)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nechad {
    pub a: f64,
    pub c: f64,
}

/// Turbidity (FNU), S2 MSI B4, 2016 calibration.
pub const NECHAD_S2_B4_2016: Nechad = Nechad {
    a: 366.14,
    c: 0.19563,
};
/// Turbidity (FNU), S2 MSI B8A, 2016 calibration (very turbid water).
pub const NECHAD_S2_B8A_2016: Nechad = Nechad {
    a: 3250.32,
    c: 0.21151,
};

/// ACOLITE `nechad_max_rhow_C_factor`: the model saturates as ρw approaches C.
const NECHAD_MAX_RHOW_C_FACTOR: f64 = 0.5;

impl Nechad {
    /// `None` when ρw is negative, not finite, or ≥ 0.5·C.
    pub fn apply(&self, rho_w: f64) -> Option<f64> {
        if !rho_w.is_finite() || rho_w < 0.0 || rho_w >= NECHAD_MAX_RHOW_C_FACTOR * self.c {
            return None;
        }
        Some(self.a * rho_w / (1.0 - rho_w / self.c))
    }
}

/// Dogliotti et al. 2015 switching turbidity (FNU) from ρw red (B4) and NIR (B8A); a MODIS-era
/// calibration used with the nearest S2 bands.
pub fn dogliotti2015(rho_red: f64, rho_nir: f64) -> Option<f64> {
    let t = |a: f64, c: f64, r: f64| {
        (r.is_finite() && r >= 0.0 && r < c).then(|| a * r / (1.0 - r / c))
    };
    let t_red = || t(228.1, 0.1641, rho_red);
    let t_nir = || t(3078.9, 0.2112, rho_nir);
    if !rho_red.is_finite() || rho_red < 0.0 {
        None
    } else if rho_red < 0.05 {
        t_red()
    } else if rho_red >= 0.07 {
        t_nir()
    } else {
        let w = (rho_red - 0.05) / 0.02;
        Some((1.0 - w) * t_red()? + w * t_nir()?)
    }
}

// --- Masks ---

/// What a pixel is for water-quality purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelClass {
    /// No data, saturated, cloud, shadow, cirrus, snow (or dark area if asked).
    Invalid,
    Water,
    /// Valid but not water.
    Land,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaskOptions {
    /// Treat SCL 2 (dark area / topographic shadow) as invalid.
    pub dark_area_invalid: bool,
    /// NDWI above this is water.
    pub ndwi_threshold: f64,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            dark_area_invalid: false,
            ndwi_threshold: 0.0,
        }
    }
}

/// SCL 6 or NDWI > threshold is water, unless SCL says no data (0), saturated (1), cloud
/// shadow (3), cloud (8, 9), cirrus (10) or snow (11). Without SCL only NDWI decides.
pub fn classify(scl: Option<u8>, ndwi: Option<f64>, opts: &MaskOptions) -> PixelClass {
    match scl {
        Some(0 | 1 | 3 | 8 | 9 | 10 | 11) => return PixelClass::Invalid,
        Some(2) if opts.dark_area_invalid => return PixelClass::Invalid,
        Some(6) => return PixelClass::Water,
        _ => {}
    }
    match ndwi {
        Some(v) if v > opts.ndwi_threshold => PixelClass::Water,
        _ => PixelClass::Land,
    }
}

// --- Rasters ---

/// A window of a band on its own grid: `transform` is the asset's `proj:transform` and
/// (`col0`, `row0`) the window's top-left pixel in that grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster<T> {
    pub transform: [f64; 6],
    pub col0: i64,
    pub row0: i64,
    pub width: usize,
    pub height: usize,
    pub data: Vec<T>,
}

/// Reflectance: `None` where the DN is nodata.
pub type Reflectance = Raster<Option<f64>>;

impl<T: Copy> Raster<T> {
    pub fn new(
        transform: [f64; 6],
        col0: i64,
        row0: i64,
        width: usize,
        height: usize,
        data: Vec<T>,
    ) -> Result<Self, WaterError> {
        if width.checked_mul(height) != Some(data.len()) {
            return Err(WaterError::RasterSize {
                got: data.len(),
                width,
                height,
            });
        }
        Ok(Raster {
            transform,
            col0,
            row0,
            width,
            height,
            data,
        })
    }

    /// The value at grid pixel (col, row), if inside the window.
    pub fn get(&self, col: i64, row: i64) -> Option<T> {
        let (c, r) = (col - self.col0, row - self.row0);
        if c < 0 || r < 0 || c as usize >= self.width || r as usize >= self.height {
            return None;
        }
        self.data.get(r as usize * self.width + c as usize).copied()
    }

    /// Ground size of a pixel along a row (m).
    pub fn pixel_size(&self) -> f64 {
        self.transform[0].hypot(self.transform[3])
    }

    /// Nearest neighbour: the value of the pixel containing map point (x, y).
    pub fn at(&self, x: f64, y: f64) -> Option<T> {
        let (c, r) = pixel_index(&self.transform, x, y).ok()?;
        self.get(c, r)
    }
}

/// A reflectance raster from a decoded COG window and the item's effective scaling.
pub fn reflectance(pw: &PixelWindow, transform: [f64; 6], scaling: &Scaling) -> Reflectance {
    let w = pw.window;
    Raster {
        transform,
        col0: i64::from(w.col),
        row0: i64::from(w.row),
        width: w.width as usize,
        height: w.height as usize,
        data: pw.data.iter().map(|dn| scaling.apply(*dn)).collect(),
    }
}

/// An SCL raster from a decoded COG window (values above 255 are not SCL classes: no data).
pub fn scl(pw: &PixelWindow, transform: [f64; 6]) -> Raster<u8> {
    let w = pw.window;
    Raster {
        transform,
        col0: i64::from(w.col),
        row0: i64::from(w.row),
        width: w.width as usize,
        height: w.height as usize,
        data: pw
            .data
            .iter()
            .map(|v| u8::try_from(*v).unwrap_or(0))
            .collect(),
    }
}

/// `src` on target pixel (col, row) of grid `target`: nearest neighbour when `src` is as coarse
/// or coarser, the mean of the `src` pixels inside the target pixel when finer (B04 10 m → 20 m
/// for NDCI). Any missing sub-pixel makes the result missing.
pub fn sample(src: &Reflectance, target: &[f64; 6], col: i64, row: i64) -> Option<f64> {
    let (x, y) = pixel_centre(target, col, row);
    let t_size = target[0].hypot(target[3]);
    let s_size = src.pixel_size();
    if s_size <= 0.0 || t_size <= 0.0 {
        return None;
    }
    let ratio = t_size / s_size;
    if ratio < 1.5 {
        return src.at(x, y).flatten();
    }
    let n = ratio.round() as i64;
    let (fc, fr) = pixel_of(&src.transform, x, y).ok()?;
    let (c0, r0) = (
        (fc - n as f64 / 2.0).round() as i64,
        (fr - n as f64 / 2.0).round() as i64,
    );
    let mut sum = 0.0;
    for r in r0..r0 + n {
        for c in c0..c0 + n {
            sum += src.get(c, r).flatten()?;
        }
    }
    Some(sum / (n * n) as f64)
}

// --- Per-station aggregation ---

/// The band windows read for one scene around a station.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// B03, 10 m.
    pub green: Reflectance,
    /// B04, 10 m; its grid is the 10 m evaluation grid.
    pub red: Reflectance,
    /// B08, 10 m.
    pub nir: Reflectance,
    /// B05, 20 m; its grid is the NDCI grid. Without it there is no NDCI or chl-a.
    pub rededge1: Option<Reflectance>,
    /// SCL, 20 m. Without it only NDWI decides what is water.
    pub scl: Option<Raster<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AggregationOptions {
    /// Half-width of the window in pixels: 1 → 3×3.
    pub radius: u32,
    /// Fewer valid water pixels than this gives no value.
    pub min_valid: usize,
    /// Flag adjacency when a non-water pixel is within this many pixels of a used pixel.
    pub adjacency_px: u32,
    pub mask: MaskOptions,
    pub chla: [f64; 3],
}

impl Default for AggregationOptions {
    fn default() -> Self {
        AggregationOptions {
            radius: 1,
            min_valid: 5,
            adjacency_px: 2,
            mask: MaskOptions::default(),
            chla: MISHRA_FIELD,
        }
    }
}

impl AggregationOptions {
    /// Pixels around the station pixel that must be read on each grid (window plus margin).
    pub fn reach_px(&self) -> u32 {
        self.radius + self.adjacency_px
    }
}

/// One aggregated value with what is needed to judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct StationValue {
    /// Stored with the value: which algorithm and calibration produced it.
    pub algorithm: &'static str,
    pub unit: &'static str,
    /// Median over valid water pixels; `None` when fewer than `min_valid`.
    pub value: Option<f64>,
    pub valid_pixels: usize,
    /// A non-water pixel lies within `adjacency_px` of a used pixel (shore or cloud nearby).
    pub adjacency: bool,
}

/// Median of finite values (mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    })
}

/// The pixel window of a grid to read so that station point (x, y) can be evaluated with `reach`
/// pixels around it, clipped to the asset's `proj:shape` `[rows, cols]`.
pub fn window_around(
    transform: &[f64; 6],
    shape: [u64; 2],
    x: f64,
    y: f64,
    reach: u32,
) -> Result<Option<Window>, WaterError> {
    let (c, r) = pixel_index(transform, x, y)?;
    let reach = i64::from(reach);
    let clip = |v: i64, max: u64| v.clamp(0, i64::try_from(max).unwrap_or(i64::MAX));
    let (c0, c1) = (clip(c - reach, shape[1]), clip(c + reach + 1, shape[1]));
    let (r0, r1) = (clip(r - reach, shape[0]), clip(r + reach + 1, shape[0]));
    if c1 <= c0 || r1 <= r0 {
        return Ok(None);
    }
    let u = |v: i64| u32::try_from(v).ok();
    Ok(match (u(c0), u(r0), u(c1 - c0), u(r1 - r0)) {
        (Some(col), Some(row), Some(width), Some(height)) => Some(Window {
            col,
            row,
            width,
            height,
        }),
        _ => None,
    })
}

/// The inputs of one pixel of an evaluation grid.
struct Pixel {
    class: Option<PixelClass>,
    values: Vec<Option<f64>>,
}

/// Per-pixel product values at (col, row) of a grid.
type ProductFn = dyn Fn(&Scene, &[f64; 6], i64, i64) -> Vec<Option<f64>>;

/// Classifies every pixel within `reach` of (col, row) on grid `t` and computes `products`
/// for it; `None` class means outside the data.
fn evaluate_grid(
    scene: &Scene,
    t: &[f64; 6],
    centre: (i64, i64),
    opts: &AggregationOptions,
    products: &ProductFn,
    algorithms: &[(&'static str, &'static str)],
) -> Vec<StationValue> {
    let reach = i64::from(opts.reach_px());
    let side = (2 * reach + 1) as usize;
    let mut grid: Vec<Pixel> = Vec::with_capacity(side * side);
    for dr in -reach..=reach {
        for dc in -reach..=reach {
            let (c, r) = (centre.0 + dc, centre.1 + dr);
            let g = sample(&scene.green, t, c, r);
            let n = sample(&scene.nir, t, c, r);
            let class = match (g, n) {
                (Some(g), Some(n)) => {
                    let s = match &scene.scl {
                        Some(s) => {
                            let (x, y) = pixel_centre(t, c, r);
                            // Outside the SCL window counts as unknown, not as water.
                            Some(s.at(x, y).unwrap_or(0))
                        }
                        None => None,
                    };
                    Some(classify(s, ndwi(g, n), &opts.mask))
                }
                _ => None,
            };
            let values = if class == Some(PixelClass::Water) {
                products(scene, t, c, r)
            } else {
                Vec::new()
            };
            grid.push(Pixel { class, values });
        }
    }
    let at = |dc: i64, dr: i64| &grid[((dr + reach) as usize) * side + (dc + reach) as usize];
    let r = i64::from(opts.radius);
    let a = i64::from(opts.adjacency_px);
    let mut out = Vec::new();
    for (k, (algorithm, unit)) in algorithms.iter().enumerate() {
        let mut vals = Vec::new();
        let mut adjacency = false;
        for dr in -r..=r {
            for dc in -r..=r {
                let p = at(dc, dr);
                let Some(v) = p.values.get(k).copied().flatten() else {
                    continue;
                };
                vals.push(v);
                // Any non-water pixel (land, cloud, shadow) near a used pixel.
                for ar in dr - a..=dr + a {
                    for ac in dc - a..=dc + a {
                        let q = at(ac, ar).class;
                        adjacency |= matches!(q, Some(PixelClass::Land | PixelClass::Invalid));
                    }
                }
            }
        }
        let valid = vals.len();
        out.push(StationValue {
            algorithm,
            unit,
            value: if valid >= opts.min_valid.max(1) {
                median(&mut vals)
            } else {
                None
            },
            valid_pixels: valid,
            adjacency,
        });
    }
    out
}

/// Per-station values at map point (x, y) (the scene's UTM): NDWI, NDTI and Nechad turbidity on
/// the 10 m grid, NDCI and the chl-a proxy on the 20 m grid when B05 is present.
pub fn station_values(
    scene: &Scene,
    x: f64,
    y: f64,
    opts: &AggregationOptions,
) -> Result<Vec<StationValue>, WaterError> {
    if opts.adjacency_px > 16 || opts.radius > 16 {
        return Err(WaterError::Options(
            "radius and adjacency must be at most 16 pixels".into(),
        ));
    }
    let t10 = scene.red.transform;
    let centre = pixel_index(&t10, x, y)?;
    let ten = |s: &Scene, t: &[f64; 6], c: i64, r: i64| {
        let g = sample(&s.green, t, c, r);
        let red = sample(&s.red, t, c, r);
        let n = sample(&s.nir, t, c, r);
        vec![
            g.zip(n).and_then(|(g, n)| ndwi(g, n)),
            red.zip(g).and_then(|(red, g)| ndti(red, g)),
            red.and_then(|red| NECHAD_S2_B4_2016.apply(red)),
        ]
    };
    let mut out = evaluate_grid(
        scene,
        &t10,
        centre,
        opts,
        &ten,
        &[
            (NDWI_MCFEETERS1996, "1"),
            (NDTI_LACAUX2007, "1"),
            (NECHAD2016_S2B4, "FNU"),
        ],
    );
    if let Some(b05) = &scene.rededge1 {
        let t20 = b05.transform;
        let centre = pixel_index(&t20, x, y)?;
        let a = opts.chla;
        let twenty = move |s: &Scene, t: &[f64; 6], c: i64, r: i64| {
            let re = s.rededge1.as_ref().and_then(|b| sample(b, t, c, r));
            let red = sample(&s.red, t, c, r);
            let v = re.zip(red).and_then(|(re, red)| ndci(re, red));
            vec![v, v.and_then(|v| chla_from_ndci(v, &a))]
        };
        out.extend(evaluate_grid(
            scene,
            &t20,
            centre,
            opts,
            &twenty,
            &[(NDCI_MISHRA2012, "1"), (CHLA_NDCI_MISHRA2012, "mg/m3")],
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: Option<f64>, b: f64) {
        let a = a.unwrap_or(f64::NAN);
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn normalised_differences_by_hand() {
        // (0.08 − 0.02)/(0.08 + 0.02) = 0.6
        near(ndwi(0.08, 0.02), 0.6);
        // (0.06 − 0.04)/0.10 = 0.2
        near(ndti(0.06, 0.04), 0.2);
        // (0.05 − 0.10)/0.15 = −1/3
        near(mndwi(0.05, 0.10), -1.0 / 3.0);
        near(ndci(0.05, 0.04), 1.0 / 9.0);
        assert_eq!(ndwi(0.0, 0.0), None);
        assert_eq!(ndwi(-0.01, 0.02), None);
        assert_eq!(ndwi(f64::NAN, 0.02), None);
    }

    #[test]
    fn chla_from_ndci_by_hand() {
        // NDCI = 1/9: 14.039 + 86.115/9 + 194.325/81 = 26.006407407…
        near(
            chla_from_ndci(1.0 / 9.0, &MISHRA_FIELD),
            26.006_407_407_407_41,
        );
        near(chla_from_ndci(0.0, &MISHRA_FIELD), 14.039);
        // Modelled coefficients at −0.375: 42.197 − 88.6875 + 44.29265625 < 0 → none.
        assert_eq!(chla_from_ndci(-0.375, &MISHRA_MODELLED), None);
    }

    #[test]
    fn nechad_by_hand() {
        // 366.14 × 0.05 / (1 − 0.05/0.19563) = 24.592449…
        near(NECHAD_S2_B4_2016.apply(0.05), 24.592_449_426_629_127);
        near(NECHAD_S2_B4_2016.apply(0.0), 0.0);
        // Masked at and above 0.5·C = 0.097815.
        assert_eq!(NECHAD_S2_B4_2016.apply(0.097815), None);
        assert!(NECHAD_S2_B4_2016.apply(0.0978).is_some());
        assert_eq!(NECHAD_S2_B4_2016.apply(-0.001), None);
    }

    #[test]
    fn dogliotti_by_hand() {
        // Red branch: 228.1 × 0.03 / (1 − 0.03/0.1641) = 8.373872…
        near(dogliotti2015(0.03, 0.5), 8.373_872_483_221_477);
        // NIR branch: 3078.9 × 0.02 / (1 − 0.02/0.2112) = 68.019213…
        near(dogliotti2015(0.08, 0.02), 68.019_213_389_121_35);
        // Blend at ρ(red) = 0.06, w = 0.5: (21.574184 + 68.019213)/2.
        near(dogliotti2015(0.06, 0.02), 44.796_698_913_580_85);
        assert_eq!(dogliotti2015(-0.01, 0.02), None);
    }

    #[test]
    fn scl_and_ndwi_masks() {
        let o = MaskOptions::default();
        for s in [0, 1, 3, 8, 9, 10, 11] {
            assert_eq!(classify(Some(s), Some(0.9), &o), PixelClass::Invalid, "{s}");
        }
        assert_eq!(classify(Some(6), Some(-0.5), &o), PixelClass::Water);
        assert_eq!(classify(Some(4), Some(0.2), &o), PixelClass::Water);
        assert_eq!(classify(Some(4), Some(-0.2), &o), PixelClass::Land);
        assert_eq!(classify(Some(2), Some(0.2), &o), PixelClass::Water);
        let dark = MaskOptions {
            dark_area_invalid: true,
            ..o
        };
        assert_eq!(classify(Some(2), Some(0.2), &dark), PixelClass::Invalid);
        assert_eq!(classify(None, Some(0.1), &o), PixelClass::Water);
        assert_eq!(classify(None, None, &o), PixelClass::Land);
        let strict = MaskOptions {
            ndwi_threshold: 0.3,
            ..o
        };
        assert_eq!(classify(Some(7), Some(0.2), &strict), PixelClass::Land);
    }

    #[test]
    fn median_odd_even() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    const T10: [f64; 6] = [10.0, 0.0, 300_000.0, 0.0, -10.0, 2_100_000.0];
    const T20: [f64; 6] = [20.0, 0.0, 300_000.0, 0.0, -20.0, 2_100_000.0];

    fn filled(t: [f64; 6], col0: i64, row0: i64, n: usize, v: f64) -> Reflectance {
        Raster::new(t, col0, row0, n, n, vec![Some(v); n * n]).unwrap()
    }

    #[test]
    fn nearest_and_block_mean_sampling() {
        // 10 m raster with a value per pixel = col + 100·row.
        let data = (0..16).map(|i| Some((i % 4) as f64 + 100.0 * (i / 4) as f64));
        let r10 = Raster::new(T10, 10, 20, 4, 4, data.collect()).unwrap();
        // Same grid: the pixel itself.
        assert_eq!(sample(&r10, &T10, 11, 21), Some(1.0 + 100.0));
        // 20 m pixel (5, 10) covers 10 m cols 10–11, rows 20–21: mean of 0, 1, 100, 101.
        assert_eq!(sample(&r10, &T20, 5, 10), Some(50.5));
        // Partly outside the window: missing.
        assert_eq!(sample(&r10, &T20, 7, 10), None);
        // 20 m SCL on a 10 m pixel: the 20 m pixel that contains its centre.
        let scl = Raster::new(T20, 5, 10, 2, 1, vec![6u8, 8]).unwrap();
        let (x, y) = pixel_centre(&T10, 11, 21);
        assert_eq!(scl.at(x, y), Some(6));
        let (x, y) = pixel_centre(&T10, 12, 20);
        assert_eq!(scl.at(x, y), Some(8));
        assert!(Raster::new(T10, 0, 0, 2, 2, vec![0u8; 3]).is_err());
    }

    /// A 10 m scene around pixel (100, 100): water everywhere unless changed.
    fn water_scene() -> Scene {
        let n = 16;
        let c0 = 92;
        Scene {
            green: filled(T10, c0, c0, n, 0.08),
            red: filled(T10, c0, c0, n, 0.05),
            nir: filled(T10, c0, c0, n, 0.02),
            rededge1: Some(filled(T20, c0 / 2, c0 / 2, n / 2, 0.06)),
            scl: Some(
                Raster::new(T20, c0 / 2, c0 / 2, n / 2, n / 2, vec![6u8; n * n / 4]).unwrap(),
            ),
        }
    }

    fn centre_xy() -> (f64, f64) {
        pixel_centre(&T10, 100, 100)
    }

    #[test]
    fn station_values_over_open_water() {
        let (x, y) = centre_xy();
        let v = station_values(&water_scene(), x, y, &AggregationOptions::default()).unwrap();
        let ids: Vec<_> = v.iter().map(|s| s.algorithm).collect();
        assert_eq!(
            ids,
            [
                NDWI_MCFEETERS1996,
                NDTI_LACAUX2007,
                NECHAD2016_S2B4,
                NDCI_MISHRA2012,
                CHLA_NDCI_MISHRA2012
            ]
        );
        near(v[0].value, 0.6);
        // (0.05 − 0.08)/0.13
        near(v[1].value, -0.03 / 0.13);
        near(v[2].value, 24.592_449_426_629_127);
        assert_eq!(v[2].unit, "FNU");
        // (0.06 − 0.05)/0.11
        near(v[3].value, 1.0 / 11.0);
        let n = 1.0 / 11.0;
        near(v[4].value, 14.039 + 86.115 * n + 194.325 * n * n);
        assert!(v.iter().all(|s| s.valid_pixels == 9 && !s.adjacency));
    }

    #[test]
    fn clouds_reduce_valid_pixels_and_flag_adjacency() {
        let mut s = water_scene();
        // Cloud over 20 m pixel (50, 50) = 10 m pixels 100–101 × 100–101 (4 of the 9).
        if let Some(scl) = s.scl.as_mut() {
            let i = (50 - scl.row0) as usize * scl.width + (50 - scl.col0) as usize;
            scl.data[i] = 9;
        }
        let (x, y) = centre_xy();
        let v = station_values(&s, x, y, &AggregationOptions::default()).unwrap();
        assert_eq!(v[2].valid_pixels, 5);
        assert!(v[2].adjacency);
        near(v[2].value, 24.592_449_426_629_127);
        // Requiring 6 valid pixels: no value, but the count is kept.
        let strict = AggregationOptions {
            min_valid: 6,
            ..AggregationOptions::default()
        };
        let v = station_values(&s, x, y, &strict).unwrap();
        assert_eq!(v[2].value, None);
        assert_eq!(v[2].valid_pixels, 5);
        // On the 20 m grid the cloudy pixel is the centre: 8 of 9 remain.
        assert_eq!(v[3].valid_pixels, 8);
    }

    #[test]
    fn land_two_pixels_away_flags_adjacency_and_median_ignores_outliers() {
        let mut s = water_scene();
        // Land (NDWI < 0) at 10 m pixel (103, 100): 2 px from the window edge (101).
        let i = 8 * 16 + (103 - 92);
        s.nir.data[i] = Some(0.3);
        s.scl = None;
        // One bright pixel in the window does not move the median.
        s.red.data[8 * 16 + 8] = Some(0.09);
        let (x, y) = centre_xy();
        let v = station_values(&s, x, y, &AggregationOptions::default()).unwrap();
        assert_eq!(v[2].valid_pixels, 9);
        assert!(v[2].adjacency);
        near(v[2].value, 24.592_449_426_629_127);
        // With a 1-pixel adjacency distance the land is too far.
        let o = AggregationOptions {
            adjacency_px: 1,
            ..AggregationOptions::default()
        };
        let v = station_values(&s, x, y, &o).unwrap();
        assert!(!v[2].adjacency);
    }

    #[test]
    fn reflectance_from_a_cog_window_and_window_around() {
        let pw = PixelWindow {
            window: Window {
                col: 3,
                row: 4,
                width: 2,
                height: 1,
            },
            data: vec![0, 1500],
        };
        let s = Scaling {
            scale: 1e-4,
            dn_offset: -1000.0,
            offset: 0.0,
            nodata: Some(0.0),
        };
        let r = reflectance(&pw, T10, &s);
        assert_eq!(r.get(3, 4), Some(None));
        near(r.get(4, 4).flatten(), 0.05);
        assert_eq!(r.get(5, 4), None);
        // Pixel (100, 100) with reach 3 → a 7×7 window; clipped at the image edge.
        let (x, y) = centre_xy();
        let w = window_around(&T10, [10980, 10980], x, y, 3)
            .unwrap()
            .unwrap();
        assert_eq!((w.col, w.row, w.width, w.height), (97, 97, 7, 7));
        let (x, y) = pixel_centre(&T10, 0, 1);
        let w = window_around(&T10, [10980, 10980], x, y, 3)
            .unwrap()
            .unwrap();
        assert_eq!((w.col, w.row, w.width, w.height), (0, 0, 4, 5));
        assert_eq!(
            window_around(&T10, [10980, 10980], 0.0, 0.0, 3).unwrap(),
            None
        );
    }
}
