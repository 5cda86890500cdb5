package org.mvgen.rave.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.mvgen.torch.Torch;

/**
 * Encoder speed as a multiple of real time for the small, v2 and live configs (random weights,
 * folded), on 1 and 2 threads, plus the live config's per-hop streaming cost. A probe, not a check:
 * runs only with {@code -Dmvgen.rave.speed=true} and prints its figures.
 *
 * <pre>
 * mvn -o -Dtest=RaveSpeedProbe -Dmvgen.rave.speed=true -Dsurefire.failIfNoSpecifiedTests=false test
 * </pre>
 */
class RaveSpeedProbe {
  @Test
  void encoderRealTimeFactors() throws Exception {
    assumeTrue(
        Boolean.getBoolean("mvgen.rave.speed"), "speed probe: run with -Dmvgen.rave.speed=true");
    Torch.load();
    StringBuilder report = new StringBuilder();
    for (int threads :
        Boolean.getBoolean("mvgen.rave.speed.reverse") ? new int[] {2, 1} : new int[] {1, 2}) {
      Torch.threads(threads);
      for (String name : new String[] {"small", "v2", "live"}) {
        torch.manual_seed(1);
        RaveConfig c = RaveConfig.named(name);
        float[] audio = PqmfTest.synthMusic(c.sampleRate(), 10 * c.sampleRate(), 1);
        try (RaveNet net = new RaveNet(c, true);
            RaveAutoencoder m = RaveAutoencoder.of(net)) {
          m.encodeMean(Arrays.copyOf(audio, c.sampleRate())); // warm-up
          double best = Double.MAX_VALUE;
          for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            m.encodeMean(audio);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
          }
          report.append(
              String.format(
                  "%s threads=%d offline 10 s: best of 3 %.3f s = %.1fx real time%n",
                  name, threads, best, 10 / best));
          if (c.causal()) {
            try (StreamingEncoder s = m.openStream()) {
              int hop = c.hop();
              int n = audio.length / hop;
              double[] ms = new double[n];
              for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                s.push(audio, i * hop, hop);
                ms[i] = (System.nanoTime() - t0) / 1e6;
              }
              double[] sorted = ms.clone();
              Arrays.sort(sorted);
              double mean = Arrays.stream(ms).skip(10).average().orElse(0);
              report.append(
                  String.format(
                      "%s threads=%d streaming one hop (%d samples, %.1f ms of audio): mean %.2f"
                          + " ms, p95 %.2f ms%n",
                      name,
                      threads,
                      hop,
                      hop * 1000.0 / c.sampleRate(),
                      mean,
                      sorted[(int) (0.95 * (n - 1))]));
            }
          }
        }
      }
    }
    System.out.print(report);
  }
}
