package org.mvgen.train.decoder;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.decoder.PairSource;
import org.mvgen.train.Precision;
import org.mvgen.train.RunSettings;
import org.mvgen.train.Schedule;

/**
 * Everything a decoder training run needs, as small records: the data, the network, the
 * optimisation, the encoder the latents came from, and how the loop runs ({@link RunSettings}).
 * Built by {@code mvgen train} from {@code [model]} and {@code [train]}; tests and the demo use the
 * builder.
 *
 * <pre>
 * DecoderTrainConfig c = DecoderTrainConfig.builder(train, val, spec, Path.of("run"))
 *     .steps(150).batchSize(8).lr(3e-3).loss(Loss.MSE).build();
 * DecoderTrainConfig resumed = c.toBuilder().resume(true).build();
 * </pre>
 */
public record DecoderTrainConfig(
    Data data, DecoderSpec model, Optimisation optimisation, Encoder encoder, RunSettings run) {
  public DecoderTrainConfig {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(optimisation, "optimisation");
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(run, "run");
    if (data.train().latentSize() != model.latentSize()
        || data.train().frameSize() != model.frameSize()) {
      throw new IllegalArgumentException(
          "the training pairs have latents of "
              + data.train().latentSize()
              + " and frames of "
              + data.train().frameSize()
              + " px, the model expects "
              + model.latentSize()
              + " and "
              + model.frameSize());
    }
  }

  /** The loss between generated and real frames. */
  public enum Loss {
    L1,
    MSE;

    public static Loss parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "l1" -> L1;
        case "mse" -> MSE;
        default -> throw new IllegalArgumentException("train.loss '" + s + "' must be l1 or mse");
      };
    }

    public String setting() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The learning-rate curve after warm-up. */
  public enum ScheduleKind {
    COSINE,
    CONSTANT;

    public static ScheduleKind parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "cosine" -> COSINE;
        case "constant" -> CONSTANT;
        default ->
            throw new IllegalArgumentException(
                "train.schedule '" + s + "' must be cosine or constant");
      };
    }

    public String setting() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param train training pairs
   * @param validation held-out pairs (null or empty: no validation figures)
   * @param loaderThreads background decoding threads
   * @param validationPairs most validation pairs used per pass (evenly spaced)
   */
  public record Data(
      PairSource train, PairSource validation, int loaderThreads, int validationPairs) {
    public Data {
      Objects.requireNonNull(train, "train");
      if (loaderThreads < 1) {
        throw new IllegalArgumentException(
            "train.loader_threads (" + loaderThreads + ") must be at least 1");
      }
      if (validationPairs < 1) {
        throw new IllegalArgumentException(
            "train.validation_pairs (" + validationPairs + ") must be at least 1");
      }
    }
  }

  /**
   * @param batchSize pairs per step (across all processes)
   * @param lr peak learning rate of Adam
   * @param schedule curve after warm-up
   * @param warmupSteps linear warm-up from 0 to {@code lr}
   * @param minLrFraction floor of the cosine schedule as a fraction of {@code lr}
   * @param weightDecay L2 penalty added to gradients (0 for none)
   * @param loss frame loss
   */
  public record Optimisation(
      int batchSize,
      double lr,
      ScheduleKind schedule,
      int warmupSteps,
      double minLrFraction,
      double weightDecay,
      Loss loss) {
    public Optimisation {
      if (batchSize < 1) {
        throw new IllegalArgumentException("train.batch_size (" + batchSize + ") must be positive");
      }
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("train.lr (" + lr + ") must be a positive number");
      }
      if (warmupSteps < 0) {
        throw new IllegalArgumentException(
            "train.warmup_steps (" + warmupSteps + ") must not be negative");
      }
      if (!(minLrFraction >= 0 && minLrFraction <= 1)) {
        throw new IllegalArgumentException(
            "train.min_lr_fraction (" + minLrFraction + ") must be from 0 to 1");
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException(
            "train.weight_decay (" + weightDecay + ") must be a number of at least 0");
      }
      Objects.requireNonNull(schedule, "schedule");
      Objects.requireNonNull(loss, "loss");
    }

    /** The learning-rate schedule. */
    public Schedule toSchedule() {
      return switch (schedule) {
        case COSINE -> Schedule.cosine(lr, warmupSteps, minLrFraction);
        case CONSTANT -> Schedule.constant(lr, warmupSteps);
      };
    }
  }

  /**
   * The encoder the latents came from, stored in the model so it works without the dataset.
   *
   * @param id encoder id of the latents
   * @param spec spec that opens the encoder anywhere
   * @param files files that spec names (a mel PCA)
   * @param info extra metadata (dataset path, config)
   */
  public record Encoder(
      String id, String spec, Map<String, byte[]> files, Map<String, Object> info) {
    public Encoder {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(spec, "spec");
      files = files == null ? Map.of() : Map.copyOf(files);
      info = info == null ? Map.of() : Map.copyOf(info);
    }
  }

  public static Builder builder(
      PairSource train, PairSource validation, DecoderSpec spec, Path run) {
    return new Builder(train, validation, spec, run);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds a {@link DecoderTrainConfig}; defaults are those of defaults.toml. */
  public static final class Builder {
    private PairSource train;
    private PairSource validation;
    private int loaderThreads = 2;
    private int validationPairs = 256;
    private DecoderSpec spec;
    private int batchSize = 32;
    private double lr = 5e-4;
    private ScheduleKind schedule = ScheduleKind.COSINE;
    private int warmupSteps = 500;
    private double minLrFraction = 0.05;
    private double weightDecay;
    private Loss loss = Loss.L1;
    private String encoderId = "unknown";
    private String encoderSpec = "unknown";
    private Map<String, byte[]> encoderFiles = Map.of();
    private Map<String, Object> info = Map.of();
    private RunSettings.Builder run;

    private Builder(PairSource train, PairSource validation, DecoderSpec spec, Path runDir) {
      this.train = train;
      this.validation = validation;
      this.spec = spec;
      this.run = RunSettings.builder(runDir);
    }

    private Builder(DecoderTrainConfig c) {
      train = c.data.train();
      validation = c.data.validation();
      loaderThreads = c.data.loaderThreads();
      validationPairs = c.data.validationPairs();
      spec = c.model;
      Optimisation o = c.optimisation;
      batchSize = o.batchSize();
      lr = o.lr();
      schedule = o.schedule();
      warmupSteps = o.warmupSteps();
      minLrFraction = o.minLrFraction();
      weightDecay = o.weightDecay();
      loss = o.loss();
      encoderId = c.encoder.id();
      encoderSpec = c.encoder.spec();
      encoderFiles = c.encoder.files();
      info = c.encoder.info();
      run = c.run.toBuilder();
    }

    public Builder loaderThreads(int v) {
      loaderThreads = v;
      return this;
    }

    public Builder validationPairs(int v) {
      validationPairs = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder lr(double v) {
      lr = v;
      return this;
    }

    public Builder schedule(ScheduleKind v) {
      schedule = v;
      return this;
    }

    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    public Builder minLrFraction(double v) {
      minLrFraction = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder loss(Loss v) {
      loss = v;
      return this;
    }

    /** The encoder of the latents: its id, its portable spec and the files the spec names. */
    public Builder encoder(String id, String spec, Map<String, byte[]> files) {
      encoderId = id;
      encoderSpec = spec;
      encoderFiles = files;
      return this;
    }

    public Builder info(Map<String, Object> v) {
      info = v;
      return this;
    }

    /** The loop's settings (steps, time, seed, threads, device, precision, every, resume...). */
    public RunSettings.Builder run() {
      return run;
    }

    public Builder steps(long v) {
      run.steps(v);
      return this;
    }

    public Builder seed(long v) {
      run.seed(v);
      return this;
    }

    public Builder threads(int v) {
      run.threads(v);
      return this;
    }

    public Builder device(String v) {
      run.device(v);
      return this;
    }

    public Builder precision(Precision v) {
      run.precision(v);
      return this;
    }

    public Builder every(int v) {
      run.every(v);
      return this;
    }

    public Builder divergenceFactor(double v) {
      run.divergenceFactor(v);
      return this;
    }

    public Builder resume(boolean v) {
      run.resume(v);
      return this;
    }

    public DecoderTrainConfig build() {
      return new DecoderTrainConfig(
          new Data(train, validation, loaderThreads, validationPairs),
          spec,
          new Optimisation(batchSize, lr, schedule, warmupSteps, minLrFraction, weightDecay, loss),
          new Encoder(encoderId, encoderSpec, encoderFiles, info),
          run.build());
    }
  }
}
