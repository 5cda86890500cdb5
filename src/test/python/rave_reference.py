#!/usr/bin/env python3
"""mvgen's RAVE-architecture autoencoder written again in PyTorch, as an independent reference.

Written from the description in docs/rave.md and mvgen's Java code (org.mvgen.rave.model), not
from RAVE's code. Usage:

    rave_reference.py DIR

DIR holds two weights directories written by org.mvgen.rave.model.RaveWeights: DIR/weights (the
model's tensors, names as in Java: encoder.s0_r0_c1.weight_v, disc.mpd_p2_l0.bias, ...) and DIR/io
(the inputs x, eps, noise and Java's outputs). The script rebuilds the network from the config in
DIR/weights/index.json, loads the weights, recomputes every output and loss term, and prints one
JSON object: for each output, its relative error against Java's (||py - java|| / ||java||).
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LOG_EPS = 1e-7
SLOPE = 0.2


def read(dirname):
    with open(dirname + "/index.json") as f:
        index = json.load(f)
    data = np.fromfile(dirname + "/weights.f32", dtype="<f4")
    out = {}
    for t in index["tensors"]:
        n = int(np.prod(t["shape"])) if t["shape"] else 1
        a = data[t["offset"]:t["offset"] + n].reshape(t["shape"])
        out[t["name"]] = torch.from_numpy(a.copy())
    return index["config"], out


def padding(kernel, stride, dilation, causal):
    total = (kernel - 1) * dilation if stride == 1 else kernel - stride
    return (total, 0) if causal else (total // 2, total - total // 2)


class Conv(nn.Module):
    """conv1d / conv2d along time / transposed conv1d with explicit time padding."""

    def __init__(self, kind, cin, cout, k, stride, dil, pad_l, pad_r, wn, bias):
        super().__init__()
        self.kind, self.stride, self.dil = kind, stride, dil
        self.pad_l, self.pad_r, self.wn = pad_l, pad_r, wn
        shape = {"1d": (cout, cin, k), "2d": (cout, cin, k, 1), "t": (cin, cout, k)}[kind]
        if wn:
            self.weight_g = nn.Parameter(torch.zeros((shape[0],) + (1,) * (len(shape) - 1)))
            self.weight_v = nn.Parameter(torch.zeros(shape))
        else:
            self.weight = nn.Parameter(torch.zeros(shape))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None

    def w(self):
        if not self.wn:
            return self.weight
        v = self.weight_v
        n = v.reshape(v.shape[0], -1).pow(2).sum(1).sqrt().reshape(self.weight_g.shape)
        return v * (self.weight_g / n)

    def forward(self, x):
        if self.kind == "1d":
            return F.conv1d(F.pad(x, (self.pad_l, self.pad_r)), self.w(), self.bias,
                            self.stride, 0, self.dil)
        if self.kind == "2d":
            return F.conv2d(F.pad(x, (0, 0, self.pad_l, self.pad_r)), self.w(), self.bias,
                            (self.stride, 1), 0, (self.dil, 1))
        n = x.shape[2]
        y = F.conv_transpose1d(x, self.w(), self.bias, self.stride)
        return y[..., self.pad_l:self.pad_l + n * self.stride]


def lrelu(x):
    return F.leaky_relu(x, SLOPE)


class Pqmf(nn.Module):
    def __init__(self, bands, causal, analysis, synthesis):
        super().__init__()
        self.m, self.causal = bands, causal
        self.register_buffer("analysis", analysis)
        self.register_buffer("synthesis", synthesis)
        self.n = analysis.shape[2] - 1

    def analyse(self, x):
        pad = (self.n, 0) if self.causal else (self.n // 2, self.n // 2)
        return F.conv1d(F.pad(x, pad), self.analysis, stride=self.m)

    def synthesise(self, bands):
        q = self.n // self.m
        pad = (q, 0) if self.causal else (q // 2, q - q // 2)
        y = F.conv1d(F.pad(bands, pad), self.synthesis)
        b, _, l = bands.shape
        return y.permute(0, 2, 1).reshape(b, 1, l * self.m)


class Encoder(nn.Module):
    def __init__(self, c, wn):
        super().__init__()
        k, causal = c["kernelSize"], c["causal"]

        def conv(name, cin, cout, kernel, stride, dil):
            pl, pr = padding(kernel, stride, dil, causal)
            self.add_module(name, Conv("1d", cin, cout, kernel, stride, dil, pl, pr, wn, False))
            return getattr(self, name)

        self.first = conv("in", c["bands"], c["capacity"], 2 * k + 1, 1, 1)
        ch = c["capacity"]
        self.stages = []
        for i, r in enumerate(c["ratios"]):
            units = [(conv("s%d_r%d_c1" % (i, j), ch, ch, k, 1, d),
                      conv("s%d_r%d_c2" % (i, j), ch, ch, 1, 1, 1))
                     for j, d in enumerate(c["dilations"][i])]
            down = conv("s%d_down" % i, ch, 2 * ch, 2 * r, r, 1)
            self.stages.append((units, down))
            ch *= 2
        self.last = conv("out", ch, 2 * c["latentSize"], k, 1, 1)

    def forward(self, x):
        x = self.first(x)
        for units, down in self.stages:
            for c1, c2 in units:
                x = x + c2(lrelu(c1(lrelu(x))))
            x = down(lrelu(x))
        return self.last(lrelu(x))


class NoiseBranch(nn.Module):
    def __init__(self, c, channels, wn):
        super().__init__()
        self.bands, self.nb = c["bands"], c["noiseBands"]
        self.frame = int(np.prod(c["ratios"]))
        self.amp = Conv("1d", channels, self.bands * self.nb, 1, 1, 1, 0, 0, wn, True)

    def forward(self, h, noise):
        b, _, l = h.shape
        frames = l // self.frame
        a = self.amp(F.avg_pool1d(h, self.frame))
        mag = (torch.sigmoid(a - 5) * 2).reshape(b, self.bands, self.nb, frames).permute(0, 1, 3, 2)
        taps = 2 * (self.nb - 1)
        ir = torch.fft.irfft(mag.to(torch.complex64), n=taps)
        ir = ir.roll(self.nb - 1, -1) * torch.hann_window(taps)
        n = 2 * self.frame
        y = torch.fft.irfft(torch.fft.rfft(noise, n=n) * torch.fft.rfft(ir, n=n), n=n)
        return y[..., :self.frame].reshape(b, self.bands, frames * self.frame)


class Decoder(nn.Module):
    def __init__(self, c, wn):
        super().__init__()
        k, causal = c["kernelSize"], c["causal"]
        self.c = c

        def conv(name, cin, cout, kernel, dil):
            pl, pr = padding(kernel, 1, dil, causal)
            self.add_module(name, Conv("1d", cin, cout, kernel, 1, dil, pl, pr, wn, False))
            return getattr(self, name)

        ch = c["capacity"] << len(c["ratios"])
        self.first = conv("in", c["latentSize"], ch, k, 1)
        self.stages = []
        n = len(c["ratios"])
        for i in range(n):
            r = c["ratios"][n - 1 - i]
            up = Conv("t", ch, ch // 2, 2 * r, r, 1, 0 if causal else r // 2, 0, wn, False)
            self.add_module("s%d_up" % i, up)
            ch //= 2
            units = [(conv("s%d_r%d_c1" % (i, j), ch, ch, k, d),
                      conv("s%d_r%d_c2" % (i, j), ch, ch, 1, 1))
                     for j, d in enumerate(c["dilations"][n - 1 - i])]
            self.stages.append((up, units))
        out_ch = 2 * c["bands"] if c["amplitudeModulation"] else c["bands"]
        self.last = conv("out", ch, out_ch, 2 * k + 1, 1)
        self.noise = NoiseBranch(c, ch, wn) if c["noise"] else None

    def forward(self, z, noise):
        x = self.first(z)
        for up, units in self.stages:
            x = up(lrelu(x))
            for c1, c2 in units:
                x = x + c2(lrelu(c1(lrelu(x))))
        h = lrelu(x)
        y = self.last(h)
        if self.c["amplitudeModulation"]:
            m = self.c["bands"]
            y = y[:, :m] * torch.sigmoid(y[:, m:])
        if self.noise is not None:
            y = y + self.noise(h, noise)
        return torch.tanh(y)


class Discriminator(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.periods = c["periods"]
        self.mpd = [self.net("mpd_p%d" % p, c, "2d", 5) for p in self.periods]
        self.msd = [self.net("msd_s%d" % s, c, "1d", 15) for s in range(c["scales"])]

    def net(self, prefix, c, kind, kernel):
        layers, cin = [], 1
        for i in range(c["discLayers"]):
            cout = c["discCapacity"] << i
            l = Conv(kind, cin, cout, kernel, 4, 1, kernel // 2, kernel // 2, True, True)
            self.add_module("%s_l%d" % (prefix, i), l)
            layers.append(l)
            cin = cout
        last = Conv(kind, cin, 1, 1, 1, 1, 0, 0, False, True)
        self.add_module(prefix + "_last", last)
        layers.append(last)
        return layers

    @staticmethod
    def run(layers, x):
        feats = []
        for i, l in enumerate(layers):
            x = l(x)
            feats.append(x)
            if i < len(layers) - 1:
                x = lrelu(x)
        return feats

    def forward(self, x):
        out = []
        for p, layers in zip(self.periods, self.mpd):
            t = x.shape[2]
            pad = (p - t % p) % p
            f = F.pad(x, (0, pad)).reshape(x.shape[0], 1, (t + pad) // p, p)
            out.append(self.run(layers, f))
        s = x
        for i, layers in enumerate(self.msd):
            if i > 0:
                s = F.avg_pool1d(s, 2)
            out.append(self.run(layers, s))
        return out


class RaveNet(nn.Module):
    def __init__(self, c, wn, pqmf_analysis, pqmf_synthesis):
        super().__init__()
        self.c = c
        self.pqmf = Pqmf(c["bands"], c["causal"], pqmf_analysis, pqmf_synthesis)
        self.encoder = Encoder(c, wn)
        self.decoder = Decoder(c, wn)

    def mean(self, z):
        return z[:, :self.c["latentSize"]]

    def std(self, z):
        return F.softplus(z[:, self.c["latentSize"]:]) + 1e-4


def magnitude(x, n):
    s = torch.stft(x, n, hop_length=n // 4, win_length=n, window=torch.hann_window(n),
                   center=True, pad_mode="reflect", normalized=False, onesided=True,
                   return_complex=True)
    return s.abs()


def spectral_distance(x, y, sizes):
    total = 0
    for n in sizes:
        if n > x.shape[1]:
            continue
        X, Y = magnitude(x, n), magnitude(y, n)
        total = total + (X - Y).pow(2).mean() / X.pow(2).mean() \
            + ((X + LOG_EPS).log() - (Y + LOG_EPS).log()).abs().mean()
    return total


def load_into(module, weights, prefix=""):
    names = {}
    for name, p in list(module.named_parameters()) + list(module.named_buffers()):
        key = prefix + name
        if key not in weights:
            raise KeyError("no weight for " + key)
        if tuple(weights[key].shape) != tuple(p.shape):
            raise ValueError("%s: shape %s, model %s" % (key, weights[key].shape, p.shape))
        with torch.no_grad():
            p.copy_(weights[key])
        names[key] = True
    return names


def main(d):
    torch.set_num_threads(1)
    config, weights = read(d + "/weights")
    _, io = read(d + "/io")
    net = RaveNet(config, True, weights["pqmf.analysis"], weights["pqmf.synthesis"])
    disc = Discriminator(config)
    used = load_into(net, weights)
    used.update(load_into(disc, weights, "disc."))
    unused = set(weights) - set(used)
    if unused:
        raise ValueError("weights not in the reference model: %s" % sorted(unused))
    sizes = config["stftSizes"]
    x, eps = io["x"], io["eps"]
    noise = io["noise"] if config["noise"] else None
    with torch.no_grad():
        bands = net.pqmf.analyse(x)
        z = net.encoder(bands)
        mean, std = net.mean(z), net.std(z)
        zs = mean + eps * std
        ybands = net.decoder(zs, noise)
        y = net.pqmf.synthesise(ybands)
        b, m, l = bands.shape
        multiband = spectral_distance(bands.reshape(b * m, l), ybands.reshape(b * m, l), sizes)
        fullband = spectral_distance(x.reshape(b, -1), y.reshape(b, -1), sizes)
        kl = (mean * mean + std * std - (std * std).log() - 1).sum(1).mean()
        real, fake = disc(x), disc(y)
        dhinge = sum(F.relu(1 - r[-1]).mean() + F.relu(1 + f[-1]).mean()
                     for r, f in zip(real, fake))
        ghinge = sum((-f[-1]).mean() for f in fake)
        fm = sum((r[j] - f[j]).abs().mean() for r, f in zip(real, fake)
                 for j in range(len(r) - 1))
    ours = {"bands": bands, "z": z, "ybands": ybands, "y": y, "multiband": multiband,
            "fullband": fullband, "kl": kl, "dhinge": dhinge, "ghinge": ghinge, "fm": fm}
    errors = {}
    for k, v in ours.items():
        ref = io[k].reshape(v.shape).double()
        errors[k] = float((v.double() - ref).norm() / ref.norm())
    print(json.dumps(errors))


if __name__ == "__main__":
    main(sys.argv[1])
