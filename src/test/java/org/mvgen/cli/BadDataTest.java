package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.MvgenIOException;
import org.mvgen.audio.WavWriter;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetCheck;
import org.mvgen.dataset.DatasetFormatException;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.Manifest;
import org.mvgen.dataset.Npy;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.EncoderException;
import org.mvgen.media.FfmpegProgram;
import org.mvgen.media.MediaReader;
import org.mvgen.media.TestMedia;
import org.mvgen.util.Progress;

/**
 * Bad data that used to get through: non-finite audio (at ingest, in a stored WAV, in latents), a
 * truncated stored WAV, a manifest of a newer format, cover art taken for video, and one encoder
 * spec encoded with two settings. Each is stopped where it enters, named with its file and
 * position. The fixture is {@link UserErrorsTest#goodDataset}.
 */
class BadDataTest {
  private static CliTest.Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new CliTest.Run(code, out.toString(), err.toString());
  }

  /** A float WAV whose sample 12345 (1.543 s at 8 kHz) is NaN, muxed with a video: refused. */
  @Test
  void nonFiniteFloatAudioIsRefusedAtIngestWithItsTime(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("silent.mkv");
    TestMedia.write(video, TestMedia.Spec.lossless(100, 25, 0, new long[] {}));
    Path wav = dir.resolve("nan.wav");
    float[] pcm = new float[4 * 8000];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (float) (0.1 * Math.sin(i * 0.3));
    }
    pcm[12345] = Float.NaN;
    try (WavWriter w = new WavWriter(wav, 8000)) {
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
    Path clip = dir.resolve("clip.mkv");
    FfmpegProgram.run(
        List.of(
            "-i",
            video.toString(),
            "-i",
            wav.toString(),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c",
            "copy",
            clip.toString()));
    Path ds = dir.resolve("ds");
    CliTest.Run r =
        run(
            "ingest",
            clip.toString(),
            "--out",
            ds.toString(),
            "--size",
            "32",
            "--sample-rate",
            "8000");
    assertEquals(Main.Exit.INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains(clip.toString()), r.err());
    assertTrue(r.err().contains("NaN"), r.err());
    assertTrue(r.err().contains("1.543 s"), r.err());
    assertTrue(r.err().contains("sample 12345"), r.err());
    assertFalse(Files.exists(ds.resolve(Manifest.FILE)), "no dataset from the damaged file");
  }

  /**
   * A NaN in a stored WAV (written by an older mvgen, or damaged on disk) is found by {@code check
   * --deep}, and {@code encode} (plain and with a PCA) refuses it naming the WAV and the sample,
   * instead of writing NaN latents and a poisoned PCA.
   */
  @Test
  void nonFiniteStoredAudioIsFoundByDeepCheckAndRefusedByEncode(@TempDir Path dir)
      throws Exception {
    Path ds = dir.resolve("ds");
    UserErrorsTest.goodDataset(ds);
    Path wav = ds.resolve("audio/src1.wav");
    long sample = 5000; // 0.625 s at 8 kHz
    poke(wav, sample, Float.POSITIVE_INFINITY);

    CliTest.Run check = run("dataset", "check", ds.toString(), "--deep");
    assertEquals(Main.Exit.INPUT, check.code(), check.out() + check.err());
    assertTrue(check.out().contains(wav.toString()), check.out());
    assertTrue(check.out().contains("sample 5000 (0.625 s)"), check.out());

    for (String spec : List.of("mel?bands=32", "mel?pca=4")) {
      CliTest.Run enc = run("encode", ds.toString(), "--encoder", spec);
      assertEquals(Main.Exit.INPUT, enc.code(), spec + ": " + enc.out() + enc.err());
      assertTrue(enc.err().contains(wav.toString()), enc.err());
      assertTrue(enc.err().contains("audio sample 5000 (0.625 s) is Infinity"), enc.err());
    }
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(1, d.manifest().encoders().size(), "no latents recorded from bad audio");
    }
  }

  /**
   * NaN latents (of an older mvgen) are named with their file and pair when training opens them,
   * not reported as a divergence; encoding again recomputes them.
   */
  @Test
  void nonFiniteLatentsAreNamedAndEncodingAgainRecomputesThem(@TempDir Path dir) throws Exception {
    Path ds = dir.resolve("ds");
    UserErrorsTest.goodDataset(ds);
    String id;
    Path latents;
    try (Dataset d = Dataset.open(ds)) {
      EncoderRecord r = d.encoder("mel");
      id = r.id();
      latents = d.latentFile(id, d.sources().get(0));
    }
    float[] z = new float[40 * 64];
    z[7 * 64 + 3] = Float.NaN;
    Npy.writeFloat32(latents, z, 40, 64);

    try (Dataset d = Dataset.open(ds)) {
      DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> d.latents(id));
      assertTrue(e.getMessage().contains(latents.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("pair 7 of source src0"), e.getMessage());
    }
    CliTest.Run train =
        run(
            "train",
            ds.toString(),
            "--encoder",
            "mel",
            "--out",
            dir.resolve("run").toString(),
            "--steps",
            "2",
            "--set",
            "model.width=16",
            "--set",
            "model.min_width=8",
            "--set",
            "model.depth=2");
    assertEquals(Main.Exit.INPUT, train.code(), train.out() + train.err());
    assertTrue(train.err().contains(latents.toString()), train.err());
    assertFalse(train.err().contains("diverged"), train.err());

    CliTest.Run again = run("encode", ds.toString(), "--encoder", "mel");
    assertEquals(Main.Exit.OK, again.code(), again.out() + again.err());
    try (Dataset d = Dataset.open(ds)) {
      assertFalse(Float.isNaN(d.latents(id).row(7)[3]), "recomputed");
    }
  }

  /** A stored WAV cut short: encode fails naming it (and writes no latents), as check does. */
  @Test
  void truncatedWavIsRefusedByEncodeAsByCheck(@TempDir Path dir) throws Exception {
    Path ds = dir.resolve("ds");
    UserErrorsTest.goodDataset(ds);
    Path wav = ds.resolve("audio/src0.wav");
    try (FileChannel ch = FileChannel.open(wav, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 4000);
    }
    DatasetCheck.Report report = DatasetCheck.run(ds, false, Progress.SILENT);
    assertTrue(report.problems().stream().anyMatch(p -> p.contains(wav.toString())));
    try (Dataset d = Dataset.open(ds)) {
      MvgenIOException e =
          assertThrows(
              MvgenIOException.class,
              () -> DatasetEncoding.run(d, "mel?bands=16", Config.defaults(), Progress.SILENT));
      assertTrue(e.getMessage().contains(wav.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
      assertEquals(1, d.manifest().encoders().size());
    }
  }

  /** A manifest of format version 2: every command refuses it, and nothing rewrites it. */
  @Test
  void newerManifestIsRefusedByEveryCommand(@TempDir Path dir) throws Exception {
    Path ds = dir.resolve("ds");
    UserErrorsTest.goodDataset(ds);
    UserErrorsTest.makeModel(dir);
    Path mf = ds.resolve(Manifest.FILE);
    String text = Files.readString(mf);
    Files.writeString(mf, text.replaceFirst("\"version\" : 1", "\"version\" : 2"));
    byte[] before = Files.readAllBytes(mf);
    Path input = dir.resolve("clip.mkv");
    TestMedia.write(input, TestMedia.Spec.lossless(10, 25, 8000, new long[] {}));
    List<List<String>> commands =
        List.of(
            List.of("dataset", "info", ds.toString()),
            List.of("dataset", "check", ds.toString()),
            List.of("dataset", "check", "--deep", ds.toString()),
            List.of("dataset", "preview", ds.toString(), "-o", dir.resolve("p.png").toString()),
            List.of("encode", ds.toString(), "--encoder", "mel"),
            List.of(
                "ingest",
                input.toString(),
                "--out",
                ds.toString(),
                "--size",
                "32",
                "--sample-rate",
                "8000",
                "--window",
                "1024"),
            List.of("train", ds.toString(), "--encoder", "mel", "--out", dir + "/run2"),
            List.of("eval", dir.resolve("run").toString(), "--dataset", ds.toString()));
    for (List<String> cmd : commands) {
      CliTest.Run r = run(cmd.toArray(String[]::new));
      String all = r.out() + r.err();
      assertEquals(Main.Exit.INPUT, r.code(), cmd + ": " + all);
      assertTrue(all.contains("format version 2"), cmd + ": " + all);
      assertTrue(all.contains("reads format version 1"), cmd + ": " + all);
      assertArrayEquals(before, Files.readAllBytes(mf), cmd + " changed the manifest");
    }
  }

  /** An MP3 and a FLAC with cover art are sound files: audio-only, not one-pair videos. */
  @Test
  void soundFileWithCoverArtIsAudio(@TempDir Path dir) throws Exception {
    Path cover = dir.resolve("cover.png");
    FfmpegProgram.run(
        List.of("-f", "lavfi", "-i", "color=red:s=64x64:d=1", "-frames:v", "1", cover.toString()));
    for (String[] kind :
        new String[][] {{"song.mp3", "libmp3lame", "mjpeg"}, {"song.flac", "flac", "png"}}) {
      Path song = dir.resolve(kind[0]);
      FfmpegProgram.run(
          List.of(
              "-f",
              "lavfi",
              "-i",
              "sine=f=440:d=3:r=44100",
              "-i",
              cover.toString(),
              "-map",
              "0",
              "-map",
              "1",
              "-c:a",
              kind[1],
              "-c:v",
              kind[2],
              "-disposition:v",
              "attached_pic",
              song.toString()));
      try (MediaReader r = MediaReader.open(song, new MediaReader.Options(8000, 25, 32, 0))) {
        assertFalse(r.info().hasVideo(), kind[0] + " has only a picture: " + r.info());
        assertTrue(r.info().hasAudio(), kind[0]);
      }
      Path ds = dir.resolve("ds-" + kind[0]);
      CliTest.Run r = run("ingest", song.toString(), "--out", ds.toString(), "--size", "32");
      assertEquals(Main.Exit.INPUT, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("has no video stream"), r.err());
      assertFalse(Files.exists(ds.resolve(Manifest.FILE)), "no one-pair dataset");
    }
  }

  /**
   * The same spec ({@code mel}) encoded with two settings: the lookup takes the set the current
   * settings give, and refuses naming both ids when neither matches.
   */
  @Test
  void specEncodedWithTwoSettingsPicksTheCurrentOne(@TempDir Path dir) throws Exception {
    Path ds = dir.resolve("ds");
    UserErrorsTest.goodDataset(ds); // mel, 64 bands
    Config bands32 = Config.defaults().with("encoder.mel_bands", 32L, "test");
    try (Dataset d = Dataset.open(ds)) {
      DatasetEncoding.run(d, "mel", bands32, Progress.SILENT);
    }
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(2, d.manifest().encoders().size());
      assertEquals(64, DatasetEncoding.find(d, "mel", Config.defaults()).dim());
      assertEquals(32, DatasetEncoding.find(d, "mel", bands32).dim());
      Config bands16 = Config.defaults().with("encoder.mel_bands", 16L, "test");
      EncoderException e =
          assertThrows(EncoderException.class, () -> DatasetEncoding.find(d, "mel", bands16));
      for (EncoderRecord r : d.manifest().encoders()) {
        assertTrue(e.getMessage().contains(r.id()), e.getMessage());
      }
      DatasetFormatException ambiguous =
          assertThrows(DatasetFormatException.class, () -> d.encoder("mel"));
      assertTrue(ambiguous.getMessage().contains("different settings"), ambiguous.getMessage());
    }
    // Through the command: the 32-band settings train on the 32-band latents.
    CliTest.Run train =
        run(
            "train",
            ds.toString(),
            "--encoder",
            "mel",
            "--out",
            dir.resolve("run").toString(),
            "--steps",
            "1",
            "--batch-size",
            "4",
            "--set",
            "encoder.mel_bands=32",
            "--set",
            "model.width=16",
            "--set",
            "model.min_width=8",
            "--set",
            "model.depth=2",
            "--set",
            "train.validate_every=0",
            "--set",
            "train.preview_every=0");
    assertEquals(Main.Exit.OK, train.code(), train.out() + train.err());
    assertTrue(train.out().contains("latents of mel-32-"), train.out());
  }

  /** Overwrites stored float sample {@code sample} of a WAV written by mvgen (44-byte header). */
  static void poke(Path wav, long sample, float value) throws Exception {
    try (FileChannel ch = FileChannel.open(wav, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
      ch.write(b, 44 + 4 * sample);
    }
  }
}
