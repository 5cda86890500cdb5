package org.mvgen.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.util.AtomicFiles;

class Mp4WriterTest {
  static final int W = 64;
  static final int H = 48;
  static final int FPS = 25;
  static final int SR = 44100;

  /** Frame k is a flat grey whose level encodes k, so decoding can check order and count. */
  static byte[] frame(int k) {
    byte[] rgb = new byte[W * H * 3];
    java.util.Arrays.fill(rgb, (byte) (k * 4));
    return rgb;
  }

  static void writeClip(Path out, int frames) throws Exception {
    float[] pcm = new float[frames * SR / FPS];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / SR));
    }
    try (Mp4Writer w = Mp4Writer.open(out, new Mp4Writer.Settings(W, H, FPS, SR))) {
      w.writeAudio(pcm, 0, pcm.length);
      for (int k = 0; k < frames; k++) {
        w.writeFrame(frame(k), 0);
      }
      assertFalse(Files.exists(out), "the final name appears only on close");
      assertTrue(Files.exists(AtomicFiles.temporary(out)));
    }
  }

  @Test
  void writesH264AndAacThatDecodeBackWithTheRightDurationAndFrames(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("clip.mp4");
    writeClip(out, 50);
    assertTrue(Files.exists(out));
    assertFalse(Files.exists(AtomicFiles.temporary(out)));
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(out.toFile())) {
      g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      g.start();
      assertEquals("h264", g.getVideoCodecName());
      assertEquals("aac", g.getAudioCodecName());
      assertEquals(W, g.getImageWidth());
      assertEquals(H, g.getImageHeight());
      assertEquals(2.0, g.getLengthInTime() / 1e6, 0.05);
      int k = 0;
      Frame f;
      while ((f = g.grabImage()) != null) {
        ByteBuffer b = (ByteBuffer) f.image[0];
        int level = b.get(b.position() + (H / 2) * f.imageStride + (W / 2) * 3) & 0xff;
        assertEquals(k * 4, level, 3, "grey level of frame " + k);
        k++;
      }
      assertEquals(50, k);
    }
  }

  @Test
  void sameInputGivesTheSameBytes(@TempDir Path dir) throws Exception {
    writeClip(dir.resolve("a.mp4"), 10);
    writeClip(dir.resolve("b.mp4"), 10);
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("a.mp4")), Files.readAllBytes(dir.resolve("b.mp4")));
  }

  @Test
  void abortLeavesNothingAndCloseIsIdempotent(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("x.mp4");
    Mp4Writer w = Mp4Writer.open(out, new Mp4Writer.Settings(W, H, FPS, 0));
    w.writeFrame(frame(1), 0);
    w.abort();
    w.abort();
    w.close();
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(AtomicFiles.temporary(out)));
    try (var s = Files.list(dir)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void aMissingFolderIsAClearError(@TempDir Path dir) {
    Path out = dir.resolve("no/such/folder/x.mp4");
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            Mp4Writer.WriteException.class,
            () -> Mp4Writer.open(out, new Mp4Writer.Settings(W, H, FPS, SR)));
    assertTrue(e.getMessage().contains(out.toString()), e.getMessage());
  }

  /**
   * A recording is written at its own name as fragments, each playable once written: frames keep
   * their times k / fps, and the boxes tile the file at every fragment.
   */
  @Test
  void aRecordingIsPlayableAtItsNameWithExactFrameTimes(@TempDir Path dir) throws Exception {
    for (int fps : new int[] {25, 60}) {
      Path out = dir.resolve("rec-" + fps + ".mp4");
      int frames = 3 * fps + 7;
      float[] pcm = new float[frames * SR / fps];
      try (Mp4Writer w = Mp4Writer.openRecording(out, new Mp4Writer.Settings(W, H, fps, SR))) {
        w.writeAudio(pcm, 0, pcm.length);
        for (int k = 0; k < frames; k++) {
          w.writeFrame(frame(k % 60), 0);
          if (k == 2 * fps + 3) {
            // Two seconds in: what a kill -9 would leave plays already.
            Path copy = dir.resolve("killed-" + fps + ".mp4");
            Files.copy(out, copy);
            assertTrue(Mp4Boxes.check(copy).contains("moof"), "fragments are written as it goes");
            assertTrue(decodedFrames(copy, fps) >= fps, "at least the first second plays");
          }
        }
      }
      assertFalse(Files.exists(AtomicFiles.temporary(out)));
      assertTrue(Mp4Boxes.check(out).contains("moof"));
      assertEquals(frames, decodedFrames(out, fps));
    }
  }

  /** Decodes every frame, checking that frame k is stamped k / fps; returns how many. */
  static int decodedFrames(Path mp4, int fps) throws Exception {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
      g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      g.start();
      int k = 0;
      Frame f;
      while ((f = g.grabImage()) != null) {
        assertEquals(k * 1e6 / fps, f.timestamp, 1.0, "time of frame " + k + " at " + fps + " fps");
        k++;
      }
      return k;
    }
  }

  /** A file whose end is missing (a disk full as it was finished) is found out. */
  @Test
  void aTruncatedFileFailsTheBoxCheck(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("clip.mp4");
    writeClip(out, 20);
    assertEquals("moov", Mp4Boxes.check(out).get(1), "faststart: the index in front");
    byte[] all = Files.readAllBytes(out);
    Path cut = dir.resolve("cut.mp4");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            Mp4Boxes.IncompleteException.class, () -> Mp4Boxes.check(cut));
    assertTrue(e.getMessage().contains("mdat"), e.getMessage());
  }
}
