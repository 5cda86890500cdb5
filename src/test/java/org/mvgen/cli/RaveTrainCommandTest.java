package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.audio.WavWriter;
import org.mvgen.config.Config;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.Encoders;
import org.mvgen.rave.MvraveFile;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.util.ZipFiles;

/**
 * {@code mvgen rave preprocess / train / export / reconstruct} end to end with the {@code tiny}
 * config on a few seconds of generated audio: a few steps, a resume across the phase boundary,
 * reconstructions to hear and see, a {@code .mvrave} the encoder layer opens, and a reconstructed
 * WAV at the model's rate.
 */
class RaveTrainCommandTest {
  static final int RATE = 16000;

  /** {@code seconds} of two gliding partials with a slow wobble (every stretch differs). */
  static float[] music(double seconds) {
    int n = (int) (seconds * RATE);
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      double t = i / (double) RATE;
      double env = 0.35 + 0.15 * Math.sin(2 * Math.PI * 0.7 * t);
      s[i] =
          (float)
              (env * Math.sin(2 * Math.PI * (220 * t + 40 * t * t))
                  + 0.2 * Math.sin(2 * Math.PI * 660 * t));
    }
    return s;
  }

  static void wav(Path f, float[] pcm) throws Exception {
    try (WavWriter w = new WavWriter(f, RATE)) {
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
  }

  /** Sample rate and sample count of a float WAV written by {@link WavWriter}. */
  static int[] wavInfo(Path f) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
    return new int[] {b.getInt(24), b.getInt(40) / 4};
  }

  @Test
  void trainsResumesExportsAndReconstructs(@TempDir Path dir) throws Exception {
    Path song = dir.resolve("song.wav");
    wav(song, music(8));
    Path rd = dir.resolve("rd");
    CliTest.Run p =
        CliTest.run(
            "rave",
            "preprocess",
            song.toString(),
            "-o",
            rd.toString(),
            "--sample-rate",
            String.valueOf(RATE),
            "--example-length",
            "8192",
            "--set",
            "rave.val_fraction=0.3",
            "--set",
            "rave.split_block=2");
    assertEquals(0, p.code(), p.out() + p.err());

    Path run = dir.resolve("run");
    String[] common = {
      "--out",
      run.toString(),
      "--model-config",
      "tiny",
      "--model-set",
      "phase1Steps=4",
      "--model-set",
      "discEvery=2",
      "--set",
      "rave.train.preview_every=2",
      "--set",
      "rave.train.validate_every=2",
      "--set",
      "rave.train.checkpoint_every=2",
      "--set",
      "rave.train.reconstructions=2",
      "--set",
      "rave.train.reconstruction_seconds=0.5",
      "--set",
      "rave.train.threads=1"
    };
    CliTest.Run t =
        CliTest.run(concat(new String[] {"rave", "train", rd.toString(), "--steps", "3"}, common));
    assertEquals(0, t.code(), t.out() + t.err());
    assertTrue(t.out().contains("Training RAVE 'tiny'"), t.out());
    assertTrue(t.out().contains("Done at step 3 (phase 1)"), t.out());
    assertTrue(t.out().contains("Next: mvgen rave export"), t.out());
    Path rec = run.resolve("reconstructions");
    for (String f : new String[] {"step-0000002.wav", "step-0000002.png", "step-0000003.wav"}) {
      assertTrue(Files.size(rec.resolve(f)) > 1000, f);
    }
    // Two held-out examples of 0.5 s and their reconstructions, a quarter second apart.
    assertArrayEquals(
        new int[] {RATE, 4 * RATE / 2 + 3 * RATE / 4}, wavInfo(rec.resolve("step-0000002.wav")));
    assertTrue(Files.isRegularFile(run.resolve("loss.png")));
    assertTrue(Files.isRegularFile(run.resolve("rave-weights/index.json")));

    // Resume into phase 2 (steps 4 and 5).
    CliTest.Run r =
        CliTest.run(
            concat(
                new String[] {"rave", "train", rd.toString(), "--steps", "6", "--resume"}, common));
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("Done at step 6 (phase 2)"), r.out());
    assertTrue(Files.isRegularFile(rec.resolve("step-0000006.png")));
    // Once more at its end: nothing to do, said so (no NaN loss, no 0 examples/s).
    CliTest.Run again =
        CliTest.run(
            concat(
                new String[] {"rave", "train", rd.toString(), "--steps", "6", "--resume"}, common));
    assertEquals(0, again.code(), again.out() + again.err());
    assertTrue(again.out().contains("Nothing left to train: the run is at step 6"), again.out());
    assertTrue(!again.out().contains("NaN"), again.out());

    // Export: one file the encoder layer opens, encoding as the trained weights do.
    Path model = dir.resolve("m.mvrave");
    CliTest.Run e = CliTest.run("rave", "export", run.toString(), "-o", model.toString());
    assertEquals(0, e.code(), e.out() + e.err());
    Map<String, byte[]> entries = ZipFiles.read(model);
    assertTrue(entries.containsKey("mvrave.json") && entries.containsKey("weights.f32"));
    float[] x = music(1);
    try (AudioEncoder enc = Encoders.open("rave:" + model, Config.defaults());
        RaveAutoencoder trained = RaveAutoencoder.load(run.resolve("rave-weights"))) {
      assertTrue(enc.id().startsWith("mvrave-tiny-8-"), enc.id());
      assertEquals(RATE, enc.sampleRate());
      float[][] z = enc.encode(x);
      assertEquals((x.length + enc.hop() - 1) / enc.hop(), z.length);
      assertArrayEquals(trained.encodeMean(x)[5], z[5], 0f, "the export encodes as the run");
      assertArrayEquals(z[7], enc.encode(x)[7], 0f, "deterministic");
    }

    // A TorchScript export takes over the latent PCA training fitted (RAVE's latent_mean,
    // latent_pca, fidelity), from the .mvrave as from the run.
    Path ts = dir.resolve("m.ts");
    CliTest.Run te =
        CliTest.run(
            "rave", "export", model.toString(), "--format", "torchscript", "-o", ts.toString());
    assertEquals(0, te.code(), te.out() + te.err());
    assertTrue(te.out().contains("with the latent PCA fitted in training"), te.out());
    try (RaveAutoencoder trained = RaveAutoencoder.load(run.resolve("rave-weights"));
        AudioEncoder enc = Encoders.open("rave:" + ts, Config.defaults())) {
      org.mvgen.encoder.Pca pca = trained.latentPca().orElseThrow();
      float[] expected = new float[pca.dim()];
      pca.project(trained.encodeMean(x)[5], 0, expected, 0);
      float[] z = enc.encode(x)[5];
      for (int k = 0; k < expected.length; k++) {
        assertEquals(expected[k], z[k], 1e-4 + 1e-4 * Math.abs(expected[k]), "dim " + k);
      }
    }

    // Reconstruct from the file and from the run folder.
    Path out = dir.resolve("rec.wav");
    CliTest.Run c =
        CliTest.run(
            "rave",
            "reconstruct",
            song.toString(),
            "-o",
            out.toString(),
            "--model",
            model.toString());
    assertEquals(0, c.code(), c.out() + c.err());
    assertArrayEquals(new int[] {RATE, 8 * RATE}, wavInfo(out));
    assertTrue(Files.size(dir.resolve("rec.png")) > 1000);
    java.util.regex.Matcher d =
        java.util.regex.Pattern.compile("Spectral distance to the input: ([0-9.]+)")
            .matcher(c.out());
    assertTrue(d.find(), c.out());
    double dist = Double.parseDouble(d.group(1));
    assertTrue(dist > 0 && dist < 100, "a finite distance for an 8-step model: " + dist);
    Path out2 = dir.resolve("rec2.wav");
    CliTest.Run c2 =
        CliTest.run(
            "rave",
            "reconstruct",
            song.toString(),
            "-o",
            out2.toString(),
            "--model",
            run.toString());
    assertEquals(0, c2.code(), c2.out() + c2.err());
    assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(out2));
  }

  @Test
  void badModelsAndRunsAreNamed(@TempDir Path dir) throws Exception {
    CliTest.Run e =
        CliTest.run("rave", "export", dir.toString(), "-o", dir.resolve("m.mvrave").toString());
    assertEquals(Main.Exit.INPUT, e.code());
    assertTrue(e.err().contains("holds no trained RAVE weights"), e.err());
    Path fake = dir.resolve("fake.mvrave");
    Files.writeString(fake, "no");
    CliTest.Run c =
        CliTest.run(
            "rave",
            "reconstruct",
            fake.toString(),
            "-o",
            dir.resolve("o.wav").toString(),
            "--model",
            fake.toString());
    assertEquals(Main.Exit.INPUT, c.code());
    assertTrue(c.err().contains(fake + " is not an mvgen RAVE model"), c.err());
    CliTest.Run bad =
        CliTest.run(
            "rave",
            "train",
            dir.toString(),
            "-o",
            dir.resolve("run").toString(),
            "--model-config",
            "huge");
    assertEquals(Main.Exit.INPUT, bad.code());
    assertTrue(MvraveFile.VERSION >= 1);
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
