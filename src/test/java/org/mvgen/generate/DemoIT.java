package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;
import org.mvgen.util.Progress;

/** {@code mvgen demo} end to end with tiny settings: corpus, ingest, encode, train, render. */
class DemoIT {
  @Test
  void makesADemoVideoFromNothing(@TempDir Path dir) throws Exception {
    StringWriter log = new StringWriter();
    Demo.Result r =
        Demo.run(
            new Demo.Request(dir, 2, 10, 0.15, 64, 3, Config.defaults()),
            (t, n, u) -> Progress.SILENT.start(t, n, u),
            new PrintWriter(log));
    assertTrue(Files.isRegularFile(r.bundle()), log.toString());
    assertTrue(r.training().steps() > 0);
    try (var s = Files.list(r.corpus())) {
      assertEquals(2, s.count());
    }
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(r.video().toFile())) {
      g.start();
      assertEquals("h264", g.getVideoCodecName());
      assertEquals("aac", g.getAudioCodecName());
      assertEquals(20.0, g.getLengthInTime() / 1e6, 0.1);
    }
    assertTrue(Demo.nextSteps(r).get(0).contains("demo.mp4"));
  }
}
