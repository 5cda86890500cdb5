package org.mvgen.rave.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.torch.Torch;

/** Architecture, sizes, weight-norm folding, streaming and the facade of the RAVE model. */
class RaveNetTest {
  @TempDir Path tmp;

  @BeforeAll
  static void load() throws Exception {
    Torch.load();
  }

  static float relErr(Tensor a, Tensor b) {
    return a.sub(b).norm().item_float() / b.norm().item_float();
  }

  @Test
  void v2HasThePublishedSizes() {
    torch.manual_seed(1);
    RaveConfig c = RaveConfig.named("v2");
    assertEquals(2048, c.hop());
    try (RaveNet net = new RaveNet(c, true);
        Module disc = net.discriminator();
        RaveNet plain = net.folded()) {
      Module enc = plain.named_children().get(1).value();
      assertEquals("encoder", plain.named_children().get(1).key().getString());
      // RAVE v2's exported encoder (weight norm removed): 16 046 592 weights.
      assertEquals(16_046_592, RaveNet.count(enc));
      long trainable = RaveNet.count(net) + RaveNet.count(disc);
      // RAVE v2 trains 58.7 M parameters (encoder 16.1 M, decoder 15.5 M, discriminators 27.1 M).
      assertEquals(58.7e6, trainable, 0.1e6, "trainable parameters " + trainable);
      assertEquals(27.1e6, RaveNet.count(disc), 0.05e6);
    }
  }

  @Test
  void namedConfigsAndOverrides() {
    for (String n : RaveConfig.NAMES) {
      assertEquals(n, RaveConfig.named(n).name());
    }
    RaveConfig live = RaveConfig.named("live");
    assertTrue(live.causal());
    assertTrue(live.hop() <= 512, "live hop " + live.hop());
    RaveConfig c =
        RaveConfig.named("small").toBuilder()
            .set("capacity", "8")
            .set("dilations", "1;1;1,3;1")
            .set("causal", "true")
            .build();
    assertEquals(8, c.capacity());
    assertEquals(List.of(List.of(1), List.of(1), List.of(1, 3), List.of(1)), c.dilations());
    assertTrue(c.causal());
    assertEquals(RaveConfig.named("small").latentSize(), c.latentSize());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RaveConfig.named("huge"));
    assertTrue(e.getMessage().contains("tiny, small, v2, live"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RaveConfig.named("tiny").toBuilder().set("ratios", "2,3").build());
    assertTrue(e.getMessage().contains("ratios"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RaveConfig.named("tiny").toBuilder().set("capacty", "3"));
    assertTrue(e.getMessage().contains("capacty"), e.getMessage());
  }

  @Test
  void shapesAndFoldingKeepTheFunction() {
    for (String name : List.of("tiny", "live")) {
      torch.manual_seed(2);
      RaveConfig c =
          RaveConfig.named(name).toBuilder().noise(name.equals("live")).noiseBands(4).build();
      try (NoGradGuard g = new NoGradGuard();
          RaveNet net = new RaveNet(c, true);
          RaveNet plain = net.folded()) {
        int frames = 5;
        Tensor x =
            torch.randn(2, 1, (long) frames * c.hop()).mul(new org.bytedeco.pytorch.Scalar(0.1));
        Tensor z = net.encode(x);
        assertArrayEquals(new long[] {2, 2L * c.latentSize(), frames}, z.sizes().vec().get());
        Tensor zp = plain.encode(x);
        assertTrue(relErr(zp, z) < 1e-5, name + " folded encoder differs: " + relErr(zp, z));
        Tensor noise = c.noise() ? torch.rand(net.noiseShape(2, frames)) : null;
        Tensor y = net.decode(net.mean(z), noise);
        assertArrayEquals(new long[] {2, 1, (long) frames * c.hop()}, y.sizes().vec().get());
        Tensor yp = plain.decode(plain.mean(zp), noise);
        assertTrue(relErr(yp, y) < 1e-5, name + " folded decoder differs: " + relErr(yp, y));
      }
    }
  }

  @Test
  void streamingEncodeEqualsOfflineEncode() {
    torch.manual_seed(3);
    RaveConfig c = RaveConfig.named("live").toBuilder().capacity(8).build();
    float[] audio = PqmfTest.synthMusic(44_100, 40 * c.hop() + 123, 5);
    try (RaveNet net = new RaveNet(c, true);
        RaveAutoencoder m = RaveAutoencoder.of(net)) {
      float[][] offline = m.encodeMean(audio);
      assertEquals(41, offline.length);
      try (StreamingEncoder s = m.openStream()) {
        // Pieces of awkward sizes: one sample, less than a hop, several hops.
        int[] sizes = {1, 300, 511, 2048, 5, 1000, 4000};
        Random rnd = new Random(9);
        float[][] got = new float[offline.length][];
        int n = 0;
        int pos = 0;
        int k = 0;
        float[] padded = java.util.Arrays.copyOf(audio, offline.length * c.hop());
        while (pos < padded.length) {
          int len = Math.min(sizes[k++ % sizes.length] + rnd.nextInt(3), padded.length - pos);
          for (float[] z : s.push(padded, pos, len)) {
            got[n++] = z;
          }
          pos += len;
        }
        assertEquals(offline.length, n);
        // The model is causal and the stream caches exactly the left padding of every
        // convolution, so no delay needs compensating: frame n of the stream is frame n offline.
        for (int i = 0; i < n; i++) {
          for (int d = 0; d < c.latentSize(); d++) {
            assertEquals(
                offline[i][d],
                got[i][d],
                1e-5 + 1e-4 * Math.abs(offline[i][d]),
                "frame " + i + " dim " + d);
          }
        }
        s.reset();
        float[][] again = s.push(padded, 0, 3 * c.hop());
        assertArrayEquals(offline[2], again[2], 1e-5f);
      }
    }
  }

  @Test
  void aCentredModelRefusesToStream() {
    try (RaveNet net = new RaveNet(RaveConfig.named("tiny"), false);
        RaveAutoencoder m = RaveAutoencoder.of(net)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, m::openStream);
      assertTrue(e.getMessage().contains("causal"), e.getMessage());
    }
  }

  @Test
  void weightsRoundTripThroughTheDirectoryFormat() throws Exception {
    torch.manual_seed(4);
    RaveConfig c = RaveConfig.named("tiny");
    float[] audio = PqmfTest.synthMusic(44_100, 20 * c.hop(), 1);
    try (RaveNet net = new RaveNet(c, true);
        RaveAutoencoder a = RaveAutoencoder.of(net)) {
      RaveWeights.write(tmp, c, RaveNet.state(net));
      assertEquals(c, RaveWeights.config(tmp));
      try (RaveAutoencoder b = RaveAutoencoder.load(tmp)) {
        float[][] za = a.encodeMean(audio);
        float[][] zb = b.encodeMean(audio);
        for (int i = 0; i < za.length; i++) {
          assertArrayEquals(za[i], zb[i], 1e-6f);
        }
        float[] y = b.decode(zb);
        assertEquals(audio.length, y.length);
      }
    }
  }

  @Test
  void theScheduleIsAFunctionOfTheStep() {
    RaveConfig c = RaveConfig.named("v2");
    assertEquals(1, RaveSchedule.phase(c, 999_999));
    assertEquals(2, RaveSchedule.phase(c, 1_000_000));
    assertEquals(1e-6, RaveSchedule.beta(c, 0), 1e-12);
    assertEquals(Math.sqrt(1e-6 * 5e-2), RaveSchedule.beta(c, 10_000), 1e-9);
    assertEquals(5e-2, RaveSchedule.beta(c, 20_000), 1e-12);
    assertEquals(5e-2, RaveSchedule.beta(c, 5_000_000), 1e-12);
    assertEquals(1e-3, RaveSchedule.generatorLr(c, 0), 1e-12);
    assertEquals(0.55e-3, RaveSchedule.generatorLr(c, 500_000), 1e-12);
    assertEquals(1e-4, RaveSchedule.generatorLr(c, 3_000_000), 1e-12);
    assertTrue(!RaveSchedule.trainsDiscriminator(c, 4));
    assertTrue(RaveSchedule.trainsDiscriminator(c, 1_000_000));
    assertTrue(!RaveSchedule.trainsDiscriminator(c, 1_000_001));
  }

  /**
   * The multiband crop is the receptive field: outputs inside it do not change when the example is
   * embedded in more audio (what lies beyond the example replaces the zero padding), while the
   * outputs at the example's ends do. (Whether the crop is no wider than needed cannot be seen this
   * way: at the edge of the field a random model's influence is ~1e-9, the size of the rounding
   * differences between the two shapes; {@link #v2CropsAboutWhatRaveDoes} compares its width with
   * RAVE's.)
   */
  @Test
  void theMultibandCropIsWhatThePaddingReaches() {
    torch.manual_seed(3);
    RaveConfig c = RaveConfig.named("tiny").toBuilder().exampleSize(16384).build();
    try (RaveNet net = new RaveNet(c, true);
        NoGradGuard g = new NoGradGuard()) {
      int[] crop = net.receptiveField(c.exampleSize());
      int m = c.bands();
      int frames = c.exampleSize() / m;
      assertTrue(
          crop[0] > 0 && crop[1] > 0 && crop[0] + crop[1] < frames,
          "crop " + crop[0] + ", " + crop[1]);
      int hopBands = c.hop() / m;
      int pad = (Math.max(crop[0], crop[1]) / hopBands + 1) * hopBands;
      Tensor x = torch.randn(1, m, frames);
      Tensor wide =
          torch.cat(
              new org.bytedeco.pytorch.TensorVector(
                  torch.randn(1, m, pad), x, torch.randn(1, m, pad)),
              2);
      Tensor y = net.decodeBands(net.mean(net.encodeBands(x)), null);
      Tensor yw = net.decodeBands(net.mean(net.encodeBands(wide)), null).narrow(2, pad, frames);
      long keep = frames - crop[0] - crop[1];
      Tensor inside = y.narrow(2, crop[0], keep).sub(yw.narrow(2, crop[0], keep)).abs().max();
      assertTrue(
          inside.item_float() < 1e-5,
          "inside the crop the padding still shows: " + inside.item_float());
      float ends =
          y.narrow(2, 0, 1)
              .sub(yw.narrow(2, 0, 1))
              .abs()
              .max()
              .add(y.narrow(2, frames - 1, 1).sub(yw.narrow(2, frames - 1, 1)).abs().max())
              .item_float();
      assertTrue(ends > 1e-4, "the padding should shape the ends: " + ends);
    }
  }

  /**
   * RAVE v2 measures its crop at about 41 % of an example (615 ms left, 599 ms right, by
   * gradients); mvgen's exact reach for the same architecture is 1 534 band samples (556 ms) each
   * side, 37.5 %.
   */
  @Test
  void v2CropsAboutWhatRaveDoes() {
    torch.manual_seed(1);
    RaveConfig c = RaveConfig.named("v2");
    assertTrue(c.multibandCrop());
    try (RaveNet net = new RaveNet(c, true)) {
      int[] crop = net.receptiveField(c.exampleSize());
      double fraction = (double) (crop[0] + crop[1]) * c.bands() / c.exampleSize();
      assertEquals(0.39, fraction, 0.06, "crop " + crop[0] + " + " + crop[1] + " band samples");
    }
  }

  /** Runs started before the field existed keep their identity: false is left out of the JSON. */
  @Test
  void theCropIsLeftOutOfTheJsonWhereOff() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    for (String n : List.of("tiny", "small", "live")) {
      RaveConfig c = RaveConfig.named(n);
      assertTrue(!c.multibandCrop(), n);
      String s = json.writeValueAsString(c);
      assertTrue(!s.contains("multibandCrop"), s);
      assertEquals(c, json.readValue(s, RaveConfig.class));
    }
    String v2 = json.writeValueAsString(RaveConfig.named("v2"));
    assertTrue(v2.contains("\"multibandCrop\":true"), v2);
    assertTrue(
        RaveConfig.named("small").toBuilder().set("multibandCrop", "true").build().multibandCrop());
  }
}
