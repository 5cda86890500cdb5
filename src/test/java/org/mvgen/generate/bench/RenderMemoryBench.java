package org.mvgen.generate.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.mvgen.audio.WavWriter;
import org.mvgen.config.Config;
import org.mvgen.generate.DemoMusic;

/**
 * Inputs of {@code bench/render-memory.sh}: a song of any length written in one-minute pieces (so
 * that making a 2-hour song takes no more memory than a short one), and an untrained model.
 *
 * <pre>
 * RenderMemoryBench song OUT.wav SECONDS
 * RenderMemoryBench model OUT.mvgen SIZE FPS
 * </pre>
 */
public final class RenderMemoryBench {
  private RenderMemoryBench() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[1]);
    Config c = Config.defaults();
    switch (args[0]) {
      case "song" -> {
        double seconds = Double.parseDouble(args[2]);
        int sr = c.getInt("audio.sample_rate");
        if (Files.exists(out)) {
          return;
        }
        float[] minute = DemoMusic.track(11, 60, sr);
        try (WavWriter w = new WavWriter(out, sr)) {
          long left = Math.round(seconds * sr);
          while (left > 0) {
            int n = (int) Math.min(left, minute.length);
            w.write(minute, 0, n);
            left -= n;
          }
          w.commit();
        }
      }
      case "model" ->
          // The mel encoder's windows follow the frame rate: the model is made for the one used.
          GenerateBench.untrained(
              c.with("video.fps", Long.parseLong(args[3]), "bench"),
              out,
              "mel",
              Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("song or model");
    }
    System.exit(0);
  }
}
