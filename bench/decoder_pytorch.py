#!/usr/bin/env python3
"""The mvgen reference decoder in PyTorch: the comparison for bench/decoder-bench.sh.

Same network as org.mvgen.decoder.DecoderNet (latent -> linear -> width x s0 x s0 ->
depth transposed convolutions k4 s2 p1 with batch norm and ReLU -> tanh), same loss (MSE),
same optimizer (Adam), same batch, random data held in memory, same thread count.
Prints key=value lines like DecoderBenchmark.

usage: decoder_pytorch.py THREADS [LATENT SIZE WIDTH DEPTH]
"""
import statistics
import sys
import time

import torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
latent, size, width, depth = (int(a) for a in (sys.argv[2:6] if len(sys.argv) > 5 else (128, 256, 512, 6)))
min_width = 32
torch.set_num_threads(threads)
torch.manual_seed(1)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.s0 = size >> depth
        self.fc = nn.Linear(latent, width * self.s0 * self.s0)
        layers = []
        cin = width
        for i in range(depth):
            cout = 3 if i == depth - 1 else max(min_width, width >> (i + 1))
            layers.append(nn.ConvTranspose2d(cin, cout, 4, 2, 1))
            if i < depth - 1:
                layers += [nn.BatchNorm2d(cout), nn.ReLU()]
            cin = cout
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return torch.tanh(self.net(self.fc(z).view(-1, width, self.s0, self.s0)))


print(f"torch={torch.__version__} threads={torch.get_num_threads()}")
model = Decoder()
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
batch = 32
z = torch.randn(256, latent)
x = torch.rand(256, 3, size, size) * 2 - 1
times = []
for step in range(30):
    i = (step * batch) % 256
    zb, xb = z[i:i + batch], x[i:i + batch]
    t = time.perf_counter()
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(zb), xb)
    loss.backward()
    opt.step()
    times.append(time.perf_counter() - t)
timed = times[5:]  # as mvgen: the first steps include one-off allocations
print(f"train_samples_per_s={batch * len(timed) / sum(timed):.1f} (batch {batch}, {len(timed)} timed steps)")

model.eval()
with torch.inference_mode():
    one = z[:1]
    for _ in range(20):
        model(one)
    t = []
    for _ in range(200):
        a = time.perf_counter()
        y = ((model(one) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()
        t.append((time.perf_counter() - a) * 1000)
    t.sort()
    print(f"infer_single_ms_median={t[len(t) // 2]:.3f} p90={t[len(t) * 9 // 10]:.3f}")
