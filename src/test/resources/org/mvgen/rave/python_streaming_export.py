# Writes a tiny RAVE-shaped export with PyTorch's own TorchScript (python3 + torch 1.13), streaming
# and offline twins with the same weights, and prints what mvgen must get from them: the exact
# streaming delay, then the offline posterior mean of a test signal. Written for mvgen from the
# export interface (cached convolutions as nn.Conv1d subclasses with `cache` and
# `downsampling_delay` submodules, the stride a class constant); no RAVE code.
#
#   python3 python_streaming_export.py OUT_DIR   -> OUT_DIR/{stream,offline}.ts, stdout: numbers
import sys
import torch
import torch.nn as nn


class Pad(nn.Module):
    def __init__(self, channels: int, padding: int, crop: bool):
        super().__init__()
        self.padding = padding
        self.crop = crop
        self.register_buffer("pad", torch.zeros(1, channels, padding))

    def forward(self, x):
        if self.padding > 0:
            x = torch.cat([self.pad, x], -1)
            self.pad = x[..., x.shape[-1] - self.padding:]
            if self.crop:
                x = x[..., : x.shape[-1] - self.padding]
        return x


class Conv(nn.Conv1d):
    """Centred padding offline; cached (causal, late by right + downsampling delay) streaming."""

    def __init__(self, cin, cout, k, stride, streaming, chain_delay):
        super().__init__(cin, cout, k, stride=stride, bias=False)
        self.right = k // 2
        self.left = (k - 1) // 2
        self.streaming = streaming
        down = (stride - (self.right + chain_delay) % stride) % stride
        self.late = self.right + down  # at this layer's input rate
        self.out_delay = (self.right + down + chain_delay) // stride
        self.cache = Pad(cin, self.left + self.right, False)
        self.downsampling_delay = Pad(cin, down, True)

    def forward(self, x):
        if self.streaming:
            x = self.cache(self.downsampling_delay(x))
        else:
            x = nn.functional.pad(x, (self.left, self.right))
        return nn.functional.conv1d(x, self.weight, None, self.stride)


class PQMF(nn.Module):
    def __init__(self, streaming):
        super().__init__()
        self.forward_conv = Conv(1, 4, 9, 4, streaming, 0)

    def forward(self, x):
        return self.forward_conv(x)


class Encoder(nn.Module):
    def __init__(self, streaming, full):
        super().__init__()
        c1 = Conv(4, 8, 3, 1, streaming, 0)
        c2 = Conv(8, 16, 4, 2, streaming, c1.out_delay)
        c3 = Conv(16, 2 * full, 3, 1, streaming, c2.out_delay)
        self.convs = [c1, c2, c3]
        self.net = nn.Sequential(c1, nn.LeakyReLU(0.2), c2, nn.LeakyReLU(0.2), c3)

    def forward(self, x):
        return self.net(x)


class ScriptedRAVE(nn.Module):
    def __init__(self, streaming, full=6, latent=4):
        super().__init__()
        torch.manual_seed(0)
        self.pqmf = PQMF(streaming)
        self.encoder = Encoder(streaming, full)
        self.sr = 44100
        self.latent_size = latent
        self.register_buffer("encode_params", torch.tensor([1, 1, latent, 8]))
        self.register_buffer("latent_pca", torch.linalg.qr(torch.randn(full, full))[0])
        self.register_buffer("latent_mean", torch.randn(full) * 0.1)

    def delay(self):
        d = self.pqmf.forward_conv.late
        rate = 4
        for c in self.encoder.convs:
            d += c.late * rate
            rate *= c.stride[0]
        return d

    @torch.jit.export
    def ref_mean(self, x):
        b = x.shape[0]
        h = self.pqmf(x.reshape(-1, 1, x.shape[-1]))
        h = h.reshape(b, -1, h.shape[-1])
        mean, scale = self.encoder(h).chunk(2, 1)
        z = nn.functional.conv1d(mean - self.latent_mean.unsqueeze(-1), self.latent_pca.unsqueeze(-1))
        return z[:, : self.latent_size]

    @torch.jit.export
    def encode(self, x):
        b = x.shape[0]
        h = self.pqmf(x.reshape(-1, 1, x.shape[-1]))
        h = h.reshape(b, -1, h.shape[-1])
        mean, scale = self.encoder(h).chunk(2, 1)
        z = torch.randn_like(mean) * (nn.functional.softplus(scale) + 1e-4) + mean
        z = nn.functional.conv1d(z - self.latent_mean.unsqueeze(-1), self.latent_pca.unsqueeze(-1))
        return z[:, : self.latent_size]


out = sys.argv[1]
stream = ScriptedRAVE(True)
offline = ScriptedRAVE(False)
delay = stream.delay()
torch.jit.script(stream).save(out + "/stream.ts")
offline = torch.jit.script(offline)
offline.save(out + "/offline.ts")
n = 8 * 64
x = torch.tensor([0.3 * __import__("math").sin(0.05 * i) + 0.1 * ((i * 7919) % 13 - 6) / 6 for i in range(n)])
with torch.no_grad():
    z = offline.ref_mean(x.reshape(1, 1, n))[0]  # [latent, frames]
print(delay)
print(" ".join("%.9g" % v for v in x.tolist()))
print(" ".join("%.9g" % v for v in z.t().reshape(-1).tolist()))
