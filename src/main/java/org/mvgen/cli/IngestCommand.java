package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.Ingest;
import org.mvgen.dataset.IngestConfig;
import org.mvgen.dataset.Shard;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen ingest}: music videos to a dataset of aligned pairs. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Turn music videos into a dataset of (audio window, frame) pairs.",
      "Frame k (shown at k/fps seconds) is paired with the audio.window samples that end at that"
          + " moment. Frames are centre-cropped and resized to video.size. Running it again with"
          + " the same inputs skips finished videos and completes an interrupted run."
    })
public final class IngestCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "INPUT",
      description = "Video files, folders of videos (searched recursively), or URLs (need yt-dlp).")
  List<String> inputs;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "DATASET",
      description = "Dataset folder to create or extend.")
  Path out;

  @Option(names = "--fps", description = "Frames per second to take (video.fps).")
  Integer fps;

  @Option(names = "--size", description = "Side of the square frames in pixels (video.size).")
  Integer size;

  @Option(names = "--sample-rate", description = "Audio rate in Hz (audio.sample_rate).")
  Integer sampleRate;

  @Option(names = "--window", description = "Audio samples per pair (audio.window).")
  Integer window;

  @Option(
      names = "--jpeg-quality",
      description = "JPEG quality 1-100, or 0 for lossless PNG (dataset.jpeg_quality).")
  Integer jpegQuality;

  @Option(names = "--split", description = "Validation hold-out: blocks or videos (dataset.split).")
  String split;

  @Option(
      names = "--val-fraction",
      description = "Fraction held out for validation (dataset.val_fraction).")
  Double valFraction;

  @Option(
      names = "--shard",
      paramLabel = "I/N",
      description = {
        "Ingest only task I's share of the inputs (0 <= I < N) into the same dataset as the other"
            + " N-1 tasks, which may run at the same time (on other machines too, with the dataset"
            + " on shared storage); the last task to finish writes the manifest.",
        "'slurm': the share of this Slurm array task (SLURM_ARRAY_TASK_ID of"
            + " SLURM_ARRAY_TASK_COUNT)."
      })
  String shard;

  @Override
  public Integer call() throws Exception {
    Shard share = shard == null ? null : Shard.parse(shard, System.getenv());
    Config c = common.config();
    c = CommonOptions.override(c, "video.fps", fps, "--fps");
    c = CommonOptions.override(c, "video.size", size, "--size");
    c = CommonOptions.override(c, "audio.sample_rate", sampleRate, "--sample-rate");
    c = CommonOptions.override(c, "audio.window", window, "--window");
    c = CommonOptions.override(c, "dataset.jpeg_quality", jpegQuality, "--jpeg-quality");
    c = CommonOptions.override(c, "dataset.split", split, "--split");
    c = CommonOptions.override(c, "dataset.val_fraction", valFraction, "--val-fraction");
    IngestConfig cfg = ingestConfig(c, inputs, out);
    PrintWriter o = spec.commandLine().getOut();
    Ingest.Result r;
    // Ctrl-C (SIGINT, SIGTERM) ends the JVM at once with 130; sources finished before it are kept
    // (each is complete on disk before the next starts), so the way on is to run it again.
    java.util.concurrent.atomic.AtomicBoolean finished =
        new java.util.concurrent.atomic.AtomicBoolean();
    PrintWriter err = spec.commandLine().getErr();
    Thread hook =
        new Thread(
            () -> {
              if (!finished.get()) {
                err.println();
                err.println(
                    "mvgen: ingest interrupted. Videos finished so far are kept in "
                        + out
                        + "; run the same command again to resume (finished videos are skipped).");
                err.flush();
              }
            },
            "mvgen-ingest-interrupted");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      r = Ingest.run(cfg, share, ProgressBars.console(System.err));
    } finally {
      finished.set(true);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down.
      }
    }
    for (String w : r.warnings()) {
      spec.commandLine().getErr().println("warning: " + w);
    }
    for (String f : r.failed()) {
      spec.commandLine().getErr().println("failed: " + f);
    }
    if (share != null) {
      o.printf(
          Locale.ROOT,
          "%s, task %s: %d videos added, %d already there or taken by another task, %d left out,"
              + " %d failed.%n%s%n",
          out,
          share,
          r.added().size(),
          r.skipped().size(),
          r.warnings().size(),
          r.failed().size(),
          r.note());
      o.flush();
      return r.failed().isEmpty() ? Main.Exit.OK : Main.Exit.INPUT;
    }
    long pairs =
        r.manifest() == null ? 0 : r.manifest().sources().stream().mapToLong(s -> s.pairs()).sum();
    o.printf(
        Locale.ROOT,
        "%s: %d videos added, %d already there, %d left out, %d failed; %d sources, %d pairs.%n",
        out,
        r.added().size(),
        r.skipped().size(),
        r.warnings().size(),
        r.failed().size(),
        r.manifest() == null ? 0 : r.manifest().sources().size(),
        pairs);
    if (!r.failed().isEmpty()) {
      o.println(
          "Some inputs failed (see above); fix or remove them and run the same command again.");
      o.flush();
      return Main.Exit.INPUT;
    }
    if (r.manifest() == null || r.manifest().sources().isEmpty()) {
      spec.commandLine()
          .getErr()
          .println("mvgen: no usable video with sound was found in the inputs.");
      return Main.Exit.INPUT;
    }
    o.printf("Next: mvgen encode %s --encoder mel%n", out);
    o.flush();
    return Main.Exit.OK;
  }

  /** The ingest settings of a configuration. */
  static IngestConfig ingestConfig(Config c, List<String> inputs, Path out) throws Exception {
    DatasetParams params;
    SplitConfig split;
    try {
      params =
          new DatasetParams(
              c.getInt("audio.sample_rate"),
              c.getInt("video.fps"),
              c.getInt("video.size"),
              c.getInt("audio.window"));
      SplitConfig.Mode mode;
      try {
        mode = SplitConfig.Mode.valueOf(c.getString("dataset.split").toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "dataset.split (" + c.getString("dataset.split") + ") must be blocks or videos");
      }
      split =
          new SplitConfig(
              mode,
              c.getDouble("dataset.val_fraction"),
              c.getDouble("dataset.block_seconds"),
              c.getLong("dataset.split_seed"));
      return new IngestConfig(
          inputs,
          out,
          params,
          c.getInt("dataset.jpeg_quality"),
          c.getInt("dataset.shard_pairs"),
          split,
          c.getInt("dataset.decode_threads"));
    } catch (IllegalArgumentException e) {
      throw new org.mvgen.config.ConfigException("Invalid setting: " + e.getMessage());
    }
  }
}
