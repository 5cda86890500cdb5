package org.mvgen.encoder;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.config.Config;
import org.mvgen.dataset.Alignment;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.DatasetWriter;
import org.mvgen.dataset.ImageCodec;
import org.mvgen.dataset.Npy;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.util.Progress;

public class DatasetEncodingTest {
  static final DatasetParams PARAMS = new DatasetParams(8000, 25, 16, 640);
  static final SplitConfig SPLIT = new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, 1.0, 7);

  /** Two sources whose pitch rises frame by frame, so every window differs. */
  public static void makeDataset(Path dir) throws Exception {
    try (DatasetWriter w = DatasetWriter.create(dir, PARAMS, new ImageCodec(16, 0), 50)) {
      for (String id : new String[] {"aaa", "bbb"}) {
        int frames = id.equals("aaa") ? 60 : 45;
        try (DatasetWriter.SourceWriter s = w.source(id, id + ".mkv", "/x/" + id, Map.of())) {
          int n = frames * 320 + 100;
          float[] pcm = new float[n];
          double phase = 0;
          for (int i = 0; i < n; i++) {
            phase += 2 * Math.PI * (100 + i / 10.0 + (id.equals("bbb") ? 500 : 0)) / 8000;
            pcm[i] = (float) (0.3 * Math.sin(phase));
          }
          s.audio(pcm, 0, n);
          byte[] rgb = new byte[16 * 16 * 3];
          for (int k = 0; k < frames; k++) {
            s.frame(rgb);
          }
          s.commit();
        }
      }
      w.finish(SPLIT);
    }
  }

  @Test
  void melLatentsDescribeEachPairsWindowAndResume(@TempDir Path dir) throws Exception {
    makeDataset(dir);
    Config c = Config.defaults();
    try (Dataset ds = Dataset.open(dir)) {
      DatasetEncoding.Result r = DatasetEncoding.run(ds, "mel", c, Progress.SILENT);
      assertEquals(2, r.encodedSources());
      assertEquals(105, r.pairs());
      String id = r.record().id();
      assertEquals(64, r.record().dim());
      MelEncoder mel = (MelEncoder) Encoders.open("mel", DatasetEncoding.forDataset(c, ds));
      assertEquals(id, mel.id());
      float[] expect = new float[64];
      for (long pair = 0; pair < ds.size(); pair++) {
        mel.encodeWindow(ds.audioWindow(pair), 0, expect, 0);
        float[] got = new float[64];
        Npy.read(ds.latentFile(id, ds.sourceOf(pair))).row(ds.frameIndex(pair), got, 0);
        assertArrayEquals(expect, got, 1e-5f, "pair " + pair);
      }
      DatasetEncoding.Result again = DatasetEncoding.run(ds, "mel", c, Progress.SILENT);
      assertEquals(0, again.encodedSources());
      assertEquals(2, again.skippedSources());
      Files.delete(ds.latentFile(id, ds.sources().get(1)));
      assertEquals(1, DatasetEncoding.run(ds, "mel", c, Progress.SILENT).encodedSources());
    }
    try (Dataset ds = Dataset.open(dir)) {
      assertEquals(64, ds.latents("mel").dim(), "recorded in the manifest");
    }
  }

  @Test
  void pcaIsFittedStoredAndReopenable(@TempDir Path dir) throws Exception {
    makeDataset(dir);
    Config c = Config.defaults();
    try (Dataset ds = Dataset.open(dir)) {
      DatasetEncoding.run(ds, "mel", c, Progress.SILENT);
      DatasetEncoding.Result r = DatasetEncoding.run(ds, "mel?pca=4", c, Progress.SILENT);
      assertEquals(4, r.record().dim());
      assertTrue(r.record().spec().startsWith("mel?pca=latents/mel-64-pca4-"), r.record().spec());
      try (Dataset again = Dataset.open(dir)) {
        assertEquals(2, again.encoderIds().size(), "second set beside the first");
      }
      try (AudioEncoder enc =
          Encoders.open(r.record().spec(), DatasetEncoding.forDataset(c, ds), ds.dir())) {
        assertEquals(r.record().id(), enc.id());
        float[] z = new float[4];
        ((WindowEncoder) enc).encodeWindow(ds.audioWindow(7), 0, z, 0);
        assertArrayEquals(z, ds.latents(r.record().id()).row(7), 1e-5f);
      }
      assertEquals(
          0, DatasetEncoding.run(ds, "mel?pca=4", c, Progress.SILENT).encodedSources(), "same fit");
    }
  }

  /** A mel encoder that hides its window, to exercise the whole-signal path of other encoders. */
  static final class WholeSignal implements AudioEncoder {
    final MelEncoder mel;

    WholeSignal(MelEncoder mel) {
      this.mel = mel;
    }

    public String id() {
      return "whole-" + mel.id();
    }

    public String spec() {
      return "whole";
    }

    public int sampleRate() {
      return mel.sampleRate();
    }

    public int latentSize() {
      return mel.latentSize();
    }

    public int hop() {
      return mel.hop();
    }

    public int delay() {
      return 0;
    }

    public float[][] encode(float[] pcm) {
      return mel.encode(pcm);
    }

    public Session openSession() {
      return mel.openSession();
    }

    public void close() {}
  }

  @Test
  void wholeSignalEncodersGiveEachPairTheLastLatentBeforeItsEnd(@TempDir Path dir)
      throws Exception {
    makeDataset(dir);
    try (Dataset ds = Dataset.open(dir)) {
      MelEncoder mel = new MelEncoder(new MelEncoder.Params(8000, 640, 300, 16, 30, 4000), null);
      Dataset.Source src = ds.sources().get(0);
      float[] z =
          DatasetEncoding.encodeSource(
              ds, src, new WholeSignal(mel), Progress.SILENT.start("", 0, ""));
      Alignment a = ds.params().alignment();
      float[] win = new float[640];
      float[] expect = new float[16];
      for (int k = 0; k < src.pairs(); k++) {
        long end = a.end(k) / 300 * 300; // the last latent end at or before end(k)
        ds.audio(src).read(end - 640, win, 0, 640);
        mel.encodeWindow(win, 0, expect, 0);
        assertArrayEquals(
            expect, java.util.Arrays.copyOfRange(z, k * 16, k * 16 + 16), 1e-4f, "pair " + k);
      }
    }
  }

  @Test
  void encodeCommandRunsAndReportsTheId(@TempDir Path dir) throws Exception {
    makeDataset(dir);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine(new PrintWriter(out), new PrintWriter(err))
            .execute("encode", dir.toString(), "--encoder", "mel?bands=32");
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("mel-32-"), out.toString());
    code =
        Main.commandLine(new PrintWriter(out), new PrintWriter(err))
            .execute("encode", dir.toString(), "--encoder", "rave:" + dir.resolve("none.ts"));
    assertEquals(1, code);
    assertTrue(err.toString().contains("none.ts"), err.toString());
  }
}
