package org.mvgen.rave;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.Encoders;

/**
 * Cross-check against PyTorch itself: a tiny RAVE-shaped export scripted and saved by Python's
 * torch (1.13 on Debian), streaming and offline twins with the same weights, as {@code
 * python_streaming_export.py} writes them. mvgen must read the streaming file's delay from its
 * cached convolutions (nn.Conv1d subclasses whose stride is a class constant, as in real exports)
 * and give the posterior mean PyTorch computes, from both files. Skipped, with the reason, where
 * {@code /usr/bin/python3} cannot import torch.
 */
class RavePythonParityTest {
  static final String PYTHON = "/usr/bin/python3";

  @Test
  void delayAndMeanAgreeWithPytorch(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        pythonTorch(), PYTHON + " with torch is not installed (apt-get install python3-torch)");
    Path script = dir.resolve("export.py");
    try (InputStream in = getClass().getResourceAsStream("python_streaming_export.py")) {
      Files.write(script, in.readAllBytes());
    }
    List<String> lines = run(PYTHON, script.toString(), dir.toString());
    int delay = Integer.parseInt(lines.get(0).strip());
    float[] x = floats(lines.get(1));
    float[] ref = floats(lines.get(2)); // [frames][latent]
    int latent = 4;
    int frames = x.length / 8;
    assertEquals(frames * latent, ref.length);
    assertEquals(28, delay, "the script's own arithmetic (4 + 1 x 4 + 3 x 4 + 1 x 8)");

    try (RaveModel m = RaveModel.load(dir.resolve("stream.ts"), 1)) {
      assertTrue(m.streaming());
      assertEquals(delay, m.fileDelay().orElse(-1), "delay from a file PyTorch scripted");
    }
    Config c = Config.defaults();
    try (AudioEncoder off = Encoders.open("rave:" + dir.resolve("offline.ts"), c);
        AudioEncoder st = Encoders.open("rave:" + dir.resolve("stream.ts"), c)) {
      float[][] z = off.encode(x);
      float[][] s = st.encode(x);
      assertEquals(delay, st.delay());
      double scale = 0;
      for (float v : ref) {
        scale = Math.max(scale, Math.abs(v));
      }
      for (int n = 0; n < frames; n++) {
        for (int d = 0; d < latent; d++) {
          float r = ref[n * latent + d];
          assertEquals(r, z[n][d], 1e-5 * scale, "offline frame " + n + " dim " + d);
          if (n >= 4 && n < frames - 4) { // away from the ends, where offline zero-pads
            assertEquals(r, s[n][d], 1e-5 * scale, "streaming frame " + n + " dim " + d);
          }
        }
      }
    }
  }

  static boolean pythonTorch() {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return false;
    }
    try {
      Process p =
          new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static List<String> run(String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("LD_LIBRARY_PATH");
    Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
    assertEquals(0, p.exitValue(), "python failed: " + out);
    return out.lines().toList();
  }

  static float[] floats(String line) {
    String[] parts = line.strip().split(" ");
    float[] v = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      v[i] = Float.parseFloat(parts[i]);
    }
    return v;
  }
}
