package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.DatasetWriter;
import org.mvgen.dataset.ImageCodec;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.Encoders;
import org.mvgen.rave.RaveFixture;
import org.mvgen.util.Progress;

/**
 * Generation shows the decoder exactly the latents it was trained on: for every frame of a song,
 * the latent {@code render} (and, for streaming encoders, {@code live}) hands the generator equals
 * the latent {@code mvgen encode} stored for the training pair at the same time.
 */
class TrainingLatentsTest {
  static final int SR = 44100;
  static final int FPS = 25;

  /** Records the latent of every frame it is asked for; draws nothing. */
  static final class LatentRecorder implements FrameGenerator {
    final int dim;
    final List<float[]> seen = new ArrayList<>();

    LatentRecorder(int dim) {
      this.dim = dim;
    }

    @Override
    public int latentSize() {
      return dim;
    }

    @Override
    public int frameSize() {
      return 2;
    }

    @Override
    public void generate(float[] latents, int n, byte[] rgb) {
      for (int i = 0; i < n; i++) {
        seen.add(java.util.Arrays.copyOfRange(latents, i * dim, (i + 1) * dim));
      }
    }

    @Override
    public void close() {}
  }

  /** A 2.3 s song of tone bursts, stored as a one-source dataset at 44.1 kHz and 25 fps. */
  static float[] makeDataset(Path dir) throws Exception {
    float[] pcm = TestModels.bursts(SR, 2.3);
    DatasetParams p = new DatasetParams(SR, FPS, 8, 2048);
    try (DatasetWriter w = DatasetWriter.create(dir, p, new ImageCodec(8, 0), 100)) {
      try (DatasetWriter.SourceWriter s = w.source("song", "song.mkv", "/x/song", Map.of())) {
        s.audio(pcm, 0, pcm.length);
        byte[] rgb = new byte[8 * 8 * 3];
        for (long k = 0; k < LatentInterpolator.framesFor(pcm.length, SR, FPS); k++) {
          s.frame(rgb);
        }
        s.commit();
      }
      w.finish(new SplitConfig(SplitConfig.Mode.BLOCKS, 0.1, 1.0, 1));
    }
    return pcm;
  }

  static List<float[]> generate(AudioEncoder enc, float[] pcm, boolean live) throws Exception {
    var gen = new LatentRecorder(enc.latentSize());
    var p = new Pipeline(enc, gen, new Pipeline.Settings(FPS, 2, 0, 4, live));
    long frames = LatentInterpolator.framesFor(pcm.length, SR, FPS);
    if (live) {
      try (CaptureSource in = CaptureSource.pacedPcm(pcm, SR, 512, 1.0)) {
        Pipeline.Stats st =
            p.run(in, new TestModels.CollectSink(2), Progress.SILENT.start("", 0, ""), frames);
        assertEquals(0, st.skipped(), "frames skipped: the comparison needs them all");
      }
    } else {
      p.run(
          new PcmSource(pcm, SR),
          new TestModels.CollectSink(2),
          Progress.SILENT.start("", 0, ""),
          frames);
    }
    assertEquals(frames, gen.seen.size());
    return gen.seen;
  }

  static void assertTrainingLatents(Dataset ds, String id, List<float[]> got, String what)
      throws Exception {
    var z = ds.latents(id);
    for (int k = 0; k < got.size(); k++) {
      assertArrayEquals(z.row(k), got.get(k), 1e-5f, what + ": frame " + k);
    }
  }

  @Test
  void renderGivesEveryFrameTheLatentOfItsTrainingPair(@TempDir Path dir) throws Exception {
    float[] pcm = makeDataset(dir.resolve("data"));
    Config c = Config.defaults();
    for (boolean streaming : new boolean[] {false, true}) {
      RaveFixture.Spec spec = RaveFixture.small(RaveFixture.Version.V2, streaming, 5);
      Path model = dir.resolve(streaming ? "streaming.ts" : "offline.ts");
      RaveFixture.write(spec, model);
      String encoder =
          "rave:" + model + (streaming ? "?delay=" + RaveFixture.streamingDelay(spec) : "");
      try (Dataset ds = Dataset.open(dir.resolve("data"));
          AudioEncoder enc = Encoders.open(encoder, c)) {
        String id = DatasetEncoding.run(ds, encoder, c, Progress.SILENT).record().id();
        List<float[]> rendered = generate(enc, pcm, false);
        assertTrainingLatents(ds, id, rendered, (streaming ? "streaming" : "offline") + " render");
        // The latents move with the bursts: the comparison is not between constants.
        assertFalse(java.util.Arrays.equals(rendered.get(3), rendered.get(30)));
        if (streaming) {
          // Live hears no future, and a streaming export needs none: the same latents.
          assertTrainingLatents(ds, id, generate(enc, pcm, true), "streaming live");
        }
      }
    }
  }
}
