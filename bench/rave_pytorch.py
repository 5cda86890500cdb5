#!/usr/bin/env python3
"""RAVE training speed in PyTorch: the reference architecture of src/test/python/rave_reference.py
(mvgen's RAVE written again in PyTorch, checked by RaveParityTest) trained with the same step as
org.mvgen.rave.model.RaveTask, from the weights and audio RaveTrainBenchmark wrote.

    rave_pytorch.py DIR THREADS STEPS [PHASE2_STEPS]

DIR: the folder RaveTrainBenchmark was given (DIR/weights: config and initial weights; DIR/io:
clip0, clip1, and for v2 multibandCrop: the band samples mvgen crops at each end before the
multiband distance). Phase 1 step: random crops (batch and example size from the config), PQMF,
encoder, posterior sample, decoder, synthesis, multiband + full-band spectral distance + beta KL,
backward, Adam (betas 0.5, 0.9) over the generator. Phase 2: encoder frozen; every discEvery-th
step trains the discriminator (hinge), the others the decoder (distance + hinge + feature
matching). Prints key=value lines as RaveTrainBenchmark does.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test",
                                "python"))
import rave_reference as ref  # noqa: E402


def main(d, threads, steps, phase2):
    torch.set_num_threads(threads)
    c, weights = ref.read(d + "/weights")
    _, io = ref.read(d + "/io")
    clips = [io["clip0"], io["clip1"]]
    # v2's receptive-field crop of the multiband distance, as mvgen measured it (band samples).
    c["crop"] = [int(v) for v in io["multibandCrop"].tolist()] if "multibandCrop" in io else [0, 0]
    print("config=%s example=%d batch=%d threads=%d torch=%s" % (
        c["name"], c["exampleSize"], c["batchSize"], torch.get_num_threads(), torch.__version__))
    timed(c, weights, clips, "phase1", 0, int(os.environ.get("RAVE_BENCH_WARM", "2")), steps)
    if phase2 > 0:
        timed(c, weights, clips, "phase2", 1, 4, phase2)


def build(c, weights):
    torch.manual_seed(1)
    net = ref.RaveNet(c, True, weights["pqmf.analysis"], weights["pqmf.synthesis"])
    disc = ref.Discriminator(c)
    ref.load_into(net, weights)
    ref.load_into(disc, weights, "disc.")
    return net, disc


def timed(c, weights, clips, phase, first, warm, steps):
    net, disc = build(c, weights)
    gen_params = [p for n, p in net.named_parameters()]
    if phase == "phase1":
        print("params_generator=%d params_discriminator=%d" % (
            sum(p.numel() for p in gen_params), sum(p.numel() for p in disc.parameters())))
    gen = torch.optim.Adam(gen_params, lr=c["lr"], betas=(0.5, 0.9), eps=1e-8)
    dopt = torch.optim.Adam(disc.parameters(), lr=c["lrDiscriminator"], betas=(0.5, 0.9), eps=1e-8)
    g = torch.Generator().manual_seed(7)
    for s in range(warm):
        step(c, net, disc, gen, dopt, clips, g, phase, first + s)
    t0 = time.perf_counter()
    for s in range(steps):
        step(c, net, disc, gen, dopt, clips, g, phase, first + warm + s)
    secs = time.perf_counter() - t0
    print("%s_steps_per_s=%.3f (%.3f s/step, %d timed steps after %d warm-up)" % (
        phase, steps / secs, secs / steps, steps, warm))


def batch(c, clips, g):
    t = c["exampleSize"]
    rows = []
    for _ in range(c["batchSize"]):
        clip = clips[int(torch.randint(len(clips), (1,), generator=g))]
        start = int(torch.randint(clip.shape[0] - t + 1, (1,), generator=g))
        rows.append(clip[start:start + t])
    return torch.stack(rows).reshape(len(rows), 1, t)


def beta(c, s):
    if c["betaWarmup"] == 0 or s >= c["betaWarmup"]:
        return c["betaEnd"]
    import math
    t = s / c["betaWarmup"]
    return math.exp(math.log(c["betaStart"]) + t * (math.log(c["betaEnd"]) -
                                                    math.log(c["betaStart"])))


def forward(c, net, x, frozen):
    bands = net.pqmf.analyse(x)
    if frozen:
        with torch.no_grad():
            z = net.encoder(bands)
    else:
        z = net.encoder(bands)
    mean, std = net.mean(z), net.std(z)
    zs = mean + torch.randn_like(mean) * std
    noise = None
    if c["noise"]:
        frame = 1
        for r in c["ratios"]:
            frame *= r
        length = zs.shape[2] * (c["bands"] * frame) // c["bands"]
        noise = torch.rand(zs.shape[0], c["bands"], length // frame, frame) * 2 - 1
    ybands = net.decoder(zs, noise)
    y = net.pqmf.synthesise(ybands)
    left, right = c.get("crop", [0, 0])
    mb = bands[:, :, left:bands.shape[2] - right]
    ymb = ybands[:, :, left:ybands.shape[2] - right]
    b, m, l = mb.shape
    sizes = c["stftSizes"]
    distance = ref.spectral_distance(mb.reshape(b * m, l), ymb.reshape(b * m, l), sizes) \
        + ref.spectral_distance(x.reshape(b, -1), y.reshape(b, -1), sizes)
    kl = (mean * mean + std * std - (std * std).log() - 1).sum(1).mean()
    return y, distance, kl


def step(c, net, disc, gen, dopt, clips, g, phase, s):
    x = batch(c, clips, g)
    if phase == "phase2" and s % c["discEvery"] == 0:
        with torch.no_grad():
            y, _, _ = forward(c, net, x, True)
        real, fake = disc(x), disc(y)
        d = sum(F.relu(1 - r[-1]).mean() + F.relu(1 + f[-1]).mean() for r, f in zip(real, fake))
        dopt.zero_grad()
        d.backward()
        dopt.step()
        return
    y, distance, kl = forward(c, net, x, phase == "phase2")
    if phase == "phase1":
        loss = distance + beta(c, s) * kl
    else:
        real, fake = disc(x), disc(y)
        adv = sum((-f[-1]).mean() for f in fake)
        fm = sum((r[j] - f[j]).abs().mean() for r, f in zip(real, fake) for j in range(len(r) - 1))
        loss = distance + adv + c["featureMatchingWeight"] * fm
    gen.zero_grad()
    loss.backward()
    gen.step()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
         int(sys.argv[4]) if len(sys.argv) > 4 else 0)
