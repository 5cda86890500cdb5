package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.DatasetWriter;
import org.mvgen.dataset.ImageCodec;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.util.Progress;

/**
 * Walks the bad inputs and settings a user can give (damaged or short dataset files, settings out
 * of range, files that are not media, a full disk): each must end with exit code 1 and a message
 * naming the file, pair or setting, never with exit code 3 ("report it as a bug") or a library's
 * internals. To add a case, add a row to {@link #cases()}: how to spoil the fixture, the command,
 * and what the message must say.
 *
 * <p>The fixture (made fresh for each case, without FFmpeg): {@code DIR/ds}, a dataset of two
 * sources {@code src0} and {@code src1} of 40 JPEG pairs (32 px, 8 kHz audio), encoded with {@code
 * mel}; {@code DIR/video.mkv} is not made (cases that need media make their own). In commands and
 * fragments, {@code {dir}} and {@code {ds}} stand for those folders.
 */
class UserErrorsTest {
  /** Spoils the fixture in folder {@code dir} before the command runs. */
  interface Setup {
    void apply(Path dir) throws Exception;
  }

  /**
   * One bad input.
   *
   * @param name what is wrong, for the test report
   * @param setup how the fixture is spoiled
   * @param args the command
   * @param fragments what the message on stderr must contain
   */
  record Case(String name, Setup setup, List<String> args, List<String> fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case c(String name, Setup setup, String command, String... fragments) {
    return new Case(name, setup, List.of(command.split(" ")), List.of(fragments));
  }

  static Stream<Case> cases() {
    Setup none = dir -> {};
    return Stream.of(
        // Damaged or short dataset files, read by preview, encode, eval and train.
        c(
            "shard cut short, preview",
            dir -> truncate(dir.resolve("ds/shards/src0-0000.tar"), 3000),
            "dataset preview {ds} -o {dir}/p.png",
            "{ds}/shards/src0-0000.tar",
            "truncated",
            "Pair ",
            "mvgen dataset check {ds}"),
        c(
            "damaged JPEG, preview",
            dir -> spoilFirstJpeg(dir.resolve("ds/shards/src0-0000.tar")),
            "dataset preview {ds} -o {dir}/p.png",
            "{ds}/shards/src0-0000.tar",
            "Pair 0 of source src0",
            "does not decode"),
        c(
            "damaged JPEG, train's data loading",
            dir -> spoilAllJpegs(dir.resolve("ds/shards/src0-0000.tar")),
            "train {ds} --encoder mel --out {dir}/run --steps 2 --batch-size 4"
                + " --set model.width=16 --set model.min_width=8 --set model.depth=2"
                + " --set train.validate_every=0 --set train.preview_every=0",
            "{ds}/shards/src0-0000.tar",
            "of source src0",
            "does not decode"),
        c(
            "index cut short, preview",
            dir -> truncate(dir.resolve("ds/index/src0.npy"), 200),
            "dataset preview {ds} -o {dir}/p.png",
            "{ds}/index/src0.npy",
            "Source src0"),
        c(
            "WAV cut short, encode",
            dir -> truncate(dir.resolve("ds/audio/src1.wav"), 5000),
            "encode {ds} --encoder mel?bands=32",
            "{ds}/audio/src1.wav",
            "truncated",
            "the manifest records"),
        c(
            "WAV cut short, preview",
            dir -> truncate(dir.resolve("ds/audio/src0.wav"), 5000),
            "dataset preview {ds} -o {dir}/p.png",
            "{ds}/audio/src0.wav",
            "truncated"),
        c(
            "damaged JPEG, eval",
            UserErrorsTest::spoilAllShardsAndMakeModel,
            "eval {dir}/run --dataset {ds}",
            "{ds}/shards/src",
            "does not decode"),
        c(
            "model whose weights end early, eval",
            dir -> cutWeights(makeModel(dir)),
            "eval {dir}/run --dataset {ds}",
            "{dir}/run/model.mvgen",
            "weights.bin ends early"),
        c(
            "model whose bundle.json is not JSON, eval",
            dir -> replaceEntry(makeModel(dir), "bundle.json", "{\"format\": 1,".getBytes()),
            "eval {dir}/run --dataset {ds}",
            "{dir}/run/model.mvgen",
            "bundle.json",
            "line 1"),
        // Settings out of range.
        c(
            "mel_fmin below 0",
            none,
            "encode {ds} --encoder mel --set encoder.mel_fmin=-5",
            "encoder.mel_fmin",
            "-5.0"),
        c(
            "mel_fmax below mel_fmin",
            none,
            "encode {ds} --encoder mel --set encoder.mel_fmax=10",
            "encoder.mel_fmax",
            "10.0"),
        c(
            "mel_fmin above Nyquist",
            none,
            "encode {ds} --encoder mel --set encoder.mel_fmin=9000",
            "encoder.mel_fmin",
            "half the sample rate"),
        c(
            "mel window too short",
            none,
            "encode {ds} --encoder mel?window=1",
            "mel?window=1",
            "window (1)"),
        c(
            "eval.max_pairs 0",
            none,
            "eval {dir}/run --dataset {ds} --set eval.max_pairs=0",
            "eval.max_pairs = 0"),
        c(
            "eval.neighbours negative",
            none,
            "eval {dir}/run --dataset {ds} --set eval.neighbours=-1",
            "eval.neighbours = -1"),
        c(
            "decode_threads -3",
            dir -> Files.writeString(dir.resolve("x.mkv"), "not read"),
            "ingest {dir}/x.mkv --out {dir}/new --set dataset.decode_threads=-3",
            "dataset.decode_threads (-3)"),
        // Inputs that are not what they seem.
        c(
            "FIFO as input",
            dir -> mkfifo(dir.resolve("pipe.mp4")),
            "ingest {dir}/pipe.mp4 --out {dir}/new",
            "{dir}/pipe.mp4",
            "not a regular file"),
        c(
            "text file named .mp4",
            dir -> Files.writeString(dir.resolve("fake.mp4"), "hello"),
            "ingest {dir}/fake.mp4 --out {dir}/new",
            "{dir}/fake.mp4",
            "Invalid data found when processing input"),
        c(
            "manifest that is not JSON",
            dir -> Files.writeString(dir.resolve("ds/manifest.json"), "{\"format\": \"mvgen-"),
            "dataset info {ds}",
            "{ds}/manifest.json",
            "line 1"),
        c(
            "damaged params.json read by ingest",
            dir -> {
              org.mvgen.media.TestMedia.write(
                  dir.resolve("v.mkv"),
                  org.mvgen.media.TestMedia.Spec.lossless(30, 25, 8000, new long[] {100}));
              Files.writeString(dir.resolve("ds/params.json"), "{\"sampleRate\": 44");
            },
            "ingest {dir}/v.mkv --out {ds} --size 32",
            "{ds}/params.json is damaged",
            "line 1"),
        // A full disk.
        c(
            "disk full in encode",
            UserErrorsTest::datasetOnFullDisk,
            "encode {dir}/small/ds --encoder mel?bands=48",
            "{dir}/small/ds/latents/",
            "disk is full"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void userErrorExitsWithCodeOneAndNamesWhatIsWrong(Case c, @TempDir Path dir) throws Exception {
    Path ds = dir.resolve("ds");
    goodDataset(ds);
    try {
      c.setup().apply(dir);
      List<String> args = new ArrayList<>();
      for (String a : c.args()) {
        args.add(fill(a, dir));
      }
      CliTest.Run r = run(args.toArray(String[]::new));
      String all = r.out() + r.err();
      assertEquals(Main.Exit.INPUT, r.code(), c.name() + ": " + all);
      for (String f : c.fragments()) {
        assertTrue(all.contains(fill(f, dir)), c.name() + ": no '" + fill(f, dir) + "' in " + all);
      }
      assertFalse(all.contains("unexpected error"), all);
      assertFalse(all.contains("report it as a bug"), all);
      for (String internal :
          List.of("avformat_open_input", "setFormat()", "StreamReadFeature", "com.fasterxml")) {
        assertFalse(all.contains(internal), "library internals leak: " + all);
      }
    } finally {
      unmount(dir.resolve("small"));
    }
  }

  private static CliTest.Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new CliTest.Run(code, out.toString(), err.toString());
  }

  private static String fill(String s, Path dir) {
    return s.replace("{ds}", dir.resolve("ds").toString()).replace("{dir}", dir.toString());
  }

  /** Two sources of 40 pairs, 32 px JPEG frames, 8 kHz audio (a tone), encoded with mel. */
  static void goodDataset(Path ds) throws Exception {
    DatasetParams p = new DatasetParams(8000, 25, 32, 1024);
    try (DatasetWriter w = DatasetWriter.create(ds, p, new ImageCodec(32, 90), 1000)) {
      for (int s = 0; s < 2; s++) {
        try (DatasetWriter.SourceWriter sw = w.source("src" + s, "src" + s, "/x/" + s, Map.of())) {
          float[] pcm = new float[40 * 320];
          for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) (0.3 * Math.sin(i * (0.05 + 0.03 * s)));
          }
          sw.audio(pcm, 0, pcm.length);
          for (int f = 0; f < 40; f++) {
            byte[] rgb = new byte[32 * 32 * 3];
            for (int i = 0; i < rgb.length; i++) {
              rgb[i] = (byte) ((i * 7 + f * 13 + s * 50) % 251);
            }
            sw.frame(rgb);
          }
          sw.commit();
        }
      }
      w.finish(new SplitConfig(SplitConfig.Mode.VIDEOS, 0.5, 1.0, 1));
    }
    try (Dataset d = Dataset.open(ds)) {
      DatasetEncoding.run(d, "mel", Config.defaults(), Progress.SILENT);
    }
  }

  static void truncate(Path f, long size) throws Exception {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  /** Overwrites the tables and start of the data of the shard's first JPEG (the size stays). */
  static void spoilFirstJpeg(Path tar) throws Exception {
    spoilJpegs(tar, 1);
  }

  static void spoilAllJpegs(Path tar) throws Exception {
    spoilJpegs(tar, Integer.MAX_VALUE);
  }

  private static void spoilJpegs(Path tar, int count) throws Exception {
    byte[] b = Files.readAllBytes(tar);
    int done = 0;
    for (int i = 0; i + 1 < b.length && done < count; i++) {
      if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xd8) {
        for (int j = i + 2; j < Math.min(b.length, i + 400); j++) {
          b[j] = 0x55;
        }
        done++;
        i += 400;
      }
    }
    Files.write(tar, b);
  }

  private static void spoilAllShardsAndMakeModel(Path dir) throws Exception {
    makeModel(dir);
    try (Stream<Path> s = Files.list(dir.resolve("ds/shards"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        spoilAllJpegs(p);
      }
    }
  }

  /** An untrained model of the fixture's mel latents and 32 px frames, in {@code DIR/run}. */
  static Path makeModel(Path dir) throws Exception {
    org.mvgen.torch.Torch.load();
    String id;
    try (Dataset d = Dataset.open(dir.resolve("ds"))) {
      id = d.encoder("mel").id();
    }
    var spec = new org.mvgen.decoder.DecoderSpec(64, 32, 16, 8, 2, "batch");
    Path run = dir.resolve("run");
    Files.createDirectories(run);
    Path m = run.resolve("model.mvgen");
    new org.mvgen.decoder.DecoderBundle(
            spec, id, "mel", org.mvgen.decoder.LatentNorm.identity(64), Map.of())
        .write(m, new org.mvgen.decoder.DecoderNet(spec));
    return m;
  }

  /** Rewrites the bundle with {@code name} holding {@code data}. */
  static void replaceEntry(Path bundle, String name, byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(bundle));
        ZipOutputStream z = new ZipOutputStream(out)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        byte[] old = in.readAllBytes();
        z.putNextEntry(new ZipEntry(e.getName()));
        z.write(e.getName().equals(name) ? data : old);
        z.closeEntry();
      }
    }
    Files.write(bundle, out.toByteArray());
  }

  /** Rewrites the bundle with its weights.bin cut to half. */
  static void cutWeights(Path bundle) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(bundle));
        ZipOutputStream z = new ZipOutputStream(out)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        byte[] data = in.readAllBytes();
        if (e.getName().equals("weights.bin")) {
          data = java.util.Arrays.copyOf(data, data.length / 2);
        }
        z.putNextEntry(new ZipEntry(e.getName()));
        z.write(data);
        z.closeEntry();
      }
    }
    Files.write(bundle, out.toByteArray());
  }

  static void mkfifo(Path p) throws Exception {
    Process pr = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
    String out = new String(pr.getInputStream().readAllBytes()).strip();
    Assumptions.assumeTrue(pr.waitFor() == 0, "mkfifo failed: " + out);
  }

  /**
   * Copies the fixture onto a small tmpfs at {@code DIR/small} and fills the rest of it, so that
   * the next latent file cannot be written. Skips the case when tmpfs cannot be mounted (needs
   * root).
   */
  static void datasetOnFullDisk(Path dir) throws Exception {
    Path mount = dir.resolve("small");
    Files.createDirectories(mount);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    Assumptions.assumeTrue(p.waitFor() == 0, "cannot mount a small tmpfs (needs root): " + out);
    Path copy = mount.resolve("ds");
    try (Stream<Path> s = Files.walk(dir.resolve("ds"))) {
      for (Path f : (Iterable<Path>) s::iterator) {
        Path to = copy.resolve(dir.resolve("ds").relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    // Fill the disk: writes fail from here on.
    try (var o = Files.newOutputStream(mount.resolve("filler"))) {
      byte[] block = new byte[4096];
      while (true) {
        o.write(block);
      }
    } catch (java.io.IOException full) {
      // full
    }
  }

  private static void unmount(Path mount) throws Exception {
    if (Files.isDirectory(mount)) {
      new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
    }
  }
}
