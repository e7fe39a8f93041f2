#!/usr/bin/env python3
"""Writes the tiled GeoTIFF fixtures for the COG reader tests (src-tauri/sources/satellite/cog.rs)
with tifffile, a writer independent of ours, so reader bugs our own test writer would share show up.

    pip install tifffile numpy && python3 scripts/make_cog_fixture.py

600x300 uint16, 256x256 tiles (3x2, edge tiles padded), deflate, horizontal predictor,
GDAL_NODATA "0"; little-endian (compression 8) and big-endian (compression 32946).
Pixel value: (x*37 + y*101 + (x*y) % 17) % 10000, the same formula as the Rust test.
"""
import os

import numpy as np
import tifffile

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "sources")

y, x = np.mgrid[0:300, 0:600].astype(np.uint64)
data = ((x * 37 + y * 101 + (x * y) % 17) % 10000).astype(np.uint16)
nodata = [(42113, "s", 0, "0", True)]  # GDAL_NODATA, ASCII

for name, byteorder, compression in [
    ("cog_tifffile_le_deflate_pred2.tif", "<", "adobe_deflate"),
    ("cog_tifffile_be_deflate_pred2.tif", ">", "deflate"),
]:
    path = os.path.join(OUT, name)
    tifffile.imwrite(
        path,
        data,
        byteorder=byteorder,
        tile=(256, 256),
        compression=compression,
        predictor=True,
        photometric="minisblack",
        extratags=nodata,
        metadata=None,
    )
    with tifffile.TiffFile(path) as t:
        p = t.pages[0]
        assert (p.asarray() == data).all()
        print(name, os.path.getsize(path), "bytes", p.compression, p.predictor, t.byteorder)
