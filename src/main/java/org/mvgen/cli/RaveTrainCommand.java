package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mvgen.MvgenException;
import org.mvgen.config.Config;
import org.mvgen.rave.RaveExamples;
import org.mvgen.rave.Reconstructions;
import org.mvgen.rave.data.RaveData;
import org.mvgen.rave.model.AudioExamples;
import org.mvgen.rave.model.Augmentation;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveSchedule;
import org.mvgen.rave.model.RaveTask;
import org.mvgen.train.Precision;
import org.mvgen.train.RunSettings;
import org.mvgen.train.TrainOutcome;
import org.mvgen.train.Trainer;
import org.mvgen.train.dist.Distributed;
import org.mvgen.util.Durations;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen rave train}: trains mvgen's RAVE on the output of {@code mvgen rave preprocess}. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train mvgen's RAVE autoencoder on audio prepared by 'mvgen rave preprocess'.",
      "Phase 1 (reconstruction) then phase 2 (adversarial), the phase a function of the step."
          + " Writes checkpoints, loss.png, reconstructions of held-out examples (WAV + PNG in"
          + " RUN/reconstructions) and RUN/rave-weights; then 'mvgen rave export RUN -o"
          + " FILE.mvrave'. Ctrl-C saves a checkpoint; continue with --resume. Settings:"
          + " [rave.train]."
    })
public final class RaveTrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RAVEDATA", description = "Folder of prepared audio.")
  Path data;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "RUN",
      description = "Run folder for checkpoints, curves, reconstructions and the weights.")
  Path out;

  @Option(
      names = "--model-config",
      paramLabel = "NAME",
      description = "tiny, small, v2 or live (rave.train.config).")
  String modelConfig;

  @Option(
      names = "--model-set",
      paramLabel = "FIELD=VALUE",
      description =
          "Override one field of the model config (repeatable; after rave.train.set), e.g."
              + " latentSize=32.")
  List<String> modelSet = new ArrayList<>();

  @Option(names = "--resume", description = "Continue the run in RUN from its checkpoint.")
  boolean resume;

  @Option(names = "--overwrite", description = "Replace a finished run in RUN.")
  boolean overwrite;

  @Option(names = "--steps", description = "Total optimizer steps (rave.train.steps).")
  Long steps;

  @Option(
      names = "--time",
      paramLabel = "DURATION",
      description = "Train for this long (e.g. 30m, 2h; rave.train.time).")
  String time;

  @Option(names = "--seed", description = "Seed (rave.train.seed).")
  Long seed;

  @Option(names = "--device", description = "cpu, cuda, cuda:N or auto (rave.train.device).")
  String device;

  @Mixin DistributedOptions distributed;

  @Override
  public Integer call() throws Exception {
    Integer launched = distributed.launchRanks();
    if (launched != null) {
      return launched; // this process only started and waited for the ranks
    }
    Config c = common.config();
    c = CommonOptions.override(c, "rave.train.config", modelConfig, "--model-config");
    c = CommonOptions.override(c, "rave.train.steps", steps, "--steps");
    c = CommonOptions.override(c, "rave.train.time", time, "--time");
    c = CommonOptions.override(c, "rave.train.seed", seed, "--seed");
    c = CommonOptions.override(c, "rave.train.device", device, "--device");
    PrintWriter o = spec.commandLine().getOut();
    try (RaveData rd = RaveData.open(data)) {
      RaveConfig model = modelConfig(c, modelSet, rd.sampleRate());
      AudioExamples train = new RaveExamples(rd.train());
      AudioExamples val = new RaveExamples(rd.validation());
      if (train.size() == 0) {
        throw new MvgenException(
            data + " has no training examples. Preprocess more audio into it.");
      }
      if (rd.exampleLength() < model.exampleSize()) {
        throw new MvgenException(
            String.format(
                Locale.ROOT,
                "%s has examples of %d samples, shorter than one training crop of the '%s' config"
                    + " (exampleSize %d). Preprocess again with --example-length %d or more, or"
                    + " add exampleSize=%d to rave.train.set (--model-set).",
                data,
                rd.exampleLength(),
                model.name(),
                model.exampleSize(),
                model.exampleSize(),
                rd.exampleLength()));
      }
      RunSettings run = runSettings(c, out, resume, overwrite, steps != null);
      Duration timeout = Durations.parse(c.getString("train.dist_timeout"), "train.dist_timeout");
      try (Distributed dist = distributed.join(run, timeout)) {
        run = dist.adapt(run);
        PrintWriter shown = dist.rank() == 0 ? o : new PrintWriter(PrintWriter.nullWriter());
        shown.printf(
            Locale.ROOT,
            "Training RAVE '%s' (%d latents, %d samples per latent at %d Hz, phase 2 from step %d)"
                + " on %d examples (%d held out) -> %s%s%n",
            model.name(),
            model.latentSize(),
            model.hop(),
            model.sampleRate(),
            model.phase1Steps(),
            train.size(),
            val.size(),
            out,
            dist.isDistributed()
                ? String.format(Locale.ROOT, " (%d processes, %s)", dist.world(), dist.launcher())
                : "");
        shown.flush();
        return train(c, model, train, val, run, dist, shown);
      }
    }
  }

  private int train(
      Config c,
      RaveConfig model,
      AudioExamples train,
      AudioExamples val,
      RunSettings run,
      Distributed dist,
      PrintWriter o)
      throws Exception {
    Thread hook = new Thread(() -> Main.awaitOutput(120), "mvgen-train-output");
    Runtime.getRuntime().addShutdownHook(hook);
    try (RaveTask task = task(c, model, train, val, c.getLong("rave.train.seed"))) {
      boolean heldOut = val.size() > 0;
      int maxSamples =
          (int)
              Math.max(
                  model.hop(),
                  Math.round(
                      c.getDouble("rave.train.reconstruction_seconds") * model.sampleRate()));
      Reconstructions rec =
          new Reconstructions(
              task,
              heldOut ? val : train,
              heldOut ? "held-out" : "training",
              c.getInt("rave.train.reconstructions"),
              c.getInt("rave.train.preview_every"),
              maxSamples);
      Trainer trainer = dist.trainer(run, ProgressBars.console(System.err));
      TrainOutcome r = trainer.fit(task, List.of(rec));
      if (Double.isNaN(r.finalLoss()) && !r.interrupted()) {
        // Resumed at its planned end: no step ran in this process, so there is no rate or loss.
        double d = r.validation("distance");
        o.printf(
            Locale.ROOT,
            "Nothing left to train: the run is at step %d (phase %d), its planned end; raise"
                + " --steps to go on.%s%n",
            r.steps(),
            RaveSchedule.phase(model, Math.max(0, r.steps() - 1)),
            Double.isNaN(d)
                ? ""
                : String.format(Locale.ROOT, " Held-out spectral distance %.4f.", d));
      } else {
        o.printf(
            Locale.ROOT,
            "%s at step %d (phase %d): spectral distance %.4f, held-out %.4f, %.1f examples/s.%n",
            r.interrupted() ? "Stopped" : "Done",
            r.steps(),
            RaveSchedule.phase(model, Math.max(0, r.steps() - 1)),
            r.finalLoss(),
            r.validation("distance"),
            r.samplesPerSecond());
      }
      if (task.pcaProblem() != null) {
        o.println("Latent PCA: " + task.pcaProblem());
      }
      o.printf(
          "Weights: %s; listen to %s%n",
          out.resolve("rave-weights"), out.resolve(Reconstructions.DIR));
      if (r.interrupted()) {
        o.printf(
            "Continue with: mvgen rave train %s --out %s --model-config %s%s%s --resume%n",
            data,
            out,
            c.getString("rave.train.config"),
            (steps != null ? " --steps " + steps : "")
                + modelSet.stream().map(x -> " --model-set " + x).reduce("", String::concat),
            time != null ? " --time " + time : "");
        o.flush();
        return Main.Exit.INTERRUPTED;
      }
      o.printf("Next: mvgen rave export %s -o %s%n", out, "model.mvrave");
      o.flush();
      return Main.Exit.OK;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down (Ctrl-C): the hook waits for main to print.
      }
    }
  }

  /** The training task; data it refuses (examples shorter than a crop) is a user error. */
  private static RaveTask task(
      Config c, RaveConfig model, AudioExamples train, AudioExamples val, long seed)
      throws MvgenException {
    try {
      return new RaveTask(model, train, val.size() == 0 ? null : val, seed)
          .augmentation(
              Augmentation.of(
                  c.getDouble("rave.train.augment_phase"), c.getInt("rave.train.dequantize_bits")));
    } catch (IllegalArgumentException e) {
      throw new MvgenException("Cannot train on this data: " + e.getMessage() + ".", e);
    }
  }

  /**
   * The model config: the named one, its sample rate that of the data unless a field override sets
   * it, then rave.train.set and {@code --model-set} in order.
   */
  static RaveConfig modelConfig(Config c, List<String> extra, int dataRate) throws MvgenException {
    List<String> sets = new ArrayList<>();
    Object listed = c.entry("rave.train.set").value();
    if (listed instanceof List<?> l) {
      for (Object x : l) {
        sets.add(String.valueOf(x));
      }
    }
    sets.addAll(extra);
    try {
      RaveConfig.Builder b =
          RaveConfig.named(c.getString("rave.train.config")).toBuilder().sampleRate(dataRate);
      for (String s : sets) {
        int eq = s.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "'" + s + "' in rave.train.set or --model-set is not of the form field=value");
        }
        b.set(s.substring(0, eq).trim(), s.substring(eq + 1));
      }
      RaveConfig m = b.build();
      if (m.sampleRate() != dataRate) {
        throw new IllegalArgumentException(
            "the model's sampleRate ("
                + m.sampleRate()
                + ") differs from the prepared data's ("
                + dataRate
                + " Hz); preprocess at "
                + m.sampleRate()
                + " Hz or drop the sampleRate override");
      }
      return m;
    } catch (IllegalArgumentException e) {
      throw new MvgenException(
          "RAVE model config: " + e.getMessage() + ". Fix rave.train.config / rave.train.set.", e);
    }
  }

  static RunSettings runSettings(
      Config c, Path out, boolean resume, boolean overwrite, boolean explicitSteps)
      throws MvgenException {
    Duration budget = Durations.parse(c.getString("rave.train.time"), "rave.train.time");
    int preview = c.getInt("rave.train.preview_every");
    try {
      return RunSettings.builder(out)
          .steps(budget != null && !explicitSteps ? Long.MAX_VALUE : c.getLong("rave.train.steps"))
          .time(budget)
          .seed(c.getLong("rave.train.seed"))
          .threads(c.getInt("rave.train.threads"))
          .device(c.getString("rave.train.device"))
          .precision(Precision.FLOAT32)
          .checkpointEvery(c.getInt("rave.train.checkpoint_every"))
          .validateEvery(c.getInt("rave.train.validate_every"))
          .sideOutputEvery(preview)
          .divergenceFactor(c.getDouble("rave.train.divergence_factor"))
          .resume(resume)
          .overwrite(overwrite)
          .build();
    } catch (IllegalArgumentException e) {
      throw new MvgenException(
          e.getMessage() + ". Fix the setting in [rave.train] or with --set.", e);
    }
  }
}
