package org.mvgen.rave.model.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.rave.model.Discriminator;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveLosses;
import org.mvgen.rave.model.RaveNet;
import org.mvgen.torch.Torch;

/**
 * Where a RAVE training step spends its time: wall time of each part of phase 1's forward pass
 * (PQMF analysis, encoder, decoder, PQMF synthesis, spectral losses), its backward pass, and phase
 * 2's discriminator forward and backward. Median of the timed repetitions after one warm-up. A tool
 * for finding what to speed up, not a benchmark of record.
 *
 * <pre>
 * RaveStepProfile CONFIG THREADS REPS EXAMPLE BATCH [PHASE2(true|false) [disc]]
 * </pre>
 */
public final class RaveStepProfile {
  private RaveStepProfile() {}

  public static void main(String[] args) throws Exception {
    String name = args[0];
    int threads = Integer.parseInt(args[1]);
    int reps = Integer.parseInt(args[2]);
    int example = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    boolean phase2 = args.length > 5 && Boolean.parseBoolean(args[5]);
    Torch.load();
    Torch.threads(threads);
    RaveConfig c = RaveTrainBenchmark.config(name, example, batch);
    torch.manual_seed(1);
    RaveNet net = new RaveNet(c, true);
    Discriminator disc = net.discriminator();
    float[] audio = RaveTrainBenchmark.music(c.sampleRate(), c.batchSize() * c.exampleSize(), 3);
    Map<String, double[]> times = new LinkedHashMap<>();
    if (args.length > 6 && args[6].equals("disc")) {
      // The discriminator step alone: forward on real and fake audio, hinge, backward.
      for (int r = 0; r <= reps; r++) {
        try (PointerScope scope = new PointerScope()) {
          Tensor x = Torch.tensor(audio, c.batchSize(), 1, c.exampleSize());
          Tensor y = x.flip(new long[] {2}).contiguous();
          long t = System.nanoTime();
          Tensor d = RaveLosses.discriminatorHinge(disc.forward(x), disc.forward(y));
          t = mark(times, "dstep_forward_x2", t, r, reps);
          d.backward();
          mark(times, "dstep_backward", t, r, reps);
        }
      }
    }
    if (phase2) { // as RaveTask's generator steps: no gradients for the discriminator
      for (Tensor p : RaveNet.parameters(disc).values()) {
        p.requires_grad_(false);
      }
    }
    for (int r = 0; r <= reps; r++) {
      try (PointerScope scope = new PointerScope()) {
        Tensor x = Torch.tensor(audio, c.batchSize(), 1, c.exampleSize());
        long t = System.nanoTime();
        Tensor bands = net.pqmf().analyse(x);
        t = mark(times, "pqmf_analyse", t, r, reps);
        Tensor z;
        if (phase2) {
          try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            z = net.encodeBands(bands);
          }
        } else {
          z = net.encodeBands(bands);
        }
        t = mark(times, "encoder", t, r, reps);
        Tensor mean = net.mean(z);
        Tensor std = net.std(z);
        Tensor sample = mean.add(torch.randn(mean.sizes().vec().get()).mul(std));
        Tensor ybands = net.decodeBands(sample, null);
        t = mark(times, "decoder", t, r, reps);
        Tensor y = net.pqmf().synthesise(ybands);
        t = mark(times, "pqmf_synthesise", t, r, reps);
        List<Integer> sizes = c.stftSizes();
        Tensor mb = RaveLosses.multiband(bands, ybands, sizes);
        t = mark(times, "loss_multiband", t, r, reps);
        Tensor fb = RaveLosses.fullband(x, y, sizes);
        t = mark(times, "loss_fullband", t, r, reps);
        Tensor loss = mb.add(fb).add(RaveLosses.kl(mean, std));
        if (phase2) {
          List<List<Tensor>> real;
          try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            real = disc.forward(x);
          }
          List<List<Tensor>> fake = disc.forward(y);
          t = mark(times, "disc_forward_x2", t, r, reps);
          loss =
              loss.add(RaveLosses.generatorHinge(fake)).add(RaveLosses.featureMatching(real, fake));
          t = mark(times, "adv_losses", t, r, reps);
        }
        loss.backward();
        mark(times, "backward", t, r, reps);
        for (Tensor p : RaveNet.parameters(net).values()) {
          if (p.grad().defined()) {
            p.mutable_grad().zero_();
          }
        }
      }
    }
    double total = 0;
    for (Map.Entry<String, double[]> e : times.entrySet()) {
      double m = median(e.getValue());
      if (!e.getKey().startsWith("dstep_")) { // the total is the generator step's
        total += m;
      }
      System.out.printf(Locale.ROOT, "%-18s %9.1f ms%n", e.getKey(), m);
    }
    System.out.printf(
        Locale.ROOT,
        "%-18s %9.1f ms (config %s, %d x %d, %d threads)%n",
        "total",
        total,
        name,
        c.batchSize(),
        c.exampleSize(),
        Torch.threads());
  }

  private static long mark(Map<String, double[]> times, String key, long t0, int rep, int reps) {
    long now = System.nanoTime();
    if (rep > 0) {
      times.computeIfAbsent(key, k -> new double[reps])[rep - 1] = (now - t0) / 1e6;
    }
    return now;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
