package org.mvgen.decoder;

import java.awt.Color;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.MvgenException;
import org.mvgen.torch.Torch;
import org.mvgen.util.AtomicFiles;
import org.mvgen.util.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a decoder on (latent, frame) pairs: Adam with a learning-rate schedule over shuffled
 * batches streamed by a {@link BatchLoader}, with checkpoints, previews, divergence checks and
 * metrics as {@link TrainingListener}s.
 *
 * <pre>
 * TrainResult r = Trainer.run(config, ProgressBars.console(err));
 * </pre>
 *
 * <p>Run folder: {@code checkpoint.ckpt} (weights, optimizer state, latent normalisation, metrics;
 * written atomically), {@code metrics.json}, {@code previews/step-NNNNNNN.png}, {@code loss.png}
 * and, at the end, {@code model.mvgen}. On the CPU a run is deterministic for a seed and a thread
 * count, and {@code resume} continues it bit for bit: the data order is a function of (seed, step)
 * and every other piece of state is in the checkpoint. Ctrl-C (SIGINT, SIGTERM) saves a checkpoint
 * and the bundle, then lets the JVM exit.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  public static final String CHECKPOINT = "checkpoint.ckpt";
  public static final String BUNDLE = "model.mvgen";
  public static final String METRICS = "metrics.json";
  public static final String LOSS_PNG = "loss.png";
  private static final int PREVIEW_FRAMES = 8;

  private final AtomicBoolean stop = new AtomicBoolean();
  private volatile boolean timeUp;

  /** Asks a running {@link #train} to stop after the current step, saving as on Ctrl-C. */
  public void requestStop() {
    stop.set(true);
  }

  /**
   * Like {@link #requestStop}, for a run whose time budget is spent (the demo): the same checkpoint
   * and bundle, reported as the planned end rather than as an interruption.
   */
  public void timeIsUp() {
    timeUp = true;
    stop.set(true);
  }

  /** Trains with the standard listeners. */
  public static TrainResult run(TrainConfig c, Progress.Factory progress)
      throws MvgenException, IOException {
    return new Trainer().train(c, progress, standardListeners(c));
  }

  /** Divergence check, metrics, checkpoints and previews, in that order. */
  public static List<TrainingListener> standardListeners(TrainConfig c) {
    List<TrainingListener> l = new ArrayList<>();
    l.add(new DivergenceCheck(c.divergenceFactor()));
    l.add(new MetricsRecorder(c.validateEvery()));
    l.add(new Checkpointer(c.checkpointEvery()));
    l.add(new Previewer(c.previewEvery()));
    return l;
  }

  /** One metrics row; NaN where not measured at that step. */
  public record Metric(
      long step, double loss, double lr, double samplesPerSecond, double valLoss, double valPsnr) {}

  /** Loss and PSNR of the network on validation pairs. */
  public record Validation(double loss, double psnr, int pairs) {}

  /** Trains until {@code c.steps()} steps are done or a stop is requested. */
  public TrainResult train(TrainConfig c, Progress.Factory progress, List<TrainingListener> ls)
      throws MvgenException, IOException {
    Torch.load();
    Torch.threads(c.threads());
    Device device = Torch.device(c.device());
    Files.createDirectories(c.runDir());
    Path ckpt = c.runDir().resolve(CHECKPOINT);
    if (!c.resume() && Files.exists(ckpt)) {
      throw new MvgenException(
          c.runDir()
              + " already holds a training run ("
              + ckpt.getFileName()
              + "). Continue it with --resume, or choose another --out folder.");
    }
    if (c.resume() && !Files.exists(ckpt)) {
      throw new MvgenException(
          "--resume was given but " + ckpt + " does not exist. Start without --resume.");
    }
    torch.manual_seed(c.seed());
    DecoderNet net = new DecoderNet(c.spec());
    if (!device.is_cpu()) {
      net.to(device, false);
    }
    Adam adam = new Adam(net.parametersByName(), 0.9, 0.999, 1e-8, c.weightDecay());
    Run run = new Run(c, net, adam, device);
    if (c.resume()) {
      run.restore(ckpt);
    } else {
      run.norm = LatentNorm.measure(c.train());
    }
    AtomicFiles.writeString(
        c.runDir().resolve("run.json"), DecoderBundle.JSON.writeValueAsString(run.describe()));

    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
              try {
                done.await(120, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "mvgen-train-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean failed = true;
    try (BatchLoader loader =
            new BatchLoader(
                c.train(), run.norm, c.batchSize(), c.seed(), run.step, c.loaderThreads());
        Progress bar = progress.start("train", c.steps(), "step")) {
      bar.step(run.step);
      long startStep = run.step;
      long t0 = System.nanoTime();
      net.train(true);
      while (run.step < c.steps() && !stop.get()) {
        BatchLoader.Batch b;
        try {
          b = loader.next();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        run.lr = c.lrAt(run.step);
        run.loss = run.trainStep(b);
        run.step++;
        run.smooth = run.step == startStep + 1 ? run.loss : 0.95 * run.smooth + 0.05 * run.loss;
        if (run.step == startStep + 1) {
          run.firstLoss = run.loss;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        run.samplesPerSecond = (run.step - startStep) * loader.batchSize() / Math.max(secs, 1e-9);
        for (TrainingListener l : ls) {
          l.onStep(run);
        }
        bar.step(1);
        bar.extra(
            String.format(
                "loss %.4f  %.0f samples/s%s",
                run.smooth,
                run.samplesPerSecond,
                Double.isNaN(run.lastVal.loss())
                    ? ""
                    : String.format("  val %.4f", run.lastVal.loss())));
      }
      run.interrupted = run.step < c.steps();
      for (TrainingListener l : ls) {
        l.onEnd(run);
      }
      run.writeBundle();
      failed = false;
      if (run.interrupted && timeUp) {
        LOG.info("Training time is up at step {}: checkpoint saved in {}.", run.step, c.runDir());
      } else if (run.interrupted) {
        LOG.warn(
            "Stopped at step {} of {}: checkpoint saved in {}; continue with --resume.",
            run.step,
            c.steps(),
            c.runDir());
      }
      return new TrainResult(
          c.runDir(),
          c.runDir().resolve(BUNDLE),
          run.step,
          run.firstLoss,
          run.smooth,
          run.lastVal.loss(),
          run.lastVal.psnr(),
          run.samplesPerSecond,
          run.interrupted);
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down (Ctrl-C): the hook is running and now returns.
      }
      if (failed) {
        LOG.debug("training failed at step {}", run.step);
      }
      adam.close();
      net.close();
    }
  }

  /** The state of a run, as listeners see it. */
  public static final class Run {
    private final TrainConfig config;
    private final DecoderNet net;
    private final Adam adam;
    private final Device device;
    private final boolean bf16;
    private LatentNorm norm;
    private long step;
    private double loss = Double.NaN;
    private double smooth = Double.NaN;
    private double firstLoss = Double.NaN;
    private double lr;
    private double samplesPerSecond;
    private boolean interrupted;
    private boolean lossWithinLimit = true;
    private long checkpointStep = -1;
    private Validation lastVal = new Validation(Double.NaN, Double.NaN, 0);
    private final List<Metric> history = new ArrayList<>();

    Run(TrainConfig config, DecoderNet net, Adam adam, Device device) {
      this.bf16 = config.bf16(device.is_cpu());
      this.config = config;
      this.net = net;
      this.adam = adam;
      this.device = device;
    }

    public TrainConfig config() {
      return config;
    }

    /** Steps completed. */
    public long step() {
      return step;
    }

    /** Loss of the last step. */
    public double loss() {
      return loss;
    }

    /** Exponentially smoothed training loss. */
    public double smoothedLoss() {
      return smooth;
    }

    public double lr() {
      return lr;
    }

    public double samplesPerSecond() {
      return samplesPerSecond;
    }

    public boolean interrupted() {
      return interrupted;
    }

    /**
     * Whether the loss of the last step was within the divergence limit, as judged by the
     * divergence check (always true without one). Checkpoints wait for such a step.
     */
    public boolean lossWithinLimit() {
      return lossWithinLimit;
    }

    /** The step of the checkpoint in the run folder, or -1 while there is none. */
    public long checkpointStep() {
      return checkpointStep;
    }

    public List<Metric> history() {
      return history;
    }

    public Validation lastValidation() {
      return lastVal;
    }

    DecoderNet net() {
      return net;
    }

    double trainStep(BatchLoader.Batch b) {
      int d = config.spec().latentSize();
      int s = config.spec().frameSize();
      try (PointerScope scope = new PointerScope()) {
        Tensor z = Torch.tensor(b.latents(), 0, new long[] {b.n(), d});
        Tensor x = Torch.tensor(b.frames(), 0, new long[] {b.n(), 3, s, s});
        if (!device.is_cpu()) {
          z = z.to(device, torch.ScalarType.Float);
          x = x.to(device, torch.ScalarType.Float);
        }
        adam.zeroGrad();
        Tensor y = net.forwardFast(z, bf16);
        Tensor l = config.loss().equals("l1") ? torch.l1_loss(y, x) : torch.mse_loss(y, x);
        l.backward();
        double v = l.item_float();
        if (Double.isFinite(v)) {
          adam.step(lr);
        }
        return v;
      }
    }

    /** Loss and PSNR on up to {@code validationPairs} evenly spaced validation pairs. */
    public Validation validate() throws IOException {
      PairSource val = config.validation();
      if (val == null || val.size() == 0) {
        return new Validation(Double.NaN, Double.NaN, 0);
      }
      int k = (int) Math.min(val.size(), Math.max(1, config.validationPairs()));
      long[] items = new long[k];
      for (int i = 0; i < k; i++) {
        items[i] = i * val.size() / k;
      }
      int bs = Math.min(config.batchSize(), 32);
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
            Tensor l = config.loss().equals("l1") ? torch.l1_loss(y, xt) : torch.mse_loss(y, xt);
            lossSum += l.item_float() * n;
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
      lastVal = new Validation(lossSum / k, psnr, k);
      return lastVal;
    }

    /** Writes a PNG of validation targets (top) above generated frames (bottom). */
    public Path preview() throws IOException {
      PairSource src =
          config.validation() != null && config.validation().size() > 0
              ? config.validation()
              : config.train();
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
        generated.add(
            java.util.Arrays.copyOfRange(out, i * src.frameBytes(), (i + 1) * src.frameBytes()));
      }
      Path file = config.runDir().resolve("previews").resolve(String.format("step-%07d.png", step));
      Charts.grid(
          file, List.of("target", "generated"), List.of(targets, generated), src.frameSize());
      return file;
    }

    /** Writes {@code metrics.json} and {@code loss.png}. */
    public void writeMetrics() throws IOException {
      AtomicFiles.writeString(
          config.runDir().resolve(METRICS), DecoderBundle.JSON.writeValueAsString(history));
      List<Metric> train = history.stream().filter(m -> !Double.isNaN(m.loss())).toList();
      List<Metric> val = history.stream().filter(m -> !Double.isNaN(m.valLoss())).toList();
      List<Charts.Series> series = new ArrayList<>();
      series.add(
          new Charts.Series(
              "training loss (smoothed)",
              train.stream().mapToDouble(Metric::step).toArray(),
              train.stream().mapToDouble(Metric::loss).toArray(),
              new Color(31, 119, 180)));
      if (!val.isEmpty()) {
        series.add(
            new Charts.Series(
                "validation loss",
                val.stream().mapToDouble(Metric::step).toArray(),
                val.stream().mapToDouble(Metric::valLoss).toArray(),
                new Color(214, 39, 40)));
      }
      Charts.lines(
          config.runDir().resolve(LOSS_PNG),
          "Decoder training (" + config.loss() + ")",
          "step",
          series,
          true);
    }

    Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("spec", config.spec().toMap());
      m.put("encoder", Map.of("id", config.encoderId(), "spec", config.encoderSpec()));
      m.put("steps", config.steps());
      m.put("batchSize", config.batchSize());
      m.put("lr", config.lr());
      m.put("schedule", config.schedule());
      m.put("warmupSteps", config.warmupSteps());
      m.put("minLrFraction", config.minLrFraction());
      m.put("weightDecay", config.weightDecay());
      m.put("loss", config.loss());
      m.put("seed", config.seed());
      m.put("threads", config.threads());
      m.put("precision", bf16 ? "bfloat16" : "float32");
      m.put("trainPairs", config.train().size());
      m.put("validationPairs", config.validation() == null ? 0 : config.validation().size());
      m.put("info", config.info());
      return m;
    }

    /** Writes the checkpoint atomically; returns its path. */
    public Path saveCheckpoint() throws IOException {
      Map<String, Object> meta = describe();
      meta.put("step", step);
      meta.put("smoothedLoss", smooth);
      meta.put("latentMean", norm.mean());
      meta.put("latentStd", norm.std());
      meta.put("history", history);
      meta.put("saved", Instant.now().toString());
      ByteArrayOutputStream model = new ByteArrayOutputStream();
      TensorState.write(net.state(), model);
      ByteArrayOutputStream opt = new ByteArrayOutputStream();
      TensorState.write(adam.state(), opt);
      Path file = config.runDir().resolve(CHECKPOINT);
      DecoderBundle.writeZip(
          file,
          Map.of(
              "checkpoint.json", DecoderBundle.JSON.writeValueAsBytes(meta),
              "model.bin", model.toByteArray(),
              "adam.bin", opt.toByteArray()));
      checkpointStep = step;
      writeMetrics();
      return file;
    }

    void restore(Path file) throws MvgenException {
      Map<String, byte[]> z = DecoderBundle.readZip(file, "checkpoint");
      try {
        Map<?, ?> meta = DecoderBundle.JSON.readValue(z.get("checkpoint.json"), Map.class);
        DecoderSpec saved = DecoderSpec.fromMap((Map<?, ?>) meta.get("spec"));
        if (!saved.equals(config.spec())) {
          throw new MvgenException(
              file
                  + " was trained with model "
                  + saved
                  + " but the settings now say "
                  + config.spec()
                  + ". Resume with the run's original [model] settings.");
        }
        long seed = ((Number) meta.get("seed")).longValue();
        int batch = ((Number) meta.get("batchSize")).intValue();
        if (seed != config.seed() || batch != config.batchSize()) {
          throw new MvgenException(
              file
                  + " was trained with seed "
                  + seed
                  + " and batch size "
                  + batch
                  + "; resuming needs the same (now "
                  + config.seed()
                  + ", "
                  + config.batchSize()
                  + ") to continue the same data order.");
        }
        TensorState.copyInto(
            net.state(), TensorState.read(new ByteArrayInputStream(z.get("model.bin"))), file + "");
        adam.load(TensorState.read(new ByteArrayInputStream(z.get("adam.bin"))));
        norm =
            new LatentNorm(
                toFloats((List<?>) meta.get("latentMean")),
                toFloats((List<?>) meta.get("latentStd")));
        step = ((Number) meta.get("step")).longValue();
        checkpointStep = step;
        for (Object o : (List<?>) meta.get("history")) {
          Map<?, ?> r = (Map<?, ?>) o;
          history.add(
              new Metric(
                  ((Number) r.get("step")).longValue(),
                  num(r.get("loss")),
                  num(r.get("lr")),
                  num(r.get("samplesPerSecond")),
                  num(r.get("valLoss")),
                  num(r.get("valPsnr"))));
        }
        LOG.info("Resuming {} at step {}", file, step);
      } catch (IOException | RuntimeException e) {
        throw new ModelLoadException(file + " is not a usable checkpoint: " + e.getMessage(), e);
      }
    }

    private static double num(Object o) {
      if (o instanceof Number n) {
        return n.doubleValue();
      }
      if (o instanceof String s) {
        return Double.parseDouble(s);
      }
      return Double.NaN;
    }

    private static float[] toFloats(List<?> l) {
      float[] f = new float[l.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = ((Number) l.get(i)).floatValue();
      }
      return f;
    }

    void writeBundle() throws IOException {
      Map<String, Object> training = new LinkedHashMap<>(describe());
      training.remove("spec");
      training.remove("encoder");
      training.put("stepsDone", step);
      training.put("finalLoss", smooth);
      training.put("validationLoss", lastVal.loss());
      training.put("validationPsnr", lastVal.psnr());
      training.put("finished", Instant.now().toString());
      new DecoderBundle(
              config.spec(),
              config.encoderId(),
              config.encoderSpec(),
              config.encoderFiles(),
              norm,
              training)
          .write(config.runDir().resolve(BUNDLE), net);
    }
  }

  /**
   * Stops on a NaN loss, or a smoothed loss that exploded past a multiple of its best value. It
   * also tells the run whether the step's own loss is past that limit ({@link
   * Run#lossWithinLimit}): the smoothed loss reveals an explosion some steps late, and a checkpoint
   * saved in between would hold the exploded weights. Must come before the {@link Checkpointer}.
   */
  static final class DivergenceCheck implements TrainingListener {
    private final double factor;
    private double best = Double.POSITIVE_INFINITY;

    DivergenceCheck(double factor) {
      this.factor = factor;
    }

    @Override
    public void onStep(Run run) throws DivergenceException {
      boolean nan = !Double.isFinite(run.loss());
      double limit = factor > 0 && run.step() > 20 ? factor * best : Double.POSITIVE_INFINITY;
      run.lossWithinLimit = !nan && run.loss() <= limit;
      boolean exploded = run.smoothedLoss() > limit;
      if (nan || exploded) {
        throw new DivergenceException(message(run, nan));
      }
      if (run.step() > 20) {
        best = Math.min(best, run.smoothedLoss());
      }
    }

    private String message(Run run, boolean nan) {
      String what =
          nan
              ? "the loss is " + run.loss()
              : String.format(
                  Locale.ROOT,
                  "the smoothed loss %.4g is more than %s times its best, %.4g (last step: %.4g)",
                  run.smoothedLoss(),
                  factor,
                  best,
                  run.loss());
      String lr = String.format(Locale.ROOT, "%.2g", run.config().lr() / 3);
      Path dir = run.config().runDir();
      if (run.checkpointStep() < 0) {
        return "Training diverged at step "
            + run.step()
            + ": "
            + what
            + ". No checkpoint had been saved in "
            + dir
            + " yet. Start again with a lower learning rate (--set train.lr="
            + lr
            + "), more warm-up steps (train.warmup_steps) or a larger batch (train.batch_size).";
      }
      return "Training diverged at step "
          + run.step()
          + ": "
          + what
          + ". The checkpoint of step "
          + run.checkpointStep()
          + " in "
          + dir
          + " is kept, and no model bundle was written. Continue from it with a lower learning"
          + " rate (--resume --set train.lr="
          + lr
          + ") or more warm-up steps (train.warmup_steps), or start a new run with a larger batch"
          + " (train.batch_size; --resume needs the same batch size).";
    }
  }

  /** Records the training loss every few steps and validation figures every N steps. */
  static final class MetricsRecorder implements TrainingListener {
    private final int every;

    MetricsRecorder(int every) {
      this.every = every;
    }

    @Override
    public void onStep(Run run) throws IOException {
      long logEvery = Math.max(1, run.config().steps() / 500);
      boolean validate = every > 0 && run.step() % every == 0;
      if (validate) {
        Validation v = run.validate();
        run.history.add(
            new Metric(
                run.step(),
                run.smoothedLoss(),
                run.lr(),
                run.samplesPerSecond(),
                v.loss(),
                v.psnr()));
      } else if (run.step() % logEvery == 0 || run.step() == 1) {
        run.history.add(
            new Metric(
                run.step(),
                run.smoothedLoss(),
                run.lr(),
                run.samplesPerSecond(),
                Double.NaN,
                Double.NaN));
      }
    }

    @Override
    public void onEnd(Run run) throws IOException {
      Validation v = run.validate();
      run.history.add(
          new Metric(
              run.step(),
              run.smoothedLoss(),
              run.lr(),
              run.samplesPerSecond(),
              v.loss(),
              v.psnr()));
    }
  }

  /**
   * Saves a checkpoint every N steps and at the end. A checkpoint due at a step whose loss is past
   * the divergence limit waits for the next step within it, so that a diverged run keeps the last
   * checkpoint from before its explosion.
   */
  static final class Checkpointer implements TrainingListener {
    private final int every;
    private boolean due;

    Checkpointer(int every) {
      this.every = every;
    }

    @Override
    public void onStep(Run run) throws IOException {
      due |= every > 0 && run.step() % every == 0;
      if (due && run.lossWithinLimit()) {
        run.saveCheckpoint();
        due = false;
      }
    }

    @Override
    public void onEnd(Run run) throws IOException {
      run.saveCheckpoint();
    }
  }

  /** Writes a preview grid every N steps and at the end. */
  static final class Previewer implements TrainingListener {
    private final int every;

    Previewer(int every) {
      this.every = every;
    }

    @Override
    public void onStep(Run run) throws IOException {
      if (every > 0 && run.step() % every == 0) {
        run.preview();
      }
    }

    @Override
    public void onEnd(Run run) throws IOException {
      run.preview();
    }
  }
}
