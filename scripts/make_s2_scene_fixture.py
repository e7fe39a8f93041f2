#!/usr/bin/env python3
"""Writes a small Sentinel-2 L2A scene pair around the demo station apacpwq (Apalachicola Bay,
29.7021 N, 84.8802 W, UTM 16N) for the satellite connector's tests and the e2e run: per scene
B03, B04, B08 (10 m), B05 and SCL (20 m) as tiled, deflate-compressed GeoTIFFs written with
tifffile (a writer independent of our reader), and an Earth Search-shaped STAC answer template.

    pip install tifffile numpy && python3 scripts/make_s2_scene_fixture.py

SYNTHETIC pixels on the real UTM grid of the station: open water (SCL 6) everywhere except a
shore strip 300 m to the west (SCL 4), with the reflectance of moderately turbid estuarine water:
B03 0.062, B04 0.030, B08 0.012, B05 0.033 (Earth Search, BOA offset already applied).
Scene "clear" (4.1 % cloud) has water at the station; scene "cloudy" (38.5 %) has a cloud
(SCL 9) over it, so too few valid pixels are left. The template's @BASE@, @T0@/@T1@ (RFC 3339)
and @D0@/@D1@ (YYYYMMDD) are filled in by whoever serves it.
"""
import json
import math
import os

import numpy as np
import tifffile

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "sources", "s2_scene")
LAT, LON, ZONE = 29.7021, -84.8802, 16


def utm(lat, lon, zone):
    """WGS84 -> UTM north (Snyder 1987, eq. 8-9 to 8-10); sub-metre here."""
    a, f, k0 = 6378137.0, 1 / 298.257223563, 0.9996
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    phi, lam = math.radians(lat), math.radians(lon)
    lam0 = math.radians((zone - 1) * 6 - 180 + 3)
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    t = math.tan(phi) ** 2
    c = ep2 * math.cos(phi) ** 2
    aa = math.cos(phi) * (lam - lam0)
    m = a * ((1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256) * phi
             - (3 * e2 / 8 + 3 * e2**2 / 32 + 45 * e2**3 / 1024) * math.sin(2 * phi)
             + (15 * e2**2 / 256 + 45 * e2**3 / 1024) * math.sin(4 * phi)
             - (35 * e2**3 / 3072) * math.sin(6 * phi))
    x = k0 * n * (aa + (1 - t + c) * aa**3 / 6 + (5 - 18 * t + t * t + 72 * c - 58 * ep2) * aa**5 / 120) + 500000
    y = k0 * (m + n * math.tan(phi) * (aa**2 / 2 + (5 - t + 9 * c + 4 * c * c) * aa**4 / 24
                                       + (61 - 58 * t + t * t + 600 * c - 330 * ep2) * aa**6 / 720))
    return x, y


X, Y = utm(LAT, LON, ZONE)
# 96 x 96 px at 10 m with the station near the middle; origin on the 20 m grid.
X0 = math.floor((X - 480) / 20) * 20
Y0 = math.ceil((Y + 480) / 20) * 20
N10, N20 = 96, 48
T10 = [10, 0, X0, 0, -10, Y0]
T20 = [20, 0, X0, 0, -20, Y0]
WATER = {"B03": 620, "B04": 300, "B08": 120, "B05": 330}
LAND = {"B03": 900, "B04": 800, "B08": 3000, "B05": 1500}
CLOUD = {"B03": 4000, "B04": 4000, "B08": 4200, "B05": 4100}
SHORE_M = 300  # land west of the station beyond this


def classes(n, px, cloudy):
    """0 water, 1 land, 2 cloud on an n x n grid of px metres."""
    yy, xx = np.mgrid[0:n, 0:n]
    cx = X0 + (xx + 0.5) * px
    cy = Y0 - (yy + 0.5) * px
    k = np.zeros((n, n), dtype=np.uint8)
    k[cx < X - SHORE_M] = 1
    if cloudy:
        k[(np.abs(cx - X) < 150) & (np.abs(cy - Y) < 150)] = 2
    return k


def write(path, data, tile):
    tifffile.imwrite(path, data, tile=(tile, tile), compression="adobe_deflate", predictor=True,
                     photometric="minisblack", extratags=[(42113, "s", 0, "0", True)], metadata=None)


def scene(name, cloudy):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for band, n, px, tile in [("B03", N10, 10, 32), ("B04", N10, 10, 32), ("B08", N10, 10, 32),
                              ("B05", N20, 20, 16)]:
        k = classes(n, px, cloudy)
        data = np.choose(k, [WATER[band], LAND[band], CLOUD[band]]).astype(np.uint16)
        write(os.path.join(d, band + ".tif"), data, tile)
    k = classes(N20, 20, cloudy)
    write(os.path.join(d, "SCL.tif"), np.choose(k, [6, 4, 9]).astype(np.uint16), 16)


def asset(scene_dir, band, n, t, roles, scale=True):
    a = {
        "href": f"@BASE@/cogs/{scene_dir}/{band}.tif",
        "type": "image/tiff; application=geotiff; profile=cloud-optimized",
        "proj:shape": [n, n],
        "proj:transform": t,
        "roles": roles,
    }
    rb = {"nodata": 0, "data_type": "uint16", "spatial_resolution": t[0]}
    if scale:
        rb.update({"scale": 0.0001, "offset": -0.1})
    a["raster:bands"] = [rb]
    return a


def feature(scene_dir, sid, t, cloud):
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": sid,
        "collection": "sentinel-2-l2a",
        "bbox": [LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01],
        "geometry": {"type": "Polygon", "coordinates": [[[LON - 0.01, LAT - 0.01], [LON + 0.01, LAT - 0.01],
                                                          [LON + 0.01, LAT + 0.01], [LON - 0.01, LAT + 0.01],
                                                          [LON - 0.01, LAT - 0.01]]]},
        "properties": {
            "datetime": t,
            "platform": "sentinel-2b" if scene_dir == "clear" else "sentinel-2a",
            "constellation": "sentinel-2",
            "instruments": ["msi"],
            "eo:cloud_cover": cloud,
            "proj:epsg": 32600 + ZONE,
            "mgrs:utm_zone": ZONE,
            "s2:processing_baseline": "05.11",
            "earthsearch:boa_offset_applied": True,
        },
        "assets": {
            "green": asset(scene_dir, "B03", N10, T10, ["data", "reflectance"]),
            "red": asset(scene_dir, "B04", N10, T10, ["data", "reflectance"]),
            "nir": asset(scene_dir, "B08", N10, T10, ["data", "reflectance"]),
            "rededge1": asset(scene_dir, "B05", N20, T20, ["data", "reflectance"]),
            "scl": asset(scene_dir, "SCL", N20, T20, ["data"], scale=False),
            "thumbnail": {"href": f"@BASE@/cogs/{scene_dir}/thumbnail.jpg", "type": "image/jpeg", "roles": ["thumbnail"]},
        },
        "links": [],
    }


scene("clear", False)
scene("cloudy", True)
items = {
    "_note": "SYNTHETIC scenes on the real UTM 16N grid around apacpwq (scripts/make_s2_scene_fixture.py); "
             "shape of an Earth Search v1 /search answer. @BASE@, @T0@, @T1@, @D0@, @D1@ are filled in when served.",
    "type": "FeatureCollection",
    "numberMatched": 2,
    "numberReturned": 2,
    "features": [
        feature("clear", "S2B_16RFU_@D0@_0_L2A", "@T0@", 4.1),
        feature("cloudy", "S2A_16RFU_@D1@_0_L2A", "@T1@", 38.5),
    ],
    "links": [{"rel": "root", "href": "@BASE@", "type": "application/json"}],
}
with open(os.path.join(OUT, "items.template.json"), "w") as f:
    json.dump(items, f, indent=1)
    f.write("\n")
print("station UTM", round(X, 2), round(Y, 2), "origin", X0, Y0)
for root, _, files in sorted(os.walk(OUT)):
    for name in sorted(files):
        p = os.path.join(root, name)
        print(os.path.relpath(p, OUT), os.path.getsize(p), "bytes")
