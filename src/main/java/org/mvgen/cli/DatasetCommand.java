package org.mvgen.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.mvgen.dataset.ContactSheet;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetCheck;
import org.mvgen.dataset.DatasetMerge;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.IngestConfig;
import org.mvgen.dataset.Split;
import org.mvgen.util.Progress;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen dataset}: look at and verify datasets. */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = "Inspect, verify and preview a dataset made by 'mvgen ingest'.",
    subcommands = {
      DatasetCommand.Info.class,
      DatasetCommand.Check.class,
      DatasetCommand.Preview.class,
      DatasetCommand.Merge.class
    })
public final class DatasetCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code mvgen dataset info}. */
  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      description = "Sources, durations, pair counts, splits, encoders and sizes on disk.")
  static final class Info implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DATASET", description = "Dataset folder.")
    Path dir;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      try (Dataset ds = Dataset.open(dir)) {
        var p = ds.params();
        o.printf(
            Locale.ROOT,
            "Dataset %s (format v%d, created %s)%n  %d Hz audio, window %d samples (%.1f ms);"
                + " %d fps; %dx%d %s frames%n",
            dir,
            ds.manifest().version(),
            ds.manifest().created(),
            p.sampleRate(),
            p.window(),
            1000.0 * p.window() / p.sampleRate(),
            p.fps(),
            p.frameSize(),
            p.frameSize(),
            ds.manifest().imageFormat());
        o.printf("%-18s %-40s %9s %8s%n", "source", "name", "duration", "pairs");
        for (Dataset.Source s : ds.sources()) {
          o.printf(
              Locale.ROOT,
              "%-18s %-40s %8.1fs %8d%n",
              s.id(),
              s.name().length() > 40 ? s.name().substring(0, 39) + "…" : s.name(),
              s.pairs() / (double) p.fps(),
              s.pairs());
        }
        long val = ds.pairs(Split.VALIDATION).length;
        o.printf(
            Locale.ROOT,
            "Total: %d sources, %.1f min, %d pairs (%d train, %d validation, split by %s)%n",
            ds.sources().size(),
            ds.size() / (double) p.fps() / 60,
            ds.size(),
            ds.size() - val,
            val,
            ds.manifest().split().mode().name().toLowerCase(Locale.ROOT));
        if (ds.manifest().encoders().isEmpty()) {
          o.println("Latents: none yet (mvgen encode " + dir + " --encoder mel)");
        }
        for (EncoderRecord e : ds.manifest().encoders()) {
          o.printf("Latents: %s (%s), %d values per pair%n", e.id(), e.spec(), e.dim());
        }
        o.printf(
            Locale.ROOT,
            "On disk: shards %s, audio %s, latents %s%n",
            human(size(dir.resolve("shards"))),
            human(size(dir.resolve("audio"))),
            human(size(dir.resolve("latents"))));
      }
      o.flush();
      return Main.Exit.OK;
    }
  }

  /** {@code mvgen dataset check}. */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Verify that a dataset is complete and intact: manifest, every shard's checksum and tar"
            + " structure, indexes, audio and latents.",
        "Exit code 0 when all is well, 1 when it is incomplete or damaged."
      })
  static final class Check implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DATASET", description = "Dataset folder.")
    Path dir;

    @Option(names = "--deep", description = "Also decode every stored image (slower).")
    boolean deep;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      DatasetCheck.Report r = DatasetCheck.run(dir, deep, bars());
      for (String p : r.problems()) {
        o.println("problem: " + p);
      }
      if (r.ok()) {
        o.printf("%s is complete and intact: %d sources, %d pairs.%n", dir, r.sources(), r.pairs());
      } else if (!r.complete()) {
        o.printf(
            "%s is INCOMPLETE. Run 'mvgen ingest' again with the same inputs and --out %s.%n",
            dir, dir);
      } else {
        o.printf("%s is DAMAGED (%d problems above).%n", dir, r.problems().size());
      }
      o.flush();
      return r.ok() ? Main.Exit.OK : Main.Exit.INPUT;
    }
  }

  /** {@code mvgen dataset preview}. */
  @Command(
      name = "preview",
      mixinStandardHelpOptions = true,
      description =
          "Write a contact sheet PNG: frames spread over the dataset with their audio"
              + " windows' waveforms (validation pairs in orange).")
  static final class Preview implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DATASET", description = "Dataset folder.")
    Path dir;

    @Option(
        names = {"-o", "--out"},
        defaultValue = "dataset-preview.png",
        description = "PNG file to write (default: ${DEFAULT-VALUE}).")
    Path png;

    @Option(
        names = "--count",
        defaultValue = "24",
        description = "Pairs shown (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(
        names = "--columns",
        defaultValue = "6",
        description = "Tiles per row (default: ${DEFAULT-VALUE}).")
    int columns;

    @Override
    public Integer call() throws Exception {
      if (count <= 0 || columns <= 0) {
        throw new org.mvgen.MvgenException("--count and --columns must be positive.");
      }
      try (Dataset ds = Dataset.open(dir)) {
        ContactSheet.write(ds, png, count, columns, 160);
      }
      spec.commandLine().getOut().println("Wrote " + png);
      spec.commandLine().getOut().flush();
      return Main.Exit.OK;
    }
  }

  /** {@code mvgen dataset merge}. */
  @Command(
      name = "merge",
      mixinStandardHelpOptions = true,
      description = {
        "Complete the manifest from every finished source (and the latents of sharded encodes"
            + " that cover them all), deleting the leftovers of unfinished ones.",
        "For a sharded ingest ('--shard I/N') whose last task did not complete the manifest:"
            + " a task failed or was cancelled, or you want to use what is there. Refused while"
            + " any mvgen process still writes the dataset."
      })
  static final class Merge implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DATASET", description = "Dataset folder.")
    Path dir;

    @Override
    public Integer call() throws Exception {
      PrintWriter o = spec.commandLine().getOut();
      IngestConfig defaults =
          IngestCommand.ingestConfig(common.config(), java.util.List.of("-"), dir);
      DatasetMerge.Result r = DatasetMerge.run(dir, defaults.split());
      for (String f : r.removed()) {
        o.println("removed " + f + " (an unfinished source)");
      }
      for (String n : r.notes()) {
        o.println(n);
      }
      o.printf(
          "%s: manifest written with %d sources, %d pairs. Check it with: mvgen dataset check %s%n",
          dir,
          r.manifest().sources().size(),
          r.manifest().sources().stream().mapToLong(s -> s.pairs()).sum(),
          dir);
      o.flush();
      return Main.Exit.OK;
    }
  }

  static Progress.Factory bars() {
    return ProgressBars.console(System.err);
  }

  static long size(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] u = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < u.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
  }
}
