package org.mvgen.rave;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.audio.WavWriter;
import org.mvgen.cli.Main;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.DatasetEncodingTest;
import org.mvgen.encoder.Encoders;
import org.mvgen.generate.Model;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveNet;
import org.mvgen.rave.model.RaveWeights;
import org.mvgen.torch.Torch;
import org.mvgen.util.Progress;

/**
 * A decoder trained on the latents of a {@code .mvrave} encoder is one file: with the {@code
 * .mvrave} and the dataset deleted, {@code model.mvgen} still generates the same frames and
 * renders; and a causal model streams as it encodes.
 */
class MvraveBundleTest {
  record Out(int code, String out, String err) {}

  static Out mvgen(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Out(code, out.toString(), err.toString());
  }

  /** A randomly initialised model of {@code config} exported as a .mvrave file. */
  static Path mvrave(RaveConfig config, Path dir) throws Exception {
    Torch.load();
    torch.manual_seed(7);
    Path w = dir.resolve("weights");
    try (RaveNet net = new RaveNet(config, false)) {
      RaveWeights.write(w, config, RaveNet.state(net));
    }
    Path f = dir.resolve("enc.mvrave");
    MvraveFile.write(w, f);
    return f;
  }

  static RaveConfig tinyAt8k() {
    return RaveConfig.named("tiny").toBuilder().sampleRate(8000).build();
  }

  static byte[] frames(Path bundle) throws Exception {
    try (Model m = Model.open(bundle, null, null, Config.defaults())) {
      float[] pcm = new float[8000];
      for (int i = 0; i < pcm.length; i++) {
        pcm[i] = (float) (0.4 * Math.sin(2 * Math.PI * (200 + i / 10.0) * i / 8000.0));
      }
      float[][] z = m.encoder().encode(pcm);
      int d = m.encoder().latentSize();
      float[] flat = new float[z.length * d];
      for (int i = 0; i < z.length; i++) {
        System.arraycopy(z[i], 0, flat, i * d, d);
      }
      int fb = m.generator().frameSize() * m.generator().frameSize() * 3;
      byte[] rgb = new byte[z.length * fb];
      m.generator().generate(flat, z.length, rgb);
      return rgb;
    }
  }

  @Test
  void aDecoderOnMvraveLatentsCarriesItsEncoder(@TempDir Path tmp) throws Exception {
    Path work = tmp.resolve("work");
    Path enc = mvrave(tinyAt8k(), Files.createDirectories(work));
    Path data = work.resolve("data");
    DatasetEncodingTest.makeDataset(data);
    String id;
    try (Dataset ds = Dataset.open(data)) {
      id =
          DatasetEncoding.run(
                  ds, "rave:" + enc.toAbsolutePath(), Config.defaults(), Progress.SILENT)
              .record()
              .id();
    }
    assertTrue(id.startsWith("mvrave-tiny-8-"), id);
    Path run = work.resolve("run");
    Out t =
        mvgen(
            "train",
            data.toString(),
            "--encoder",
            id,
            "--out",
            run.toString(),
            "--steps",
            "3",
            "--batch-size",
            "4",
            "--set",
            "model.width=16",
            "--set",
            "model.min_width=8",
            "--set",
            "model.depth=2",
            "--set",
            "train.warmup_steps=1",
            "--set",
            "train.loader_threads=1",
            "--set",
            "train.threads=1");
    assertEquals(0, t.code(), t.out() + t.err());
    Path model = run.resolve("model.mvgen");
    DecoderBundle b = DecoderBundle.read(model);
    assertEquals(id, b.encoderId());
    assertEquals(List.of("encoder.mvrave"), List.copyOf(b.encoderFiles().keySet()));
    assertArrayEquals(Files.readAllBytes(enc), b.encoderFiles().get("encoder.mvrave"));
    byte[] before = frames(model);

    Path moved = Files.copy(model, tmp.resolve("model.mvgen"));
    try (Stream<Path> files = Files.walk(work)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertFalse(Files.exists(enc));
    assertArrayEquals(before, frames(moved), "the carried encoder gives the same latents");

    Path song = tmp.resolve("song.wav");
    try (WavWriter w = new WavWriter(song, 8000)) {
      float[] pcm = new float[8000];
      for (int i = 0; i < pcm.length; i++) {
        pcm[i] = (float) (0.3 * Math.sin(2 * Math.PI * 300 * i / 8000.0));
      }
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
    Path mp4 = tmp.resolve("out.mp4");
    Out r =
        mvgen(
            "render",
            song.toString(),
            "--model",
            moved.toString(),
            "-o",
            mp4.toString(),
            "--size",
            "32");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(Files.size(mp4) > 0);
  }

  @Test
  void aCausalModelStreamsWhatItEncodesLateByItsDelay(@TempDir Path tmp) throws Exception {
    RaveConfig c = tinyAt8k().toBuilder().name("live").causal(true).build();
    Path f = mvrave(c, tmp);
    float[] pcm = new float[4000];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (float) (0.4 * Math.sin(2 * Math.PI * (150 + i / 8.0) * i / 8000.0));
    }
    try (AudioEncoder e = Encoders.open("rave:" + f, Config.defaults());
        AudioEncoder.Session s = e.openSession()) {
      int hop = e.hop();
      int delay = e.delay();
      assertTrue(delay > 0, "a causal PQMF lags");
      float[][] offline = e.encode(pcm);
      // The session's latent k describes the audio ending at (k + 1) hop - delay: with the audio
      // shifted by the lead encode adds, it is encode's latent k - ceil(delay / hop).
      int lead = (hop - delay % hop) % hop;
      int drop = (delay + hop - 1) / hop;
      float[] shifted = new float[lead + pcm.length];
      System.arraycopy(pcm, 0, shifted, lead, pcm.length);
      java.util.List<float[]> streamed = new java.util.ArrayList<>();
      for (int off = 0; off < shifted.length; off += 300) {
        int n = Math.min(300, shifted.length - off);
        streamed.addAll(java.util.Arrays.asList(s.push(shifted, off, n)));
      }
      for (int n = 2; n < streamed.size() - drop; n++) {
        assertArrayEquals(offline[n], streamed.get(n + drop), 1e-5f, "latent " + n);
      }
    }
    try (AudioEncoder e =
        Encoders.open("rave:" + mvrave(tinyAt8k(), tmp.resolve("c")), Config.defaults())) {
      assertEquals(0, e.delay());
      var x = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, e::openSession);
      assertTrue(x.getMessage().contains("not causal"), x.getMessage());
    }
  }
}
