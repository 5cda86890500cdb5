package org.mvgen.rave.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.Ingest;
import org.mvgen.dataset.IngestConfig;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.util.Progress;

class PreprocessTest {
  static final int SR = 44100;
  static final int L = 8192;
  static final RaveSplit SPLIT = new RaveSplit(0.2, 1000, 2, 1);

  @TempDir static Path media;
  static Path wav;
  static Path stereoWav;
  static Path flac;
  static Path mp3;
  static Path video;

  @BeforeAll
  static void makeMedia() throws Exception {
    wav = media.resolve("a tune.wav");
    TestAudio.wav16(wav, TestAudio.music(10 * L + 5000, SR, 1), SR, 1);
    stereoWav = media.resolve("stereo.wav");
    TestAudio.wav16(stereoWav, TestAudio.music(4 * L + 100, SR, 2), SR, 2);
    flac = media.resolve("b.flac");
    TestAudio.encode(flac, TestAudio.music(7 * L, SR, 3), SR, "flac", avcodec.AV_CODEC_ID_FLAC);
    mp3 = media.resolve("c.mp3");
    TestAudio.encode(mp3, TestAudio.music(6 * L, SR, 4), SR, "mp3", avcodec.AV_CODEC_ID_MP3);
    video = media.resolve("clip.mkv");
    TestAudio.video(video, TestAudio.music(3 * SR, SR, 5), SR, 25);
  }

  static PreprocessConfig config(Path out, SampleFormat f, int rate, Object... inputs) {
    List<String> in = new ArrayList<>();
    for (Object o : inputs) {
      in.add(o.toString());
    }
    return new PreprocessConfig(in, out, new RaveDataParams(rate, L, f, 0.5, -60), 3, SPLIT);
  }

  /** Checks every example of every input against the input decoded on its own. */
  static void assertExact(RaveData data, Map<String, Path> files) throws Exception {
    Map<String, float[]> decoded = new TreeMap<>();
    SampleFormat f = data.params().format();
    for (long i = 0; i < data.size(); i++) {
      RaveData.Origin o = data.origin(i);
      Path file = files.get(o.name());
      assertTrue(file != null, "unexpected input " + o.name());
      float[] src = decoded.computeIfAbsent(o.name(), n -> decodeQuietly(file, data.sampleRate()));
      float[] want = new float[L];
      for (int j = 0; j < L; j++) {
        want[j] = f.quantise(src[(int) o.start() + j]);
      }
      assertArrayEquals(want, data.example(i), "example " + i + " (" + o + ")");
    }
  }

  static float[] decodeQuietly(Path f, int rate) {
    try {
      return TestAudio.decode(f, rate);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyExampleIsTheDecodedSourceInEveryFormat(@TempDir Path dir) throws Exception {
    for (SampleFormat f : SampleFormat.values()) {
      Path out = dir.resolve(f.name());
      Preprocess.Result r =
          Preprocess.run(config(out, f, SR, wav, stereoWav, flac, mp3, video), Progress.SILENT);
      assertEquals(5, r.added().size(), r.toString());
      assertTrue(r.warnings().isEmpty(), r.warnings().toString());
      try (RaveData data = RaveData.open(out)) {
        assertEquals(f, data.params().format());
        assertExact(
            data,
            Map.of(
                wav.toString(), wav,
                stereoWav.toString(), stereoWav,
                flac.toString(), flac,
                mp3.toString(), mp3,
                video.toString(), video));
        // 10 whole examples and a tail of 5000 >= L/2: the last example is the final L samples.
        RaveManifest.Input a = input(data, wav);
        assertEquals(10 * L + 5000, a.samples());
        assertEquals(11, a.examples());
        assertEquals(List.of("0:10", (10 * L + 5000 - L) + ":1"), runs(a));
        // 4 whole examples and a tail of 100 < L/2: dropped and counted.
        RaveManifest.Input s = input(data, stereoWav);
        assertEquals(4, s.examples());
        assertEquals(100, s.tailDropped());
        RaveManifest.Input v = input(data, video);
        assertEquals(3 * SR, v.samples(), "the video's sound, from time 0");
        assertEquals(16, v.examples(), "132300 samples: 16 whole examples");
        assertEquals(132300 - 16 * L, v.tailDropped(), "a tail shorter than L/2");
        assertEquals(data.size(), data.manifest().examples());
        // Shards of at most 3 examples, named by input id.
        assertEquals(4, a.shards().size());
        assertTrue(a.shards().get(0).file().startsWith("shards/" + a.id() + "-0000."));
        assertEquals(Preprocess.contentId(wav), a.id());
      }
    }
  }

  static RaveManifest.Input input(RaveData data, Path file) {
    return data.manifest().inputs().stream()
        .filter(i -> i.name().equals(file.toString()))
        .findFirst()
        .orElseThrow();
  }

  static List<String> runs(RaveManifest.Input in) {
    return in.runs().stream().map(r -> r[0] + ":" + r[1]).toList();
  }

  @Test
  void resamplesToTheConfiguredRate(@TempDir Path dir) throws Exception {
    // A 1 kHz sine at 48 kHz, prepared at 44.1 kHz and at 22.05 kHz.
    int n = 48000 * 2;
    float[] sine = new float[n];
    for (int i = 0; i < n; i++) {
      sine[i] = (float) (0.5 * Math.sin(2 * Math.PI * 1000 * i / 48000.0));
    }
    Path f = dir.resolve("sine48k.wav");
    TestAudio.wav16(f, sine, 48000, 1);
    for (int rate : new int[] {44100, 22050}) {
      Path out = dir.resolve("out" + rate);
      Preprocess.run(config(out, SampleFormat.FLOAT32, rate, f), Progress.SILENT);
      try (RaveData data = RaveData.open(out)) {
        assertEquals(rate, data.sampleRate());
        RaveManifest.Input in = data.manifest().inputs().get(0);
        // FFmpeg's resampler keeps its last few output samples (16 here) unflushed in MediaReader.
        assertEquals(2L * rate, in.samples(), 32, "2 s at " + rate + " Hz");
        // Away from the very start, the samples are the sine at the new rate.
        double worst = 0;
        for (long i = 0; i < data.size(); i++) {
          float[] ex = data.example(i);
          long start = data.origin(i).start();
          for (int j = 0; j < L; j++) {
            long t = start + j;
            if (t < 64) {
              continue;
            }
            double want = 0.5 * Math.sin(2 * Math.PI * 1000 * t / (double) rate);
            worst = Math.max(worst, Math.abs(ex[j] - want));
          }
        }
        assertTrue(worst < 2e-3, "worst error " + worst + " at " + rate);
        long n2 = in.samples();
        assertEquals(n2 / L + (n2 % L >= L / 2 ? 1 : 0), data.size());
      }
    }
  }

  @Test
  void aDatasetsStoredAudioIsUsedAndItsVideoIsTheSameInput(@TempDir Path dir) throws Exception {
    Path ds = dir.resolve("dataset");
    Ingest.run(
        new IngestConfig(
            List.of(video.toString()),
            ds,
            new DatasetParams(SR, 25, 32, 2048),
            0,
            50,
            new SplitConfig(SplitConfig.Mode.BLOCKS, 0.1, 10, 1),
            0),
        Progress.SILENT);
    // Found inside a folder too, and the video given as well is recognised as the same music.
    Path parent = dir;
    Path out = dir.resolve("rave");
    Preprocess.Result r =
        Preprocess.run(config(out, SampleFormat.FLOAT32, 22050, parent, video), Progress.SILENT);
    assertEquals(1, r.added().size(), r.toString());
    assertEquals(1, r.skipped().size(), r.toString());
    try (RaveData data = RaveData.open(out)) {
      RaveManifest.Input in = data.manifest().inputs().get(0);
      assertEquals("dataset", in.origin());
      assertEquals(Preprocess.contentId(video), in.id());
      Path stored = ds.resolve("audio").resolve(in.id() + ".wav");
      assertEquals(3 * 22050, in.samples(), 32);
      assertExact(data, Map.of(in.name(), stored));
    }
  }

  @Test
  void aSecondRunSkipsFinishedInputsAndAddsNewOnes(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    Preprocess.run(config(out, SampleFormat.INT16, SR, wav), Progress.SILENT);
    Path shard = out.resolve(RaveData.open(out).manifest().inputs().get(0).shards().get(0).file());
    long modified = Files.getLastModifiedTime(shard).toMillis();
    byte[] before = Files.readAllBytes(shard);
    Thread.sleep(20);
    Preprocess.Result r =
        Preprocess.run(config(out, SampleFormat.INT16, SR, wav, flac), Progress.SILENT);
    assertEquals(List.of(flac.toString()), r.added());
    assertEquals(List.of(wav.toString()), r.skipped());
    assertEquals(modified, Files.getLastModifiedTime(shard).toMillis(), "not written again");
    assertArrayEquals(before, Files.readAllBytes(shard));
    try (RaveData data = RaveData.open(out)) {
      assertEquals(2, data.manifest().inputs().size());
      assertEquals(11 + 7, data.size());
    }
    // Other settings for the same folder are refused.
    RaveDataException e =
        assertThrows(
            RaveDataException.class,
            () -> Preprocess.run(config(out, SampleFormat.INT16, 22050, wav), Progress.SILENT));
    assertTrue(
        e.getMessage().contains("44100 Hz") && e.getMessage().contains("22050 Hz"), e.getMessage());
  }

  @Test
  void badFilesAreNamedAndSkippedAndAllBadFails(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("broken song.mp3");
    Files.writeString(bad, "this is not audio");
    Path noAudio = dir.resolve("silent film.mkv");
    org.mvgen.media.TestMedia.write(
        noAudio, org.mvgen.media.TestMedia.Spec.lossless(10, 25, 0, new long[0]));
    Path out = dir.resolve("out");
    Preprocess.Result r =
        Preprocess.run(config(out, SampleFormat.INT16, SR, bad, noAudio, wav), Progress.SILENT);
    assertEquals(List.of(wav.toString()), r.added());
    assertEquals(2, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains(bad.toString()), r.warnings().get(0));
    assertTrue(r.warnings().get(1).contains(noAudio.toString()), r.warnings().get(1));
    assertTrue(r.warnings().get(1).contains("no audio stream"), r.warnings().get(1));

    Path out2 = dir.resolve("out2");
    RaveDataException e =
        assertThrows(
            RaveDataException.class,
            () ->
                Preprocess.run(
                    config(out2, SampleFormat.INT16, SR, bad, noAudio), Progress.SILENT));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("No examples"), e.getMessage());
    assertFalse(Files.exists(out2.resolve(RaveManifest.FILE)), "no manifest for an empty folder");
    assertThrows(
        RaveDataException.class,
        () ->
            Preprocess.run(
                config(out2, SampleFormat.INT16, SR, dir.resolve("nope.wav")), Progress.SILENT));
  }

  @Test
  void tooShortAndSilentInputsSayWhy(@TempDir Path dir) throws Exception {
    Path shortFile = dir.resolve("short.wav");
    TestAudio.wav16(shortFile, TestAudio.music(L / 2, SR, 9), SR, 1);
    Path silent = dir.resolve("silence.wav");
    TestAudio.wav16(silent, new float[3 * L], SR, 1);
    // Music, silence, music: the silent examples in the middle are dropped and the runs say so.
    float[] gap = TestAudio.music(6 * L, SR, 8);
    Arrays.fill(gap, 2 * L, 4 * L, 0f);
    Path gapped = dir.resolve("gap.wav");
    TestAudio.wav16(gapped, gap, SR, 1);
    Path out = dir.resolve("out");
    Preprocess.Result r =
        Preprocess.run(
            config(out, SampleFormat.INT16, SR, shortFile, silent, gapped), Progress.SILENT);
    assertEquals(List.of(gapped.toString()), r.added());
    String w = String.join("\n", r.warnings());
    assertTrue(
        w.contains(
            shortFile
                + " is 0.09 s long, shorter than one example (0.19 s: rave.example_length 8192 at 44100 Hz)"),
        w);
    assertTrue(w.contains(silent + " is silent"), w);
    assertEquals(2, r.silentExamples() - 3);
    try (RaveData data = RaveData.open(out)) {
      RaveManifest.Input in = data.manifest().inputs().get(0);
      assertEquals(List.of("0:2", (4 * L) + ":2"), runs(in));
      assertEquals(2, in.silent());
      assertExact(data, Map.of(gapped.toString(), gapped));
    }
  }

  @Test
  void foldersAreSearchedRecursivelyForMedia(@TempDir Path dir) throws Exception {
    Path deep = Files.createDirectories(dir.resolve("music/a/b"));
    Files.copy(wav, deep.resolve("x.wav"));
    // A link to a file elsewhere is read like the file (a folder of links to one's music).
    Path elsewhere = Files.createDirectories(dir.resolve("library")).resolve("y.FLAC");
    Files.copy(flac, elsewhere);
    Files.createSymbolicLink(dir.resolve("music/y.FLAC"), elsewhere);
    Files.writeString(dir.resolve("music/notes.txt"), "not media");
    Path out = dir.resolve("music/out"); // inside an input folder: never read as input
    Preprocess.Result r =
        Preprocess.run(config(out, SampleFormat.INT16, SR, dir.resolve("music")), Progress.SILENT);
    assertEquals(2, r.added().size(), r.toString());
    assertTrue(r.warnings().isEmpty(), r.warnings().toString());
    Preprocess.Result again =
        Preprocess.run(config(out, SampleFormat.INT16, SR, dir.resolve("music")), Progress.SILENT);
    assertEquals(0, again.added().size());
    assertEquals(2, again.skipped().size());
  }

  @Test
  void openNamesWhatIsWrong(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    assertTrue(
        assertThrows(RaveDataException.class, () -> RaveData.open(out))
            .getMessage()
            .contains("does not exist"));
    Preprocess.run(config(out, SampleFormat.INT16, SR, wav, flac), Progress.SILENT);
    Path mf = out.resolve(RaveManifest.FILE);
    String text = Files.readString(mf);
    RaveManifest m;
    try (RaveData d = RaveData.open(out)) {
      m = d.manifest();
    }
    Path shard0 = out.resolve(m.inputs().get(0).shards().get(0).file());
    Path shard1 = out.resolve(m.inputs().get(1).shards().get(1).file());

    Files.writeString(mf, text.replace("\"version\" : 1,", "\"version\" : 7,"));
    String msg = assertThrows(RaveDataException.class, () -> RaveData.open(out)).getMessage();
    assertTrue(msg.contains("version 7") && msg.contains("Update mvgen"), msg);
    Files.writeString(mf, text);

    try (RandomAccessFile f = new RandomAccessFile(shard1.toFile(), "rw")) {
      f.setLength(f.length() - 10);
    }
    msg = assertThrows(RaveDataException.class, () -> RaveData.open(out)).getMessage();
    assertTrue(msg.contains(shard1.toString()) && msg.contains("truncated"), msg);

    Files.delete(shard0);
    msg = assertThrows(RaveDataException.class, () -> RaveData.open(out)).getMessage();
    assertTrue(msg.contains(shard0.toString()) && msg.contains("missing"), msg);

    // The next run notices, prepares both inputs again and the folder reads again.
    Preprocess.Result r =
        Preprocess.run(config(out, SampleFormat.INT16, SR, wav, flac), Progress.SILENT);
    assertEquals(2, r.added().size(), r.toString());
    try (RaveData d = RaveData.open(out)) {
      assertEquals(18, d.size());
    }

    Files.delete(mf);
    msg = assertThrows(RaveDataException.class, () -> RaveData.open(out)).getMessage();
    assertTrue(msg.contains("not a complete RAVE data folder"), msg);
  }

  @Test
  void splitViewsAreDisjointBlocksAndBatchesAreAFunctionOfSeedAndStep(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("out");
    Preprocess.run(config(out, SampleFormat.INT16, SR, wav, flac, mp3), Progress.SILENT);
    try (RaveData data = RaveData.open(out)) {
      RaveData.View train = data.train();
      RaveData.View val = data.validation();
      assertTrue(val.size() > 0);
      assertEquals(data.size(), train.size() + val.size());
      Set<Long> seen = new HashSet<>();
      for (int j = 0; j < train.size(); j++) {
        assertTrue(seen.add(train.example(j)));
        assertFalse(data.origin(train.example(j)).validation());
      }
      for (int j = 0; j < val.size(); j++) {
        assertTrue(seen.add(val.example(j)), "in both splits: " + val.example(j));
        assertTrue(data.origin(val.example(j)).validation());
      }
      // No leakage: no validation example overlaps a training example in time.
      for (int j = 0; j < val.size(); j++) {
        RaveData.Origin v = data.origin(val.example(j));
        for (int k = 0; k < train.size(); k++) {
          RaveData.Origin t = data.origin(train.example(k));
          if (t.input() == v.input()) {
            assertTrue(
                t.start() + L <= v.start() || v.start() + L <= t.start(),
                "validation " + v + " overlaps training " + t);
          }
        }
      }
      // Batches: a pure function of (seed, step), across instances; crops within the example.
      Batches a = train.batches(4, 1000, 42);
      Batches b = train.batches(4, 1000, 42);
      Batches.Batch x = a.batch(123);
      a.batch(5);
      Batches.Batch y = b.batch(123);
      assertArrayEquals(x.examples(), y.examples());
      assertArrayEquals(x.offsets(), y.offsets());
      assertArrayEquals(x.audio(), y.audio());
      assertFalse(
          Arrays.equals(x.examples(), a.batch(124).examples())
              && Arrays.equals(x.offsets(), a.batch(124).offsets()));
      for (int i = 0; i < 4; i++) {
        float[] whole = data.example(x.examples()[i]);
        assertArrayEquals(
            Arrays.copyOfRange(whole, x.offsets()[i], x.offsets()[i] + 1000),
            Arrays.copyOfRange(x.audio(), i * 1000, (i + 1) * 1000));
      }
      // An epoch visits every training example once.
      Set<Long> epoch = new HashSet<>();
      for (long s = 0; s < a.stepsPerEpoch(); s++) {
        for (long e : a.batch(s).examples()) {
          assertTrue(epoch.add(e));
        }
      }
      assertEquals(a.stepsPerEpoch() * 4, epoch.size());
      // Random crops.
      float[] c = data.randomCrop(0, 300, new SplittableRandom(1));
      assertEquals(300, c.length);
    }
  }

  @Test
  void realMusicFromWesnoth(@TempDir Path dir) throws Exception {
    Path music = Path.of("/usr/share/games/wesnoth/1.16/data/core/music");
    assumeTrue(
        Files.isDirectory(music),
        "Debian's wesnoth-1.16-music is not installed (apt-get install wesnoth-1.16-music)");
    List<Path> smallest;
    try (Stream<Path> s = Files.list(music)) {
      smallest =
          s.filter(p -> p.toString().endsWith(".ogg") && !p.toString().contains("silence"))
              .sorted((p, q) -> Long.compare(size(p), size(q)))
              .limit(2)
              .toList();
    }
    Path out = dir.resolve("out");
    Preprocess.Result r =
        Preprocess.run(
            new PreprocessConfig(
                smallest.stream().map(Path::toString).toList(),
                out,
                new RaveDataParams(SR, 65536, SampleFormat.INT16, 0.5, -60),
                8,
                new RaveSplit(0.02, 1000, 8, 1)),
            Progress.SILENT);
    assertEquals(2, r.added().size(), r.toString());
    try (RaveData data = RaveData.open(out)) {
      for (RaveManifest.Input in : data.manifest().inputs()) {
        long whole = in.samples() / 65536;
        long tail = in.samples() % 65536 >= 32768 ? 1 : 0;
        assertEquals(whole + tail, in.examples() + in.silent(), in.name());
      }
      Path first = Path.of(data.origin(0).name());
      float[] src = TestAudio.decode(first, SR);
      for (long i = 0; i < data.size() && data.origin(i).input() == 0; i++) {
        float[] ex = data.example(i);
        int start = (int) data.origin(i).start();
        for (int j = 0; j < ex.length; j++) {
          assertEquals(SampleFormat.INT16.quantise(src[start + j]), ex[j], 0f);
        }
      }
    }
  }

  static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }
}
