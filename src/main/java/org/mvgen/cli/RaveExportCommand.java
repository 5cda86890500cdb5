package org.mvgen.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mvgen.MvgenException;
import org.mvgen.rave.MvraveFile;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.rave.model.TorchScriptExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen rave export}: a trained RAVE run as one model file. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write a trained RAVE run (RUN/rave-weights) as one file.",
      "mvrave (default): mvgen's own format, for --encoder rave:FILE.mvrave in encode, train,"
          + " render and live (a decoder trained on its latents carries it in model.mvgen)."
          + " torchscript: a module with the interface of RAVE's own exports, for nn~ and Python."
    })
public final class RaveExportCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "RUN",
      description =
          "Run folder of 'mvgen rave train' (or, with --format torchscript, a .mvrave file).")
  Path run;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "FILE",
      description = "The file to write (model.mvrave, or model.ts with --format torchscript).")
  Path out;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "mvrave (default) or torchscript.")
  String format = "mvrave";

  @Option(
      names = "--streaming",
      description =
          "With --format torchscript: a stateful streaming module (causal configs such as live),"
              + " as RAVE's 'export --streaming' writes for nn~.")
  boolean streaming;

  @Override
  public Integer call() throws Exception {
    common.config(); // a bad config file or --set fails here, as everywhere
    String f = format.trim().toLowerCase(Locale.ROOT);
    PrintWriter o = spec.commandLine().getOut();
    switch (f) {
      case "mvrave" -> {
        if (Files.isRegularFile(run)) {
          throw new MvgenException(
              run
                  + " is a file, and a .mvrave is written from a run folder: give the folder of"
                  + " 'mvgen rave train' (a .mvrave can be turned into TorchScript with --format"
                  + " torchscript).");
        }
        Path weights = weightsDir(run);
        try {
          MvraveFile.write(weights, out);
        } catch (IOException e) {
          throw new MvgenException("Cannot export " + weights + ": " + e.getMessage(), e);
        }
        o.printf(
            Locale.ROOT,
            "Wrote %s (%.1f MB). Use it with --encoder rave:%s; listen with 'mvgen rave"
                + " reconstruct SONG.wav -o out.wav --model %s'.%n",
            out,
            Files.size(out) / 1e6,
            out,
            out);
      }
      case "torchscript", "ts" -> {
        try (RaveAutoencoder m = load(run)) {
          TorchScriptExport.write(m, m.latentPca().orElse(null), streaming, out);
          o.printf(
              "Wrote %s (TorchScript%s, %s).%n",
              out,
              streaming ? ", streaming" : "",
              m.latentPca().isPresent()
                  ? "with the latent PCA fitted in training"
                  : "identity latent PCA: the run had not fitted one");
        }
      }
      default ->
          throw new MvgenException(
              "--format " + format + " is not a model format: use mvrave or torchscript.");
    }
    o.flush();
    return Main.Exit.OK;
  }

  /**
   * The weights folder of a run ({@code RUN/rave-weights}), or {@code dir} itself when it is one;
   * fails with what to do when neither is there.
   */
  static Path weightsDir(Path dir) throws MvgenException {
    if (Files.isRegularFile(dir.resolve("index.json"))) {
      return dir;
    }
    Path w = dir.resolve("rave-weights");
    if (Files.isRegularFile(w.resolve("index.json"))) {
      return w;
    }
    throw new MvgenException(
        dir
            + " holds no trained RAVE weights (no "
            + w.resolve("index.json")
            + "): give the run folder of 'mvgen rave train', which writes them when it stops.");
  }

  /** Loads the model of a run folder, a weights folder or a .mvrave file. */
  static RaveAutoencoder load(Path model) throws MvgenException {
    try {
      if (Files.isDirectory(model)) {
        return RaveAutoencoder.load(weightsDir(model));
      }
      return MvraveFile.load(model);
    } catch (IOException e) {
      throw new MvgenException("Cannot load RAVE model " + model + ": " + e.getMessage(), e);
    }
  }
}
