package org.mvgen.train;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the loop runs a task: where, for how long, and how often it validates, writes side outputs
 * and checkpoints. The task's own settings (model, data, optimisation) are the task's.
 *
 * <pre>
 * RunSettings s = RunSettings.builder(Path.of("run")).steps(20_000).time(Duration.ofMinutes(30)).build();
 * RunSettings resumed = s.toBuilder().resume(true).build();
 * </pre>
 *
 * @param runDir the run folder: checkpoint, metrics, curves, previews and the final model
 * @param steps steps in all; with a {@code time} budget, the most it may plan ({@link
 *     Long#MAX_VALUE}: as many as fit in the time)
 * @param time a training-time budget for this process (null: none); the schedules are planned over
 *     the steps it is expected to reach
 * @param seed seeds initialisation, data order and every random draw of the run
 * @param threads libtorch intra-op threads (0: libtorch's default)
 * @param device {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto}
 * @param precision training arithmetic
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param validateEvery steps between validation passes (0: only at the end)
 * @param sideOutputEvery steps between previews (0: only at the end)
 * @param divergenceFactor a smoothed loss above this multiple of its best stops (0: only NaN)
 * @param resume continue the run in {@code runDir} from its checkpoint
 * @param overwrite replace a finished run in {@code runDir} (its model and checkpoint)
 */
public record RunSettings(
    Path runDir,
    long steps,
    Duration time,
    long seed,
    int threads,
    String device,
    Precision precision,
    int checkpointEvery,
    int validateEvery,
    int sideOutputEvery,
    double divergenceFactor,
    boolean resume,
    boolean overwrite) {
  public RunSettings {
    Objects.requireNonNull(runDir, "runDir");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(precision, "precision");
    if (steps < 1) {
      throw new IllegalArgumentException("train.steps (" + steps + ") must be positive");
    }
    if (time != null && (time.isNegative() || time.isZero())) {
      throw new IllegalArgumentException("the training time (" + time + ") must be positive");
    }
    if (threads < 0) {
      throw new IllegalArgumentException("train.threads (" + threads + ") must not be negative");
    }
    if (checkpointEvery < 0 || validateEvery < 0 || sideOutputEvery < 0) {
      throw new IllegalArgumentException(
          "train.checkpoint_every, validate_every and preview_every ("
              + checkpointEvery
              + ", "
              + validateEvery
              + ", "
              + sideOutputEvery
              + ") must not be negative");
    }
    if (!(divergenceFactor >= 0) || Double.isInfinite(divergenceFactor)) {
      throw new IllegalArgumentException(
          "train.divergence_factor (" + divergenceFactor + ") must be a number of at least 0");
    }
  }

  public static Builder builder(Path runDir) {
    return new Builder(runDir);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds {@link RunSettings}; defaults are those of {@code [train]} in defaults.toml. */
  public static final class Builder {
    private Path runDir;
    private long steps = 20_000;
    private Duration time;
    private long seed = 1;
    private int threads;
    private String device = "cpu";
    private Precision precision = Precision.AUTO;
    private int checkpointEvery = 1000;
    private int validateEvery = 500;
    private int sideOutputEvery = 500;
    private double divergenceFactor = 20;
    private boolean resume;
    private boolean overwrite;

    private Builder(Path runDir) {
      this.runDir = runDir;
    }

    private Builder(RunSettings s) {
      runDir = s.runDir;
      steps = s.steps;
      time = s.time;
      seed = s.seed;
      threads = s.threads;
      device = s.device;
      precision = s.precision;
      checkpointEvery = s.checkpointEvery;
      validateEvery = s.validateEvery;
      sideOutputEvery = s.sideOutputEvery;
      divergenceFactor = s.divergenceFactor;
      resume = s.resume;
      overwrite = s.overwrite;
    }

    public Builder runDir(Path v) {
      runDir = v;
      return this;
    }

    public Builder steps(long v) {
      steps = v;
      return this;
    }

    public Builder time(Duration v) {
      time = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder threads(int v) {
      threads = v;
      return this;
    }

    public Builder device(String v) {
      device = v;
      return this;
    }

    public Builder precision(Precision v) {
      precision = v;
      return this;
    }

    /** Checkpoints, validation and side outputs all every {@code v} steps. */
    public Builder every(int v) {
      checkpointEvery = v;
      validateEvery = v;
      sideOutputEvery = v;
      return this;
    }

    public Builder checkpointEvery(int v) {
      checkpointEvery = v;
      return this;
    }

    public Builder validateEvery(int v) {
      validateEvery = v;
      return this;
    }

    public Builder sideOutputEvery(int v) {
      sideOutputEvery = v;
      return this;
    }

    public Builder divergenceFactor(double v) {
      divergenceFactor = v;
      return this;
    }

    public Builder resume(boolean v) {
      resume = v;
      return this;
    }

    public Builder overwrite(boolean v) {
      overwrite = v;
      return this;
    }

    public RunSettings build() {
      return new RunSettings(
          runDir,
          steps,
          time,
          seed,
          threads,
          device,
          precision,
          checkpointEvery,
          validateEvery,
          sideOutputEvery,
          divergenceFactor,
          resume,
          overwrite);
    }
  }
}
