package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mvgen.encoder.AlignedLatents;
import org.mvgen.util.Progress;

class PipelineTest {
  static final int SR = 8000;
  static final int HOP = 256;
  static final int FPS = 25;
  static final int SIZE = 8;

  static TestModels.CollectSink render(float[] pcm, int delay, int batch, double smoothing)
      throws Exception {
    var enc = new TestModels.RmsEncoder(SR, HOP, delay);
    var gen = new TestModels.ColourGenerator(SIZE);
    var p = new Pipeline(enc, gen, new Pipeline.Settings(FPS, SIZE, smoothing, batch, false));
    var sink = new TestModels.CollectSink(SIZE);
    long limit = LatentInterpolator.framesFor(pcm.length, SR, FPS);
    p.run(new PcmSource(pcm, SR), sink, Progress.SILENT.start("", 0, ""), limit);
    return sink;
  }

  /** What frame k must be: the generator applied to the whole-signal latents interpolated. */
  static byte[] expected(float[] pcm, long k, double smoothing, LatentInterpolator li) {
    float[] z = new float[2];
    li.next(z, 0);
    byte[] rgb = new byte[SIZE * SIZE * 3];
    new TestModels.ColourGenerator(SIZE).generate(z, 1, rgb);
    return rgb;
  }

  @Test
  void renderCompensatesTheEncoderDelayExactlyAndLastsAsLongAsTheAudio() throws Exception {
    float[] pcm = TestModels.bursts(SR, 3.013);
    // A delay that is not a multiple of the hop, the case that goes wrong by a frame.
    TestModels.CollectSink sink = render(pcm, 700, 16, 0.05);
    long frames = LatentInterpolator.framesFor(pcm.length, SR, FPS);
    assertEquals(76, frames);
    assertEquals(frames, sink.frames.size());
    assertEquals(0, sink.frames.firstKey());
    assertEquals(pcm.length, sink.audio);
    // The reference: the training grid (the whole signal behind one hop of silence, delay
    // removed), the latent of each frame's training pair, smoothed.
    var li = new LatentInterpolator(LatentInterpolator.Mode.HOLD, 2, SR, HOP, FPS, 0.05);
    for (float[] z : AlignedLatents.encode(new TestModels.RmsEncoder(SR, HOP, 700), pcm)) {
      li.push(z);
    }
    for (Map.Entry<Long, byte[]> e : sink.frames.entrySet()) {
      assertArrayEquals(expected(pcm, e.getKey(), 0.05, li), e.getValue(), "frame " + e.getKey());
    }
    // The bursts are visible: loud and quiet frames differ.
    assertNotEquals(sink.frames.get(2L)[0], sink.frames.get(8L)[0]);
  }

  @Test
  void batchSizeAndDelayDoNotChangeTheFrames() throws Exception {
    float[] pcm = TestModels.bursts(SR, 2.0);
    var a = render(pcm, 0, 1, 0.1);
    var b = render(pcm, 1234, 7, 0.1);
    assertEquals(a.frames.size(), b.frames.size());
    for (long k : a.frames.keySet()) {
      assertArrayEquals(a.frames.get(k), b.frames.get(k), "frame " + k);
    }
  }

  @Test
  void framesAreScaledToTheOutputSize() throws Exception {
    var enc = new TestModels.RmsEncoder(SR, HOP, 0);
    var gen = new TestModels.ColourGenerator(4);
    var p = new Pipeline(enc, gen, new Pipeline.Settings(FPS, 10, 0, 4, false));
    var sink = new TestModels.CollectSink(10);
    p.run(new PcmSource(TestModels.bursts(SR, 0.4), SR), sink, Progress.SILENT.start("", 0, ""));
    assertEquals(10 * 10 * 3, sink.frames.firstEntry().getValue().length);
  }

  @Test
  void theLivePathFedFromAFileGivesTheSameFramesAsRender() throws Exception {
    float[] pcm = TestModels.bursts(SR, 1.5);
    var rendered = render(pcm, 700, 16, 0.08);

    var enc = new TestModels.RmsEncoder(SR, HOP, 700);
    var gen = new TestModels.ColourGenerator(SIZE);
    var live = new Pipeline(enc, gen, new Pipeline.Settings(FPS, SIZE, 0.08, 16, true));
    var sink = new TestModels.CollectSink(SIZE);
    Pipeline.Stats st;
    // The capture thread and ring of a microphone, fed in real time from the same samples.
    try (CaptureSource in = CaptureSource.pacedPcm(pcm, SR, 128, 0.5)) {
      st =
          live.run(
              in,
              sink,
              Progress.SILENT.start("", 0, ""),
              LatentInterpolator.framesFor(pcm.length, SR, FPS));
      assertEquals(0, in.droppedSamples());
    }
    assertEquals(0, st.skipped(), "a trivial generator keeps up in real time");
    assertEquals(rendered.frames.keySet(), sink.frames.keySet());
    for (long k : rendered.frames.keySet()) {
      assertArrayEquals(rendered.frames.get(k), sink.frames.get(k), "frame " + k);
    }
    assertTrue(gen.calls > rendered.frames.size() / 4, "live generates in small batches");
  }

  @Test
  void aWindowEncoderGivesEachFrameTheLatentOfItsOwnWindow() throws Exception {
    float[] pcm = TestModels.bursts(SR, 1.3);
    int window = 400;
    var enc = new TestModels.WindowRms(SR, 1000, window);
    var gen = new TestModels.ColourGenerator(SIZE);
    var p = new Pipeline(enc, gen, new Pipeline.Settings(FPS, SIZE, 0, 4, false));
    var sink = new TestModels.CollectSink(SIZE);
    p.run(new PcmSource(pcm, SR), sink, Progress.SILENT.start("", 0, ""));
    assertEquals(LatentInterpolator.framesFor(pcm.length, SR, FPS), sink.frames.size());
    float[] win = new float[window];
    float[] z = new float[2];
    byte[] rgb = new byte[SIZE * SIZE * 3];
    for (long k : sink.frames.keySet()) {
      long e = LatentInterpolator.endSample(k, SR, FPS);
      for (int i = 0; i < window; i++) {
        long s = e - window + i;
        win[i] = s < 0 ? 0 : pcm[(int) s];
      }
      enc.encodeWindow(win, 0, z, 0);
      gen.generate(z, 1, rgb);
      assertArrayEquals(rgb, sink.frames.get(k), "frame " + k);
    }
  }

  @Test
  void holdModeUsesTheLatestLatentEndingAtOrBeforeTheFrame() {
    var li = new LatentInterpolator(LatentInterpolator.Mode.HOLD, 1, 1000, 100, 30, 0);
    for (int n = 0; n < 30; n++) {
      li.push(new float[] {n});
    }
    float[] z = new float[1];
    for (int k = 0; li.ready(); k++) {
      li.next(z, 0);
      long e = LatentInterpolator.endSample(k, 1000, 30);
      assertEquals(e / 100, z[0], 0, "frame " + k);
    }
  }
}
