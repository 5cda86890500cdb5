package org.mvgen.rave.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.MvgenException;
import org.mvgen.encoder.Pca;
import org.mvgen.torch.Torch;
import org.mvgen.train.Optim;
import org.mvgen.train.Schedule;
import org.mvgen.train.TrainingContext;
import org.mvgen.train.TrainingTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RAVE training as a {@link TrainingTask} of mvgen's training loop: the loop owns steps,
 * checkpoints and stopping; this task owns the two phases, the losses and which optimizer steps.
 *
 * <pre>
 * try (RaveTask task = new RaveTask(RaveConfig.named("small"), train, validation, seed)) {
 *   new Trainer(settings, progress).fit(task, List.of());
 * }
 * </pre>
 *
 * <ul>
 *   <li>Phase 1 (steps before {@code phase1Steps}): PQMF, encoder, posterior sample, decoder,
 *       synthesis; loss = multiband + full-band spectral distance + beta(step) KL; the generator
 *       (encoder + decoder) Adam, lr 1e-3, betas (0.5, 0.9), decays linearly to 0.1x over phase 1.
 *   <li>Phase 2: the encoder is frozen (its output detached). Steps that are multiples of {@code
 *       discEvery} update only the discriminator (Adam 1e-4, betas (0.5, 0.9); hinge loss on real
 *       audio against the detached reconstruction); the others update only the decoder: spectral
 *       distance + hinge generator loss + {@code featureMatchingWeight} feature matching.
 * </ul>
 *
 * <p>Phase, beta and learning rates are functions of the step ({@link RaveSchedule}); the batch of
 * a step (examples and crop offsets) and the posterior noise are functions of (seed, step), so a
 * resumed run continues bit for bit on the CPU, across the phase boundary too. The main loss is the
 * spectral distance (multiband + full band), whichever optimizer a step updates. CPU only for now.
 */
public final class RaveTask implements TrainingTask {
  private static final Logger LOG = LoggerFactory.getLogger(RaveTask.class);
  private final RaveConfig config;
  private final AudioExamples train;
  private final AudioExamples validation;
  private final long seed;
  private RaveNet net;
  private Discriminator disc;
  private Optim generator;
  private Optim discOptim;
  private int rank;
  private int world = 1;
  private Pca latentPca;

  /** Band samples cut from each end before the multiband distance ({@code multibandCrop}). */
  private int[] crop = {0, 0};

  private Device device;
  private Augmentation augmentation = Augmentation.NONE;
  private String pcaProblem;

  /**
   * A task training {@code config} on {@code train} (validation may be null); {@code seed} picks
   * the crops and the posterior noise of every step.
   */
  public RaveTask(RaveConfig config, AudioExamples train, AudioExamples validation, long seed) {
    if (train.size() == 0) {
      throw new IllegalArgumentException("no training examples");
    }
    for (AudioExamples ex : validation == null ? List.of(train) : List.of(train, validation)) {
      for (int i = 0; i < ex.size(); i++) {
        if (ex.length(i) < config.exampleSize()) {
          throw new IllegalArgumentException(
              "example "
                  + i
                  + " has "
                  + ex.length(i)
                  + " samples, fewer than one training crop ("
                  + config.exampleSize()
                  + "): preprocess with longer examples or lower exampleSize");
        }
      }
    }
    this.config = config;
    this.train = train;
    this.validation = validation;
    this.seed = seed;
  }

  /**
   * Augments training crops from now on ({@link Augmentation#NONE} by default; the CLI sets RAVE's
   * defaults from {@code rave.train.augment_phase} and {@code rave.train.dequantize_bits}). Not
   * part of the run's identity: a resumed run may change it.
   */
  public RaveTask augmentation(Augmentation a) {
    this.augmentation = java.util.Objects.requireNonNull(a, "augmentation");
    return this;
  }

  @Override
  public String name() {
    return "rave";
  }

  @Override
  public Map<String, Object> identity() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", config);
    m.put("trainExamples", train.size());
    m.put("seed", seed);
    return m;
  }

  @Override
  public void build(Device device, boolean bf16) throws MvgenException {
    this.device = device;
    // Built on the CPU (so the same seed gives the same weights on every device), then moved:
    // Module.to moves parameters and buffers in place, so the handles the modules keep stay good.
    net = new RaveNet(config, true);
    disc = net.discriminator();
    if (config.multibandCrop()) {
      crop = multibandCrop(net, config);
    }
    if (!device.is_cpu()) {
      net.to(device, false);
      disc.to(device, false);
    }
    Optim.Settings adam = new Optim.Settings(0.5, 0.9, 1e-8, 0, false);
    generator =
        new Optim(
            "generator",
            RaveNet.parameters(net),
            adam,
            Schedule.linear(config.lr(), Math.max(1, config.phase1Steps()), 0.1));
    discOptim =
        new Optim(
            "discriminator",
            RaveNet.parameters(disc),
            adam,
            Schedule.constant(config.lrDiscriminator(), 0));
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("config", config.name());
    m.put("hop", config.hop());
    m.put("validationExamples", validation == null ? 0 : validation.size());
    if (config.multibandCrop()) {
      m.put("multibandCropBandSamples", List.of(crop[0], crop[1]));
    }
    m.put("precision", "float32");
    return m;
  }

  @Override
  public Map<String, Tensor> state() {
    Map<String, Tensor> s = RaveNet.state(net);
    RaveNet.state(disc).forEach((k, v) -> s.put("disc." + k, v));
    return s;
  }

  @Override
  public List<Optim> optimizers() {
    return List.of(generator, discOptim);
  }

  @Override
  public void start(long step, boolean resumed, int rank, int world) {
    this.rank = rank;
    this.world = world;
  }

  @Override
  public int samplesPerStep() {
    return config.batchSize();
  }

  /** This rank's share of the batch of {@code step}: random crops chosen by (seed, step). */
  float[] batch(long step, int[] count) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
    int t = config.exampleSize();
    List<int[]> picks = new ArrayList<>();
    List<Augmentation.Draw> draws = new ArrayList<>();
    for (int b = 0; b < config.batchSize(); b++) {
      int i = rnd.nextInt(train.size());
      int start = rnd.nextInt(train.length(i) - t + 1);
      // Drawn for every example on every rank, so that all ranks' random streams stay aligned.
      Augmentation.Draw d = augmentation.isNone() ? Augmentation.Draw.NONE : augmentation.draw(rnd);
      if (b % world == rank) {
        picks.add(new int[] {i, start});
        draws.add(d);
      }
    }
    float[] out = new float[picks.size() * t];
    for (int k = 0; k < picks.size(); k++) {
      train.read(picks.get(k)[0], picks.get(k)[1], out, k * t, t);
      if (!augmentation.isNone()) {
        augmentation.apply(draws.get(k), out, k * t, t, config.sampleRate());
      }
    }
    count[0] = picks.size();
    return out;
  }

  @Override
  public Map<String, Double> step(long step) throws IOException {
    int[] n = new int[1];
    float[] audio = batch(step, n);
    // The posterior noise of a step depends on (seed, step) only: resume continues exactly.
    torch.manual_seed(seed * 31 + step);
    int phase = RaveSchedule.phase(config, step);
    boolean discStep = RaveSchedule.trainsDiscriminator(config, step);
    Map<String, Double> out = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      Tensor x = onDevice(Torch.tensor(audio, n[0], 1, config.exampleSize()));
      if (discStep) {
        Tensor y;
        Tensor distance;
        try (NoGradGuard g = new NoGradGuard()) {
          Forward f = forward(x, true);
          y = f.y;
          distance = f.distance;
        }
        Tensor d = RaveLosses.discriminatorHinge(disc.forward(x), disc.forward(y));
        discOptim.zeroGrad();
        d.backward();
        double dv = d.item_double();
        out.put("distance", distance.item_double());
        out.put("discriminator", dv);
        if (Double.isFinite(dv)) {
          discOptim.step(); // skipped when the gradients are not finite (Optim#step)
        }
        return out;
      }
      Forward f = forward(x, phase == 2);
      Tensor loss = f.distance;
      double beta = RaveSchedule.beta(config, step);
      out.put("distance", f.distance.item_double());
      if (phase == 1) {
        loss = loss.add(f.kl.mul(new Scalar(beta)));
        out.put("kl", f.kl.item_double());
        out.put("beta", beta);
      } else {
        // The real audio's features are targets (no graph), and the generator step leaves the
        // discriminator's weights alone: its gradients are not computed, only the decoder's.
        List<List<Tensor>> real;
        try (NoGradGuard g = new NoGradGuard()) {
          real = disc.forward(x);
        }
        discRequiresGrad(false);
        List<List<Tensor>> fake = disc.forward(f.y);
        Tensor adv = RaveLosses.generatorHinge(fake);
        Tensor fm = RaveLosses.featureMatching(real, fake);
        loss = loss.add(adv).add(fm.mul(new Scalar(config.featureMatchingWeight())));
        out.put("adversarial", adv.item_double());
        out.put("featureMatching", fm.item_double());
      }
      generator.zeroGrad();
      try {
        loss.backward();
      } finally {
        discRequiresGrad(true);
      }
      double v = loss.item_double();
      out.put("loss", v);
      if (Double.isFinite(v) && Double.isFinite(out.get("distance"))) {
        generator.step(); // skipped when the gradients are not finite (Optim#step)
      }
      return out;
    }
  }

  /**
   * The receptive-field crop of {@code net}'s multiband distance (measured on the CPU, before the
   * net moves to its device), with a clear error when it would leave too little of an example.
   */
  static int[] multibandCrop(RaveNet net, RaveConfig config) throws MvgenException {
    int[] c = net.receptiveField(config.exampleSize());
    int frames = config.exampleSize() / config.bands();
    int kept = frames - c[0] - c[1];
    int smallest = config.stftSizes().stream().mapToInt(Integer::intValue).min().orElse(0);
    if (kept < Math.max(smallest, frames / 8)) {
      throw new MvgenException(
          "multibandCrop: the model's receptive field ("
              + c[0]
              + " + "
              + c[1]
              + " band samples) leaves "
              + Math.max(0, kept)
              + " of an example's "
              + frames
              + " for the multiband distance. Use a longer exampleSize or set multibandCrop=false"
              + " (--model-set multibandCrop=false).");
    }
    LOG.info(
        "RAVE: the multiband distance leaves out {} and {} band samples ({} and {} ms) at the ends"
            + " of each example: the receptive field",
        c[0],
        c[1],
        Math.round(1000.0 * c[0] * config.bands() / config.sampleRate()),
        Math.round(1000.0 * c[1] * config.bands() / config.sampleRate()));
    return c;
  }

  /** Updates skipped for non-finite gradients in this process ({@link Optim#step}). */
  public long skippedUpdates() {
    return generator.skipped() + discOptim.skipped();
  }

  /** Whether the discriminator's parameters take gradients (not during generator steps). */
  private void discRequiresGrad(boolean on) {
    for (Tensor p : discOptim.parameters().values()) {
      p.requires_grad_(on);
    }
  }

  /** {@code t} (a new CPU tensor) on the training device. */
  private Tensor onDevice(Tensor t) {
    return device == null || device.is_cpu() ? t : t.to(device, torch.ScalarType.Float);
  }

  private record Forward(Tensor y, Tensor distance, Tensor kl) {}

  /** Audio through the autoencoder with a posterior sample; the encoder detached when frozen. */
  private Forward forward(Tensor x, boolean frozenEncoder) {
    Tensor bands = net.pqmf().analyse(x);
    Tensor z;
    if (frozenEncoder) {
      try (NoGradGuard g = new NoGradGuard()) {
        z = net.encodeBands(bands);
      }
    } else {
      z = net.encodeBands(bands);
    }
    Tensor mean = net.mean(z);
    Tensor std = net.std(z);
    // Drawn on the CPU whatever the device: the same seed gives the same noise everywhere.
    Tensor sample = mean.add(onDevice(torch.randn(mean.sizes().vec().get())).mul(std));
    Tensor ybands = net.decodeBands(sample, null);
    Tensor y = net.pqmf().synthesise(ybands);
    List<Integer> sizes = config.stftSizes();
    Tensor mb = bands;
    Tensor ymb = ybands;
    if (crop[0] + crop[1] > 0) {
      long keep = bands.size(2) - crop[0] - crop[1];
      mb = bands.narrow(2, crop[0], keep);
      ymb = ybands.narrow(2, crop[0], keep);
    }
    Tensor distance = RaveLosses.multiband(mb, ymb, sizes).add(RaveLosses.fullband(x, y, sizes));
    return new Forward(y, distance, RaveLosses.kl(mean, std));
  }

  /**
   * Spectral distance of the posterior-mean reconstruction on the first crop of up to 16 validation
   * examples (none without validation data).
   */
  @Override
  public Map<String, Double> validate(long step) throws IOException {
    if (validation == null || validation.size() == 0) {
      return Map.of();
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("distance", meanDistance(validation, 16));
    if (RaveSchedule.phase(config, step) == 1) {
      // As RAVE: the latent PCA and its fidelity are refitted at every validation of phase 1 (the
      // encoder is frozen afterwards, so the last fit of phase 1 is the model's).
      float[][] means = posteriorMeans(validation, 1000);
      if (means.length < config.latentSize()) {
        String problem =
            "the validation audio gives "
                + means.length
                + " latent frames, fewer than the "
                + config.latentSize()
                + " latent dimensions the latent PCA needs; it is not fitted. Give at least "
                + String.format(
                    java.util.Locale.ROOT,
                    "%.0f",
                    Math.ceil((double) config.latentSize() * config.hop() / config.sampleRate()))
                + " s of validation audio.";
        if (!problem.equals(pcaProblem)) {
          LOG.warn("RAVE: {}", problem);
        }
        pcaProblem = problem;
      } else {
        latentPca = Pca.fit(means, config.latentSize());
        pcaProblem = null;
        m.put("dims95", (double) dimsFor(fidelity(latentPca), 0.95));
      }
    }
    return m;
  }

  /** Cumulative explained variance of the components of {@code pca}. */
  public static double[] fidelity(Pca pca) {
    double[] f = pca.explained().clone();
    for (int i = 1; i < f.length; i++) {
      f[i] += f[i - 1];
    }
    return f;
  }

  /** The fewest leading components whose fidelity reaches {@code f} (at least 1). */
  public static int dimsFor(double[] fidelity, double f) {
    for (int i = 0; i < fidelity.length; i++) {
      if (fidelity[i] >= f) {
        return i + 1;
      }
    }
    return fidelity.length;
  }

  /**
   * The latent PCA fitted at the last validation of phase 1 (mean, components by falling variance,
   * explained variance): RAVE's {@code latent_mean}, {@code latent_pca} and, cumulated, {@code
   * fidelity}. Empty before the first fit or when the validation audio is too short ({@link
   * #pcaProblem} says why).
   */
  public java.util.Optional<Pca> latentPca() {
    return java.util.Optional.ofNullable(latentPca);
  }

  /** Why the latent PCA could not be fitted (null when it was, or was not tried). */
  public String pcaProblem() {
    return pcaProblem;
  }

  /** Posterior means of every latent frame of up to {@code maxExamples} whole examples. */
  float[][] posteriorMeans(AudioExamples ex, int maxExamples) throws IOException {
    List<float[]> rows = new ArrayList<>();
    int hop = config.hop();
    int d = config.latentSize();
    for (int i = 0; i < Math.min(maxExamples, ex.size()); i++) {
      int frames = ex.length(i) / hop;
      float[] audio = new float[frames * hop];
      ex.read(i, 0, audio, 0, audio.length);
      float[] flat;
      try (PointerScope scope = new PointerScope();
          NoGradGuard g = new NoGradGuard()) {
        Tensor x = onDevice(Torch.tensor(audio, 1, 1, audio.length));
        flat = Torch.floats(net.mean(net.encode(x)).contiguous());
      }
      for (int n = 0; n < frames; n++) {
        float[] r = new float[d];
        for (int k = 0; k < d; k++) {
          r[k] = flat[k * frames + n];
        }
        rows.add(r);
      }
    }
    return rows.toArray(new float[0][]);
  }

  @Override
  public Map<String, Object> extraState() {
    if (latentPca == null) {
      return Map.of();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("latentMean", latentPca.mean());
    m.put("latentPca", latentPca.toMatrix());
    m.put("latentExplained", latentPca.explained());
    return m;
  }

  @Override
  public void restoreExtraState(Map<String, Object> extra) throws IOException {
    if (!extra.containsKey("latentPca")) {
      return;
    }
    int d = config.latentSize();
    float[] matrix = floats(extra.get("latentPca"));
    if (matrix.length != d * (d + 1)) {
      throw new IOException(
          "its latent PCA has "
              + matrix.length
              + " values, not "
              + d * (d + 1)
              + " for this model");
    }
    Pca p = Pca.fromMatrix(matrix, d + 1, d);
    List<?> ex = (List<?>) extra.get("latentExplained");
    double[] explained = new double[ex.size()];
    for (int i = 0; i < explained.length; i++) {
      explained[i] = ((Number) ex.get(i)).doubleValue();
    }
    latentPca = new Pca(p.mean(), p.components(), explained);
  }

  private static float[] floats(Object o) {
    if (o instanceof float[] f) {
      return f;
    }
    List<?> l = (List<?>) o;
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = ((Number) l.get(i)).floatValue();
    }
    return f;
  }

  /** The mean spectral distance of posterior-mean reconstructions of the first crops. */
  public double meanDistance(AudioExamples ex, int max) throws IOException {
    int t = config.exampleSize();
    int k = Math.min(max, ex.size());
    float[] audio = new float[k * t];
    for (int i = 0; i < k; i++) {
      ex.read(i, 0, audio, i * t, t);
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor x = onDevice(Torch.tensor(audio, k, 1, t));
      Tensor bands = net.pqmf().analyse(x);
      Tensor z = net.mean(net.encodeBands(bands));
      Tensor noise =
          config.noise()
              ? onDevice(torch.zeros(net.noiseShape(k, z.size(2))))
              : null; // no noise: repeatable
      Tensor ybands = net.decodeBands(z, noise);
      Tensor y = net.pqmf().synthesise(ybands);
      return RaveLosses.multiband(bands, ybands, config.stftSizes())
          .add(RaveLosses.fullband(x, y, config.stftSizes()))
          .item_double();
    }
  }

  /** The network being trained (with weight normalisation); owned by this task. */
  public RaveNet net() {
    return net;
  }

  /**
   * Writes the folded weights and the config to {@code runDir/rave-weights} ({@link RaveWeights}),
   * which {@link RaveAutoencoder#load} reads, with the latent PCA when it was fitted ({@code
   * latent_mean} [D], {@code latent_pca} [D, D] rows by falling variance, {@code fidelity} [D]).
   * The export file format is the CLI's to decide.
   */
  @Override
  public void finish(Path runDir, TrainingContext ctx) throws IOException {
    try (RaveNet folded = net.folded()) {
      Map<String, Tensor> state = RaveNet.state(folded);
      if (latentPca != null) {
        int d = config.latentSize();
        float[] comps = new float[d * d];
        for (int k = 0; k < d; k++) {
          System.arraycopy(latentPca.components()[k], 0, comps, k * d, d);
        }
        double[] f = fidelity(latentPca);
        float[] fid = new float[d];
        for (int k = 0; k < d; k++) {
          fid[k] = (float) f[k];
        }
        state.put("latent_mean", Torch.tensor(latentPca.mean(), d));
        state.put("latent_pca", Torch.tensor(comps, d, d));
        state.put("fidelity", Torch.tensor(fid, d));
      }
      RaveWeights.write(runDir.resolve("rave-weights"), config, state);
    }
  }

  @Override
  public String divergenceAdvice(boolean checkpointKept) {
    return (checkpointKept
            ? "Continue from it (--resume) with a lower learning rate"
            : "Start again with a lower learning rate")
        + " (rave config field lr, now "
        + config.lr()
        + "), or a smaller betaEnd if the KL term grew.";
  }

  @Override
  public void close() {
    if (generator != null) {
      generator.close();
      discOptim.close();
    }
    if (net != null) {
      disc.close();
      net.close();
    }
  }
}
