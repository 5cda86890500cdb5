package org.mvgen.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.generate.Demo;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mvgen demo}: everything mvgen does, from nothing, in a few minutes. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Make a demo from nothing: synthesise a few tracks of music, draw a music video for each"
          + " from its sound, ingest them, encode them with mel, train a small decoder for a few"
          + " minutes, and render demo.mp4 for a new track. About 6 minutes on 2 cores.",
      "Running again reuses what is done (the corpus, the dataset) and continues training."
    })
public final class DemoCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "DIR",
      description = "Folder for the demo (default: demo.dir).")
  Path out;

  @Option(
      names = "--train-minutes",
      paramLabel = "M",
      description = "Minutes of training (default: demo.train_minutes).")
  Double trainMinutes;

  @Option(names = "--tracks", paramLabel = "N", description = "Tracks to make (demo.tracks).")
  Integer tracks;

  @Override
  public Integer call() throws Exception {
    Config c = common.config();
    c = CommonOptions.override(c, "demo.train_minutes", trainMinutes, "--train-minutes");
    c = CommonOptions.override(c, "demo.tracks", tracks, "--tracks");
    Path dir = out != null ? out : Path.of(c.getString("demo.dir"));
    var pw = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    Demo.Result r;
    try {
      r =
          Demo.run(
              new Demo.Request(
                  dir,
                  c.getInt("demo.tracks"),
                  c.getDouble("demo.track_seconds"),
                  c.getDouble("demo.train_minutes"),
                  c.getInt("demo.frame_size"),
                  c.getLong("demo.seed"),
                  c),
              ProgressBars.console(System.err),
              pw);
    } catch (IllegalArgumentException e) {
      throw new org.mvgen.config.ConfigException("Bad demo settings: " + e.getMessage(), e);
    }
    pw.printf("%nDemo done in %.1f min:%n", (System.nanoTime() - t0) / 60e9);
    for (Map.Entry<String, Double> e : r.stageSeconds().entrySet()) {
      pw.printf("  %-18s %6.1f s%n", e.getKey(), e.getValue());
    }
    pw.printf(
        "  corpus   %s%n  dataset  %s%n  training %s%n  model    %s%n",
        r.corpus(), r.dataset(), r.run(), r.bundle());
    pw.println();
    for (String line : Demo.nextSteps(r)) {
      pw.println(line);
    }
    pw.flush();
    return Main.Exit.OK;
  }
}
