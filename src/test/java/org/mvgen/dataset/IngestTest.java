package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.MvgenException;
import org.mvgen.media.TestMedia;
import org.mvgen.util.Progress;

class IngestTest {
  static final int SR = 44100;
  static final int FPS = 25;
  static final int SIZE = 64;
  static final int WINDOW = 2048;
  static final SplitConfig SPLIT = new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, 1.0, 1);
  static final long[] CLICKS = {0, 1, 1763, 1764, 1765, 10_000, 44_099, 44_100, 88_199, 131_999};

  @TempDir static Path media;
  static Path lossless;

  @BeforeAll
  static void makeMedia() throws Exception {
    // 3 s at 30 fps: output frame k shows source frame floor(6k/5).
    lossless = media.resolve("clip with spaces é.mkv");
    TestMedia.write(lossless, TestMedia.Spec.lossless(90, 30, SR, CLICKS));
  }

  static IngestConfig config(Path out, List<String> inputs) {
    return new IngestConfig(inputs, out, new DatasetParams(SR, FPS, SIZE, WINDOW), 0, 20, SPLIT, 0);
  }

  @Test
  void everyPairIsAlignedToTheSample(@TempDir Path out) throws Exception {
    Ingest.Result r = Ingest.run(config(out, List.of(lossless.toString())), Progress.SILENT);
    assertEquals(1, r.added().size(), r.toString());
    try (Dataset ds = Dataset.open(out)) {
      assertEquals(75, ds.size(), "3 s at 25 fps");
      Dataset.Source s = ds.sources().get(0);
      assertEquals(132_300, s.audioSamples());
      for (long i = 0; i < ds.size(); i++) {
        int k = ds.frameIndex(i);
        assertEquals(6 * k / 5, TestMedia.readCode(ds.rgb(i), SIZE), "frame of pair " + k);
        float[] w = ds.audioWindow(i);
        long start = 1764L * k - WINDOW;
        for (int j = 0; j < WINDOW; j++) {
          long sample = start + j;
          boolean click = false;
          for (long c : CLICKS) {
            click |= c == sample;
          }
          assertEquals(click ? 0.5f : 0f, w[j], 1e-6, "pair " + k + " sample " + sample);
        }
      }
    }
    DatasetCheck.Report rep = DatasetCheck.run(out, true, Progress.SILENT);
    assertTrue(rep.ok(), rep.problems().toString());
  }

  @Test
  void secondRunSkipsAndInterruptedRunIsCompleted(@TempDir Path out) throws Exception {
    Path second = media.resolve("second.mkv");
    TestMedia.write(second, TestMedia.Spec.lossless(40, 25, SR, new long[] {5}));
    Ingest.run(config(out, List.of(lossless.toString())), Progress.SILENT);
    // Simulate a kill -9 in the middle of the second source: a half-written shard and audio.
    Files.writeString(out.resolve("shards").resolve("deadbeef00000000-0000.tar.tmp"), "partial");
    Files.writeString(out.resolve("audio").resolve("deadbeef00000000.wav.tmp"), "partial");
    DatasetCheck.Report mid = DatasetCheck.run(out, false, Progress.SILENT);
    assertFalse(mid.complete(), "a half-written file makes the dataset incomplete");
    Ingest.Result r =
        Ingest.run(config(out, List.of(lossless.toString(), second.toString())), Progress.SILENT);
    assertEquals(List.of(lossless.toString()), r.skipped());
    assertEquals(List.of(second.toString()), r.added());
    DatasetCheck.Report rep = DatasetCheck.run(out, false, Progress.SILENT);
    assertTrue(rep.ok(), rep.problems().toString());
    assertEquals(115, rep.pairs());
  }

  @Test
  void variableFrameRateIsSampledByTimestamp(@TempDir Path out) throws Exception {
    // Irregular timestamps: frame j at these times (µs), 1 s long in all.
    long[] ts = {0, 10_000, 90_000, 100_000, 390_000, 400_000, 410_000, 700_000, 960_000};
    Path vfr = media.resolve("vfr.mkv");
    TestMedia.write(
        vfr, TestMedia.Spec.lossless(ts.length, 1000, SR, new long[] {}).withTimestamps(ts));
    Ingest.run(config(out, List.of(vfr.toString())), Progress.SILENT);
    try (Dataset ds = Dataset.open(out)) {
      for (long i = 0; i < ds.size(); i++) {
        long t = i * 40_000;
        int expected = 0;
        for (int j = 0; j < ts.length; j++) {
          if (ts[j] <= t) {
            expected = j;
          }
        }
        assertEquals(expected, TestMedia.readCode(ds.rgb(i), SIZE), "frame at " + t + " µs");
      }
      assertTrue(ds.size() >= 24 && ds.size() <= 26, "about 1 s of frames: " + ds.size());
    }
  }

  @Test
  void badInputsAreNamed(@TempDir Path out) throws Exception {
    Path text = media.resolve("notes.mp4");
    Files.writeString(text, "this is not a video");
    Path silent = media.resolve("silent.mkv");
    TestMedia.write(silent, TestMedia.Spec.lossless(10, 25, SR, new long[] {}).withoutAudio());
    Path truncated = media.resolve("truncated.mkv");
    byte[] whole = Files.readAllBytes(lossless);
    Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));

    Path audioOnly = media.resolve("song.wav");
    writeWav(audioOnly, 44100, 22050);

    // Alone, a file that is not media fails the job with its name.
    Ingest.Result alone = Ingest.run(config(out, List.of(text.toString())), Progress.SILENT);
    assertEquals(1, alone.failed().size());
    assertTrue(alone.failed().get(0).contains("notes.mp4"), alone.failed().toString());

    // Among others, bad files are skipped with a warning naming them; good ones go in.
    Ingest.Result r =
        Ingest.run(
            config(
                out,
                List.of(
                    text.toString(),
                    silent.toString(),
                    audioOnly.toString(),
                    truncated.toString())),
            Progress.SILENT);
    assertTrue(
        r.warnings().stream().anyMatch(w -> w.contains("song.wav") && w.contains("no video")),
        r.toString());
    assertTrue(r.warnings().stream().anyMatch(w -> w.contains("notes.mp4")), r.toString());
    assertTrue(
        r.warnings().stream().anyMatch(w -> w.contains("silent.mkv") && w.contains("no audio")),
        r.toString());
    assertEquals(List.of(truncated.toString()), r.added(), "the readable part of a truncated file");
    try (Dataset ds = Dataset.open(out)) {
      assertTrue(ds.size() > 10 && ds.size() < 75, "part of the truncated file: " + ds.size());
    }

    MvgenException missing =
        assertThrows(
            MvgenException.class,
            () -> Ingest.run(config(out, List.of("/no/such/file.mp4")), Progress.SILENT));
    assertTrue(missing.getMessage().contains("/no/such/file.mp4"));
  }

  @Test
  void urlWithoutYtDlpSaysHowToInstallIt(@TempDir Path out) {
    MvgenException e =
        assertThrows(
            MvgenException.class,
            () -> YtDlp.download("https://example.org/v", out, out.toString()));
    assertTrue(e.getMessage().contains("https://example.org/v"), e.getMessage());
    assertTrue(e.getMessage().contains("install"), e.getMessage());
  }

  /** A plain 16-bit PCM WAV file of silence with one click. */
  static void writeWav(Path f, int rate, int samples) throws Exception {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(44 + 2 * samples).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 2 * samples).put("WAVEfmt ".getBytes()).putInt(16);
    b.putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2);
    b.putShort((short) 2).putShort((short) 16).put("data".getBytes()).putInt(2 * samples);
    b.putShort(44 + 2 * 100, (short) 10000);
    Files.write(f, b.array());
  }

  /** Container and codec pairs users bring; each must give every frame in order. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "mov.mov, mov, H264, AAC",
    "avi.avi, avi, MPEG4, MP3",
    "vp8.webm, webm, VP8, OPUS",
    "flac.mkv, matroska, H264, FLAC",
    "av1.mkv, matroska, AV1, OPUS",
    "hevc.mp4, mp4, HEVC, AAC",
  })
  void containersAndCodecs(
      String name, String format, String video, String audio, @TempDir Path out) throws Exception {
    int v = avcodec.class.getField("AV_CODEC_ID_" + video).getInt(null);
    int a = avcodec.class.getField("AV_CODEC_ID_" + audio).getInt(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(
        org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder(v) != null
            && org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder(a) != null,
        "FFmpeg natives have no " + video + "/" + audio + " encoder to make the test file");
    Path f = media.resolve(name);
    int rate = audio.equals("OPUS") ? 48000 : 44100;
    TestMedia.write(
        f, TestMedia.Spec.lossless(30, 25, rate, new long[] {}).withCodecs(format, v, a));
    Ingest.Result r = Ingest.run(config(out, List.of(f.toString())), Progress.SILENT);
    assertEquals(1, r.added().size(), r.toString());
    try (Dataset ds = Dataset.open(out)) {
      // Some muxers shift a frame by one slot (JavaCV's AVI writer puts frame 1 at 80 ms): the
      // pictures must still come in order, each source frame at most twice.
      assertTrue(ds.size() == 30 || ds.size() == 31, name + ": " + ds.size());
      int previous = 0;
      for (int k = 0; k < ds.size(); k++) {
        int code = TestMedia.readCode(ds.rgb(k), SIZE);
        assertTrue(code == previous || code == previous + 1 || k == 0, name + " frame " + k);
        assertTrue(k > 0 || code == 0, name + " starts with frame 0");
        previous = code;
      }
      assertEquals(29, previous, name + " ends with the last frame");
    }
  }

  @Test
  void lossyCodecsInCommonContainersDecode(@TempDir Path out) throws Exception {
    Path mp4 = media.resolve("h264.mp4");
    TestMedia.write(
        mp4,
        TestMedia.Spec.lossless(50, 25, SR, new long[] {})
            .withCodecs("mp4", avcodec.AV_CODEC_ID_H264, avcodec.AV_CODEC_ID_AAC));
    Path webm = media.resolve("vp9.webm");
    TestMedia.write(
        webm,
        TestMedia.Spec.lossless(50, 25, 48000, new long[] {})
            .withCodecs("webm", avcodec.AV_CODEC_ID_VP9, avcodec.AV_CODEC_ID_OPUS));
    Ingest.Result r =
        Ingest.run(config(out, List.of(mp4.toString(), webm.toString())), Progress.SILENT);
    assertEquals(2, r.added().size(), r.toString());
    try (Dataset ds = Dataset.open(out)) {
      for (Dataset.Source s : ds.sources()) {
        assertEquals(50, s.pairs(), s.name());
        for (int k = 0; k < s.pairs(); k++) {
          assertEquals(k, TestMedia.readCode(ds.rgb(s.firstPair() + k), SIZE), s.name() + " " + k);
        }
        // 2 s of audio resampled to 44.1 kHz, give or take codec padding.
        assertEquals(2 * SR, s.audioSamples(), 0.05 * SR, s.name());
      }
    }
  }
}
