"""Writes test/fixtures/pretrained/torchvision-features.json: C3, C4, C5 of torchvision's resnet18,
resnet50 and mobilenet_v2 for synthetic weights, the reference for pretrainedFeatures.test.ts.

Every state-dict entry is overwritten with a formula that TypeScript reproduces bit for bit: an
integer hash of (key index k in state-dict order, flat element index j) mapped to u in [-1, 1),
computed in float64 and rounded to float32 once:
    conv / linear weight  u * gain / sqrt(fan_in)
    BatchNorm weight      1 + gammaSpread * u
    bias (BN or linear)   betaSpread * u
    running_mean          meanSpread * u
    running_var           varCenter + varSpread * u
    num_batches_tracked   0
The input [1, 3, H, W] is u * inputScale with k = inputKey. The file keeps, per model, the keys and
shapes of the state dict (so the test builds the same dict), and per feature map its shape, sum,
sum of squares, sum of absolute values and 64 values at fixed NCHW flat indices.

    /usr/bin/python3 scripts/dev/torchvisionReference.py   (torch 1.13, torchvision 0.14; no download)
"""
import json
import math
import os

import numpy as np
import torch
import torchvision

FORMULA = {
    "hash": "murmur3 fmix32 of (j*0x9E3779B1 + k*0x85EBCA77 + 0x165667B1) mod 2^32; u = h / 2^31 - 1",
    "gain": 2.0,
    "gammaSpread": 0.2,
    "betaSpread": 0.1,
    "meanSpread": 0.1,
    "varCenter": 1.0,
    "varSpread": 0.5,
    "inputKey": 100000,
    "inputScale": 1.0,
}
SAMPLES = 64
MASK = 0xFFFFFFFF


def uniform(k, n):
    """u in [-1, 1) for elements 0..n-1 of key k (float64, exact)."""
    j = np.arange(n, dtype=np.uint64)
    h = (j * np.uint64(0x9E3779B1) + np.uint64((k * 0x85EBCA77 + 0x165667B1) & MASK)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(MASK)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    return h.astype(np.float64) / 2.0**31 - 1.0


def value(key, k, shape):
    """The float32 values of state-dict entry `key`, the k-th in order."""
    n = int(np.prod(shape)) if shape else 1
    u = uniform(k, n)
    f = FORMULA
    if key.endswith("running_var"):
        v = f["varCenter"] + f["varSpread"] * u
    elif key.endswith("running_mean"):
        v = f["meanSpread"] * u
    elif len(shape) >= 2:
        v = u * (f["gain"] / math.sqrt(int(np.prod(shape[1:]))))
    elif key.endswith("weight"):
        v = 1.0 + f["gammaSpread"] * u
    else:
        v = f["betaSpread"] * u
    return v.astype(np.float32).reshape(shape)


def summary(t, rng_key):
    a = t.detach().numpy().astype(np.float64)
    flat = a.reshape(-1)
    n = flat.size
    idx = sorted({(i * n) // SAMPLES + (i * 7919 + rng_key) % max(1, n // SAMPLES) for i in range(SAMPLES)})
    return {
        "shape": list(a.shape),
        "sum": float(flat.sum()),
        "sumSq": float((flat * flat).sum()),
        "sumAbs": float(np.abs(flat).sum()),
        "samples": [[int(i), float(flat[i])] for i in idx],
    }


def run(name, size):
    model = getattr(torchvision.models, name)(weights=None)
    state = model.state_dict()
    keys = []
    for k, (key, t) in enumerate(state.items()):
        shape = list(t.shape)
        keys.append([key, shape])
        if key.endswith("num_batches_tracked"):
            t.zero_()
        else:
            t.copy_(torch.from_numpy(value(key, k, shape)))
    model.eval()
    shape = [1, 3, size, size]
    x = torch.from_numpy((uniform(FORMULA["inputKey"], 3 * size * size) * FORMULA["inputScale"]).astype(np.float32))
    x = x.reshape(shape)
    with torch.no_grad():
        if name.startswith("resnet"):
            y = model.maxpool(model.relu(model.bn1(model.conv1(x))))
            y = model.layer1(y)
            c3 = model.layer2(y)
            c4 = model.layer3(c3)
            c5 = model.layer4(c4)
        else:
            f = model.features
            c3 = f[:7](x)
            c4 = f[7:14](c3)
            c5 = f[14:18](c4)
    return {
        "stateDict": keys,
        "input": shape,
        "features": {"c3": summary(c3, 3), "c4": summary(c4, 4), "c5": summary(c5, 5)},
    }


def main():
    torch.set_num_threads(1)
    out = {
        "generator": "scripts/dev/torchvisionReference.py",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "formula": FORMULA,
        "models": {name: run(name, 64) for name in ("resnet18", "resnet50", "mobilenet_v2")},
    }
    path = os.path.join(os.path.dirname(__file__), "../../test/fixtures/pretrained/torchvision-features.json")
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    for name, m in out["models"].items():
        for level, s in m["features"].items():
            n = np.prod(s["shape"])
            print(name, level, s["shape"], "rms %.4g" % math.sqrt(s["sumSq"] / n), "mean %.4g" % (s["sum"] / n))


if __name__ == "__main__":
    main()
