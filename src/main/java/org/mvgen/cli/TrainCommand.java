package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.Split;
import org.mvgen.decoder.DatasetPairs;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.decoder.TrainConfig;
import org.mvgen.decoder.TrainResult;
import org.mvgen.decoder.Trainer;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.PortableEncoder;
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

  @Option(names = "--steps", description = "Total optimizer steps (train.steps).")
  Long steps;

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

  @Override
  public Integer call() throws Exception {
    Config c = common.config();
    c = CommonOptions.override(c, "train.steps", steps, "--steps");
    c = CommonOptions.override(c, "train.batch_size", batchSize, "--batch-size");
    c = CommonOptions.override(c, "train.lr", lr, "--lr");
    c = CommonOptions.override(c, "train.seed", seed, "--seed");
    c = CommonOptions.override(c, "train.device", device, "--device");
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
      TrainConfig cfg;
      try {
        cfg = config(c, ds, enc, portable, train, val, out, resume);
      } catch (IllegalArgumentException e) {
        throw new org.mvgen.MvgenException(
            e.getMessage() + ". Fix the setting in your config file or with --set.", e);
      }
      o.printf(
          Locale.ROOT,
          "Training on %d pairs (%d for validation), latents of %s, %d px frames -> %s%n",
          train.size(),
          val.size(),
          enc.id(),
          cfg.spec().frameSize(),
          out);
      o.flush();
      // On Ctrl-C the trainer saves a checkpoint and the bundle and returns; this hook holds the
      // JVM until main has also printed the summary and how to continue (or the error).
      Thread hook = new Thread(() -> Main.awaitOutput(120), "mvgen-train-output");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        TrainResult r = Trainer.run(cfg, ProgressBars.console(System.err));
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

  /** Builds the trainer's config from the settings. */
  static TrainConfig config(
      Config c,
      Dataset ds,
      EncoderRecord enc,
      PortableEncoder portable,
      DatasetPairs train,
      DatasetPairs val,
      Path out,
      boolean resume) {
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
    return new TrainConfig(
        train,
        val,
        spec,
        out,
        c.getLong("train.steps"),
        c.getInt("train.batch_size"),
        c.getDouble("train.lr"),
        c.getString("train.schedule"),
        c.getInt("train.warmup_steps"),
        c.getDouble("train.min_lr_fraction"),
        c.getDouble("train.weight_decay"),
        c.getString("train.loss"),
        c.getLong("train.seed"),
        c.getInt("train.threads"),
        c.getInt("train.loader_threads"),
        c.getInt("train.checkpoint_every"),
        c.getInt("train.preview_every"),
        c.getInt("train.validate_every"),
        c.getInt("train.validation_pairs"),
        c.getDouble("train.divergence_factor"),
        resume,
        c.getString("train.device"),
        enc.id(),
        portable.spec(),
        portable.files(),
        info,
        c.getString("train.precision"));
  }
}
