package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.Split;
import org.mvgen.decoder.DatasetPairs;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.PortableEncoder;
import org.mvgen.train.Precision;
import org.mvgen.train.decoder.DecoderTrainConfig;
import org.mvgen.train.decoder.DecoderTraining;
import org.mvgen.train.decoder.TrainResult;
import org.mvgen.train.dist.Distributed;
import org.mvgen.util.Durations;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen train}: trains the decoder on a dataset's pairs. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train the decoder (latent -> frame) on a dataset's pairs and one encoder's latents.",
      "Writes checkpoints, previews, loss.png and finally RUN/model.mvgen. Ctrl-C saves a"
          + " checkpoint; continue with --resume. Settings: [model] and [train]."
    })
public final class TrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset folder.")
  Path dataset;

  @Option(
      names = "--encoder",
      required = true,
      paramLabel = "ID",
      description = "Encoder id or spec whose latents to train on (see 'mvgen dataset info').")
  String encoder;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "RUN",
      description = "Run folder for checkpoints, previews and the model.")
  Path out;

  @Option(names = "--resume", description = "Continue the run in RUN from its checkpoint.")
  boolean resume;

  @Option(
      names = "--overwrite",
      description = "Replace a finished run (its model and checkpoint) in RUN.")
  boolean overwrite;

  @Option(names = "--steps", description = "Total optimizer steps (train.steps).")
  Long steps;

  @Option(
      names = "--time",
      paramLabel = "DURATION",
      description =
          "Train for this long (e.g. 30m, 2h, 90s; train.time), planning the schedule over the"
              + " steps that fit; with --steps, whichever ends first.")
  String time;

  @Option(names = "--batch-size", description = "Pairs per step (train.batch_size).")
  Integer batchSize;

  @Option(names = "--lr", description = "Peak learning rate (train.lr).")
  Double lr;

  @Option(names = "--seed", description = "Seed (train.seed).")
  Long seed;

  @Option(
      names = "--device",
      description = "cpu, cuda, cuda:N or auto (train.device); CUDA needs the -Pcuda build.")
  String device;

  @Mixin DistributedOptions distributed;

  @Override
  public Integer call() throws Exception {
    Integer launched = distributed.launchRanks();
    if (launched != null) {
      return launched; // this process only started and waited for the ranks
    }
    Config c = common.config();
    c = CommonOptions.override(c, "train.steps", steps, "--steps");
    c = CommonOptions.override(c, "train.batch_size", batchSize, "--batch-size");
    c = CommonOptions.override(c, "train.lr", lr, "--lr");
    c = CommonOptions.override(c, "train.seed", seed, "--seed");
    c = CommonOptions.override(c, "train.device", device, "--device");
    c = CommonOptions.override(c, "train.time", time, "--time");
    PrintWriter o = spec.commandLine().getOut();
    try (Dataset ds = Dataset.open(dataset)) {
      EncoderRecord enc = DatasetEncoding.find(ds, encoder, c);
      DatasetPairs train = DatasetPairs.of(ds, enc.id(), Split.TRAIN);
      DatasetPairs val = DatasetPairs.of(ds, enc.id(), Split.VALIDATION);
      if (train.size() == 0) {
        throw new org.mvgen.MvgenException(
            dataset + " has no training pairs. Ingest more video, or lower dataset.val_fraction.");
      }
      // The bundle carries the encoder's settings and PCA, so the model works without the dataset.
      PortableEncoder portable = DatasetEncoding.portable(ds, enc, c);
      DecoderTrainConfig cfg;
      try {
        cfg = config(c, ds, enc, portable, train, val, out, resume, overwrite, steps != null);
      } catch (IllegalArgumentException e) {
        throw new org.mvgen.MvgenException(
            e.getMessage() + ". Fix the setting in your config file or with --set.", e);
      }
      Duration timeout = Durations.parse(c.getString("train.dist_timeout"), "train.dist_timeout");
      try (Distributed dist = distributed.join(cfg.run(), timeout)) {
        cfg =
            new DecoderTrainConfig(
                cfg.data(), cfg.model(), cfg.optimisation(), cfg.encoder(), dist.adapt(cfg.run()));
        // Ranks other than 0 are quiet: one summary, one progress bar.
        PrintWriter shown = dist.rank() == 0 ? o : new PrintWriter(PrintWriter.nullWriter());
        return train(cfg, dist, shown, train.size(), val.size(), enc.id());
      }
    }
  }

  private int train(
      DecoderTrainConfig cfg,
      Distributed dist,
      PrintWriter o,
      long trainPairs,
      long valPairs,
      String encoderId)
      throws Exception {
    {
      o.printf(
          Locale.ROOT,
          "Training on %d pairs (%d for validation), latents of %s, %d px frames -> %s%s%n",
          trainPairs,
          valPairs,
          encoderId,
          cfg.model().frameSize(),
          out,
          dist.isDistributed()
              ? String.format(Locale.ROOT, " (%d processes, %s)", dist.world(), dist.launcher())
              : "");
      o.flush();
      // On Ctrl-C the trainer saves a checkpoint and the bundle and returns; this hook holds the
      // JVM until main has also printed the summary and how to continue (or the error).
      Thread hook = new Thread(() -> Main.awaitOutput(120), "mvgen-train-output");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        TrainResult r =
            DecoderTraining.run(
                cfg, dist.trainer(cfg.run(), ProgressBars.console(System.err)), List.of());
        o.printf(
            Locale.ROOT,
            "%s at step %d: loss %.5f, validation loss %.5f, PSNR %.2f dB, %.0f samples/s.%n",
            r.interrupted() ? "Stopped" : "Done",
            r.steps(),
            r.finalLoss(),
            r.validationLoss(),
            r.validationPsnr(),
            r.samplesPerSecond());
        o.printf("Model: %s%n", r.bundle());
        if (r.interrupted()) {
          o.printf(
              "Continue with: mvgen train %s --encoder %s --out %s --resume%n",
              dataset, encoder, out);
          o.flush();
          return Main.Exit.INTERRUPTED;
        }
        o.printf("Next: mvgen eval %s%n", out);
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
  }

  /**
   * Builds the trainer's config from the settings. With a time budget ({@code train.time}) and no
   * explicit {@code --steps}, the run is limited by time alone.
   */
  static DecoderTrainConfig config(
      Config c,
      Dataset ds,
      EncoderRecord enc,
      PortableEncoder portable,
      DatasetPairs train,
      DatasetPairs val,
      Path out,
      boolean resume,
      boolean overwrite,
      boolean explicitSteps) {
    DecoderSpec spec;
    try {
      spec =
          new DecoderSpec(
              enc.dim(),
              ds.params().frameSize(),
              c.getInt("model.width"),
              c.getInt("model.min_width"),
              c.getInt("model.depth"),
              c.getString("model.norm"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("[model] settings: " + e.getMessage(), e);
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("dataset", ds.dir().toAbsolutePath().toString());
    info.put("encoderDim", enc.dim());
    info.put("encoderSpecInDataset", enc.spec());
    info.put("encoderInfo", enc.info());
    Duration budget = Durations.parse(c.getString("train.time"), "train.time");
    DecoderTrainConfig.Builder b =
        DecoderTrainConfig.builder(train, val, spec, out)
            .batchSize(c.getInt("train.batch_size"))
            .lr(c.getDouble("train.lr"))
            .schedule(DecoderTrainConfig.ScheduleKind.parse(c.getString("train.schedule")))
            .warmupSteps(c.getInt("train.warmup_steps"))
            .minLrFraction(c.getDouble("train.min_lr_fraction"))
            .weightDecay(c.getDouble("train.weight_decay"))
            .loss(DecoderTrainConfig.Loss.parse(c.getString("train.loss")))
            .loaderThreads(c.getInt("train.loader_threads"))
            .validationPairs(c.getInt("train.validation_pairs"))
            .encoder(enc.id(), portable.spec(), portable.files())
            .info(info);
    b.run()
        .steps(budget != null && !explicitSteps ? Long.MAX_VALUE : c.getLong("train.steps"))
        .time(budget)
        .seed(c.getLong("train.seed"))
        .threads(c.getInt("train.threads"))
        .device(c.getString("train.device"))
        .precision(Precision.parse(c.getString("train.precision")))
        .checkpointEvery(c.getInt("train.checkpoint_every"))
        .validateEvery(c.getInt("train.validate_every"))
        .sideOutputEvery(c.getInt("train.preview_every"))
        .divergenceFactor(c.getDouble("train.divergence_factor"))
        .resume(resume)
        .overwrite(overwrite);
    return b.build();
  }
}
