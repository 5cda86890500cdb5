package org.mvgen.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
  /**
   * Ctrl-C saves a training run from a shutdown hook, and that save draws loss.png and a preview.
   * ImageIO's default PNG output caches in a temporary file registered for closing at shutdown, so
   * a PNG written then failed ("Shutdown in progress", or "closed" when the closer caught it half
   * written). A child JVM writes a chart from a shutdown hook, as the trainer does.
   */
  @Test
  void aPngCanBeWrittenWhileTheJvmShutsDown(@TempDir Path tmp) throws Exception {
    Path png = tmp.resolve("loss.png");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-Djava.awt.headless=true");
    cmd.add(PngAtShutdown.class.getName());
    cmd.add(png.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not exit");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("written"), out);
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "not a readable PNG");
    assertTrue(img.getWidth() > 100, img.getWidth() + " px wide");
  }

  /** Child of {@link #aPngCanBeWrittenWhileTheJvmShutsDown}: exits, drawing a chart on the way. */
  public static final class PngAtShutdown {
    public static void main(String[] args) {
      Path file = Path.of(args[0]);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      Charts.lines(
                          file,
                          "loss",
                          "step",
                          List.of(
                              new Charts.Series(
                                  "training loss",
                                  new double[] {1, 2, 3},
                                  new double[] {0.5, 0.2, 0.1},
                                  Color.BLUE)),
                          true);
                      System.out.println("written");
                    } catch (Throwable t) {
                      t.printStackTrace(System.out);
                    }
                    System.out.flush();
                  }));
      System.exit(0);
    }
  }
}
