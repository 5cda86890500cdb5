package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.audio.WavWriter;
import org.mvgen.cli.Main;
import org.mvgen.config.Config;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.DecoderNet;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.Encoders;
import org.mvgen.torch.Torch;
import org.mvgen.util.Progress;

/**
 * Generation with the real parts: the mel encoder and a decoder bundle loaded through libtorch
 * (untrained weights: what is tested is the plumbing, alignment and determinism, not beauty).
 */
class RealModelIT {
  static final int SR = 44100;
  @TempDir static Path dir;
  static Path bundle;
  static Path song;

  @BeforeAll
  static void makeModelAndSong() throws Exception {
    Torch.load();
    Config c = Config.defaults();
    try (AudioEncoder enc = Encoders.open("mel", c)) {
      DecoderSpec spec = new DecoderSpec(enc.latentSize(), 64, 32, 8, 3, "batch");
      bundle = dir.resolve("model.mvgen");
      new DecoderBundle(spec, enc.id(), enc.spec(), LatentNorm.identity(enc.latentSize()), Map.of())
          .write(bundle, new DecoderNet(spec));
    }
    song = dir.resolve("song.wav");
    float[] pcm = DemoMusic.track(4, 3.0, SR);
    try (WavWriter w = new WavWriter(song, SR)) {
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
  }

  static int mvgen(StringWriter out, StringWriter err, String... args) {
    return Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
  }

  @Test
  void renderWritesTheSameVideoTwiceAsLongAsTheSong() throws Exception {
    Path a = dir.resolve("a.mp4");
    Path b = dir.resolve("b.mp4");
    for (Path p : new Path[] {a, b}) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code =
          mvgen(
              out,
              err,
              "render",
              song.toString(),
              "--model",
              bundle.toString(),
              "-o",
              p.toString(),
              "--size",
              "128");
      assertEquals(Main.Exit.OK, code, err.toString());
      assertTrue(out.toString().contains("75 frames"), out.toString());
    }
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(a.toFile())) {
      g.start();
      assertEquals(128, g.getImageWidth());
      assertEquals(3.0, g.getLengthInTime() / 1e6, 0.05);
    }
  }

  @Test
  void renderStartAndDurationCutThePreview() throws Exception {
    Path p = dir.resolve("cut.mp4");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        mvgen(
            out,
            err,
            "render",
            song.toString(),
            "--model",
            bundle.toString(),
            "-o",
            p.toString(),
            "--start",
            "1",
            "--duration",
            "1.2");
    assertEquals(Main.Exit.OK, code, err.toString());
    assertTrue(out.toString().contains("30 frames"), out.toString());
  }

  @Test
  void theLivePathGivesTheSameFramesAsRenderWithTheRealModel() throws Exception {
    Config c = Config.defaults();
    float[] pcm = org.mvgen.media.AudioReader.decodeAll(song, SR, 0, 2.0);
    Pipeline.Settings s = GenerateSettings.render(c);
    var rendered = new TestModels.CollectSink(s.size());
    var live = new TestModels.CollectSink(s.size());
    try (Model m = Model.open(bundle, null, null, c)) {
      new Pipeline(m.encoder(), m.generator(), s)
          .run(
              new PcmSource(pcm, SR),
              rendered,
              Progress.SILENT.start("", 0, ""),
              LatentInterpolator.framesFor(pcm.length, SR, s.fps()));
      Pipeline.Stats st;
      try (CaptureSource in = CaptureSource.pacedPcm(pcm, SR, 256, 0.5)) {
        st =
            new Pipeline(m.encoder(), m.generator(), s.withLive(true))
                .run(
                    in,
                    live,
                    Progress.SILENT.start("", 0, ""),
                    LatentInterpolator.framesFor(pcm.length, SR, s.fps()));
      }
      assertEquals(0, st.skipped());
    }
    assertEquals(rendered.frames.keySet(), live.frames.keySet());
    for (long k : rendered.frames.keySet()) {
      assertArrayEquals(rendered.frames.get(k), live.frames.get(k), "frame " + k);
    }
  }
}
