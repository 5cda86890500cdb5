#!/usr/bin/env python3
"""Same-run reference for bench/rave-encode.sh: the encoder of src/test/python/rave_reference.py
(PQMF analysis, encoder, posterior mean) in PyTorch, with the folded weights RaveEncodeBenchmark
wrote, called once on the whole signal (no chunks), best of 3 after a warm-up.

    rave_encode_pytorch.py DIR SECONDS THREADS[,THREADS...] CONFIG[,CONFIG...]
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test",
                                "python"))
import rave_reference as ref  # noqa: E402


def main(d, seconds, threads, configs):
    for t in threads:
        torch.set_num_threads(t)
        for name in configs:
            c, w = ref.read(os.path.join(d, name))
            net = ref.RaveNet(c, False, w["pqmf.analysis"], w["pqmf.synthesis"])
            ref.load_into(net, w)
            net.eval()
            hop = c["bands"]
            for r in c["ratios"]:
                hop *= r
            n = seconds * c["sampleRate"] // hop * hop
            g = torch.Generator().manual_seed(1)
            x = (torch.rand(1, 1, n, generator=g) * 2 - 1) * 0.3
            best = float("inf")
            with torch.no_grad():
                net.mean(net.encoder(net.pqmf.analyse(x[..., :c["sampleRate"] // hop * hop])))
                for _ in range(3):
                    t0 = time.perf_counter()
                    net.mean(net.encoder(net.pqmf.analyse(x)))
                    best = min(best, time.perf_counter() - t0)
            print("%s_threads%d_pytorch_one_call_x_realtime=%.1f (best of 3: %.3f s for %d s)" % (
                name, t, seconds / best, best, seconds))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [int(v) for v in sys.argv[3].split(",")],
         sys.argv[4].split(","))
