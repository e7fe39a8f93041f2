#!/usr/bin/env python3
"""Offline training of the Pure Health multi-horizon quantile forecasters.

One small MLP per parameter (oxygen, temperature, chla) maps a fixed 60-day window of daily
means (plus a gap mask, day-of-year sin/cos and a level feature) to P10/P50/P90 forecasts for
every horizon 1..90 days. Trained with pinball loss and Adam in plain numpy, exported to ONNX
(opset 13, fixed shapes, batch 1, only MatMul/Add/Relu/Clip/Exp/Sub/Reshape/Concat) so that
both ONNX Runtime and tract can run it.

Evaluation is on whole NEON sites that are never used for training or model selection
(HELDOUT_SITES), by a rolling-origin backtest against persistence and day-of-year climatology.
The tensor contract is documented in docs/MODEL_CARD.md and in models/forecast_<p>.json.

Usage:
    OMP_NUM_THREADS=1 python scripts/train_forecast.py [--params oxygen,temperature,chla]
        [--data data/neon/neon_aquatics_daily_2016-2023.csv.gz] [--out models]
        [--json backtest.json] [--seed 20240606] [--epochs 60]
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import json
import math
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(ROOT, "data", "neon", "neon_aquatics_daily_2016-2023.csv.gz")
MODEL_VERSION = "1.0.0"

# ---------------------------------------------------------------------------------------------
# Fixed design constants (part of the tensor contract)
# ---------------------------------------------------------------------------------------------
WINDOW = 60            # L: days in the input window, the last one is the forecast origin
HORIZON = 90           # outputs for horizons 1..90 days after the origin
QUANTILES = [0.1, 0.5, 0.9]
MIN_OBS = 30           # a window needs >= 30 observed days of 60 ...
MAX_STALE = 7          # ... and an observation among its last 7 days
CLIM_OFF = 2 * WINDOW + 4          # climatology features start here (flag at CLIM_OFF - 1)
N_FEAT = CLIM_OFF + HORIZON + 1     # clim for horizons 0..90
CLIM_DROPOUT = 0.2                  # training: share of samples with climatology hidden (flag 0)
# Model-selection grid (hidden width, weight decay); hidden 0 = linear model (MLP branch unused).
CONFIGS = [(0, 1e-4), (32, 1e-3), (64, 1e-4), (128, 1e-3)]
LOG_W_CLIP = (-6.0, 4.0)  # clip of the log half-widths of the interval (normalised units)

# Whole sites held out from training AND model selection (chosen before any training run, to
# span types and regions: plains/mountain/SE/NW streams, a lake and a large river).
HELDOUT_SITES = ["ARIK", "LECO", "MCDI", "MART", "CRAM", "TOMB"]
# Validation (early stopping, config choice, interval calibration): whole sites taken from the
# training pool. After selection the final model is refit on all training sites (fit + val).
VAL_SITES = ["BLUE", "CUPE", "PRLA", "SYCA", "WALK"]

BACKTEST_HORIZONS = [7, 30, 90]
BACKTEST_STEP = 7      # origins: dates whose day number since 1970-01-01 is divisible by 7
CLIM_HALF_WIDTH = 7    # climatology: site's own obs with |doy diff| <= 7, dated <= origin
CLIM_MIN_N = 5
MASE_MIN_PAIRS = 10

PARAMS = {
    # transform: "identity" or "log1p" (applied to raw values before everything else)
    "oxygen": {"unit": "mg/L", "transform": "identity"},
    "temperature": {"unit": "degC", "transform": "identity"},
    "chla": {"unit": "ug/L", "transform": "log1p"},
}

EPOCH0 = dt.date(1970, 1, 1)


def day_number(s):
    return (dt.date.fromisoformat(s) - EPOCH0).days


def doy_of_day(d):
    """Day of year 1..366 for a day number since 1970-01-01."""
    date = EPOCH0 + dt.timedelta(days=int(d))
    return date.timetuple().tm_yday


def fwd(x, kind):
    if kind == "log1p":
        return np.log1p(np.maximum(x, 0.0))
    return x


def inv(x, kind):
    if kind == "log1p":
        return np.expm1(x)
    return x


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_long(path):
    """Returns {(site, variable): (day0, values float64 array with NaN for gaps)}."""
    raw = {}
    with gzip.open(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            obs = row["observation"]
            if obs in ("NA", ""):
                continue
            v = float(obs)
            if not math.isfinite(v):
                continue
            raw.setdefault((row["site_id"], row["variable"]), {})[day_number(row["datetime"])] = v
    series = {}
    for key, d in raw.items():
        days = np.array(sorted(d))
        y = np.full(days[-1] - days[0] + 1, np.nan)
        y[days - days[0]] = [d[k] for k in days]
        series[key] = (int(days[0]), y)
    return series


def doy_bin(d):
    """Climatology bin 0..364 of a day number: (day_of_year - 1) mod 365 (31 Dec of leap years -> bin 0)."""
    return (doy_of_day(d) - 1) % 365


def climatology_table(day0, y):
    """clim[t, b] = mean of y[i] (observed, i <= t) with circular bin distance to b <= CLIM_HALF_WIDTH
    (on a 365-bin ring), NaN if fewer than CLIM_MIN_N values."""
    n = len(y)
    bins = np.array([doy_bin(day0 + i) for i in range(n)])
    obs = ~np.isnan(y)
    S = np.zeros((n, 365))
    C = np.zeros((n, 365))
    S[np.arange(n)[obs], bins[obs]] = y[obs]
    C[np.arange(n)[obs], bins[obs]] = 1.0
    S = np.cumsum(S, axis=0)
    C = np.cumsum(C, axis=0)
    Sw = sum(np.roll(S, k, axis=1) for k in range(-CLIM_HALF_WIDTH, CLIM_HALF_WIDTH + 1))
    Cw = sum(np.roll(C, k, axis=1) for k in range(-CLIM_HALF_WIDTH, CLIM_HALF_WIDTH + 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        clim = Sw / Cw
    clim[Cw < CLIM_MIN_N] = np.nan
    return clim


def build_windows(day0, y, origins_idx, clim=None):
    """Feature rows for origin indices into y (already transformed). Returns (X, center, ok).
    clim: climatology_table of the transformed series (climatology features are raw here,
    normalised in finish_features)."""
    n = len(origins_idx)
    X = np.zeros((n, N_FEAT), dtype=np.float64)
    center = np.zeros(n)
    ok = np.zeros(n, dtype=bool)
    for r, t in enumerate(origins_idx):
        if t - WINDOW + 1 < 0:
            continue
        w = y[t - WINDOW + 1:t + 1]
        m = ~np.isnan(w)
        if m.sum() < MIN_OBS or not m[-MAX_STALE:].any():
            continue
        ok[r] = True
        center[r] = w[m].mean()
        X[r, WINDOW:2 * WINDOW] = m
        # gap fill inside the window: forward fill; leading gaps take the first observed value
        idx = np.where(m, np.arange(WINDOW), -1)
        idx = np.maximum.accumulate(idx)
        idx[idx < 0] = int(np.argmax(m))
        X[r, :WINDOW] = w[idx]
        doy = doy_of_day(day0 + t)
        X[r, 2 * WINDOW] = math.sin(2 * math.pi * doy / 365.25)
        X[r, 2 * WINDOW + 1] = math.cos(2 * math.pi * doy / 365.25)
        if clim is not None:
            cv = clim[t, [doy_bin(day0 + t + h) for h in range(HORIZON + 1)]]
            if not np.isnan(cv).any():
                X[r, CLIM_OFF - 1] = 1.0
                X[r, CLIM_OFF:] = cv
    return X, center, ok


def finish_features(X, center, norm):
    """Normalise in place: window values -> (v - center)/scale; level -> (center - mu)/sd."""
    X[:, :WINDOW] = (X[:, :WINDOW] - center[:, None]) / norm["scale"]
    X[:, 2 * WINDOW + 2] = (center - norm["level_mean"]) / norm["level_std"]
    flag = X[:, CLIM_OFF - 1] > 0.5
    X[:, CLIM_OFF:] = np.where(flag[:, None], (X[:, CLIM_OFF:] - center[:, None]) / norm["scale"], 0.0)
    return X


def targets(y, origins_idx):
    Y = np.full((len(origins_idx), HORIZON), np.nan)
    n = len(y)
    for r, t in enumerate(origins_idx):
        a, b = t + 1, min(t + HORIZON, n - 1)
        if a <= b:
            Y[r, :b - a + 1] = y[a:b + 1]
    return Y


# ---------------------------------------------------------------------------------------------
# Model: MLP with a linear skip, three heads (median, log lower half-width, log upper half-width)
# ---------------------------------------------------------------------------------------------
def init_params(rng, hidden):
    def he(a, b):
        return rng.normal(0.0, math.sqrt(2.0 / a), size=(a, b))

    hw = max(hidden, 1)
    p = {
        "W1": he(N_FEAT, hw), "b1": np.zeros(hw),
        "W2": he(hw, hw), "b2": np.zeros(hw),
        "W3": he(hw, 3 * HORIZON) * (0.1 if hidden else 0.0), "b3": np.zeros(3 * HORIZON),
        "S": np.zeros((N_FEAT, 3 * HORIZON)),
    }
    p["b3"][HORIZON:] = math.log(0.5)  # initial half-widths 0.5 normalised units
    return p


def forward(p, X, cache=False):
    h1p = X @ p["W1"] + p["b1"]
    h1 = np.maximum(h1p, 0.0)
    h2p = h1 @ p["W2"] + p["b2"]
    h2 = np.maximum(h2p, 0.0)
    z = h2 @ p["W3"] + p["b3"] + X @ p["S"]
    med = z[:, :HORIZON]
    lo_raw = z[:, HORIZON:2 * HORIZON]
    hi_raw = z[:, 2 * HORIZON:]
    lo_c = np.clip(lo_raw, *LOG_W_CLIP)
    hi_c = np.clip(hi_raw, *LOG_W_CLIP)
    wl, wh = np.exp(lo_c), np.exp(hi_c)
    out = np.stack([med - wl, med, med + wh], axis=-1)  # [N, 90, 3]
    if cache:
        return out, (X, h1p, h1, h2p, h2, lo_raw, hi_raw, wl, wh)
    return out


def pinball_grad(out, Y, M):
    """Mean pinball loss over observed (sample, horizon, quantile) and d loss / d out."""
    q = np.array(QUANTILES)
    e = Y[..., None] - out  # [N,H,3]
    loss = np.maximum(q * e, (q - 1.0) * e) * M[..., None]
    denom = max(M.sum() * len(QUANTILES), 1.0)
    g = np.where(e > 0, -q, 1.0 - q) * M[..., None] / denom
    return loss.sum() / denom, g


def backward(p, cache, g, wd):
    X, h1p, h1, h2p, h2, lo_raw, hi_raw, wl, wh = cache
    gmed = g[..., 0] + g[..., 1] + g[..., 2]
    glo = -g[..., 0] * wl * ((lo_raw > LOG_W_CLIP[0]) & (lo_raw < LOG_W_CLIP[1]))
    ghi = g[..., 2] * wh * ((hi_raw > LOG_W_CLIP[0]) & (hi_raw < LOG_W_CLIP[1]))
    gz = np.concatenate([gmed, glo, ghi], axis=1)
    grads = {
        "W3": h2.T @ gz + wd * p["W3"], "b3": gz.sum(0),
        "S": X.T @ gz + wd * p["S"],
    }
    gh2 = (gz @ p["W3"].T) * (h2p > 0)
    grads["W2"] = h1.T @ gh2 + wd * p["W2"]
    grads["b2"] = gh2.sum(0)
    gh1 = (gh2 @ p["W2"].T) * (h1p > 0)
    grads["W1"] = X.T @ gh1 + wd * p["W1"]
    grads["b1"] = gh1.sum(0)
    return grads


def eval_loss(p, X, Y, M, bs=4096):
    tot, cnt = 0.0, 0.0
    for i in range(0, len(X), bs):
        out = forward(p, X[i:i + bs])
        loss, _ = pinball_grad(out, Y[i:i + bs], M[i:i + bs])
        k = M[i:i + bs].sum()
        tot += loss * k
        cnt += k
    return tot / max(cnt, 1)


def train(Xtr, Ytr, Mtr, Xva, Yva, Mva, seed, epochs, log, hidden, wd, fixed_epochs=None):
    """Adam + cosine schedule over `epochs`. With validation data: early stopping (patience 10),
    returns the best epoch's weights. With fixed_epochs: runs exactly that many epochs."""
    rng = np.random.default_rng(seed)
    p = init_params(rng, hidden)
    frozen = set() if hidden else {"W1", "b1", "W2", "b2", "W3"}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(vv) for k, vv in p.items()}
    b1, b2, eps, lr0, bs = 0.9, 0.999, 1e-8, 1e-3, 256
    step = 0
    best = (float("inf"), None, -1)
    patience, bad = 10, 0
    for ep in range(fixed_epochs or epochs):
        lr = lr0 * (0.5 * (1 + math.cos(math.pi * ep / epochs)))
        perm = rng.permutation(len(Xtr))
        tl, nb = 0.0, 0
        for i in range(0, len(perm), bs):
            idx = perm[i:i + bs]
            xb = Xtr[idx].copy()
            drop = rng.random(len(idx)) < CLIM_DROPOUT
            xb[drop, CLIM_OFF - 1:] = 0.0
            out, cache = forward(p, xb, cache=True)
            loss, g = pinball_grad(out, Ytr[idx], Mtr[idx])
            grads = backward(p, cache, g, wd)
            step += 1
            for k in p:
                if k in frozen:
                    continue
                m[k] = b1 * m[k] + (1 - b1) * grads[k]
                v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
                mh = m[k] / (1 - b1 ** step)
                vh = v[k] / (1 - b2 ** step)
                p[k] -= lr * mh / (np.sqrt(vh) + eps)
            tl += loss
            nb += 1
        if fixed_epochs:
            continue
        vl = eval_loss(p, Xva, Yva, Mva)
        if vl < best[0] - 1e-5:
            best = (vl, {k: x.copy() for k, x in p.items()}, ep + 1)
            bad = 0
        else:
            bad += 1
            if bad >= patience:
                break
    if fixed_epochs:
        return p, fixed_epochs, float("nan")
    return best[1], best[2], best[0]


def calibrate(p, X, Y, M):
    """Per-horizon log-factors for the lower/upper half-widths so that, on the validation sites,
    10 % of observations fall below P10 and 10 % above P90. Returns (log_k_lo, log_k_hi)."""
    _, cache = forward(p, X, cache=True)
    out = forward(p, X)
    wl, wh = cache[7], cache[8]
    med = out[..., 1]
    klo, khi = np.zeros(HORIZON), np.zeros(HORIZON)
    for h in range(HORIZON):
        sel = M[:, h] > 0
        if sel.sum() < 50:
            continue
        klo[h] = np.log(max(np.quantile((med[sel, h] - Y[sel, h]) / wl[sel, h], 0.9), 0.05))
        khi[h] = np.log(max(np.quantile((Y[sel, h] - med[sel, h]) / wh[sel, h], 0.9), 0.05))
    # light smoothing across neighbouring horizons (moving average over +-3 days)
    ker = np.ones(7) / 7
    sm = lambda a: np.convolve(np.pad(a, 3, mode="edge"), ker, mode="valid")  # noqa: E731
    return sm(klo), sm(khi)


# ---------------------------------------------------------------------------------------------
# ONNX export
# ---------------------------------------------------------------------------------------------
def export_onnx(p, path, param):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    H = HORIZON
    inits = [
        numpy_helper.from_array(f32(p["W1"]), "W1"), numpy_helper.from_array(f32(p["b1"]), "b1"),
        numpy_helper.from_array(f32(p["W2"]), "W2"), numpy_helper.from_array(f32(p["b2"]), "b2"),
    ]
    for name, sl in (("med", slice(0, H)), ("lo", slice(H, 2 * H)), ("hi", slice(2 * H, 3 * H))):
        inits.append(numpy_helper.from_array(f32(p["W3"][:, sl]), f"W3_{name}"))
        inits.append(numpy_helper.from_array(f32(p["b3"][sl]), f"b3_{name}"))
        inits.append(numpy_helper.from_array(f32(p["S"][:, sl]), f"S_{name}"))
    inits += [
        numpy_helper.from_array(f32(LOG_W_CLIP[0]), "clip_min"),
        numpy_helper.from_array(f32(LOG_W_CLIP[1]), "clip_max"),
        numpy_helper.from_array(np.array([1, H, 1], dtype=np.int64), "shape_q"),
    ]
    N = helper.make_node
    nodes = [
        N("MatMul", ["input", "W1"], ["h1m"]), N("Add", ["h1m", "b1"], ["h1p"]),
        N("Relu", ["h1p"], ["h1"]),
        N("MatMul", ["h1", "W2"], ["h2m"]), N("Add", ["h2m", "b2"], ["h2p"]),
        N("Relu", ["h2p"], ["h2"]),
    ]
    for name in ("med", "lo", "hi"):
        nodes += [
            N("MatMul", ["h2", f"W3_{name}"], [f"{name}_a"]),
            N("MatMul", ["input", f"S_{name}"], [f"{name}_s"]),
            N("Add", [f"{name}_a", f"{name}_s"], [f"{name}_b"]),
            N("Add", [f"{name}_b", f"b3_{name}"], [f"z_{name}"]),
        ]
    nodes += [
        N("Clip", ["z_lo", "clip_min", "clip_max"], ["lo_c"]), N("Exp", ["lo_c"], ["w_lo"]),
        N("Clip", ["z_hi", "clip_min", "clip_max"], ["hi_c"]), N("Exp", ["hi_c"], ["w_hi"]),
        N("Sub", ["z_med", "w_lo"], ["q10"]), N("Add", ["z_med", "w_hi"], ["q90"]),
        N("Reshape", ["q10", "shape_q"], ["q10r"]), N("Reshape", ["z_med", "shape_q"], ["q50r"]),
        N("Reshape", ["q90", "shape_q"], ["q90r"]),
        N("Concat", ["q10r", "q50r", "q90r"], ["quantiles"], axis=2),
    ]
    graph = helper.make_graph(
        nodes, f"purehealth_forecast_{param}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, N_FEAT])],
        [helper.make_tensor_value_info("quantiles", TensorProto.FLOAT, [1, H, 3])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="purehealth-train_forecast", producer_version=MODEL_VERSION)
    model.ir_version = 8
    model.doc_string = (f"Pure Health {param} forecaster v{MODEL_VERSION}: input [1,{N_FEAT}] "
                        f"normalised window features, output [1,{H},3] normalised P10/P50/P90")
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return sorted({n.op_type for n in model.graph.node})


# ---------------------------------------------------------------------------------------------
# Backtest helpers
# ---------------------------------------------------------------------------------------------
def naive_scale_prefix(y):
    """scale[t] = mean |y[i]-y[i-1]| over pairs (i-1,i) both observed with i <= t (NaN if < MIN pairs)."""
    d = np.abs(np.diff(y))
    ok = ~np.isnan(d)
    cs = np.concatenate([[0.0], np.cumsum(np.where(ok, d, 0.0))])
    cn = np.concatenate([[0], np.cumsum(ok)])
    with np.errstate(invalid="ignore", divide="ignore"):
        s = cs / cn
    s[cn < MASE_MIN_PAIRS] = np.nan
    s[s <= 0] = np.nan
    return s  # index t -> pairs up to (t-1,t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--params", default="oxygen,temperature,chla")
    ap.add_argument("--seed", type=int, default=20240606)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--json", default=None, help="write backtest results JSON here ('-' = stdout)")
    args = ap.parse_args()
    log = lambda s: print(s, file=sys.stderr if args.json == "-" else sys.stdout, flush=True)  # noqa: E731

    import onnxruntime as ort

    t_start = time.time()
    data_sha = sha256_file(args.data)
    log(f"data {os.path.relpath(args.data, ROOT)} sha256 {data_sha}")
    series = load_long(args.data)
    os.makedirs(args.out, exist_ok=True)
    results = []
    summary = []

    for param in args.params.split(","):
        cfg = PARAMS[param]
        kind = cfg["transform"]
        keys = sorted(k for k in series if k[1] == param)
        train_keys = [k for k in keys if k[0] not in HELDOUT_SITES]
        test_keys = [k for k in keys if k[0] in HELDOUT_SITES]
        log(f"\n== {param}: train sites {[k[0] for k in train_keys]}  held-out {[k[0] for k in test_keys]}")
        # normalisation constants from training sites only (transformed scale)
        per_site_std, allv = [], []
        for k in train_keys:
            yt = fwd(series[k][1], kind)
            yt = yt[~np.isnan(yt)]
            per_site_std.append(yt.std())
            allv.append(yt)
        allv = np.concatenate(allv)
        norm = {"scale": float(np.median(per_site_std)), "level_mean": float(allv.mean()),
                "level_std": float(allv.std())}
        log(f"   normalisation {norm}")

        # ---- samples per training site
        per_site = {}
        for k in train_keys:
            day0, yraw = series[k]
            y = fwd(yraw, kind)
            origins = np.arange(WINDOW - 1, len(y) - 1)
            X, c, ok = build_windows(day0, y, origins, climatology_table(day0, y))
            Y = targets(y, origins)
            X, c, Y = X[ok], c[ok], Y[ok]
            X = finish_features(X, c, norm)
            Yn = (Y - c[:, None]) / norm["scale"]
            M = ~np.isnan(Yn)
            keep = M.any(1)
            per_site[k[0]] = (X[keep], np.nan_to_num(Yn[keep]), M[keep].astype(float))

        def stack(sites):
            parts = [per_site[s_] for s_ in sites if s_ in per_site]
            return tuple(np.concatenate([q_[i] for q_ in parts]) for i in range(3))

        fit_sites = [k[0] for k in train_keys if k[0] not in VAL_SITES]
        val_sites = [k[0] for k in train_keys if k[0] in VAL_SITES]
        Xf, Yf, Mf = stack(fit_sites)
        Xva, Yva, Mva = stack(val_sites)
        log(f"   selection: fit sites {fit_sites} ({len(Xf)} samples), validation sites {val_sites} ({len(Xva)})")
        t0 = time.time()
        best = None
        for hidden, wd in CONFIGS:
            pc, ep_c, vl_c = train(Xf, Yf, Mf, Xva, Yva, Mva, args.seed, args.epochs, log, hidden, wd)
            log(f"     config hidden={hidden:<3} wd={wd:g}: best epoch {ep_c:2d}, val pinball {vl_c:.4f}")
            if best is None or vl_c < best[3]:
                best = (hidden, wd, ep_c, vl_c, pc)
        hidden, wd, best_ep, best_val, psel = best
        log_klo, log_khi = calibrate(psel, Xva, Yva, Mva)
        log(f"   chosen hidden={hidden} wd={wd:g} epochs={best_ep}; interval calibration factors "
            f"h7 {np.exp(log_klo[6]):.2f}/{np.exp(log_khi[6]):.2f}, h30 {np.exp(log_klo[29]):.2f}/{np.exp(log_khi[29]):.2f}")
        # ---- final refit on all training sites with the chosen config and epoch count
        Xtr, Ytr, Mtr = stack([k[0] for k in train_keys])
        p, _, _ = train(Xtr, Ytr, Mtr, None, None, None, args.seed, args.epochs, log, hidden, wd,
                        fixed_epochs=best_ep)
        p["b3"][HORIZON:2 * HORIZON] += log_klo
        p["b3"][2 * HORIZON:] += log_khi
        log(f"   refit on {len(train_keys)} training sites ({len(Xtr)} samples), {time.time() - t0:.0f} s total")

        # ---- export
        onnx_path = os.path.join(args.out, f"forecast_{param}.onnx")
        ops = export_onnx(p, onnx_path, param)
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])

        # ---- backtest on held-out sites
        site_rows = {}
        onnx_diffs, onnx_n = [], []
        for k in test_keys:
            day0, yraw = series[k]
            y = fwd(yraw, kind)
            n = len(y)
            origins = np.array([t for t in range(n) if (day0 + t) % BACKTEST_STEP == 0])
            X, c, ok = build_windows(day0, y, origins, climatology_table(day0, y))
            X, c, o = X[ok], c[ok], origins[ok]
            X = finish_features(X, c, norm)
            out = forward(p, X)  # numpy reference forward (float64)
            # ONNX Runtime with batch 1, float32; compare with numpy
            out_onnx = np.stack([sess.run(None, {"input": X[i:i + 1].astype(np.float32)})[0][0]
                                 for i in range(len(X))]) if len(X) else np.zeros((0, HORIZON, 3))
            if len(X):
                onnx_diffs.append(float(np.abs(out_onnx - out).max()))
                onnx_n.append(X)
            q = inv(c[:, None, None] + norm["scale"] * out_onnx.astype(np.float64), kind)  # physical
            scale = naive_scale_prefix(yraw)
            clim_raw = climatology_table(day0, yraw)  # baseline on raw values
            rows = site_rows.setdefault(k[0], {})
            for r, t in enumerate(o):
                # persistence: last observed raw value in the window
                w = yraw[t - WINDOW + 1:t + 1]
                last = w[~np.isnan(w)][-1]
                for h in BACKTEST_HORIZONS:
                    tt = t + h
                    if tt >= n or np.isnan(yraw[tt]) or np.isnan(scale[t]):
                        continue
                    clim = clim_raw[t, doy_bin(day0 + tt)]
                    if np.isnan(clim):
                        continue  # common evaluation set: all three methods available
                    obs = yraw[tt]
                    p10, p50, p90 = q[r, h - 1]
                    for meth, pred, cov in (("model", p50, p10 <= obs <= p90),
                                            ("persistence", last, None),
                                            ("climatology", clim, None)):
                        rows.setdefault((h, meth), []).append((abs(pred - obs), abs(pred - obs) / scale[t], cov))
        maxdiff = max(onnx_diffs) if onnx_diffs else float("nan")
        log(f"   ONNX Runtime (float32, batch 1) vs numpy forward (float64): max abs diff {maxdiff:.3e} "
            f"(normalised output units, {sum(len(x_) for x_ in onnx_n)} held-out windows)")

        def agg(lst):
            a = np.array([(x[0], x[1]) for x in lst])
            covs = [x[2] for x in lst if x[2] is not None]
            return {"n": len(lst), "mae": float(a[:, 0].mean()), "mase": float(a[:, 1].mean()),
                    "coverage_p10_p90": float(np.mean(covs)) if covs else None}

        pooled = {}
        for site in sorted(site_rows):
            for (h, meth), lst in sorted(site_rows[site].items()):
                pooled.setdefault((h, meth), []).extend(lst)
                results.append({"site": site, "parameter": param, "horizon": h, "method": meth, **agg(lst)})
        for (h, meth), lst in sorted(pooled.items()):
            results.append({"site": "ALL", "parameter": param, "horizon": h, "method": meth, **agg(lst)})

        meta = {
            "name": f"forecast_{param}", "version": MODEL_VERSION, "parameter": param,
            "unit": cfg["unit"], "onnx_file": f"forecast_{param}.onnx", "opset": 13,
            "onnx_ops": ops,
            "inputs": [{"name": "input", "shape": [1, N_FEAT], "dtype": "float32"}],
            "outputs": [{"name": "quantiles", "shape": [1, HORIZON, 3], "dtype": "float32",
                         "layout": "[0, h-1, j] = normalised quantile j (0:P10, 1:P50, 2:P90) for horizon h days"}],
            "window": WINDOW, "horizons": list(range(1, HORIZON + 1)), "quantiles": QUANTILES,
            "feature_layout": {
                "values": [0, WINDOW], "mask": [WINDOW, 2 * WINDOW], "doy_sin": 2 * WINDOW,
                "doy_cos": 2 * WINDOW + 1, "level": 2 * WINDOW + 2, "clim_flag": CLIM_OFF - 1,
                "clim": [CLIM_OFF, N_FEAT]},
            "transform": kind,
            "normalisation": {
                "center": "mean of the observed (not filled) transformed values in the window",
                "scale": norm["scale"], "level_mean": norm["level_mean"], "level_std": norm["level_std"],
                "values": "(filled_transformed_value - center) / scale",
                "level": "(center - level_mean) / level_std",
                "doy": "sin/cos(2*pi*doy/365.25), doy = day of year (1..366) of the origin (last window day)",
                "clim": ("if clim_flag = 1: (clim_h - center) / scale for h = 0..90, where clim_h = mean of the "
                         "site's transformed observations dated <= origin whose day-of-year bin "
                         "((doy-1) mod 365) is within +-7 bins (ring of 365) of the bin of origin+h; "
                         "clim_flag = 1 only if all 91 have >= 5 values, else flag and all 91 are 0"),
                "output": "physical = inverse_transform(center + scale * output)",
            },
            "gap_fill": "forward fill inside the window; leading gaps take the first observed value of the window; mask 1=observed, 0=filled",
            "eligibility": {"min_observed": MIN_OBS, "max_days_since_last_obs": MAX_STALE - 1},
            "training": {"data_file": "data/neon/neon_aquatics_daily_2016-2023.csv.gz", "data_sha256": data_sha,
                         "train_sites": [k[0] for k in train_keys], "heldout_sites": HELDOUT_SITES,
                         "validation_sites": val_sites, "seed": args.seed,
                         "hidden": hidden, "weight_decay": wd, "epochs": best_ep,
                         "val_pinball_before_refit": best_val,
                         "n_train": int(len(Xtr)), "n_val": int(len(Xva)),
                         "interval_calibration": "per-horizon log factors from the validation sites, added to the lower/upper width biases"},
            "onnx_vs_numpy_max_abs_diff": maxdiff,
        }
        with open(os.path.join(args.out, f"forecast_{param}.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        summary.append((param, os.path.getsize(onnx_path), maxdiff, best_ep))

    # ---- table
    log("\nBacktest on held-out sites " + ",".join(HELDOUT_SITES) + " (pooled rows: site=ALL)")
    log(f"{'param':<12}{'site':<6}{'h':>3}  {'method':<12}{'n':>6}{'MAE':>9}{'MASE':>8}{'cov80':>7}")
    for r in results:
        cov = f"{100 * r['coverage_p10_p90']:6.1f}%" if r["coverage_p10_p90"] is not None else "      -"
        log(f"{r['parameter']:<12}{r['site']:<6}{r['horizon']:>3}  {r['method']:<12}{r['n']:>6}"
            f"{r['mae']:>9.3f}{r['mase']:>8.3f}{cov}")
    log("\nTargets (site=ALL): model MASE < persistence and < climatology at 7 and 30 d, coverage 70-90%")
    for param in args.params.split(","):
        for h in (7, 30):
            d = {r["method"]: r for r in results if r["site"] == "ALL" and r["parameter"] == param and r["horizon"] == h}
            if "model" not in d:
                continue
            ok = (d["model"]["mase"] < d["persistence"]["mase"] and d["model"]["mase"] < d["climatology"]["mase"]
                  and 0.70 <= d["model"]["coverage_p10_p90"] <= 0.90)
            log(f"  {param:<12} h={h:<3} model {d['model']['mase']:.3f} persistence {d['persistence']['mase']:.3f} "
                f"climatology {d['climatology']['mase']:.3f} coverage {100 * d['model']['coverage_p10_p90']:.1f}% "
                f"-> {'MET' if ok else 'NOT MET'}")
    for param, size, diff, ep in summary:
        log(f"  model forecast_{param}.onnx: {size / 1024:.0f} KiB, best epoch {ep}, ORT-vs-numpy max abs diff {diff:.2e}")
    log(f"total time {time.time() - t_start:.0f} s")
    if args.json:
        blob = json.dumps({"results": results}, indent=1)
        if args.json == "-":
            print(blob)
        else:
            with open(args.json, "w") as f:
                f.write(blob + "\n")


if __name__ == "__main__":
    main()
