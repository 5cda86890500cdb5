package org.mvgen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvgen.torch.Torch;

class OptimTest {
  @BeforeAll
  static void load() throws Exception {
    Torch.load();
  }

  /** An update with non-finite gradients is skipped and counted; the weights stay as they were. */
  @Test
  void nonFiniteGradientsSkipTheUpdate() {
    Tensor w = Torch.tensor(new float[] {1, 2, 3}, 3).requires_grad_(true);
    try (Optim o =
        new Optim("a", Map.of("w", w), Optim.Settings.adam(), Schedule.constant(0.1, 0))) {
      o.prepare(0, 10);
      o.zeroGrad();
      torch.sum(w.mul(new org.bytedeco.pytorch.Scalar(Double.NaN))).backward();
      org.junit.jupiter.api.Assertions.assertFalse(o.step());
      org.junit.jupiter.api.Assertions.assertArrayEquals(
          new float[] {1, 2, 3}, Torch.floats(w.detach()));
      assertEquals(1, o.skipped());
      assertEquals(0, o.updates());
      o.zeroGrad();
      torch.sum(w.mul(w)).backward();
      org.junit.jupiter.api.Assertions.assertTrue(o.step());
      assertEquals(1, o.updates());
      assertEquals(0.9f, Torch.floats(w.detach())[0], 1e-6f);
    }
  }

  /** One Adam step moves every weight by the learning rate the schedule gives for that step. */
  @Test
  void theScheduledLearningRateIsTheOneApplied() {
    Tensor w = Torch.tensor(new float[] {1, 2, 3}, 3).requires_grad_(true);
    try (Optim o =
        new Optim("a", Map.of("w", w), Optim.Settings.adam(), Schedule.cosine(0.1, 4, 0))) {
      for (long step = 0; step < 3; step++) {
        float before = Torch.floats(w.detach())[0];
        o.prepare(step, 10);
        o.zeroGrad();
        torch.sum(w.mul(w)).backward();
        o.step();
        float after = Torch.floats(w.detach())[0];
        // Adam's first update is lr * sign(grad), whatever the gradient's size.
        double lr = 0.1 * (step + 1) / 4;
        if (step == 0) {
          assertEquals(lr, before - after, 1e-6);
        }
        assertEquals(lr, o.lr(), 1e-12);
      }
    }
  }

  /**
   * Two updates with different gradients follow Adam's formula with the betas given (which a
   * swapped beta1 and beta2 would not).
   */
  @Test
  void theBetasAreTheOnesGiven() {
    double b1 = 0.5;
    double b2 = 0.9;
    double lr = 0.01;
    Tensor w = Torch.tensor(new float[] {0}, 1).requires_grad_(true);
    try (Optim o =
        new Optim(
            "a",
            Map.of("w", w),
            new Optim.Settings(b1, b2, 1e-8, 0, false),
            Schedule.constant(lr, 0))) {
      double[] g = {1, 3};
      for (int k = 0; k < 2; k++) {
        o.prepare(k, 10);
        o.zeroGrad();
        w.mul(Torch.tensor(new float[] {(float) g[k]}, 1)).sum().backward();
        o.step();
      }
      double m = ((1 - b1) * b1 * g[0] + (1 - b1) * g[1]) / (1 - b1 * b1);
      double v = ((1 - b2) * b2 * g[0] * g[0] + (1 - b2) * g[1] * g[1]) / (1 - b2 * b2);
      double expected = -lr - lr * m / (Math.sqrt(v) + 1e-8);
      assertEquals(expected, Torch.floats(w.detach())[0], 1e-6);
    }
  }
}
