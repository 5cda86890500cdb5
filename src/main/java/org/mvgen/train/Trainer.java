package org.mvgen.train;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.MvgenException;
import org.mvgen.torch.TensorState;
import org.mvgen.torch.Torch;
import org.mvgen.util.Charts;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Json;
import org.mvgen.util.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop of mvgen: runs a {@link TrainingTask} step by step, with learning-rate
 * schedules, a time budget, Ctrl-C and SIGTERM handling, a progress bar, divergence checks,
 * metrics, charts, previews and checkpoints (the last four as {@link TrainingListener}s).
 *
 * <pre>
 * RunSettings s = RunSettings.builder(Path.of("run")).steps(5000).build();
 * try (MyTask task = new MyTask(...)) {
 *   TrainOutcome o = new Trainer(s, ProgressBars.console(System.err)).fit(task, List.of());
 * }
 * </pre>
 *
 * <p>Run folder: {@code checkpoint.ckpt} ({@link Checkpoint}), {@code run.json} (identity and
 * settings), {@code metrics.json}, {@code loss.png}, the task's side outputs and final product. On
 * the CPU a run is deterministic for a seed and a thread count, and a resume continues it bit for
 * bit: schedules and phases are functions of the step, data order a function of (seed, step), and
 * all other state is in the checkpoint. Ctrl-C (SIGINT, SIGTERM) saves a checkpoint and the final
 * product, then lets the JVM exit.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  public static final String CHECKPOINT = "checkpoint.ckpt";
  public static final String METRICS = "metrics.json";
  public static final String LOSS_PNG = "loss.png";
  public static final String RUN_JSON = "run.json";

  /** Steps of a time-budgeted run measured before its plan is made. */
  private static final int CALIBRATION_STEPS = 25;

  /** Steps of a time-budgeted run left out of its rate: first calls allocate and JIT. */
  private static final int WARM_STEPS = 5;

  private final RunSettings settings;
  private final Progress.Factory progress;
  private final AtomicBoolean stop = new AtomicBoolean();
  private volatile boolean timeUp;
  private int rank;
  private int world = 1;
  private Collective collective;

  public Trainer(RunSettings settings, Progress.Factory progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /** Asks a running {@link #fit} to stop after the current step, saving as on Ctrl-C. */
  public void requestStop() {
    stop.set(true);
  }

  /**
   * Runs as one rank of a data-parallel run: parameters start from rank 0's, gradients are averaged
   * before every update, batch-norm statistics (and any other buffer) are rank 0's at every step,
   * the main loss is averaged and a stop anywhere stops every rank at the same step. Only rank 0
   * writes files and shows progress. The caller owns {@code c}.
   */
  public Trainer distributed(Collective c) {
    this.collective = c;
    this.rank = c.rank();
    this.world = c.size();
    return this;
  }

  /**
   * Trains {@code task} until the planned steps are done, the time is up or a stop is requested.
   * {@code listeners} are called before the standard ones (divergence check, metrics, previews,
   * checkpoints).
   */
  public TrainOutcome fit(TrainingTask task, List<TrainingListener> listeners)
      throws MvgenException, IOException {
    try {
      if (rank != 0) {
        return fitLocked(task, listeners);
      }
      // One process owns a run folder at a time; the lock dies with its holder (even kill -9).
      try (FolderLock lock = FolderLock.acquire(settings.runDir())) {
        return fitLocked(task, listeners);
      }
    } catch (RankLostException e) {
      // The message says all; libtorch's text (with its C++ stack) only under --verbose.
      MvgenException m = new MvgenException(e.getMessage());
      m.addSuppressed(e);
      throw m;
    } catch (MvgenException | IOException | RuntimeException e) {
      if (collective != null) {
        collective.reportFailure(String.valueOf(e.getMessage()));
      }
      throw e;
    }
  }

  private TrainOutcome fitLocked(TrainingTask task, List<TrainingListener> listeners)
      throws MvgenException, IOException {
    Torch.load();
    Torch.threads(settings.threads());
    Device device = Torch.device(settings.device());
    Path dir = settings.runDir();
    Path ckpt = dir.resolve(CHECKPOINT);
    boolean writer = rank == 0;
    if (writer) {
      RunFolder.prepare(dir, settings);
    }
    if (settings.resume() && !Files.exists(ckpt)) {
      throw new MvgenException(
          "--resume was given but " + ckpt + " does not exist. Start without --resume.");
    }
    torch.manual_seed(settings.seed());
    boolean bf16 = settings.precision().bf16(device.is_cpu());
    String allocator = org.mvgen.torch.Allocator.hint();
    if (writer && device.is_cpu() && allocator != null) {
      LOG.warn("Note: {}", allocator);
    }
    task.build(device, bf16);
    Run run = new Run(task, bf16);
    if (settings.resume()) {
      run.restore(ckpt);
    }
    List<Tensor> buffers = List.of();
    if (collective != null) {
      for (Optim o : run.optims) {
        o.hook(collective::averageGradients);
      }
      collective.broadcast(new ArrayList<>(run.state.values()));
      buffers = buffers(run);
    }
    run.planned = settings.steps();
    if (writer) {
      Json.write(dir.resolve(RUN_JSON), run.describe());
    }
    task.start(run.step, settings.resume(), rank, world);

    List<TrainingListener> ls = new ArrayList<>(listeners);
    DivergenceCheck divergence = new DivergenceCheck(settings.divergenceFactor(), run);
    ls.add(divergence);
    if (writer) {
      ls.add(new SideOutputs(settings.sideOutputEvery(), task));
      ls.add(new Checkpointer(settings.checkpointEvery(), divergence, run));
    }

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
    Duration budget = settings.time();
    long budgetSeconds = budget == null ? 0 : Math.max(1, budget.toSeconds());
    try (Progress bar =
        writer
            ? (budget == null
                ? progress.start(task.name(), settings.steps(), "step")
                : progress.start(task.name(), budgetSeconds, "s"))
            : Progress.SILENT.start(task.name(), 1, "")) {
      if (budget == null) {
        bar.step(run.step);
      }
      long startStep = run.step;
      long t0 = System.nanoTime();
      long shownSeconds = 0;
      boolean planMade = budget == null;
      long warmNs = 0;
      boolean stopAll = false;
      boolean timeUpAll = false;
      while (run.step < run.planned && !(collective == null ? stop.get() : stopAll)) {
        for (Optim o : run.optims) {
          o.prepare(run.step, run.planned);
        }
        Map<String, Double> losses;
        if (!buffers.isEmpty()) {
          collective.broadcast(buffers);
        }
        try {
          losses = task.step(run.step);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        if (collective != null) {
          // Every rank sees the same loss (so divergence stops all at once) and the same stop.
          // Every rank sees the same loss (so divergence stops all at once), the same stop, the
          // same end of the time budget and rank 0's plan (so the same learning rates).
          Map.Entry<String, Double> main = losses.entrySet().iterator().next();
          double[] r =
              collective.sum(
                  new double[] {
                    main.getValue(),
                    stop.get() ? 1 : 0,
                    budget != null && System.nanoTime() - t0 >= budget.toNanos() ? 1 : 0,
                    rank == 0 && run.planned != Long.MAX_VALUE ? run.planned : 0
                  });
          Map<String, Double> synced = new LinkedHashMap<>(losses);
          synced.put(main.getKey(), r[0] / world);
          losses = synced;
          stopAll = r[1] > 0;
          timeUpAll = r[2] > 0;
          if (r[3] > 0) {
            run.planned = (long) r[3];
          }
        }
        run.stepDone(losses, startStep, t0);
        boolean validate = settings.validateEvery() > 0 && run.step % settings.validateEvery() == 0;
        if (validate && writer) {
          run.validate();
          for (TrainingListener l : ls) {
            l.onValidation(run);
          }
        } else if (run.step % Math.max(1, Math.min(run.planned, 1_000_000) / 500) == 0
            || run.step == startStep + 1) {
          run.record(Map.of());
        }
        for (TrainingListener l : ls) {
          l.onStep(run);
        }
        long elapsedNs = System.nanoTime() - t0;
        if (budget == null) {
          bar.step(1);
        } else {
          long secs = Math.min(budgetSeconds, elapsedNs / 1_000_000_000L);
          bar.step(secs - shownSeconds);
          shownSeconds = secs;
          long done1 = run.step - startStep;
          if (done1 == WARM_STEPS) {
            warmNs = elapsedNs;
          }
          boolean early = run.step >= run.planned && elapsedNs * 10 < budget.toNanos() * 9;
          boolean calibrated =
              (done1 >= CALIBRATION_STEPS && elapsedNs * 20 >= budget.toNanos())
                  || (done1 > WARM_STEPS && elapsedNs * 4 >= budget.toNanos());
          if (((!planMade && calibrated) || early) && rank == 0) {
            // The schedules are planned over the steps the budget is expected to reach, at the
            // rate measured after the first (slower) steps; a plan that ends with time to spare
            // is extended.
            double perStep =
                done1 > WARM_STEPS
                    ? (double) (elapsedNs - warmNs) / (done1 - WARM_STEPS)
                    : (double) elapsedNs / done1;
            long left = (long) ((budget.toNanos() - elapsedNs) / perStep);
            run.planned = Math.min(settings.steps(), run.step + Math.max(1, left));
            planMade = true;
            LOG.debug("time budget {}: planned {} steps", budget, run.planned);
          }
          if (collective == null ? elapsedNs >= budget.toNanos() : timeUpAll) {
            timeUp = true;
            break;
          }
        }
        bar.extra(run.progressText());
      }
      if ("1".equals(System.getenv("MVGEN_DIST_TIMING"))
          && collective != null
          && run.step > startStep) {
        // Benchmarks (bench/scaling.sh): time in gradient averaging beside the whole step.
        long[] avg = collective.gradientAveraging();
        long steps = run.step - startStep;
        LOG.info(
            String.format(
                Locale.ROOT,
                "rank %d: allreduce %.1f ms/step of %.1f ms/step (%d steps, %d averagings)",
                rank,
                avg[0] / 1e6 / steps,
                (System.nanoTime() - t0) / 1e6 / steps,
                steps,
                avg[1]));
      }
      // The budget's plan reached (not --steps) is the planned end of a time-budgeted run too.
      if (timeUp || (budget != null && run.step >= run.planned && run.planned < settings.steps())) {
        timeUp = true;
        run.planned = run.step;
      }
      run.interrupted = run.step < run.planned;
      if (writer) {
        run.validate();
      }
      for (TrainingListener l : ls) {
        l.onEnd(run);
      }
      if (writer) {
        task.finish(dir, run);
      }
      if (timeUp) {
        LOG.info("Training time is up at step {}: checkpoint saved in {}.", run.step, dir);
      } else if (run.interrupted) {
        LOG.warn(
            "Stopped at step {} of {}: checkpoint saved in {}; continue with --resume.",
            run.step,
            run.planned,
            dir);
      }
      return new TrainOutcome(
          dir,
          run.step,
          run.firstLoss,
          run.smooth,
          run.validation,
          run.samplesPerSecond,
          run.interrupted,
          timeUp);
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down (Ctrl-C): the hook is running and now returns.
      }
    }
  }

  /** The task's state tensors that no optimizer updates (batch-norm statistics...). */
  private static List<Tensor> buffers(Run run) {
    java.util.Set<Long> params = new java.util.HashSet<>();
    for (Optim o : run.optims) {
      for (Tensor p : o.parameters().values()) {
        params.add(p.data_ptr().address());
      }
    }
    List<Tensor> b = new ArrayList<>();
    for (Tensor t : run.state.values()) {
      if (!params.contains(t.data_ptr().address())) {
        b.add(t);
      }
    }
    return b;
  }

  /** The state of a run, as the loop keeps it and listeners read it. */
  private final class Run implements TrainingContext {
    private final TrainingTask task;
    private final boolean bf16;
    private final List<Optim> optims;
    private final Map<String, Tensor> state;
    private long step;
    private long planned;
    private Map<String, Double> losses = Map.of();
    private double loss = Double.NaN;
    private double smooth = Double.NaN;
    private double firstLoss = Double.NaN;
    private double samplesPerSecond;
    private long t0 = System.nanoTime();
    private boolean interrupted;
    private long checkpointStep = -1;
    private Map<String, Double> validation = Map.of();
    private final List<MetricRow> history = new ArrayList<>();

    Run(TrainingTask task, boolean bf16) {
      this.task = task;
      this.bf16 = bf16;
      this.optims = List.copyOf(task.optimizers());
      this.state = task.state();
    }

    void stepDone(Map<String, Double> l, long startStep, long start) {
      losses = Map.copyOf(new LinkedHashMap<>(l));
      loss = l.values().iterator().next();
      step++;
      smooth = step == startStep + 1 ? loss : 0.95 * smooth + 0.05 * loss;
      if (step == startStep + 1) {
        firstLoss = loss;
      }
      t0 = start;
      double secs = (System.nanoTime() - start) / 1e9;
      samplesPerSecond = (step - startStep) * (double) task.samplesPerStep() / Math.max(secs, 1e-9);
    }

    void validate() throws IOException, MvgenException {
      // In the task's order (Map.copyOf would not keep it): the first is the one the bar shows.
      validation = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(task.validate(step)));
      Map<String, Double> v = new LinkedHashMap<>();
      validation.forEach((k, x) -> v.put("val_" + k, x));
      record(v);
    }

    void record(Map<String, Double> extra) {
      Map<String, Double> row = new LinkedHashMap<>();
      if (Double.isFinite(smooth)) {
        row.put("loss", smooth);
      }
      losses.forEach(
          (k, v) -> {
            if (Double.isFinite(v) && !k.equals("loss")) {
              row.put(k, v);
            }
          });
      for (Optim o : optims) {
        row.put(optims.size() == 1 ? "lr" : "lr_" + o.name(), o.lr());
      }
      row.put("samples_per_second", samplesPerSecond);
      extra.forEach(
          (k, v) -> {
            if (Double.isFinite(v)) {
              row.put(k, v);
            }
          });
      if (!history.isEmpty() && history.get(history.size() - 1).step() == step) {
        history.remove(history.size() - 1);
      }
      history.add(new MetricRow(step, row));
    }

    String progressText() {
      Double v = validation.values().stream().findFirst().orElse(null);
      return String.format(
          Locale.ROOT,
          "loss %.4f  %.0f samples/s%s",
          smooth,
          samplesPerSecond,
          v == null || v.isNaN() ? "" : String.format(Locale.ROOT, "  val %.4f", v));
    }

    Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("task", task.name());
      m.put("identity", task.identity());
      m.put("settings", task.describe());
      m.put("steps", settings.steps() == Long.MAX_VALUE ? null : settings.steps());
      m.put("time", settings.time() == null ? null : settings.time().toString());
      m.put("seed", settings.seed());
      m.put("threads", settings.threads());
      m.put("device", settings.device());
      m.put("precision", bf16 ? "bfloat16" : "float32");
      m.put("worldSize", world);
      return m;
    }

    void saveCheckpoint() throws IOException {
      Map<String, byte[]> opt = new LinkedHashMap<>();
      for (Optim o : optims) {
        opt.put(o.name(), o.saveState());
      }
      Map<String, Object> s = new LinkedHashMap<>(task.describe());
      s.put("precision", bf16 ? "bfloat16" : "float32");
      s.put("seed", settings.seed());
      Checkpoint.write(
          settings.runDir().resolve(CHECKPOINT),
          new Checkpoint.Meta(
              Checkpoint.FORMAT,
              Checkpoint.VERSION,
              task.name(),
              step,
              planned,
              world,
              task.identity(),
              s,
              task.extraState(),
              history,
              Instant.now().toString()),
          state,
          opt,
          Map.of("cpu", torch.getDefaultCPUGenerator().get_state()));
      checkpointStep = step;
      writeMetrics();
    }

    void restore(Path file) throws MvgenException, IOException {
      Checkpoint.Loaded c = Checkpoint.read(file);
      Checkpoint.Meta m = c.meta();
      if (!task.name().equals(m.task())) {
        throw new MvgenException(
            file
                + " is a checkpoint of a "
                + m.task()
                + " run, not of "
                + task.name()
                + ". Resume it with the command that started it, or choose another --out folder.");
      }
      String[] diff = Checkpoint.firstDifference(m.identity(), task.identity());
      if (diff != null) {
        throw new MvgenException(
            file
                + " was trained with "
                + diff[0]
                + " "
                + diff[1]
                + ", but this run has "
                + diff[2]
                + ". --resume continues a run only with what it started with: use the same "
                + diff[0]
                + ", or start a new run in another --out folder.");
      }
      try {
        TensorState.copyInto(state, c.model(), file + "");
        for (Optim o : optims) {
          byte[] st = c.optimizers().get(o.name());
          if (st == null) {
            throw new IOException("it has no state for optimizer " + o.name());
          }
          o.loadState(st);
        }
        Tensor rng = c.rng().get("cpu");
        if (rng != null) {
          torch.getDefaultCPUGenerator().set_state(rng);
        }
        task.restoreExtraState(m.extra() == null ? Map.of() : m.extra());
      } catch (IOException | RuntimeException e) {
        throw new MvgenException(
            file + " does not load into this run: " + e.getMessage() + ". Start a new run.", e);
      }
      step = m.step();
      checkpointStep = step;
      if (m.history() != null) {
        history.addAll(m.history());
      }
      LOG.info("Resuming {} at step {}", file, step);
    }

    /** Writes {@code metrics.json} and {@code loss.png}. */
    void writeMetrics() throws IOException {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("task", task.name());
      doc.put("worldSize", world);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (MetricRow r : history) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", r.step());
        row.putAll(r.values());
        rows.add(row);
      }
      doc.put("rows", rows);
      Json.write(settings.runDir().resolve(METRICS), doc);
      List<Charts.Series> series = new ArrayList<>();
      Color[] colors = {
        new Color(31, 119, 180),
        new Color(214, 39, 40),
        new Color(44, 160, 44),
        new Color(148, 103, 189),
        new Color(255, 127, 14)
      };
      List<String> names = new ArrayList<>();
      names.add("loss");
      for (MetricRow r : history) {
        for (String k : r.values().keySet()) {
          if (!names.contains(k)
              && !k.startsWith("lr")
              && !k.equals("samples_per_second")
              && (k.startsWith("val_loss") || !k.startsWith("val_"))) {
            names.add(k);
          }
        }
      }
      for (String k : names) {
        List<MetricRow> rs = history.stream().filter(r -> r.values().containsKey(k)).toList();
        if (rs.isEmpty() || series.size() == colors.length) {
          continue;
        }
        String label =
            k.equals("loss")
                ? "training loss (smoothed)"
                : k.equals("val_loss") ? "validation loss" : k.replace('_', ' ');
        series.add(
            new Charts.Series(
                label,
                rs.stream().mapToDouble(MetricRow::step).toArray(),
                rs.stream().mapToDouble(r -> r.get(k)).toArray(),
                colors[series.size()]));
      }
      Charts.lines(
          settings.runDir().resolve(LOSS_PNG), "Training: " + task.name(), "step", series, true);
    }

    @Override
    public String task() {
      return task.name();
    }

    @Override
    public long step() {
      return step;
    }

    @Override
    public long plannedSteps() {
      return planned;
    }

    @Override
    public Map<String, Double> losses() {
      return losses;
    }

    @Override
    public double loss() {
      return loss;
    }

    @Override
    public double smoothedLoss() {
      return smooth;
    }

    @Override
    public double firstLoss() {
      return firstLoss;
    }

    @Override
    public Map<String, Double> lrs() {
      Map<String, Double> m = new LinkedHashMap<>();
      optims.forEach(o -> m.put(o.name(), o.lr()));
      return m;
    }

    @Override
    public double samplesPerSecond() {
      return samplesPerSecond;
    }

    @Override
    public Duration elapsed() {
      return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public Map<String, Double> validation() {
      return validation;
    }

    @Override
    public List<MetricRow> history() {
      return List.copyOf(history);
    }

    @Override
    public long checkpointStep() {
      return checkpointStep;
    }

    @Override
    public boolean interrupted() {
      return interrupted;
    }

    @Override
    public RunSettings settings() {
      return settings;
    }

    @Override
    public int worldSize() {
      return world;
    }

    @Override
    public int rank() {
      return rank;
    }
  }

  /**
   * Stops on a non-finite loss, or a smoothed loss that exploded past a multiple of its best value.
   * It also judges whether each step's own loss is within that limit: the smoothed loss reveals an
   * explosion some steps late, and a checkpoint saved in between would hold exploded weights, so
   * the {@link Checkpointer} waits for a step within the limit.
   */
  private static final class DivergenceCheck implements TrainingListener {
    private final double factor;
    private final Run run;
    private double best = Double.POSITIVE_INFINITY;
    private boolean withinLimit = true;

    DivergenceCheck(double factor, Run run) {
      this.factor = factor;
      this.run = run;
    }

    boolean withinLimit() {
      return withinLimit;
    }

    @Override
    public void onStep(TrainingContext ctx) throws DivergenceException {
      boolean nan = !Double.isFinite(ctx.loss());
      double limit = factor > 0 && ctx.step() > 20 ? factor * best : Double.POSITIVE_INFINITY;
      withinLimit = !nan && ctx.loss() <= limit;
      boolean exploded = ctx.smoothedLoss() > limit;
      if (nan || exploded) {
        throw new DivergenceException(message(ctx, nan));
      }
      if (ctx.step() > 20) {
        best = Math.min(best, ctx.smoothedLoss());
      }
    }

    private String message(TrainingContext ctx, boolean nan) {
      String what =
          nan
              ? "the loss is " + ctx.loss()
              : String.format(
                  Locale.ROOT,
                  "the smoothed loss %.4g is more than %s times its best, %.4g (last step: %.4g)",
                  ctx.smoothedLoss(),
                  factor,
                  best,
                  ctx.loss());
      Path dir = ctx.runDir();
      if (ctx.checkpointStep() < 0) {
        return "Training diverged at step "
            + ctx.step()
            + ": "
            + what
            + ". No checkpoint had been saved in "
            + dir
            + " yet. "
            + run.task.divergenceAdvice(false);
      }
      return "Training diverged at step "
          + ctx.step()
          + ": "
          + what
          + ". The checkpoint of step "
          + ctx.checkpointStep()
          + " in "
          + dir
          + " is kept, and no model was written. "
          + run.task.divergenceAdvice(true);
    }
  }

  /**
   * Saves a checkpoint every N steps and at the end (rank 0). A checkpoint due at a step whose loss
   * is past the divergence limit waits for the next step within it, so that a diverged run keeps
   * the last checkpoint from before its explosion.
   */
  private static final class Checkpointer implements TrainingListener {
    private final int every;
    private final DivergenceCheck divergence;
    private final Run run;
    private boolean due;

    Checkpointer(int every, DivergenceCheck divergence, Run run) {
      this.every = every;
      this.divergence = divergence;
      this.run = run;
    }

    @Override
    public void onStep(TrainingContext ctx) throws IOException {
      due |= every > 0 && ctx.step() % every == 0;
      if (due && divergence.withinLimit()) {
        run.saveCheckpoint();
        due = false;
      }
    }

    @Override
    public void onEnd(TrainingContext ctx) throws IOException {
      run.saveCheckpoint();
    }
  }

  /** Asks the task for its previews every N steps and at the end (rank 0). */
  private static final class SideOutputs implements TrainingListener {
    private final int every;
    private final TrainingTask task;

    SideOutputs(int every, TrainingTask task) {
      this.every = every;
      this.task = task;
    }

    @Override
    public void onStep(TrainingContext ctx) throws IOException, MvgenException {
      if (every > 0 && ctx.step() % every == 0) {
        task.sideOutputs(ctx.step(), ctx.runDir());
      }
    }

    @Override
    public void onEnd(TrainingContext ctx) throws IOException, MvgenException {
      task.sideOutputs(ctx.step(), ctx.runDir());
    }
  }
}
