package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.media.Mp4Writer;
import org.mvgen.util.Progress;

class RendererTest {
  static final int SR = 44100;

  /** A song file: tone bursts, written losslessly-enough as AAC in an .m4a via Mp4Writer. */
  static Path song(Path dir, double seconds) throws Exception {
    float[] pcm = TestModels.bursts(SR, seconds);
    Path f = dir.resolve("song.mp4");
    try (Mp4Writer w = Mp4Writer.open(f, new Mp4Writer.Settings(16, 16, 5, SR))) {
      w.writeAudio(pcm, 0, pcm.length);
      byte[] black = new byte[16 * 16 * 3];
      for (int k = 0; k < seconds * 5; k++) {
        w.writeFrame(black, 0);
      }
    }
    return f;
  }

  static Renderer.Result render(Path song, Path out, double start, double dur) throws Exception {
    var s = new Pipeline.Settings(25, 32, 0.05, 8, false);
    return Renderer.render(
        new Renderer.Request(song, out, start, dur, s, 20, "veryfast"),
        new TestModels.RmsEncoder(SR, 2048, 3000),
        new TestModels.ColourGenerator(32),
        (t, n, u) -> Progress.SILENT.start(t, n, u));
  }

  @Test
  void rendersAVideoAsLongAsTheSongThatReactsToIt(@TempDir Path dir) throws Exception {
    Path song = song(dir, 2.5);
    Path out = dir.resolve("video.mp4");
    Renderer.Result r = render(song, out, 0, 0);
    double audioSeconds = r.seconds();
    assertEquals(2.5, audioSeconds, 0.05);
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(out.toFile())) {
      g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      g.start();
      assertEquals("h264", g.getVideoCodecName());
      assertEquals("aac", g.getAudioCodecName());
      assertEquals(32, g.getImageWidth());
      assertEquals(25.0, g.getFrameRate(), 0.01);
      int n = 0;
      int min = 255;
      int max = 0;
      Frame f;
      while ((f = g.grabImage()) != null) {
        ByteBuffer b = (ByteBuffer) f.image[0];
        int red = b.get(b.position() + 16 * f.imageStride + 16 * 3) & 0xff;
        min = Math.min(min, red);
        max = Math.max(max, red);
        n++;
      }
      assertEquals(r.frames(), n);
      assertEquals(LatentInterpolator.framesFor(Math.round(audioSeconds * SR), SR, 25), n);
      assertEquals(audioSeconds, n / 25.0, 1.0 / 25);
      assertTrue(max - min > 60, "frames follow the loudness: red from " + min + " to " + max);
    }
  }

  @Test
  void sameInputGivesTheSameFileAndStartDurationCut(@TempDir Path dir) throws Exception {
    Path song = song(dir, 2.0);
    Path a = dir.resolve("a.mp4");
    Path b = dir.resolve("b.mp4");
    render(song, a, 0.5, 1.0);
    render(song, b, 0.5, 1.0);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(a.toFile())) {
      g.start();
      assertEquals(1.0, g.getLengthInTime() / 1e6, 0.05);
    }
  }

  @Test
  void aMissingSongIsAClearErrorAndLeavesNoFile(@TempDir Path dir) {
    Path out = dir.resolve("v.mp4");
    GenerateException e =
        assertThrows(GenerateException.class, () -> render(dir.resolve("nope.mp3"), out, 0, 0));
    assertTrue(e.getMessage().contains("nope.mp3"), e.getMessage());
    assertTrue(Files.notExists(out));
  }
}
