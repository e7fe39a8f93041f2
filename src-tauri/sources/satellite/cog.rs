//! A minimal Cloud-Optimised GeoTIFF reader over byte ranges (TIFF 6.0; BigTIFF; sources.md §6.3).
//!
//! Scope is what Sentinel-2 L2A COGs need: the first (full-resolution) IFD of a tiled, single-band
//! 16-bit unsigned image, uncompressed or deflate (8 and 32946), predictor 1 or 2, optional
//! `GDAL_NODATA` (tag 42113). No I/O here: bytes live in a [`ByteStore`]; [`plan`] says which
//! further ranges it needs, and [`Layout::ranges_for`] which tile ranges a window needs, so the
//! caller can fetch them with HTTP Range requests (sync [`FetchRanges`] helpers are provided).

use flate2::read::ZlibDecoder;
use std::io::Read;
use std::ops::Range;
use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq)]
pub enum CogError {
    #[error("not a TIFF: {0}")]
    NotTiff(String),
    #[error("truncated data: {0}")]
    Truncated(String),
    #[error("compression {code} ({name}) is not supported")]
    UnsupportedCompression { code: u16, name: &'static str },
    #[error("unsupported layout: {0}")]
    UnsupportedLayout(String),
    #[error("missing TIFF tag {tag} ({name})")]
    MissingTag { tag: u16, name: &'static str },
    #[error("invalid TIFF: {0}")]
    Invalid(String),
    #[error("window {window:?} is outside the {width}×{height} image")]
    WindowOutOfRange {
        window: Window,
        width: u32,
        height: u32,
    },
    #[error("tile {tile}: deflate failed: {reason}")]
    Deflate { tile: usize, reason: String },
    #[error("fetching byte ranges failed: {0}")]
    Fetch(String),
}

/// What the reader was given so far: byte runs at file offsets (the prefix, fetched ranges).
#[derive(Debug, Clone, Default)]
pub struct ByteStore {
    pieces: Vec<(u64, Vec<u8>)>,
}

impl ByteStore {
    /// A store holding the first bytes of the file.
    pub fn with_prefix(prefix: Vec<u8>) -> Self {
        let mut s = ByteStore::default();
        s.insert(0, prefix);
        s
    }

    pub fn insert(&mut self, start: u64, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.pieces.push((start, bytes));
        }
    }

    /// `len` bytes at `start` if one stored run holds them all.
    pub fn get(&self, start: u64, len: u64) -> Option<&[u8]> {
        let end = start.checked_add(len)?;
        self.pieces.iter().find_map(|(s, b)| {
            let piece_end = s.checked_add(b.len() as u64)?;
            if *s <= start && end <= piece_end {
                let from = usize::try_from(start - s).ok()?;
                let to = usize::try_from(end - s).ok()?;
                b.get(from..to)
            } else {
                None
            }
        })
    }
}

/// Bytes to read speculatively when an IFD lies beyond what we have (count + ~330 classic entries).
const IFD_READ: u64 = 4096;
/// Refuse arrays larger than this (a 10980² image in 256² tiles has 1849 tiles).
const MAX_ARRAY_BYTES: u64 = 64 << 20;
/// Refuse tiles whose decoded size exceeds this.
const MAX_TILE_BYTES: u64 = 64 << 20;

/// The outcome of one parsing attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Ready(Layout),
    /// Fetch these ranges, add them to the store and call [`plan`] again.
    Need(Vec<Range<u64>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    /// 8 (Adobe deflate) or 32946 (old-style deflate); both zlib streams.
    Deflate,
}

/// The first IFD: everything needed to read pixel windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub big_endian: bool,
    pub bigtiff: bool,
    pub width: u32,
    pub height: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    pub tiles_across: u32,
    pub tiles_down: u32,
    pub tile_offsets: Vec<u64>,
    pub tile_byte_counts: Vec<u64>,
    pub compression: Compression,
    /// 1 none, 2 horizontal differencing.
    pub predictor: u16,
    /// From `GDAL_NODATA` (42113), ASCII in the file.
    pub nodata: Option<f64>,
}

/// A pixel window of the full-resolution image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub col: u32,
    pub row: u32,
    pub width: u32,
    pub height: u32,
}

/// Decoded pixels of a window, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelWindow {
    pub window: Window,
    pub data: Vec<u16>,
}

impl PixelWindow {
    /// The pixel at absolute image coordinates, if inside the window.
    pub fn get(&self, col: u32, row: u32) -> Option<u16> {
        let w = &self.window;
        if col < w.col || row < w.row || col - w.col >= w.width || row - w.row >= w.height {
            return None;
        }
        let i = (row - w.row) as usize * w.width as usize + (col - w.col) as usize;
        self.data.get(i).copied()
    }
}

fn compression_name(code: u16) -> &'static str {
    match code {
        2 => "CCITT RLE",
        3 | 4 => "CCITT fax",
        5 => "LZW",
        6 | 7 => "JPEG",
        32773 => "PackBits",
        34712 => "JPEG 2000",
        34887 => "LERC",
        34925 => "LZMA",
        50000 => "ZSTD",
        50001 => "WebP",
        50002 => "JPEG XL",
        _ => "unknown",
    }
}

struct Reader<'a> {
    store: &'a ByteStore,
    big_endian: bool,
    bigtiff: bool,
}

impl Reader<'_> {
    fn u16(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }
    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    fn u64(&self, b: &[u8]) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        if self.big_endian {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        }
    }
    /// Size of the inline value field: 4 bytes classic, 8 BigTIFF.
    fn field(&self) -> u64 {
        if self.bigtiff { 8 } else { 4 }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    tag: u16,
    typ: u16,
    count: u64,
    /// The raw value/offset field.
    field: Vec<u8>,
}

fn type_size(typ: u16) -> Option<u64> {
    Some(match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

/// Where an entry's values are: inline (in the field) or a file range.
enum Values<'a> {
    Bytes(&'a [u8]),
    Need(Range<u64>),
}

fn entry_values<'a>(r: &Reader<'a>, e: &'a Entry) -> Result<Values<'a>, CogError> {
    let size = type_size(e.typ)
        .ok_or_else(|| CogError::Invalid(format!("tag {} has unknown type {}", e.tag, e.typ)))?;
    let total = size
        .checked_mul(e.count)
        .filter(|t| *t <= MAX_ARRAY_BYTES)
        .ok_or_else(|| CogError::Invalid(format!("tag {} has {} values", e.tag, e.count)))?;
    if total <= r.field() {
        // total ≤ field length, so the slice exists.
        return Ok(Values::Bytes(&e.field[..total as usize]));
    }
    let off = if r.bigtiff {
        r.u64(&e.field)
    } else {
        u64::from(r.u32(&e.field))
    };
    match r.store.get(off, total) {
        Some(b) => Ok(Values::Bytes(b)),
        None => Ok(Values::Need(off..off.saturating_add(total))),
    }
}

/// Integer values of a SHORT/LONG/LONG8 entry.
fn ints(r: &Reader, e: &Entry, bytes: &[u8]) -> Result<Vec<u64>, CogError> {
    let size = match e.typ {
        3 => 2,
        4 | 13 => 4,
        16 | 18 => 8,
        1 => 1,
        t => {
            return Err(CogError::Invalid(format!(
                "tag {} has type {t}, expected an unsigned integer",
                e.tag
            )));
        }
    };
    Ok(bytes
        .chunks_exact(size)
        .map(|c| match size {
            1 => u64::from(c[0]),
            2 => u64::from(r.u16(c)),
            4 => u64::from(r.u32(c)),
            _ => r.u64(c),
        })
        .collect())
}

/// A plan asking for one range.
fn need_one(r: Range<u64>) -> Plan {
    Plan::Need(std::iter::once(r).collect())
}

/// Tries to parse the header and first IFD from what the store holds.
pub fn plan(store: &ByteStore) -> Result<Plan, CogError> {
    let Some(head) = store.get(0, 8) else {
        return Ok(need_one(0..IFD_READ));
    };
    let big_endian = match &head[..2] {
        b"II" => false,
        b"MM" => true,
        other => return Err(CogError::NotTiff(format!("byte-order mark {other:02x?}"))),
    };
    let mut r = Reader {
        store,
        big_endian,
        bigtiff: false,
    };
    let ifd_offset = match r.u16(&head[2..4]) {
        42 => u64::from(r.u32(&head[4..8])),
        43 => {
            r.bigtiff = true;
            let Some(h) = store.get(0, 16) else {
                return Ok(need_one(0..IFD_READ));
            };
            if r.u16(&h[4..6]) != 8 || r.u16(&h[6..8]) != 0 {
                return Err(CogError::NotTiff("BigTIFF offset size is not 8".into()));
            }
            r.u64(&h[8..16])
        }
        v => {
            return Err(CogError::NotTiff(format!(
                "version {v} (expected 42 or 43)"
            )));
        }
    };
    if ifd_offset == 0 {
        return Err(CogError::Invalid("no IFD".into()));
    }
    let (count_len, entry_len) = if r.bigtiff { (8, 20) } else { (2, 12) };
    let Some(cb) = store.get(ifd_offset, count_len) else {
        return Ok(need_one(ifd_offset..ifd_offset + IFD_READ));
    };
    let n = if r.bigtiff {
        r.u64(cb)
    } else {
        u64::from(r.u16(cb))
    };
    if n == 0 || n > 4096 {
        return Err(CogError::Invalid(format!("IFD with {n} entries")));
    }
    let entries_start = ifd_offset + count_len;
    let Some(eb) = store.get(entries_start, n * entry_len) else {
        return Ok(need_one(ifd_offset..entries_start + n * entry_len));
    };
    let entries: Vec<Entry> = eb
        .chunks_exact(entry_len as usize)
        .map(|c| {
            let (count, field) = if r.bigtiff {
                (r.u64(&c[4..12]), c[12..20].to_vec())
            } else {
                (u64::from(r.u32(&c[4..8])), c[8..12].to_vec())
            };
            Entry {
                tag: r.u16(&c[0..2]),
                typ: r.u16(&c[2..4]),
                count,
                field,
            }
        })
        .collect();
    build_layout(&r, &entries)
}

fn build_layout(r: &Reader, entries: &[Entry]) -> Result<Plan, CogError> {
    const WANTED: [u16; 13] = [
        256, 257, 258, 259, 273, 277, 284, 317, 322, 323, 324, 325, 339,
    ];
    let mut need = Vec::new();
    let mut values: Vec<(u16, Vec<u64>)> = Vec::new();
    let mut nodata_text = None;
    for e in entries {
        let is_nodata = e.tag == 42113;
        if !WANTED.contains(&e.tag) && !is_nodata {
            continue;
        }
        match entry_values(r, e)? {
            Values::Need(range) => need.push(range),
            Values::Bytes(b) if is_nodata => {
                nodata_text = Some(
                    String::from_utf8_lossy(b)
                        .trim_end_matches('\0')
                        .to_string(),
                )
            }
            Values::Bytes(b) => values.push((e.tag, ints(r, e, b)?)),
        }
    }
    if !need.is_empty() {
        return Ok(Plan::Need(need));
    }
    let get = |tag: u16| values.iter().find(|(t, _)| *t == tag).map(|(_, v)| v);
    let one = |tag: u16, name: &'static str| -> Result<u64, CogError> {
        get(tag)
            .and_then(|v| v.first().copied())
            .ok_or(CogError::MissingTag { tag, name })
    };
    let opt = |tag: u16, default: u64| get(tag).and_then(|v| v.first().copied()).unwrap_or(default);

    let compression = match opt(259, 1) {
        1 => Compression::None,
        8 | 32946 => Compression::Deflate,
        c => {
            let code = u16::try_from(c).unwrap_or(u16::MAX);
            return Err(CogError::UnsupportedCompression {
                code,
                name: compression_name(code),
            });
        }
    };
    if get(322).is_none() && get(273).is_some() {
        return Err(CogError::UnsupportedLayout(
            "striped TIFF (only tiled COGs are read)".into(),
        ));
    }
    let spp = opt(277, 1);
    if spp != 1 {
        // Sentinel-2 band COGs are single-band; TCI/visual are not read here.
        return Err(CogError::UnsupportedLayout(format!(
            "{spp} samples per pixel (only single-band images are read)"
        )));
    }
    let planar = opt(284, 1);
    if planar != 1 && planar != 2 {
        return Err(CogError::UnsupportedLayout(format!(
            "planar configuration {planar}"
        )));
    }
    let bits = get(258).cloned().unwrap_or_else(|| vec![1]);
    if bits.iter().any(|b| *b != 16) {
        return Err(CogError::UnsupportedLayout(format!(
            "bits per sample {bits:?} (only 16 is read)"
        )));
    }
    let format = opt(339, 1);
    if format != 1 {
        return Err(CogError::UnsupportedLayout(format!(
            "sample format {format} (only unsigned integer is read)"
        )));
    }
    let predictor = opt(317, 1);
    if predictor != 1 && predictor != 2 {
        return Err(CogError::UnsupportedLayout(format!(
            "predictor {predictor} (only 1 and 2 are read)"
        )));
    }
    let dim = |tag, name| -> Result<u32, CogError> {
        u32::try_from(one(tag, name)?)
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| CogError::Invalid(format!("{name} out of range")))
    };
    let width = dim(256, "ImageWidth")?;
    let height = dim(257, "ImageLength")?;
    let tile_width = dim(322, "TileWidth")?;
    let tile_height = dim(323, "TileLength")?;
    if u64::from(tile_width) * u64::from(tile_height) * 2 > MAX_TILE_BYTES {
        return Err(CogError::UnsupportedLayout(format!(
            "tile {tile_width}×{tile_height} is too large"
        )));
    }
    let tiles_across = width.div_ceil(tile_width);
    let tiles_down = height.div_ceil(tile_height);
    let n_tiles = tiles_across as usize * tiles_down as usize;
    let tile_offsets = get(324).cloned().ok_or(CogError::MissingTag {
        tag: 324,
        name: "TileOffsets",
    })?;
    let tile_byte_counts = get(325).cloned().ok_or(CogError::MissingTag {
        tag: 325,
        name: "TileByteCounts",
    })?;
    if tile_offsets.len() != n_tiles || tile_byte_counts.len() != n_tiles {
        return Err(CogError::Invalid(format!(
            "{} tile offsets and {} byte counts for {n_tiles} tiles",
            tile_offsets.len(),
            tile_byte_counts.len()
        )));
    }
    let nodata = nodata_text.and_then(|t| t.trim().parse::<f64>().ok());
    Ok(Plan::Ready(Layout {
        big_endian: r.big_endian,
        bigtiff: r.bigtiff,
        width,
        height,
        tile_width,
        tile_height,
        tiles_across,
        tiles_down,
        tile_offsets,
        tile_byte_counts,
        compression,
        predictor: predictor as u16,
        nodata,
    }))
}

impl Layout {
    /// Indices of the tiles covering `w`, row-major.
    pub fn tiles_for(&self, w: Window) -> Result<Vec<usize>, CogError> {
        let out = CogError::WindowOutOfRange {
            window: w,
            width: self.width,
            height: self.height,
        };
        if w.width == 0 || w.height == 0 {
            return Err(out);
        }
        let (Some(end_col), Some(end_row)) =
            (w.col.checked_add(w.width), w.row.checked_add(w.height))
        else {
            return Err(out);
        };
        if end_col > self.width || end_row > self.height {
            return Err(out);
        }
        let (tx0, tx1) = (w.col / self.tile_width, (end_col - 1) / self.tile_width);
        let (ty0, ty1) = (w.row / self.tile_height, (end_row - 1) / self.tile_height);
        let mut v = Vec::new();
        for ty in ty0..=ty1 {
            for tx in tx0..=tx1 {
                v.push(ty as usize * self.tiles_across as usize + tx as usize);
            }
        }
        Ok(v)
    }

    /// The byte range of tile `i`; `None` for a sparse (empty) tile.
    pub fn tile_range(&self, i: usize) -> Option<Range<u64>> {
        let (off, len) = (*self.tile_offsets.get(i)?, *self.tile_byte_counts.get(i)?);
        if off == 0 || len == 0 {
            return None;
        }
        Some(off..off.checked_add(len)?)
    }

    /// Byte ranges still missing from `store` to read `w`.
    pub fn ranges_for(&self, w: Window, store: &ByteStore) -> Result<Vec<Range<u64>>, CogError> {
        Ok(self
            .tiles_for(w)?
            .into_iter()
            .filter_map(|i| self.tile_range(i))
            .filter(|r| store.get(r.start, r.end - r.start).is_none())
            .collect())
    }

    fn tile_samples(&self) -> usize {
        self.tile_width as usize * self.tile_height as usize
    }

    /// Decodes one tile's stored bytes into `tile_width × tile_height` samples.
    pub fn decode_tile(&self, tile: usize, raw: &[u8]) -> Result<Vec<u16>, CogError> {
        let expected = self.tile_samples() * 2;
        let bytes: Vec<u8> = match self.compression {
            Compression::None => {
                if raw.len() < expected {
                    return Err(CogError::Truncated(format!(
                        "tile {tile}: {} of {expected} bytes",
                        raw.len()
                    )));
                }
                raw[..expected].to_vec()
            }
            Compression::Deflate => {
                let mut out = Vec::with_capacity(expected);
                ZlibDecoder::new(raw)
                    .take(expected as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| CogError::Deflate {
                        tile,
                        reason: e.to_string(),
                    })?;
                if out.len() < expected {
                    return Err(CogError::Truncated(format!(
                        "tile {tile}: inflated to {} of {expected} bytes",
                        out.len()
                    )));
                }
                out
            }
        };
        let mut samples: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| {
                if self.big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        if self.predictor == 2 {
            // Horizontal differencing: each sample is stored as the difference to its left
            // neighbour, modulo 2¹⁶ (TIFF 6.0 §14).
            for row in samples.chunks_exact_mut(self.tile_width as usize) {
                for i in 1..row.len() {
                    row[i] = row[i].wrapping_add(row[i - 1]);
                }
            }
        }
        Ok(samples)
    }

    /// Decodes window `w` from tiles present in `store`. Sparse tiles read as nodata (or 0).
    pub fn read_window(&self, w: Window, store: &ByteStore) -> Result<PixelWindow, CogError> {
        let fill = self
            .nodata
            .filter(|v| (0.0..=65535.0).contains(v) && v.fract() == 0.0)
            .map_or(0, |v| v as u16);
        let mut data = vec![fill; w.width as usize * w.height as usize];
        for tile in self.tiles_for(w)? {
            let Some(range) = self.tile_range(tile) else {
                continue;
            };
            let raw = store
                .get(range.start, range.end - range.start)
                .ok_or_else(|| {
                    CogError::Truncated(format!("tile {tile} bytes {range:?} not available"))
                })?;
            let samples = self.decode_tile(tile, raw)?;
            let tx = (tile % self.tiles_across as usize) as u32 * self.tile_width;
            let ty = (tile / self.tiles_across as usize) as u32 * self.tile_height;
            // Intersection of the tile and the window, in image coordinates.
            let c0 = w.col.max(tx);
            let c1 = (w.col + w.width).min(tx + self.tile_width);
            let r0 = w.row.max(ty);
            let r1 = (w.row + w.height).min(ty + self.tile_height);
            for row in r0..r1 {
                let src = (row - ty) as usize * self.tile_width as usize + (c0 - tx) as usize;
                let dst = (row - w.row) as usize * w.width as usize + (c0 - w.col) as usize;
                let n = (c1 - c0) as usize;
                data[dst..dst + n].copy_from_slice(&samples[src..src + n]);
            }
        }
        Ok(PixelWindow { window: w, data })
    }
}

/// Fetches byte ranges (HTTP Range requests in the app, slices in tests). The answer for each
/// range may be shorter than asked at end of file.
pub trait FetchRanges {
    fn fetch(&mut self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>, CogError>;
}

/// Parses the first IFD, fetching what the prefix lacks (at most four rounds).
pub fn open(store: &mut ByteStore, fetch: &mut impl FetchRanges) -> Result<Layout, CogError> {
    for _ in 0..4 {
        match plan(store)? {
            Plan::Ready(layout) => return Ok(layout),
            Plan::Need(ranges) => fetch_into(store, fetch, &ranges)?,
        }
    }
    Err(CogError::Truncated(
        "the header and IFD were still incomplete after 4 fetches".into(),
    ))
}

/// Reads window `w`, fetching the tiles the store lacks.
pub fn read_window_with(
    layout: &Layout,
    w: Window,
    store: &mut ByteStore,
    fetch: &mut impl FetchRanges,
) -> Result<PixelWindow, CogError> {
    let need = layout.ranges_for(w, store)?;
    if !need.is_empty() {
        fetch_into(store, fetch, &need)?;
    }
    layout.read_window(w, store)
}

fn fetch_into(
    store: &mut ByteStore,
    fetch: &mut impl FetchRanges,
    ranges: &[Range<u64>],
) -> Result<(), CogError> {
    let got = fetch.fetch(ranges)?;
    if got.len() != ranges.len() {
        return Err(CogError::Fetch(format!(
            "asked for {} ranges, got {}",
            ranges.len(),
            got.len()
        )));
    }
    for (r, b) in ranges.iter().zip(got) {
        store.insert(r.start, b);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression as Level;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    /// An in-memory file that counts range requests.
    struct Mem {
        file: Vec<u8>,
        requests: Vec<Range<u64>>,
    }

    impl FetchRanges for Mem {
        fn fetch(&mut self, ranges: &[Range<u64>]) -> Result<Vec<Vec<u8>>, CogError> {
            self.requests.extend(ranges.iter().cloned());
            Ok(ranges
                .iter()
                .map(|r| {
                    let s = (r.start as usize).min(self.file.len());
                    let e = (r.end as usize).min(self.file.len());
                    self.file[s..e].to_vec()
                })
                .collect())
        }
    }

    #[derive(Clone, Copy)]
    struct Opts {
        big_endian: bool,
        bigtiff: bool,
        compression: u16,
        predictor: u16,
        ifd_at_end: bool,
        nodata: Option<&'static str>,
        sparse_tile: Option<usize>,
    }

    const LE_DEFLATE_P2: Opts = Opts {
        big_endian: false,
        bigtiff: false,
        compression: 8,
        predictor: 2,
        ifd_at_end: false,
        nodata: Some("0"),
        sparse_tile: None,
    };

    fn pattern(x: u32, y: u32) -> u16 {
        ((x * 37 + y * 101 + (x * y) % 17) % 10_000) as u16
    }

    /// A tiny tiled-TIFF writer: header | [IFD] | tiles | [IFD] | out-of-line values.
    fn write_tiff(o: Opts, width: u32, height: u32, tw: u32, th: u32) -> Vec<u8> {
        let u16b = |v: u16| {
            if o.big_endian {
                v.to_be_bytes().to_vec()
            } else {
                v.to_le_bytes().to_vec()
            }
        };
        let u32b = |v: u32| {
            if o.big_endian {
                v.to_be_bytes().to_vec()
            } else {
                v.to_le_bytes().to_vec()
            }
        };
        let u64b = |v: u64| {
            if o.big_endian {
                v.to_be_bytes().to_vec()
            } else {
                v.to_le_bytes().to_vec()
            }
        };
        let (ta, td) = (width.div_ceil(tw), height.div_ceil(th));
        let mut tiles = Vec::new();
        for ty in 0..td {
            for tx in 0..ta {
                let mut s = Vec::new();
                for y in 0..th {
                    let mut prev = 0u16;
                    for x in 0..tw {
                        let (gx, gy) = (tx * tw + x, ty * th + y);
                        // Padding outside the image is arbitrary; write the pattern anyway.
                        let v = pattern(gx, gy);
                        let stored = if o.predictor == 2 {
                            v.wrapping_sub(prev)
                        } else {
                            v
                        };
                        prev = v;
                        s.extend(u16b(stored));
                    }
                }
                if o.compression == 8 || o.compression == 32946 {
                    let mut e = ZlibEncoder::new(Vec::new(), Level::default());
                    e.write_all(&s).unwrap();
                    s = e.finish().unwrap();
                }
                tiles.push(s);
            }
        }
        let n = tiles.len();
        let field = if o.bigtiff { 8 } else { 4 };
        // (tag, type, count, encoded values)
        let mut entries: Vec<(u16, u16, u64, Vec<u8>)> = vec![
            (256, 4, 1, u32b(width)),
            (257, 4, 1, u32b(height)),
            (258, 3, 1, u16b(16)),
            (259, 3, 1, u16b(o.compression)),
            (262, 3, 1, u16b(1)),
            (277, 3, 1, u16b(1)),
            (284, 3, 1, u16b(1)),
            (317, 3, 1, u16b(o.predictor)),
            (322, 3, 1, u16b(tw as u16)),
            (323, 3, 1, u16b(th as u16)),
            (324, 0, n as u64, Vec::new()),
            (325, 0, n as u64, Vec::new()),
            (339, 3, 1, u16b(1)),
        ];
        if let Some(nd) = o.nodata {
            let mut t = nd.as_bytes().to_vec();
            t.push(0);
            entries.push((42113, 2, t.len() as u64, t));
        }
        let header_len: u64 = if o.bigtiff { 16 } else { 8 };
        let ifd_len = if o.bigtiff {
            8 + entries.len() as u64 * 20 + 8
        } else {
            2 + entries.len() as u64 * 12 + 4
        };
        let tiles_len: u64 = tiles.iter().map(|t| t.len() as u64).sum();
        let (ifd_pos, tiles_pos) = if o.ifd_at_end {
            (header_len + tiles_len, header_len)
        } else {
            (header_len, header_len + ifd_len)
        };
        let mut offsets = Vec::new();
        let mut counts = Vec::new();
        let mut p = tiles_pos;
        for (i, t) in tiles.iter().enumerate() {
            if o.sparse_tile == Some(i) {
                offsets.push(0);
                counts.push(0);
            } else {
                offsets.push(p);
                counts.push(t.len() as u64);
            }
            p += t.len() as u64;
        }
        let arr = |v: &[u64]| -> Vec<u8> {
            v.iter()
                .flat_map(|x| if o.bigtiff { u64b(*x) } else { u32b(*x as u32) })
                .collect()
        };
        let arr_type = if o.bigtiff { 16 } else { 4 };
        for e in entries.iter_mut() {
            if e.0 == 324 {
                e.1 = arr_type;
                e.3 = arr(&offsets);
            } else if e.0 == 325 {
                e.1 = arr_type;
                e.3 = arr(&counts);
            }
        }
        // Out-of-line values go after both the IFD and the tiles.
        let mut extra_pos = header_len + ifd_len + tiles_len;
        let mut ifd = Vec::new();
        let mut extra: Vec<u8> = Vec::new();
        if o.bigtiff {
            ifd.extend(u64b(entries.len() as u64));
        } else {
            ifd.extend(u16b(entries.len() as u16));
        }
        for (tag, typ, count, data) in &entries {
            ifd.extend(u16b(*tag));
            ifd.extend(u16b(*typ));
            if o.bigtiff {
                ifd.extend(u64b(*count));
            } else {
                ifd.extend(u32b(*count as u32));
            }
            if data.len() <= field {
                let mut f = data.clone();
                f.resize(field, 0);
                ifd.extend(f);
            } else {
                ifd.extend(if o.bigtiff {
                    u64b(extra_pos)
                } else {
                    u32b(extra_pos as u32)
                });
                extra.extend(data);
                extra_pos += data.len() as u64;
            }
        }
        ifd.extend(vec![0; field]);
        assert_eq!(ifd.len() as u64, ifd_len);
        let mut out = Vec::new();
        out.extend(if o.big_endian {
            b"MM".to_vec()
        } else {
            b"II".to_vec()
        });
        if o.bigtiff {
            out.extend(u16b(43));
            out.extend(u16b(8));
            out.extend(u16b(0));
            out.extend(u64b(ifd_pos));
        } else {
            out.extend(u16b(42));
            out.extend(u32b(ifd_pos as u32));
        }
        if !o.ifd_at_end {
            out.extend(&ifd);
        }
        for t in &tiles {
            out.extend(t);
        }
        if o.ifd_at_end {
            out.extend(&ifd);
        }
        out.extend(extra);
        out
    }

    fn check_window(pw: &PixelWindow) {
        let w = pw.window;
        for row in w.row..w.row + w.height {
            for col in w.col..w.col + w.width {
                assert_eq!(pw.get(col, row), Some(pattern(col, row)), "({col},{row})");
            }
        }
    }

    fn open_prefix(file: &[u8], prefix: usize) -> (Layout, ByteStore, Mem) {
        let mut store = ByteStore::with_prefix(file[..prefix.min(file.len())].to_vec());
        let mut mem = Mem {
            file: file.to_vec(),
            requests: Vec::new(),
        };
        let layout = open(&mut store, &mut mem).unwrap();
        (layout, store, mem)
    }

    #[test]
    fn all_variants_round_trip() {
        for big_endian in [false, true] {
            for bigtiff in [false, true] {
                for (compression, predictor) in [(1, 1), (1, 2), (8, 1), (8, 2), (32946, 2)] {
                    for ifd_at_end in [false, true] {
                        let o = Opts {
                            big_endian,
                            bigtiff,
                            compression,
                            predictor,
                            ifd_at_end,
                            nodata: Some("0"),
                            sparse_tile: None,
                        };
                        let file = write_tiff(o, 100, 70, 32, 16);
                        let (layout, mut store, mut mem) = open_prefix(&file, 64);
                        assert_eq!((layout.width, layout.height), (100, 70));
                        assert_eq!((layout.tiles_across, layout.tiles_down), (4, 5));
                        assert_eq!(layout.bigtiff, bigtiff);
                        assert_eq!(layout.nodata, Some(0.0));
                        // A window across four tiles, including the right/bottom edge tiles.
                        let w = Window {
                            col: 60,
                            row: 10,
                            width: 40,
                            height: 60,
                        };
                        let pw = read_window_with(&layout, w, &mut store, &mut mem).unwrap();
                        check_window(&pw);
                    }
                }
            }
        }
    }

    #[test]
    fn names_the_extra_ranges_when_arrays_lie_beyond_the_prefix() {
        let file = write_tiff(LE_DEFLATE_P2, 100, 70, 32, 16);
        // 8-byte header + 14 entries: the IFD fits in 180 bytes, the arrays are at the end.
        let store = ByteStore::with_prefix(file[..200].to_vec());
        let Plan::Need(ranges) = plan(&store).unwrap() else {
            panic!("expected a need for the tile arrays");
        };
        assert_eq!(ranges.len(), 2);
        // 20 tiles × 4-byte LONGs each.
        assert!(ranges.iter().all(|r| r.end - r.start == 80), "{ranges:?}");
        assert!(ranges.iter().all(|r| r.start >= 200));
        // With the whole file it is ready at once.
        assert!(matches!(
            plan(&ByteStore::with_prefix(file.clone())).unwrap(),
            Plan::Ready(_)
        ));
        // Nothing at all: ask for the head.
        assert_eq!(plan(&ByteStore::default()).unwrap(), need_one(0..IFD_READ));
    }

    #[test]
    fn reads_only_the_tiles_it_needs() {
        let file = write_tiff(LE_DEFLATE_P2, 100, 70, 32, 16);
        let (layout, mut store, mut mem) = open_prefix(&file, file.len() / 4);
        let before = mem.requests.len();
        let w = Window {
            col: 33,
            row: 17,
            width: 3,
            height: 3,
        };
        assert_eq!(layout.tiles_for(w).unwrap(), vec![5]);
        let pw = read_window_with(&layout, w, &mut store, &mut mem).unwrap();
        check_window(&pw);
        assert_eq!(mem.requests.len() - before, 1);
        // A 3×3 window across a tile corner needs four tiles.
        let w = Window {
            col: 31,
            row: 15,
            width: 3,
            height: 3,
        };
        assert_eq!(layout.tiles_for(w).unwrap(), vec![0, 1, 4, 5]);
    }

    #[test]
    fn sparse_tiles_read_as_nodata() {
        let o = Opts {
            nodata: Some("7"),
            sparse_tile: Some(0),
            ..LE_DEFLATE_P2
        };
        let file = write_tiff(o, 64, 32, 32, 16);
        let (layout, mut store, mut mem) = open_prefix(&file, file.len());
        let w = Window {
            col: 30,
            row: 0,
            width: 4,
            height: 1,
        };
        let pw = read_window_with(&layout, w, &mut store, &mut mem).unwrap();
        assert_eq!(pw.data, vec![7, 7, pattern(32, 0), pattern(33, 0)]);
    }

    #[test]
    fn out_of_range_windows_are_named() {
        let file = write_tiff(LE_DEFLATE_P2, 100, 70, 32, 16);
        let (layout, _, _) = open_prefix(&file, file.len());
        for w in [
            Window {
                col: 98,
                row: 0,
                width: 3,
                height: 1,
            },
            Window {
                col: 0,
                row: 70,
                width: 1,
                height: 1,
            },
            Window {
                col: 0,
                row: 0,
                width: 0,
                height: 1,
            },
            Window {
                col: u32::MAX,
                row: 0,
                width: 2,
                height: 1,
            },
        ] {
            let e = layout.tiles_for(w).unwrap_err();
            assert!(matches!(e, CogError::WindowOutOfRange { .. }), "{e}");
        }
        let e = layout
            .tiles_for(Window {
                col: 98,
                row: 0,
                width: 3,
                height: 1,
            })
            .unwrap_err();
        assert!(
            e.to_string().ends_with("is outside the 100×70 image"),
            "{e}"
        );
    }

    /// Rewrites the SHORT value of `tag` in a classic little-endian file written at the front.
    fn patch_short(file: &mut [u8], tag: u16, value: u16) {
        let n = u16::from_le_bytes([file[8], file[9]]) as usize;
        for i in 0..n {
            let p = 10 + i * 12;
            if u16::from_le_bytes([file[p], file[p + 1]]) == tag {
                file[p + 8..p + 10].copy_from_slice(&value.to_le_bytes());
                return;
            }
        }
        panic!("tag {tag} not found");
    }

    #[test]
    fn unsupported_compression_and_layouts_are_named() {
        let file = write_tiff(LE_DEFLATE_P2, 64, 32, 32, 16);
        let err = |tag, v| {
            let mut f = file.clone();
            patch_short(&mut f, tag, v);
            plan(&ByteStore::with_prefix(f)).unwrap_err()
        };
        assert_eq!(
            err(259, 7).to_string(),
            "compression 7 (JPEG) is not supported"
        );
        assert_eq!(
            err(259, 5).to_string(),
            "compression 5 (LZW) is not supported"
        );
        assert!(matches!(err(258, 8), CogError::UnsupportedLayout(_)));
        assert!(matches!(err(339, 3), CogError::UnsupportedLayout(_)));
        assert!(matches!(err(317, 3), CogError::UnsupportedLayout(_)));
        assert!(matches!(err(277, 3), CogError::UnsupportedLayout(_)));
        assert!(matches!(
            plan(&ByteStore::with_prefix(b"GIF89a\0\0\0\0".to_vec())),
            Err(CogError::NotTiff(_))
        ));
    }

    #[test]
    fn truncated_and_corrupt_tiles_are_errors_not_panics() {
        let file = write_tiff(LE_DEFLATE_P2, 64, 32, 32, 16);
        let (layout, _, _) = open_prefix(&file, file.len());
        let r = layout.tile_range(0).unwrap();
        let raw = &file[r.start as usize..r.end as usize];
        let e = layout.decode_tile(0, &raw[..raw.len() / 2]).unwrap_err();
        assert!(
            matches!(e, CogError::Truncated(_) | CogError::Deflate { .. }),
            "{e}"
        );
        let e = layout.decode_tile(0, b"not zlib at all").unwrap_err();
        assert!(matches!(e, CogError::Deflate { .. }), "{e}");
        // The tile bytes were never fetched.
        let store = ByteStore::with_prefix(file[..300].to_vec());
        let w = Window {
            col: 40,
            row: 20,
            width: 2,
            height: 2,
        };
        assert!(matches!(
            layout.read_window(w, &store),
            Err(CogError::Truncated(_))
        ));
        // An uncompressed tile that is too short.
        let o = Opts {
            compression: 1,
            predictor: 1,
            ..LE_DEFLATE_P2
        };
        let f = write_tiff(o, 64, 32, 32, 16);
        let (l, _, _) = open_prefix(&f, f.len());
        assert!(matches!(
            l.decode_tile(0, &[0; 10]),
            Err(CogError::Truncated(_))
        ));
        // A file that ends inside the IFD never becomes ready.
        let mut store = ByteStore::with_prefix(file[..20].to_vec());
        let mut mem = Mem {
            file: file[..20].to_vec(),
            requests: Vec::new(),
        };
        assert!(matches!(
            open(&mut store, &mut mem),
            Err(CogError::Truncated(_))
        ));
    }

    /// Written by tifffile (an independent writer): `scripts/make_cog_fixture.py`.
    #[test]
    fn reads_the_tifffile_fixtures() {
        for (name, big_endian) in [
            ("cog_tifffile_le_deflate_pred2.tif", false),
            ("cog_tifffile_be_deflate_pred2.tif", true),
        ] {
            let path = format!(
                "{}/tests/fixtures/sources/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let file = std::fs::read(&path).unwrap();
            assert!(file.len() <= 50_000, "{name} is {} bytes", file.len());
            let (layout, mut store, mut mem) = open_prefix(&file, 1024);
            assert_eq!(layout.big_endian, big_endian);
            assert_eq!((layout.width, layout.height), (600, 300));
            assert_eq!((layout.tile_width, layout.tile_height), (256, 256));
            assert_eq!(layout.compression, Compression::Deflate);
            assert_eq!(layout.predictor, 2);
            assert_eq!(layout.nodata, Some(0.0));
            let all = Window {
                col: 0,
                row: 0,
                width: 600,
                height: 300,
            };
            let pw = read_window_with(&layout, all, &mut store, &mut mem).unwrap();
            check_window(&pw);
        }
    }
}
