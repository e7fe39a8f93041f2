#!/usr/bin/env python3
"""Offline training of the Pure Health multi-horizon quantile forecasters.

Per parameter (oxygen, temperature, chla) the exported ONNX model maps a fixed 60-day window of
daily means (plus a gap mask, day-of-year sin/cos, a level feature and the station's own
day-of-year climatology) to P10/P50/P90 forecasts for every horizon 1..90 days.

Inside each model there are two small MLPs (plain numpy, pinball loss, Adam):
  * net A ("climatology mode") sees the window and the climatology inputs, not doy/level;
  * net B ("window-only mode") sees the window, doy and level, never the climatology inputs.
Each of the two is a seed ensemble of MEMBERS (3) independently seeded networks, averaged inside the
graph (mean of the members' medians and of their half-widths).
If clim_flag = 1 the median is a per-horizon linear stack of net A, net B, the climatology input,
persistence and the climatology of the origin day; if clim_flag = 0 it is net B. The stacking
weights and per-horizon interval scale factors are fitted on out-of-fold predictions of a
leave-sites-out (grouped, level-stratified) K-fold cross-validation over the training sites and
folded into the graph. Export: ONNX opset 13, fixed shapes, batch 1, only
MatMul/Add/Sub/Mul/Relu/Clip/Exp/Reshape/Concat, so that both ONNX Runtime and tract can run it.

Evaluation is on whole NEON sites that are never used for training, cross-validation or model
choices (HELDOUT_SITES), by a rolling-origin backtest against persistence and day-of-year
climatology. The tensor contract is documented in docs/MODEL_CARD.md and in models/forecast_<p>.json.

Usage:
    OMP_NUM_THREADS=1 python scripts/train_forecast.py [--params oxygen,temperature,chla]
        [--data data/neon/neon_aquatics_daily_2016-2023.csv.gz] [--out models]
        [--json backtest.json] [--seed 20240606] [--members 3] [--cv-only]
    python scripts/train_forecast.py --fixtures [--out models] [--fixtures-dir tests/fixtures/forecast]
        (no training: regenerate the Rust reference fixtures from the shipped models)
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
MODEL_VERSION = "1.2.0"

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
IDX_DOY = (2 * WINDOW, 2 * WINDOW + 1)
IDX_LEVEL = 2 * WINDOW + 2
IDX_FLAG = CLIM_OFF - 1
LOG_W_CLIP = (-6.0, 4.0)  # clip of the log half-widths of the interval (normalised units)

# ---------------------------------------------------------------------------------------------
# Training design (chosen by leave-sites-out cross-validation on the training sites only)
# ---------------------------------------------------------------------------------------------
# Net A: climatology mode (used when clim_flag = 1); doy and level inputs are zeroed (they let the
# network memorise the training sites' seasonal cycles, which did not transfer across sites).
# Net B: window-only mode (used when clim_flag = 0, and as one input of the stack); the flag and
# climatology inputs are zeroed, so net B behaves identically whatever the climatology says.
NET_A = {"hidden": 128, "wd": 1e-4, "epochs": 20, "zero": [*IDX_DOY, IDX_LEVEL]}
NET_B = {"hidden": 128, "wd": 1e-4, "epochs": 40, "zero": list(range(IDX_FLAG, N_FEAT))}
LR, BATCH = 1e-3, 256
K_FOLDS = 6                 # grouped K-fold over training sites (fewer sites: leave-one-site-out)
STACK_SMOOTH = 5            # stacking weights: moving average over +-5 horizons
CAL_SMOOTH = 3              # interval factors: moving average of the log factor over +-3 horizons
MIN_SITES_FULL_STACK = 10   # fewer training sites (chla): stack only [net A, climatology]
STACK_FULL = ["net_a", "net_b", "clim_h", "persistence", "clim_0"]
STACK_SMALL = ["net_a", "clim_h"]
# Seed ensemble: MEMBERS independently seeded copies of both networks (member j uses the seeds of
# member 0 plus SEED_MEMBER_STRIDE * j), averaged inside the graph: median = mean of the members'
# medians, half-width = mean of the members' half-widths. Stacking weights and interval factors are
# fitted on the out-of-fold predictions of the averaged networks (same CV procedure as for one member).
MEMBERS = 3
SEED_MEMBER_STRIDE = 1000

# Whole sites held out from training, cross-validation and every model choice (chosen before any
# training run, to span types and regions: plains/mountain/SE/NW streams, a lake and a large river).
HELDOUT_SITES = ["ARIK", "LECO", "MCDI", "MART", "CRAM", "TOMB"]

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
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
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
# Networks: MLP with a linear skip, three heads (median, log lower half-width, log upper half-width)
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


def forward_z(p, X):
    """Raw heads z [N, 270] = (median, log lower half-width, log upper half-width) before clipping."""
    h1 = np.maximum(X @ p["W1"] + p["b1"], 0.0)
    h2 = np.maximum(h1 @ p["W2"] + p["b2"], 0.0)
    return h2 @ p["W3"] + p["b3"] + X @ p["S"]


def forward(p, X, cache=False):
    h1p = X @ p["W1"] + p["b1"]
    h1 = np.maximum(h1p, 0.0)
    h2p = h1 @ p["W2"] + p["b2"]
    h2 = np.maximum(h2p, 0.0)
    z = h2 @ p["W3"] + p["b3"] + X @ p["S"]
    med = z[:, :HORIZON]
    lo_raw = z[:, HORIZON:2 * HORIZON]
    hi_raw = z[:, 2 * HORIZON:]
    wl, wh = np.exp(np.clip(lo_raw, *LOG_W_CLIP)), np.exp(np.clip(hi_raw, *LOG_W_CLIP))
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


def train_net(X, Y, M, seed, net):
    """Adam (lr 1e-3, cosine decay to 0 over net['epochs']), batch 256, L2 weight decay net['wd'],
    fixed number of epochs (no early stopping: nothing is selected on held-out sites). The inputs in
    net['zero'] are zeroed during training and their weight rows are zero in the result, so the
    network ignores them."""
    rng = np.random.default_rng(seed)
    p = init_params(rng, net["hidden"])
    keep = np.ones(N_FEAT)
    keep[net["zero"]] = 0.0
    X = X * keep
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(vv) for k, vv in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    step, epochs = 0, net["epochs"]
    for ep in range(epochs):
        lr = LR * (0.5 * (1 + math.cos(math.pi * ep / epochs)))
        perm = rng.permutation(len(X))
        for i in range(0, len(perm), BATCH):
            idx = perm[i:i + BATCH]
            out, cache = forward(p, X[idx], cache=True)
            _, g = pinball_grad(out, Y[idx], M[idx])
            grads = backward(p, cache, g, net["wd"])
            step += 1
            for k in p:
                m[k] = b1 * m[k] + (1 - b1) * grads[k]
                v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
                mh = m[k] / (1 - b1 ** step)
                vh = v[k] / (1 - b2 ** step)
                p[k] -= lr * mh / (np.sqrt(vh) + eps)
    p["W1"] *= keep[:, None]
    p["S"] *= keep[:, None]
    return p


# ---------------------------------------------------------------------------------------------
# Stacking, interval calibration and the combined model (exactly what the ONNX graph computes)
# ---------------------------------------------------------------------------------------------
def smooth(a, k):
    ker = np.ones(2 * k + 1) / (2 * k + 1)
    return np.convolve(np.pad(a, k, mode="edge"), ker, mode="valid")


def stack_columns(names, z_a, z_b, X, h):
    """Regressors of the clim_flag = 1 median for horizon h (1..90), normalised units."""
    cols = {"net_a": lambda: z_a[:, h - 1], "net_b": lambda: z_b[:, h - 1],
            "clim_h": lambda: X[:, CLIM_OFF + h], "persistence": lambda: X[:, WINDOW - 1],
            "clim_0": lambda: X[:, CLIM_OFF]}
    return np.stack([cols[n]() for n in names], axis=1)


def weighted_lad(F, y, w, iters=50):
    """argmin_beta sum w_i |y_i - F_i beta| by iteratively reweighted least squares."""
    beta = np.linalg.lstsq(F * w[:, None], y * w, rcond=None)[0]
    for _ in range(iters):
        ww = w / np.maximum(np.abs(y - F @ beta), 1e-3)
        beta = np.linalg.solve(F.T @ (F * ww[:, None]) + 1e-6 * np.eye(F.shape[1]), F.T @ (ww * y))
    return beta


def fit_stack(names, z_a, z_b, X, Y, M, w):
    """Per-horizon weights of the clim_flag = 1 median, fitted by MASE-weighted least absolute
    deviation on out-of-fold predictions of the clim_flag = 1 samples, smoothed over horizons."""
    flag = X[:, IDX_FLAG] > 0.5
    beta = np.zeros((HORIZON, len(names)))
    for h in range(1, HORIZON + 1):
        sel = flag & (M[:, h - 1] > 0) & (w > 0)
        beta[h - 1] = weighted_lad(stack_columns(names, z_a[sel], z_b[sel], X[sel], h), Y[sel, h - 1], w[sel])
    return np.stack([smooth(beta[:, j], STACK_SMOOTH) for j in range(len(names))], axis=1)


def stacked_median(names, beta, z_a, z_b, X):
    return np.stack([stack_columns(names, z_a, z_b, X, h) @ beta[h - 1] for h in range(1, HORIZON + 1)], axis=1)


def interval_factors(med, z, Y, M, sel_rows):
    """Per-horizon factors for the lower/upper half-widths of z so that 10 % of the selected
    out-of-fold observations fall below P10 and 10 % above P90 (split-conformal style), smoothed
    over horizons in log space. Returns (log_k_lo, log_k_hi)."""
    wl = np.exp(np.clip(z[:, HORIZON:2 * HORIZON], *LOG_W_CLIP))
    wh = np.exp(np.clip(z[:, 2 * HORIZON:], *LOG_W_CLIP))
    klo, khi = np.zeros(HORIZON), np.zeros(HORIZON)
    for h in range(HORIZON):
        sel = sel_rows & (M[:, h] > 0)
        klo[h] = math.log(max(np.quantile((med[sel, h] - Y[sel, h]) / wl[sel, h], 0.9), 0.05))
        khi[h] = math.log(max(np.quantile((Y[sel, h] - med[sel, h]) / wh[sel, h], 0.9), 0.05))
    return smooth(klo, CAL_SMOOTH), smooth(khi, CAL_SMOOTH)


def ensemble_z(zs):
    """Out-of-fold heads of the averaged members, in the layout of one network: (mean of the medians,
    log of the mean half-width lower, upper). One member: its heads unchanged."""
    if len(zs) == 1:
        return zs[0]
    H = HORIZON
    med = np.mean([z[:, :H] for z in zs], axis=0)
    w = np.mean([np.exp(np.clip(z[:, H:], *LOG_W_CLIP)) for z in zs], axis=0)
    return np.concatenate([med, np.log(w)], axis=1)


def assemble(p_as, p_bs, names, beta, cal):
    """Fold stacking weights, interval factors and the member average into the networks. p_as, p_bs:
    lists of the members' net A / net B parameters. Returns the combined model {"A": [...], "B": [...],
    "beta_b"}: with sums over members, median = B_med + flag * (A_med' + beta_b * B_med - B_med), where
    A_med' already holds beta_a * mean(A_med) + the linear climatology/persistence terms (on member 0);
    the members' medians carry the 1/K of the mean, their half-widths are averaged in forward_model
    (and in the graph); half-widths switch between A (flag 1) and B (flag 0)."""
    H = HORIZON
    K = len(p_as)
    A = [{k: v.copy() for k, v in p.items()} for p in p_as]
    B = [{k: v.copy() for k, v in p.items()} for p in p_bs]
    coef = dict(zip(names, beta.T))
    zero = np.zeros(H)
    ba = coef.get("net_a", zero) / K
    for a in A:
        a["W3"][:, :H] *= ba
        a["b3"][:H] *= ba
        a["S"][:, :H] *= ba
        a["b3"][H:2 * H] += cal["a_lo"]
        a["b3"][2 * H:] += cal["a_hi"]
    hh = np.arange(H)
    A[0]["S"][CLIM_OFF + 1 + hh, hh] += coef.get("clim_h", zero)
    A[0]["S"][WINDOW - 1, :H] += coef.get("persistence", zero)
    A[0]["S"][CLIM_OFF, :H] += coef.get("clim_0", zero)
    for b in B:
        if K > 1:
            b["W3"][:, :H] /= K
            b["b3"][:H] /= K
            b["S"][:, :H] /= K
        b["b3"][H:2 * H] += cal["b_lo"]
        b["b3"][2 * H:] += cal["b_hi"]
    return {"A": A, "B": B, "beta_b": np.array(coef.get("net_b", zero), dtype=np.float64)}


def forward_model(P, X):
    """numpy float64 reference of the exported graph: normalised quantiles [N, 90, 3]."""
    H = HORIZON

    def net(members):
        zs = [forward_z(p, X) for p in members]
        med = zs[0][:, :H]
        w = np.exp(np.clip(zs[0][:, H:], *LOG_W_CLIP))
        for z in zs[1:]:
            med = med + z[:, :H]
            w = w + np.exp(np.clip(z[:, H:], *LOG_W_CLIP))
        return med, (w if len(zs) == 1 else w * (1.0 / len(zs)))

    ma, wa = net(P["A"])
    mb, wb = net(P["B"])
    flag = X[:, IDX_FLAG:IDX_FLAG + 1]
    m1 = ma + P["beta_b"] * mb
    med = mb + flag * (m1 - mb)
    w = wb + flag * (wa - wb)
    return np.stack([med - w[:, :H], med, med + w[:, H:]], axis=-1)


def n_params(P):
    return int(sum(v.size for net in ("A", "B") for p in P[net] for v in p.values()) + P["beta_b"].size)


# ---------------------------------------------------------------------------------------------
# ONNX export
# ---------------------------------------------------------------------------------------------
def export_onnx(P, path, param):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    H = HORIZON
    inits, nodes = [], []
    N = helper.make_node

    def const(name, arr):
        inits.append(numpy_helper.from_array(arr, name))

    K = len(P["A"])
    for net in ("A", "B"):
        # with one member the graph is that of v1.1.0 (tensors prefixed "A"/"B"); with K members, member
        # j's tensors are prefixed "<net>_m<j>" and their sum/mean is named like the one-member tensors
        pref = [net] if K == 1 else [f"{net}_m{j}" for j in range(K)]
        for p, m in zip(P[net], pref):
            for k in ("W1", "b1", "W2", "b2"):
                const(f"{m}_{k}", f32(p[k]))
            nodes += [
                N("MatMul", ["input", f"{m}_W1"], [f"{m}_h1m"]), N("Add", [f"{m}_h1m", f"{m}_b1"], [f"{m}_h1p"]),
                N("Relu", [f"{m}_h1p"], [f"{m}_h1"]),
                N("MatMul", [f"{m}_h1", f"{m}_W2"], [f"{m}_h2m"]), N("Add", [f"{m}_h2m", f"{m}_b2"], [f"{m}_h2p"]),
                N("Relu", [f"{m}_h2p"], [f"{m}_h2"]),
            ]
            for head, sl in (("med", slice(0, H)), ("lo", slice(H, 2 * H)), ("hi", slice(2 * H, 3 * H))):
                const(f"{m}_W3_{head}", f32(p["W3"][:, sl]))
                const(f"{m}_S_{head}", f32(p["S"][:, sl]))
                const(f"{m}_b3_{head}", f32(p["b3"][sl]))
                nodes += [
                    N("MatMul", [f"{m}_h2", f"{m}_W3_{head}"], [f"{m}_{head}_a"]),
                    N("MatMul", ["input", f"{m}_S_{head}"], [f"{m}_{head}_s"]),
                    N("Add", [f"{m}_{head}_a", f"{m}_{head}_s"], [f"{m}_{head}_b"]),
                    N("Add", [f"{m}_{head}_b", f"{m}_b3_{head}"], [f"{m}_z_{head}"]),
                ]
            for side in ("lo", "hi"):
                nodes += [N("Clip", [f"{m}_z_{side}", "clip_min", "clip_max"], [f"{m}_{side}_c"]),
                          N("Exp", [f"{m}_{side}_c"], [f"{m}_w_{side}"])]
        if K > 1:
            # medians: sum over members (each member's median head already carries the 1/K);
            # half-widths: sum over members, times 1/K
            for t, dst in (("z_med", f"{net}_z_med"), ("w_lo", f"{net}_w_lo_sum"), ("w_hi", f"{net}_w_hi_sum")):
                acc = f"{pref[0]}_{t}"
                for j in range(1, K):
                    out = dst if j == K - 1 else f"{net}_{t}_acc{j}"
                    nodes.append(N("Add", [acc, f"{pref[j]}_{t}"], [out]))
                    acc = out
            for side in ("lo", "hi"):
                nodes.append(N("Mul", [f"{net}_w_{side}_sum", "inv_k"], [f"{net}_w_{side}"]))
    if K > 1:
        const("inv_k", f32(1.0 / K))
    sel = np.zeros((N_FEAT, 1), dtype=np.float32)
    sel[IDX_FLAG, 0] = 1.0
    const("flag_sel", sel)
    const("beta_b", f32(P["beta_b"]).reshape(1, H))
    const("clip_min", f32(LOG_W_CLIP[0]))
    const("clip_max", f32(LOG_W_CLIP[1]))
    const("shape_q", np.array([1, H, 1], dtype=np.int64))
    nodes += [
        N("MatMul", ["input", "flag_sel"], ["flag"]),                       # [1,1]: clim_flag
        N("Mul", ["B_z_med", "beta_b"], ["bmed_w"]),
        N("Add", ["A_z_med", "bmed_w"], ["med_clim"]),                      # stacked median (flag 1)
        N("Sub", ["med_clim", "B_z_med"], ["med_d"]), N("Mul", ["flag", "med_d"], ["med_g"]),
        N("Add", ["B_z_med", "med_g"], ["med"]),
    ]
    for side in ("lo", "hi"):
        nodes += [N("Sub", [f"A_w_{side}", f"B_w_{side}"], [f"w_{side}_d"]),
                  N("Mul", ["flag", f"w_{side}_d"], [f"w_{side}_g"]),
                  N("Add", [f"B_w_{side}", f"w_{side}_g"], [f"w_{side}"])]
    nodes += [
        N("Sub", ["med", "w_lo"], ["q10"]), N("Add", ["med", "w_hi"], ["q90"]),
        N("Reshape", ["q10", "shape_q"], ["q10r"]), N("Reshape", ["med", "shape_q"], ["q50r"]),
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


def series_features(day0, yraw, kind, norm, origins):
    """Normalised model inputs for the eligible origins (indices into yraw) of one raw series.
    Returns (X [n,215] float64, center [n], eligible origin indices)."""
    origins = np.asarray(origins, dtype=int)
    y = fwd(yraw, kind)
    X, c, ok = build_windows(day0, y, origins, climatology_table(day0, y))
    X, c, o = X[ok], c[ok], origins[ok]
    return finish_features(X, c, norm), c, o


def onnx_predictor(sess):
    """predict(X) -> normalised quantiles [n,90,3] (float64), run by ONNX Runtime with batch 1 in
    float32, exactly as the app calls the model."""
    def predict(X):
        if not len(X):
            return np.zeros((0, HORIZON, 3))
        return np.stack([sess.run(None, {"input": X[i:i + 1].astype(np.float32)})[0][0]
                         for i in range(len(X))]).astype(np.float64)
    return predict


def backtest_series(day0, yraw, kind, norm, predict):
    """Rolling-origin backtest of one site (protocol in docs/MODEL_CARD.md). Returns
    ({(h, method): [(abs error, abs error / MASE scale, covered or None)]}, X, normalised output)."""
    n = len(yraw)
    origins = np.array([t for t in range(n) if (day0 + t) % BACKTEST_STEP == 0], dtype=int)
    X, c, o = series_features(day0, yraw, kind, norm, origins)
    out = predict(X)
    q = inv(c[:, None, None] + norm["scale"] * out, kind)  # physical
    scale = naive_scale_prefix(yraw)
    clim_raw = climatology_table(day0, yraw)  # baseline on raw values
    rows = {}
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
            for meth, pred, cov in (("model", p50, bool(p10 <= obs <= p90)),
                                    ("persistence", last, None),
                                    ("climatology", clim, None)):
                rows.setdefault((h, meth), []).append((abs(pred - obs), abs(pred - obs) / scale[t], cov))
    return rows, X, out


def aggregate_rows(param, site_rows):
    """Result rows per site and pooled over all sites (site "ALL"; pooled points, not site means)."""
    def agg(lst):
        a = np.array([(x[0], x[1]) for x in lst])
        covs = [x[2] for x in lst if x[2] is not None]
        return {"n": len(lst), "mae": float(a[:, 0].mean()), "mase": float(a[:, 1].mean()),
                "coverage_p10_p90": float(np.mean(covs)) if covs else None}

    results, pooled = [], {}
    for site in sorted(site_rows):
        for (h, meth), lst in sorted(site_rows[site].items()):
            pooled.setdefault((h, meth), []).extend(lst)
            results.append({"site": site, "parameter": param, "horizon": h, "method": meth, **agg(lst)})
    for (h, meth), lst in sorted(pooled.items()):
        results.append({"site": "ALL", "parameter": param, "horizon": h, "method": meth, **agg(lst)})
    return results


def load_model_meta(models_dir, param):
    with open(os.path.join(models_dir, f"forecast_{param}.json")) as f:
        meta = json.load(f)
    nm = meta["normalisation"]
    return meta, {"scale": nm["scale"], "level_mean": nm["level_mean"], "level_std": nm["level_std"]}


# ---------------------------------------------------------------------------------------------
# Reference fixtures for the Rust implementation (no training: uses the shipped models)
# ---------------------------------------------------------------------------------------------
# Sites of the three reference cases per parameter (all held out): (clim_flag=1 with a complete
# window, clim_flag=0 by a history cut to FIXTURE_SHORT_DAYS days, a window with gaps).
FIXTURE_SITES = {"oxygen": ("MART", "ARIK", "CRAM"), "temperature": ("LECO", "MCDI", "TOMB"),
                 "chla": ("CRAM", "TOMB", "TOMB")}
FIXTURE_MIN_HISTORY = 730   # the clim/gap cases start searching 2 years after the first observation
FIXTURE_SHORT_DAYS = 200    # short-history case: only the last 200 days <= origin are kept
FIXTURE_BACKTEST_SITES = ("ARIK", "CRAM")
FIXTURE_BACKTEST_PARAMS = ("oxygen", "temperature")


def _iso(d):
    return (EPOCH0 + dt.timedelta(days=int(d))).isoformat()


def fixture_case(param, site, kind, norm, sess, day0, yraw, origin_idx, cut_days=None):
    """One reference case: history (raw, observed days only, dated <= origin, optionally only the last
    cut_days days), the 215 features built from that history alone, and the ONNX output."""
    lo = 0 if cut_days is None else max(0, origin_idx - cut_days + 1)
    hist_idx = [i for i in range(lo, origin_idx + 1) if not np.isnan(yraw[i])]
    # rebuild the series from the history alone, exactly as a consumer of the fixture would
    h0 = day0 + hist_idx[0]
    yh = np.full(day0 + origin_idx - h0 + 1, np.nan)
    for i in hist_idx:
        yh[day0 + i - h0] = yraw[i]
    X, c, o = series_features(h0, yh, kind, norm, [len(yh) - 1])
    assert len(o) == 1, "fixture origin is not eligible"
    out = onnx_predictor(sess)(X)[0]
    phys = inv(c[0] + norm["scale"] * out, kind)
    return {
        "parameter": param, "site": site, "origin": _iso(day0 + origin_idx),
        "clim_flag": int(X[0, CLIM_OFF - 1]),
        "n_missing_in_window": int(WINDOW - X[0, WINDOW:2 * WINDOW].sum()),
        "history_cut_to_last_days": cut_days,
        "history": [[_iso(day0 + i), float(yraw[i])] for i in hist_idx],
        "center": float(c[0]),
        "input": [float(v) for v in X[0]],
        "output_normalised": [[float(v) for v in row] for row in out],
        "output_p10_p50_p90_physical": [[float(v) for v in row] for row in phys],
    }


def tract_check(models_dir, cases, log):
    """Runs every reference case through tract (python bindings of the same tract version as the
    Rust crate, if installed) and compares with the ONNX Runtime output."""
    try:
        import tract
    except ImportError:
        log("  tract (pip package `tract`) not installed: tract check skipped")
        return None
    worst = 0.0
    for param in PARAMS:
        model = tract.onnx().load(os.path.join(models_dir, f"forecast_{param}.onnx")).into_model().into_runnable()
        for cs in (c for c in cases if c["parameter"] == param):
            x = np.array(cs["input"], dtype=np.float32).reshape(1, N_FEAT)
            out = model.run([x])[0].to_numpy()
            assert out.shape == (1, HORIZON, 3)
            worst = max(worst, float(np.abs(out[0] - np.array(cs["output_normalised"])).max()))
    log(f"  tract {tract.version()}: all {len(cases)} reference cases run, max |tract - onnxruntime| = {worst:.2e} "
        f"(normalised units)")
    return {"tract_version": tract.version(), "max_abs_diff_vs_onnxruntime": worst}


def write_fixtures(models_dir, data_path, fx_dir, log):
    import onnxruntime as ort

    os.makedirs(fx_dir, exist_ok=True)
    series = load_long(data_path)
    cases, model_info = [], {}
    for param in PARAMS:
        meta, norm = load_model_meta(models_dir, param)
        kind = meta["transform"]
        onnx_path = os.path.join(models_dir, meta["onnx_file"])
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        model_info[param] = {"onnx_file": meta["onnx_file"], "sha256": sha256_file(onnx_path),
                             "version": meta["version"], "transform": kind, "normalisation": norm}
        s_clim, s_short, s_gap = FIXTURE_SITES[param]

        def first_origin(site, want):
            day0, yraw = series[(site, param)]
            y = fwd(yraw, kind)
            first = int(np.argmax(~np.isnan(yraw)))
            cand = np.arange(first + FIXTURE_MIN_HISTORY, len(y), dtype=int)
            X, _, o = series_features(day0, yraw, kind, norm, cand)
            for x, t in zip(X, o):
                if not np.isnan(yraw[t]) and want(x):
                    return day0, yraw, int(t)
            raise RuntimeError(f"no fixture origin for {param} {site}")

        full = lambda x: x[WINDOW:2 * WINDOW].all()  # noqa: E731
        day0, yraw, t = first_origin(s_clim, lambda x: x[CLIM_OFF - 1] > 0.5 and full(x))
        cases.append(fixture_case(param, s_clim, kind, norm, sess, day0, yraw, t))
        day0, yraw, t = first_origin(s_short, lambda x: full(x))
        cases.append(fixture_case(param, s_short, kind, norm, sess, day0, yraw, t, cut_days=FIXTURE_SHORT_DAYS))
        # gaps: the first window day missing (leading fill), >= 5 missing days in all, clim available
        day0, yraw, t = first_origin(s_gap, lambda x: x[CLIM_OFF - 1] > 0.5 and x[WINDOW] == 0
                                     and x[WINDOW:2 * WINDOW].sum() <= WINDOW - 5)
        cases.append(fixture_case(param, s_gap, kind, norm, sess, day0, yraw, t))
        for cs in cases[-3:]:
            assert cs["clim_flag"] == (0 if cs["history_cut_to_last_days"] else 1)
            log(f"  {param:<12} {cs['site']} origin {cs['origin']} clim_flag {cs['clim_flag']} "
                f"missing {cs['n_missing_in_window']:2d}/60 history {len(cs['history'])} days")
    tract_info = tract_check(models_dir, cases, log)
    ref = {
        "description": ("Reference cases for the Rust forecast feature builder and model runner. "
                        "history = the site's raw daily values dated <= origin (observed days only; "
                        "a day not listed is a gap), input = the 215 features built from that history "
                        "by scripts/train_forecast.py (float64, fed to the model as float32), "
                        "output_normalised = ONNX Runtime output [90][3], output_p10_p50_p90_physical = "
                        "inverse_transform(center + scale * output) for h = 1..90. Cases with "
                        "history_cut_to_last_days set have their history cut so that clim_flag = 0."),
        "generated_by": "python scripts/train_forecast.py --fixtures",
        "data_file": os.path.relpath(data_path, ROOT).replace(os.sep, "/"),
        "data_sha256": sha256_file(data_path),
        "onnxruntime_version": ort.__version__,
        "tract_check": tract_info,
        "models": model_info,
        "cases": cases,
    }
    with open(os.path.join(fx_dir, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")

    # ---- small backtest: 2 held-out sites, oxygen + temperature, whole series, source rows as is
    small = os.path.join(fx_dir, "backtest_small.csv")
    opener = gzip.open if data_path.endswith(".gz") else open
    with opener(data_path, "rt", newline="") as f, open(small, "w", newline="") as g:
        rd = csv.reader(f)
        wr = csv.writer(g, lineterminator="\n")
        wr.writerow(next(rd))
        for row in rd:
            if row[1] in FIXTURE_BACKTEST_SITES and row[2] in FIXTURE_BACKTEST_PARAMS:
                wr.writerow(row)
    expected = run_backtest(models_dir, small, FIXTURE_BACKTEST_PARAMS, sites=None)
    with open(os.path.join(fx_dir, "backtest_small_expected.json"), "w") as f:
        json.dump({"description": ("Backtest of backtest_small.csv with the shipped models, protocol of "
                                   "docs/MODEL_CARD.md; ALL = pooled over the sites of the file"),
                   "generated_by": "python scripts/train_forecast.py --fixtures",
                   "models": {p: model_info[p]["sha256"] for p in FIXTURE_BACKTEST_PARAMS},
                   "results": expected}, f, indent=1)
        f.write("\n")
    log(f"  wrote {fx_dir}/reference.json ({os.path.getsize(os.path.join(fx_dir, 'reference.json')) // 1024} KiB), "
        f"backtest_small.csv ({os.path.getsize(small) // 1024} KiB), backtest_small_expected.json "
        f"({len(expected)} rows)")
    return expected


def run_backtest(models_dir, data_path, params, sites=None):
    """Backtest the shipped ONNX models on a long-format file (all its sites, or only `sites`)."""
    import onnxruntime as ort

    series = load_long(data_path)
    results = []
    for param in params:
        meta, norm = load_model_meta(models_dir, param)
        sess = ort.InferenceSession(os.path.join(models_dir, meta["onnx_file"]), providers=["CPUExecutionProvider"])
        predict = onnx_predictor(sess)
        site_rows = {}
        for k in sorted(k for k in series if k[1] == param and (sites is None or k[0] in sites)):
            day0, yraw = series[k]
            site_rows[k[0]] = backtest_series(day0, yraw, meta["transform"], norm, predict)[0]
        results += aggregate_rows(param, site_rows)
    return results


# ---------------------------------------------------------------------------------------------
# Training pipeline
# ---------------------------------------------------------------------------------------------
def prepare_param(series, param):
    """Normalisation constants (training sites only) and the samples of every training site:
    every eligible origin day with at least one observed target in the next 90 days."""
    kind = PARAMS[param]["transform"]
    keys = sorted(k for k in series if k[1] == param)
    train_keys = [k for k in keys if k[0] not in HELDOUT_SITES]
    test_keys = [k for k in keys if k[0] in HELDOUT_SITES]
    per_site_std, allv = [], []
    for k in train_keys:
        yt = fwd(series[k][1], kind)
        yt = yt[~np.isnan(yt)]
        per_site_std.append(yt.std())
        allv.append(yt)
    allv = np.concatenate(allv)
    norm = {"scale": float(np.median(per_site_std)), "level_mean": float(allv.mean()),
            "level_std": float(allv.std())}
    per_site = {}
    for k in train_keys:
        day0, yraw = series[k]
        y = fwd(yraw, kind)
        X, c, o = series_features(day0, yraw, kind, norm, np.arange(WINDOW - 1, len(y) - 1))
        Yn = (targets(y, o) - c[:, None]) / norm["scale"]
        M = ~np.isnan(Yn)
        keep = M.any(1)
        # MASE weight of a sample: 1 / (naive one-step MAE of the site up to the origin), in
        # normalised units of the transformed series; 0 where it does not exist yet
        s = naive_scale_prefix(y)[o] / norm["scale"]
        w = np.where(np.isnan(s), 0.0, 1.0 / np.where(np.isnan(s), 1.0, s))
        per_site[k[0]] = {"X": X[keep], "Y": np.nan_to_num(Yn[keep]), "M": M[keep].astype(float),
                          "w": w[keep], "level": float(c.mean())}
    return kind, norm, train_keys, test_keys, per_site


def site_folds(per_site, k):
    """Grouped K-fold over whole sites, stratified by level: sites sorted by their mean centre value
    and dealt round-robin, so that every fold spans the range of site regimes."""
    order = sorted(per_site, key=lambda s: (per_site[s]["level"], s))
    k = min(k, len(order))
    return [sorted(order[i::k]) for i in range(k)]


def stack_sites(per_site, sites, keys=("X", "Y", "M", "w")):
    return tuple(np.concatenate([per_site[s][k] for s in sites]) for k in keys)


def fit_combination(names, za, zb, X, Y, M, w):
    """Stacking weights and interval factors from out-of-fold heads za, zb (see fit_stack and
    interval_factors)."""
    H = HORIZON
    beta = fit_stack(names, za[:, :H], zb[:, :H], X, Y, M, w)
    flag = X[:, IDX_FLAG] > 0.5
    med1 = stacked_median(names, beta, za[:, :H], zb[:, :H], X)
    cal = {}
    cal["a_lo"], cal["a_hi"] = interval_factors(med1, za, Y, M, flag)
    cal["b_lo"], cal["b_hi"] = interval_factors(zb[:, :H], zb, Y, M, np.ones(len(X), bool))
    return beta, cal


def cv_estimate(series, param, sites, kind, norm, fold_nets, k, names, beta, cal):
    """CV estimate: each training site backtested (held-out-site protocol) with the first k members
    of the networks of the fold that did not contain it. Returns the pooled rows (site ALL)."""
    cv_rows = {}
    for s in sites:
        pas, pbs = fold_nets[s]
        Pf = assemble(pas[:k], pbs[:k], names, beta, cal)
        day0, yraw = series[(s, param)]
        cv_rows[s] = backtest_series(day0, yraw, kind, norm, lambda Xb, Pf=Pf: forward_model(Pf, Xb))[0]
    return [r for r in aggregate_rows(param, cv_rows) if r["site"] == "ALL"]


def log_cv(log, title, cv_results):
    log(f"   CV estimate, {title}:")
    for r in cv_results:
        if r["method"] == "model":
            d = {q["method"]: q["mase"] for q in cv_results if q["horizon"] == r["horizon"]}
            log(f"   CV (training sites, pooled) h{r['horizon']:<2} n {r['n']:5d} MASE model {d['model']:.3f} "
                f"persistence {d['persistence']:.3f} climatology {d['climatology']:.3f} "
                f"coverage {100 * r['coverage_p10_p90']:.1f}%")


def member_seed(seed, j):
    return seed + SEED_MEMBER_STRIDE * j


def fit_param(series, param, seed, log, members=MEMBERS, cv_only=False):
    """Cross-validation (stacking weights, interval factors, CV estimate), then the final fit of every
    member. With members > 1 the CV estimate of member 0 alone (the one-member model, v1.1.0) is
    computed too, with its own stacking weights and interval factors, for comparison."""
    kind, norm, train_keys, test_keys, per_site = prepare_param(series, param)
    sites = [k[0] for k in train_keys]
    log(f"\n== {param}: train sites {sites}  held-out {[k[0] for k in test_keys]}")
    log(f"   normalisation {norm}")
    folds = site_folds(per_site, K_FOLDS)
    log(f"   leave-sites-out CV, {len(folds)} folds: {folds}; {members} member(s)")
    t0 = time.time()
    oof_a = [{} for _ in range(members)]
    oof_b = [{} for _ in range(members)]
    fold_nets = {}
    for f, fs in enumerate(folds):
        X, Y, M, _ = stack_sites(per_site, [s for s in sites if s not in fs])
        pas, pbs = [], []
        for j in range(members):
            sj = member_seed(seed, j) + 100 * (f + 1)
            pas.append(train_net(X, Y, M, sj, NET_A))
            pbs.append(train_net(X, Y, M, sj + 1, NET_B))
            for s in fs:
                oof_a[j][s], oof_b[j][s] = forward_z(pas[j], per_site[s]["X"]), forward_z(pbs[j], per_site[s]["X"])
        for s in fs:
            fold_nets[s] = (pas, pbs)
        log(f"     fold {f + 1}/{len(folds)} (held out {fs}): trained on {len(X)} samples, {time.time() - t0:.0f} s")
    X, Y, M, w = stack_sites(per_site, sites)
    zas = [np.concatenate([oof_a[j][s] for s in sites]) for j in range(members)]
    zbs = [np.concatenate([oof_b[j][s] for s in sites]) for j in range(members)]
    names = STACK_FULL if len(sites) >= MIN_SITES_FULL_STACK else STACK_SMALL
    cv_single = None
    if members > 1:
        beta1, cal1 = fit_combination(names, zas[0], zbs[0], X, Y, M, w)
        cv_single = cv_estimate(series, param, sites, kind, norm, fold_nets, 1, names, beta1, cal1)
        log_cv(log, "member 0 alone (one-member model, own stacking weights and interval factors)", cv_single)
    beta, cal = fit_combination(names, ensemble_z(zas), ensemble_z(zbs), X, Y, M, w)
    for h in (1, 7, 30, 90):
        log(f"   h{h:<2} stack {dict(zip(names, [round(float(b_), 3) for b_ in beta[h - 1]]))}; interval factors "
            f"clim mode {math.exp(cal['a_lo'][h - 1]):.2f}/{math.exp(cal['a_hi'][h - 1]):.2f}, "
            f"window-only mode {math.exp(cal['b_lo'][h - 1]):.2f}/{math.exp(cal['b_hi'][h - 1]):.2f}")
    cv_results = cv_estimate(series, param, sites, kind, norm, fold_nets, members, names, beta, cal)
    log_cv(log, f"the {members}-member model" if members > 1 else "the model", cv_results)
    info = {"kind": kind, "norm": norm, "train_keys": train_keys, "test_keys": test_keys, "folds": folds,
            "names": names, "beta": beta, "cal": cal, "cv_results": cv_results, "cv_results_single": cv_single,
            "n_train": int(len(X)), "members": members,
            "member_seeds": [[member_seed(seed, j), member_seed(seed, j) + 1] for j in range(members)]}
    if cv_only:
        info["seconds"] = time.time() - t0
        log(f"   CV only: {time.time() - t0:.0f} s")
        return None, info
    # final networks of every member on all training sites
    pas = [train_net(X, Y, M, member_seed(seed, j), NET_A) for j in range(members)]
    pbs = [train_net(X, Y, M, member_seed(seed, j) + 1, NET_B) for j in range(members)]
    P = assemble(pas, pbs, names, beta, cal)
    log(f"   final fit on {len(sites)} training sites ({len(X)} samples), {time.time() - t0:.0f} s total")
    info["seconds"] = time.time() - t0
    return P, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--params", default="oxygen,temperature,chla")
    ap.add_argument("--seed", type=int, default=20240606)
    ap.add_argument("--members", type=int, default=MEMBERS, help="seed-ensemble size (default %(default)s)")
    ap.add_argument("--cv-only", action="store_true",
                    help="run the cross-validation and print the CV estimate only: no final fit, no export, "
                         "no held-out backtest, nothing written")
    ap.add_argument("--json", default=None, help="write backtest results JSON here ('-' = stdout)")
    ap.add_argument("--fixtures", action="store_true",
                    help="do not train: regenerate the Rust reference fixtures from the models in --out")
    ap.add_argument("--fixtures-dir", default=os.path.join(ROOT, "tests", "fixtures", "forecast"))
    args = ap.parse_args()
    log = lambda s: print(s, file=sys.stderr if args.json == "-" else sys.stdout, flush=True)  # noqa: E731
    if args.fixtures:
        write_fixtures(args.out, args.data, args.fixtures_dir, log)
        return

    import onnxruntime as ort

    t_start = time.time()
    data_sha = sha256_file(args.data)
    log(f"data {os.path.relpath(args.data, ROOT)} sha256 {data_sha}")
    series = load_long(args.data)
    os.makedirs(args.out, exist_ok=True)
    results, cv_all, cv_single_all, summary = [], [], [], []

    for param in args.params.split(","):
        cfg = PARAMS[param]
        P, info = fit_param(series, param, args.seed, log, members=args.members, cv_only=args.cv_only)
        kind, norm = info["kind"], info["norm"]
        cv_all += info["cv_results"]
        cv_single_all += info["cv_results_single"] or []
        if args.cv_only:
            continue

        # ---- export
        onnx_path = os.path.join(args.out, f"forecast_{param}.onnx")
        ops = export_onnx(P, onnx_path, param)
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])

        # ---- backtest on held-out sites (ONNX Runtime, batch 1, float32, as shipped)
        site_rows = {}
        onnx_diffs, n_windows = [], 0
        predict = onnx_predictor(sess)
        for k in info["test_keys"]:
            day0, yraw = series[k]
            site_rows[k[0]], X, out_onnx = backtest_series(day0, yraw, kind, norm, predict)
            if len(X):
                onnx_diffs.append(float(np.abs(out_onnx - forward_model(P, X)).max()))  # vs numpy float64
                n_windows += len(X)
        maxdiff = max(onnx_diffs) if onnx_diffs else float("nan")
        log(f"   ONNX Runtime (float32, batch 1) vs numpy forward (float64): max abs diff {maxdiff:.3e} "
            f"(normalised output units, {n_windows} held-out windows)")
        results += aggregate_rows(param, site_rows)

        names, beta, cal = info["names"], info["beta"], info["cal"]
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
                "doy_cos": 2 * WINDOW + 1, "level": IDX_LEVEL, "clim_flag": IDX_FLAG,
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
            "training": {
                "data_file": "data/neon/neon_aquatics_daily_2016-2023.csv.gz", "data_sha256": data_sha,
                "train_sites": [k[0] for k in info["train_keys"]], "heldout_sites": HELDOUT_SITES,
                "seed": args.seed, "n_train": info["n_train"], "parameters": n_params(P),
                "ensemble_members": info["members"],
                "member_seeds_net_a_net_b": info["member_seeds"],
                "method": ("two MLPs in one graph: net A (climatology mode, doy/level inputs unused) and net B "
                           "(window-only mode, clim inputs unused)"
                           + (f", each a seed ensemble of {info['members']} members (mean of the members' medians "
                              "and of their half-widths)" if info["members"] > 1 else "")
                           + ". clim_flag=1: median = per-horizon stack "
                           "of " + ", ".join(names) + "; clim_flag=0: median = net B. Half-widths from net A "
                           "(flag 1) or net B (flag 0), times per-horizon interval factors."),
                "net_a": {k: v for k, v in NET_A.items() if k != "zero"} | {"unused_inputs": NET_A["zero"]},
                "net_b": {k: v for k, v in NET_B.items() if k != "zero"} | {"unused_inputs": f"{IDX_FLAG}..{N_FEAT - 1}"},
                "optimiser": f"Adam lr {LR} cosine to 0, batch {BATCH}, pinball loss over P10/P50/P90",
                "cv_folds": info["folds"],
                "stack_features": names,
                "stack_weights_h1_7_30_90": {n: [round(float(beta[h - 1, j]), 4) for h in (1, 7, 30, 90)]
                                             for j, n in enumerate(names)},
                "interval_factors_h7_30_90": {k: [round(math.exp(cal[k][h - 1]), 4) for h in (7, 30, 90)]
                                              for k in ("a_lo", "a_hi", "b_lo", "b_hi")},
                "interval_calibration": ("per-horizon factors on the lower/upper half-widths so that 10 % of the "
                                         "out-of-fold observations of the leave-sites-out CV fall below P10 and "
                                         "10 % above P90, separately for clim_flag 1 and 0, smoothed over +-3 "
                                         "horizons; folded into the width biases"),
                "cv_backtest_training_sites": info["cv_results"],
                **({"cv_backtest_training_sites_member0_alone": info["cv_results_single"]}
                   if info["cv_results_single"] else {}),
                "train_seconds": round(info["seconds"], 1),
            },
            "onnx_vs_numpy_max_abs_diff": maxdiff,
        }
        with open(os.path.join(args.out, f"forecast_{param}.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        summary.append((param, os.path.getsize(onnx_path), maxdiff, n_params(P)))

    def targets_table(title, rows):
        log(f"\nTargets, {title} (site=ALL): model MASE < persistence and < climatology at 7 and 30 d, coverage 70-90%")
        for param in args.params.split(","):
            for h in BACKTEST_HORIZONS:
                d = {r["method"]: r for r in rows if r["site"] == "ALL" and r["parameter"] == param and r["horizon"] == h}
                if "model" not in d:
                    continue
                ok = (d["model"]["mase"] < d["persistence"]["mase"] and d["model"]["mase"] < d["climatology"]["mase"]
                      and 0.70 <= d["model"]["coverage_p10_p90"] <= 0.90)
                log(f"  {param:<12} h={h:<3} n {d['model']['n']:5d} model {d['model']['mase']:.3f} "
                    f"persistence {d['persistence']['mase']:.3f} climatology {d['climatology']['mase']:.3f} "
                    f"coverage {100 * d['model']['coverage_p10_p90']:.1f}% -> "
                    f"{('MET' if ok else 'NOT MET') if h in (7, 30) else '(no target)'}")

    if cv_single_all:
        targets_table("CV estimate of member 0 alone (one-member model) on the training sites", cv_single_all)
    targets_table(f"CV estimate of the {args.members}-member model on the training sites (leave-sites-out, "
                  "not the held-out sites)", cv_all)
    if args.cv_only:
        log(f"CV only (nothing written, held-out sites not evaluated); total time {time.time() - t_start:.0f} s")
        return

    # ---- table
    log("\nBacktest on held-out sites " + ",".join(HELDOUT_SITES) + " (pooled rows: site=ALL)")
    log(f"{'param':<12}{'site':<6}{'h':>3}  {'method':<12}{'n':>6}{'MAE':>9}{'MASE':>8}{'cov80':>7}")
    for r in results:
        cov = f"{100 * r['coverage_p10_p90']:6.1f}%" if r["coverage_p10_p90"] is not None else "      -"
        log(f"{r['parameter']:<12}{r['site']:<6}{r['horizon']:>3}  {r['method']:<12}{r['n']:>6}"
            f"{r['mae']:>9.3f}{r['mase']:>8.3f}{cov}")
    targets_table("HELD-OUT sites", results)
    for param, size, diff, npar in summary:
        log(f"  model forecast_{param}.onnx: {size / 1024:.0f} KiB, {npar} parameters, ORT-vs-numpy max abs diff {diff:.2e}")
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
