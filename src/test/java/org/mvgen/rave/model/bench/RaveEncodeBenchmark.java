package org.mvgen.rave.model.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveNet;
import org.mvgen.rave.model.RaveWeights;
import org.mvgen.rave.model.StreamingEncoder;
import org.mvgen.torch.Torch;

/**
 * Encoder speed of mvgen's own RAVE (random weights, folded; {@link RaveAutoencoder#encodeMean}, as
 * RaveSpeedProbe): offline mean as a multiple of real time for each config on each thread count
 * (best of 3 after a warm-up), and for causal configs the streaming cost of one hop ({@link
 * StreamingEncoder#push}) p50 / p95 / max. Prints {@code key=value} lines. With an output folder it
 * writes each config's folded weights to {@code OUT/CONFIG} for bench/rave_encode_pytorch.py.
 *
 * <pre>
 * RaveEncodeBenchmark [SECONDS=10] [THREADS=1,2] [CONFIGS=small,v2,live] [OUT_DIR]
 * </pre>
 */
public final class RaveEncodeBenchmark {
  private RaveEncodeBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    String[] threadList = (args.length > 1 ? args[1] : "1,2").split(",");
    String[] configs = (args.length > 2 ? args[2] : "small,v2,live").split(",");
    Path out = args.length > 3 ? Path.of(args[3]) : null;
    Torch.load();
    for (String t : threadList) {
      int threads = Integer.parseInt(t.trim());
      Torch.threads(threads);
      org.mvgen.rave.model.PointwiseProbe.run(threads);
      for (String name : configs) {
        torch.manual_seed(1);
        RaveConfig c = RaveConfig.named(name.trim());
        float[] audio = RaveTrainBenchmark.music(c.sampleRate(), seconds * c.sampleRate(), 1);
        try (RaveNet net = new RaveNet(c, true);
            RaveAutoencoder m = RaveAutoencoder.of(net)) {
          if (out != null) {
            try (RaveNet folded = net.folded()) {
              RaveWeights.write(out.resolve(c.name()), c, RaveNet.state(folded));
            }
          }
          m.encodeMean(Arrays.copyOf(audio, c.sampleRate())); // warm-up
          double best = Double.MAX_VALUE;
          for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            m.encodeMean(audio);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
          }
          String key = c.name() + "_threads" + threads;
          System.out.printf(
              Locale.ROOT,
              "%s_offline_mean_x_realtime=%.1f (best of 3: %.3f s for %d s)%n",
              key,
              seconds / best,
              best,
              seconds);
          if (c.causal()) {
            try (StreamingEncoder s = m.openStream()) {
              int hop = c.hop();
              int n = audio.length / hop;
              int warm = Math.min(10, n / 4);
              double[] ms = new double[n - warm];
              for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                s.push(audio, i * hop, hop);
                if (i >= warm) {
                  ms[i - warm] = (System.nanoTime() - t0) / 1e6;
                }
              }
              Arrays.sort(ms);
              System.out.printf(
                  Locale.ROOT,
                  "%s_stream_hop_ms_p50=%.2f p95=%.2f max=%.2f (hop %d samples = %.1f ms of audio,"
                      + " %d hops after %d warm-up)%n",
                  key,
                  ms[ms.length / 2],
                  ms[(int) (0.95 * (ms.length - 1))],
                  ms[ms.length - 1],
                  hop,
                  hop * 1000.0 / c.sampleRate(),
                  ms.length,
                  warm);
            }
          }
        }
      }
    }
  }
}
