package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mvgen.media.AudioReader;
import org.mvgen.rave.Reconstructions;
import org.mvgen.rave.Spectrograms;
import org.mvgen.rave.model.RaveAutoencoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen rave reconstruct}: audio through a RAVE model, to hear what it learned. */
@Command(
    name = "reconstruct",
    mixinStandardHelpOptions = true,
    description = {
      "Encode audio with a trained RAVE model (posterior mean) and decode it again, so you can hear"
          + " what the model learned.",
      "Writes OUT (a WAV at the model's sample rate) and, beside it, OUT.png: log-mel spectrograms"
          + " of the input above the reconstruction."
    })
public final class RaveReconstructCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "AUDIO", description = "Any audio or video file.")
  Path input;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "OUT.wav",
      description = "The reconstruction to write.")
  Path out;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "MODEL",
      description = "A .mvrave file, or a run folder of 'mvgen rave train'.")
  Path model;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      description = "Only the first S seconds of the input (default: all).")
  double seconds;

  @Override
  public Integer call() throws Exception {
    common.config();
    try (RaveAutoencoder m = RaveExportCommand.load(model)) {
      int sr = m.sampleRate();
      float[] x = AudioReader.decodeAll(input, sr, 0, seconds);
      float[] y = Reconstructions.reconstruct(m, x);
      Reconstructions.writeWav(out, sr, List.of(y));
      String name = out.getFileName().toString();
      int dot = name.lastIndexOf('.');
      Path png = out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".png");
      Spectrograms.write(
          png,
          sr,
          List.of(
              List.of(
                  new Spectrograms.Signal("input: " + input.getFileName(), x),
                  new Spectrograms.Signal("reconstruction", y))));
      PrintWriter o = spec.commandLine().getOut();
      o.printf(
          Locale.ROOT,
          "Wrote %s (%.1f s at %d Hz) and %s. Spectral distance to the input: %.4f (the"
              + " training's full-band distance; 0 is perfect).%n",
          out,
          (double) y.length / sr,
          sr,
          png,
          Reconstructions.distance(m, x, y));
      o.flush();
    }
    return Main.Exit.OK;
  }
}
