package org.mvgen.train.decoder;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.decoder.Decoder;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.DecoderNet;
import org.mvgen.decoder.Frames;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.decoder.PairSource;
import org.mvgen.torch.Torch;
import org.mvgen.train.Optim;
import org.mvgen.train.TrainingContext;
import org.mvgen.train.TrainingTask;
import org.mvgen.util.Charts;

/**
 * The decoder as a {@link TrainingTask}: latents in, frames out, an L1 or MSE loss, one Adam.
 * Validation reports the loss and PSNR on evenly spaced held-out pairs; side outputs are preview
 * grids ({@code previews/step-N.png}); the product is {@code model.mvgen}.
 */
public final class DecoderTask implements TrainingTask {
  public static final String BUNDLE = DecoderBundle.FILE_NAME;
  private static final int PREVIEW_FRAMES = 8;

  private final DecoderTrainConfig config;
  private DecoderNet net;
  private Optim adam;
  private Device device;
  private boolean bf16;
  private LatentNorm norm;
  private BatchLoader loader;

  public DecoderTask(DecoderTrainConfig config) {
    this.config = config;
  }

  @Override
  public String name() {
    return "decoder";
  }

  @Override
  public void build(Device device, boolean bf16) {
    this.device = device;
    this.bf16 = bf16;
    net = new DecoderNet(config.model());
    if (!device.is_cpu()) {
      net.to(device, false);
    }
    DecoderTrainConfig.Optimisation o = config.optimisation();
    adam =
        new Optim(
            "adam",
            net.parametersByName(),
            new Optim.Settings(0.9, 0.999, 1e-8, o.weightDecay(), false),
            o.toSchedule());
  }

  @Override
  public Map<String, Object> identity() {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> data = new LinkedHashMap<>();
    Object dataset = config.encoder().info().get("dataset");
    if (dataset != null) {
      data.put("dataset", dataset);
    }
    data.put("trainPairs", config.data().train().size());
    m.put("data", data);
    m.put("encoder", config.encoder().id());
    m.put("model", config.model().toMap());
    m.put("batchSize", config.optimisation().batchSize());
    m.put("seed", config.run().seed());
    return m;
  }

  @Override
  public Map<String, Object> describe() {
    DecoderTrainConfig.Optimisation o = config.optimisation();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("loss", o.loss().setting());
    m.put("lr", o.lr());
    m.put("schedule", o.schedule().setting());
    m.put("warmupSteps", o.warmupSteps());
    m.put("minLrFraction", o.minLrFraction());
    m.put("weightDecay", o.weightDecay());
    PairSource val = config.data().validation();
    m.put("validationPairs", val == null ? 0 : val.size());
    m.put("encoderSpec", config.encoder().spec());
    m.put("info", config.encoder().info());
    return m;
  }

  @Override
  public Map<String, Tensor> state() {
    return net.state();
  }

  @Override
  public List<Optim> optimizers() {
    return List.of(adam);
  }

  @Override
  public Map<String, Object> extraState() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("latentMean", norm.mean());
    m.put("latentStd", norm.std());
    return m;
  }

  @Override
  public void restoreExtraState(Map<String, Object> extra) throws IOException {
    if (!extra.containsKey("latentMean") || !extra.containsKey("latentStd")) {
      throw new IOException("it has no latent normalisation");
    }
    norm = new LatentNorm(floats(extra.get("latentMean")), floats(extra.get("latentStd")));
  }

  private static float[] floats(Object o) {
    List<?> l = (List<?>) o;
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = ((Number) l.get(i)).floatValue();
    }
    return f;
  }

  @Override
  public void start(long step, boolean resumed, int rank, int world) {
    if (norm == null) {
      norm = LatentNorm.measure(config.data().train());
    }
    loader =
        new BatchLoader(
            config.data().train(),
            norm,
            config.optimisation().batchSize(),
            config.run().seed(),
            step,
            config.data().loaderThreads(),
            rank,
            world);
    net.train(true);
  }

  /** The latent normalisation (measured on the training pairs, or restored). */
  public LatentNorm norm() {
    return norm;
  }

  @Override
  public int samplesPerStep() {
    return loader.batchSize();
  }

  @Override
  public Map<String, Double> step(long step) throws IOException, InterruptedException {
    BatchLoader.Batch b = loader.next();
    int d = config.model().latentSize();
    int s = config.model().frameSize();
    try (PointerScope scope = new PointerScope()) {
      Tensor z = Torch.tensor(b.latents(), 0, new long[] {b.n(), d});
      Tensor x = Torch.tensor(b.frames(), 0, new long[] {b.n(), 3, s, s});
      if (!device.is_cpu()) {
        z = z.to(device, torch.ScalarType.Float);
        x = x.to(device, torch.ScalarType.Float);
      }
      adam.zeroGrad();
      Tensor y = net.forwardFast(z, bf16);
      Tensor l = loss(y, x);
      l.backward();
      double v = l.item_float();
      if (Double.isFinite(v)) {
        adam.step();
      }
      return Map.of("loss", v);
    }
  }

  private Tensor loss(Tensor y, Tensor x) {
    return switch (config.optimisation().loss()) {
      case L1 -> torch.l1_loss(y, x);
      case MSE -> torch.mse_loss(y, x);
    };
  }

  /** Loss and PSNR on up to {@code validationPairs} evenly spaced validation pairs. */
  @Override
  public Map<String, Double> validate(long step) throws IOException {
    PairSource val = config.data().validation();
    if (val == null || val.size() == 0) {
      return Map.of();
    }
    int k = (int) Math.min(val.size(), Math.max(1, config.data().validationPairs()));
    long[] items = new long[k];
    for (int i = 0; i < k; i++) {
      items[i] = i * val.size() / k;
    }
    int bs = Math.min(config.optimisation().batchSize(), 32);
    double lossSum = 0;
    double sq = 0;
    long count = 0;
    byte[] target = new byte[val.frameBytes()];
    byte[] got = new byte[bs * val.frameBytes()];
    byte[] targets = new byte[bs * val.frameBytes()];
    net.eval();
    try {
      for (int start = 0; start < k; start += bs) {
        int n = Math.min(bs, k - start);
        float[] z = new float[n * val.latentSize()];
        for (int i = 0; i < n; i++) {
          val.latent(items[start + i], z, i * val.latentSize());
          val.rgb(items[start + i], target, 0);
          System.arraycopy(target, 0, targets, i * target.length, target.length);
        }
        norm.apply(z, 0, n);
        float[] xf = new float[n * val.frameBytes()];
        Frames.toNetwork(targets, 0, n, val.frameSize(), xf, 0);
        try (PointerScope scope = new PointerScope();
            NoGradGuard g = new NoGradGuard()) {
          Tensor zt = Torch.tensor(z, 0, new long[] {n, val.latentSize()});
          Tensor xt = Torch.tensor(xf, 0, new long[] {n, 3, val.frameSize(), val.frameSize()});
          if (!device.is_cpu()) {
            zt = zt.to(device, torch.ScalarType.Float);
            xt = xt.to(device, torch.ScalarType.Float);
          }
          Tensor y = net.forward(zt);
          lossSum += loss(y, xt).item_float() * n;
          Torch.copy(Decoder.toBytes(y), got, 0);
        }
        for (int i = 0; i < n * val.frameBytes(); i++) {
          int e = (got[i] & 0xff) - (targets[i] & 0xff);
          sq += e * e;
        }
        count += (long) n * val.frameBytes();
      }
    } finally {
      net.train(true);
    }
    double mse = sq / count;
    double psnr = mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("loss", lossSum / k);
    m.put("psnr", psnr);
    return m;
  }

  /** Writes a PNG of validation targets (top) above generated frames (bottom). */
  @Override
  public void sideOutputs(long step, Path runDir) throws IOException {
    PairSource src =
        config.data().validation() != null && config.data().validation().size() > 0
            ? config.data().validation()
            : config.data().train();
    int k = (int) Math.min(PREVIEW_FRAMES, src.size());
    List<byte[]> targets = new ArrayList<>();
    List<byte[]> generated = new ArrayList<>();
    int d = src.latentSize();
    float[] z = new float[k * d];
    for (int i = 0; i < k; i++) {
      long item = i * src.size() / k;
      byte[] t = new byte[src.frameBytes()];
      src.rgb(item, t, 0);
      targets.add(t);
      src.latent(item, z, i * d);
    }
    norm.apply(z, 0, k);
    byte[] out = new byte[k * src.frameBytes()];
    net.eval();
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor zt = Torch.tensor(z, 0, new long[] {k, d});
      if (!device.is_cpu()) {
        zt = zt.to(device, torch.ScalarType.Float);
      }
      Torch.copy(Decoder.toBytes(net.forward(zt)), out, 0);
    } finally {
      net.train(true);
    }
    for (int i = 0; i < k; i++) {
      generated.add(Arrays.copyOfRange(out, i * src.frameBytes(), (i + 1) * src.frameBytes()));
    }
    Path file = runDir.resolve("previews").resolve(String.format("step-%07d.png", step));
    Charts.grid(file, List.of("target", "generated"), List.of(targets, generated), src.frameSize());
  }

  /** Writes {@code model.mvgen}. */
  @Override
  public void finish(Path runDir, TrainingContext ctx) throws IOException {
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("steps", ctx.plannedSteps());
    training.put("batchSize", config.optimisation().batchSize());
    training.putAll(describe());
    training.remove("encoderSpec");
    training.put("seed", config.run().seed());
    training.put("threads", config.run().threads());
    training.put("precision", bf16 ? "bfloat16" : "float32");
    training.put("trainPairs", config.data().train().size());
    training.put("worldSize", ctx.worldSize());
    training.put("stepsDone", ctx.step());
    training.put("finalLoss", ctx.smoothedLoss());
    training.put("validationLoss", ctx.validation().getOrDefault("loss", Double.NaN));
    training.put("validationPsnr", ctx.validation().getOrDefault("psnr", Double.NaN));
    training.put("finished", Instant.now().toString());
    DecoderTrainConfig.Encoder e = config.encoder();
    new DecoderBundle(config.model(), e.id(), e.spec(), e.files(), norm, training)
        .write(runDir.resolve(BUNDLE), net);
  }

  @Override
  public String divergenceAdvice(boolean checkpointKept) {
    String lr = String.format(Locale.ROOT, "%.2g", config.optimisation().lr() / 3);
    if (!checkpointKept) {
      return "Start again with a lower learning rate (--set train.lr="
          + lr
          + "), more warm-up steps (train.warmup_steps) or a larger batch (train.batch_size).";
    }
    return "Continue from it with a lower learning rate (--resume --set train.lr="
        + lr
        + ") or more warm-up steps (train.warmup_steps), or start a new run with a larger batch"
        + " (train.batch_size; --resume needs the same batch size).";
  }

  /** The network being trained (for tests and benchmarks). */
  public DecoderNet net() {
    return net;
  }

  @Override
  public void close() {
    if (loader != null) {
      loader.close();
    }
    if (adam != null) {
      adam.close();
    }
    if (net != null) {
      net.close();
    }
  }
}
