package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.DatasetEncodingTest;
import org.mvgen.encoder.EncoderException;
import org.mvgen.util.Progress;

/**
 * A model trained on {@code mel?pca=4} latents is one file: moved away from its run and dataset,
 * and the dataset deleted, it generates and renders exactly what it did before.
 */
class ModelWithoutDatasetTest {
  @TempDir static Path tmp;
  static Path data;
  static Path model;
  static Path kept;
  static String encoderId;
  static String datasetSpec;

  record Out(int code, String out, String err) {}

  static Out mvgen(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Out(code, out.toString(), err.toString());
  }

  /** An 8 kHz dataset (not the default 44.1 kHz), PCA latents, and a tiny model trained on them. */
  @BeforeAll
  static void train() throws Exception {
    data = tmp.resolve("work/data");
    DatasetEncodingTest.makeDataset(data);
    try (Dataset ds = Dataset.open(data)) {
      var r = DatasetEncoding.run(ds, "mel?pca=4", Config.defaults(), Progress.SILENT);
      encoderId = r.record().id();
      datasetSpec = r.record().spec();
    }
    Path run = tmp.resolve("work/run");
    Out t =
        mvgen(
            "train",
            data.toString(),
            "--encoder",
            encoderId,
            "--out",
            run.toString(),
            "--steps",
            "4",
            "--batch-size",
            "4",
            "--set",
            "model.width=16",
            "--set",
            "model.min_width=8",
            "--set",
            "model.depth=2",
            "--set",
            "train.warmup_steps=2",
            "--set",
            "train.loader_threads=1",
            "--set",
            "train.threads=1");
    assertEquals(0, t.code(), t.out() + t.err());
    model = run.resolve("model.mvgen");
    kept = Files.copy(model, tmp.resolve("kept.mvgen"));
  }

  /** Frames for a second of tone bursts, through the encoder and decoder the model opens. */
  static byte[] frames(Path bundle, Config c) throws Exception {
    try (Model m = Model.open(bundle, null, null, c)) {
      assertEquals(8000, m.encoder().sampleRate(), "the dataset's rate, not the config's");
      float[][] z = m.encoder().encode(TestModels.bursts(m.encoder().sampleRate(), 1.0));
      int d = m.encoder().latentSize();
      float[] flat = new float[z.length * d];
      for (int i = 0; i < z.length; i++) {
        System.arraycopy(z[i], 0, flat, i * d, d);
      }
      int fb = m.generator().frameSize() * m.generator().frameSize() * 3;
      byte[] rgb = new byte[z.length * fb];
      m.generator().generate(flat, z.length, rgb);
      assertFalse(
          Arrays.equals(
              Arrays.copyOfRange(rgb, 0, fb), Arrays.copyOfRange(rgb, 2 * fb * 5, 2 * fb * 5 + fb)),
          "frames follow the sound");
      return rgb;
    }
  }

  static byte[] render(Path bundle, Path song, Path out) throws Exception {
    Out r =
        mvgen(
            "render",
            song.toString(),
            "--model",
            bundle.toString(),
            "-o",
            out.toString(),
            "--size",
            "32");
    assertEquals(0, r.code(), r.out() + r.err());
    return Files.readAllBytes(out);
  }

  /**
   * A copy of {@code from} as an older mvgen wrote it: bundle version 1, the given encoder spec and
   * no encoder files.
   */
  static Path olderBundle(Path from, Path to, String spec) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (InputStream is = Files.newInputStream(from);
        ZipInputStream zip = new ZipInputStream(is)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (!e.getName().startsWith("encoder/")) {
          entries.put(e.getName(), zip.readAllBytes());
        }
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = json.readValue(entries.get("bundle.json"), Map.class);
    meta.put("version", 1);
    meta.put("encoder", Map.of("id", encoderId, "spec", spec));
    entries.put("bundle.json", json.writeValueAsBytes(meta));
    Files.createDirectories(to.getParent());
    try (OutputStream os = Files.newOutputStream(to);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return to;
  }

  @Test
  void theModelFileAloneGeneratesTheSameFramesAfterTheDatasetIsDeleted() throws Exception {
    DecoderBundle b = DecoderBundle.read(model);
    assertEquals(encoderId, b.encoderId());
    assertEquals(List.of("pca.npy"), List.copyOf(b.encoderFiles().keySet()));
    assertTrue(b.encoderSpec().contains("sr=8000"), b.encoderSpec());

    Path song = RendererTest.song(Files.createDirectories(tmp.resolve("song")), 1.0);
    Config c = Config.defaults();
    byte[] framesBefore = frames(model, c);
    byte[] videoBefore = render(model, song, tmp.resolve("song/before.mp4"));
    // A bundle from before bundles carried the PCA still opens while the dataset is there; it
    // needs the dataset's audio settings from the config.
    Config at8k = c.with("audio.sample_rate", 8000L, "test").with("audio.window", 640L, "test");
    Path older = olderBundle(model, tmp.resolve("older/model.mvgen"), datasetSpec);
    assertArrayEquals(framesBefore, frames(older, at8k));

    Path moved = Files.createDirectories(tmp.resolve("elsewhere")).resolve("model.mvgen");
    Files.copy(model, moved);
    try (Stream<Path> files = Files.walk(tmp.resolve("work"))) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertFalse(Files.exists(data));

    assertArrayEquals(framesBefore, frames(moved, c));
    assertArrayEquals(videoBefore, render(moved, song, tmp.resolve("song/after.mp4")));

    EncoderException e = assertThrows(EncoderException.class, () -> frames(older, at8k));
    assertTrue(e.getMessage().contains("older mvgen"), e.getMessage());
    assertTrue(
        e.getMessage().contains("--encoder 'mel?pca=/path/to/DATASET/latents/"), e.getMessage());
  }

  @Test
  void aMissingRaveModelFileIsNamedWithHowToGiveIt() throws Exception {
    Path rave =
        olderBundle(kept, tmp.resolve("rave/model.mvgen"), "rave:models/vintage.ts?mode=mean");
    EncoderException e =
        assertThrows(EncoderException.class, () -> Model.open(rave, null, null, Config.defaults()));
    String m = e.getMessage();
    assertTrue(m.contains("models/vintage.ts"), m);
    assertTrue(m.contains(tmp.resolve("rave/models/vintage.ts").toString()), m);
    assertTrue(m.contains("--encoder 'rave:/path/to/vintage.ts?mode=mean'"), m);

    Out r =
        mvgen(
            "render",
            "song.mp3",
            "--model",
            rave.toString(),
            "--encoder",
            "rave:" + tmp.resolve("nope.ts"));
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains(tmp.resolve("nope.ts").toString()), r.err());
  }
}
