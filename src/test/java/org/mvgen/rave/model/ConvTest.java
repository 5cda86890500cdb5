package org.mvgen.rave.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvgen.torch.Torch;

/** Kernel-1 convolutions computed as a matrix product equal libtorch's convolution. */
class ConvTest {
  @BeforeAll
  static void load() throws Exception {
    Torch.load();
  }

  static float relErr(Tensor a, Tensor b) {
    return a.sub(b).norm().item_float() / b.norm().item_float();
  }

  /** libtorch's conv1d of {@code c}'s weight and bias on {@code x} (no padding, kernel 1). */
  static Tensor reference(Conv c, Tensor x) {
    TensorOptional bias = c.bias() == null ? new TensorOptional() : new TensorOptional(c.bias());
    return torch.conv1d(
        x, c.weight(), bias, new long[] {1}, new long[] {0}, new long[] {c.dilation}, 1);
  }

  @Test
  void pointwiseEqualsConv1dWithItsGradients() {
    for (boolean weightNorm : new boolean[] {false, true}) {
      for (boolean bias : new boolean[] {false, true}) {
        for (int batch : new int[] {1, 3}) {
          torch.manual_seed(11);
          String what = "weightNorm=" + weightNorm + " bias=" + bias + " batch=" + batch;
          // Dilation 3: irrelevant for kernel 1, as in the residual units' second convolution.
          Conv c = new Conv(Conv.Kind.CONV1D, 24, 40, 1, 1, 3, 0, 0, weightNorm, bias);
          assertTrue(c.pointwise(), what);
          Tensor x = torch.randn(batch, 24, 37).set_requires_grad(true);
          Tensor y = c.forward(x);
          Tensor r = reference(c, x);
          assertArrayEquals(r.sizes().vec().get(), y.sizes().vec().get(), what);
          assertTrue(relErr(y, r) < 1e-6, what + ": output differs " + relErr(y, r));
          assertTrue(y.is_contiguous(), what + ": output not contiguous");

          // Gradients with respect to the input and every parameter equal the convolution's.
          // The second backward pass adds to the parameters' gradients: subtract the first.
          Tensor up = torch.randn(y.sizes().vec().get());
          Tensor[] params = c.parameters().get();
          y.mul(up).sum().backward();
          Tensor[] gy = new Tensor[params.length];
          for (int i = 0; i < params.length; i++) {
            gy[i] = params[i].grad().clone();
          }
          Tensor x2 = x.detach().clone().set_requires_grad(true);
          reference(c, x2).mul(up).sum().backward();
          float ex = relErr(x.grad(), x2.grad());
          assertTrue(ex < 1e-5, what + ": input gradient differs " + ex);
          for (int i = 0; i < params.length; i++) {
            float e = relErr(gy[i], params[i].grad().sub(gy[i]));
            assertTrue(e < 1e-5, what + ": gradient of parameter " + i + " differs " + e);
          }
        }
      }
    }
  }

  @Test
  void streamingAPointwiseLayerEqualsTheConvolution() {
    torch.manual_seed(12);
    Conv c = new Conv(Conv.Kind.CONV1D, 8, 16, 1, 1, 1, 0, 0, true, true);
    Tensor x = torch.randn(1, 8, 20);
    Tensor y = c.stream(x, new HashMap<>());
    assertTrue(relErr(y, reference(c, x)) < 1e-6);
  }

  @Test
  void onlyKernelOneStrideOneUnpaddedLayersArePointwise() {
    assertFalse(new Conv(Conv.Kind.CONV1D, 4, 4, 3, 1, 1, 2, 0, false, true).pointwise());
    assertFalse(new Conv(Conv.Kind.CONV1D, 4, 4, 1, 2, 1, 0, 0, false, true).pointwise());
    assertFalse(new Conv(Conv.Kind.CONV1D, 4, 4, 1, 1, 1, 1, 0, false, true).pointwise());
    assertFalse(new Conv(Conv.Kind.CONV2D, 4, 4, 1, 1, 1, 0, 0, false, true).pointwise());
    assertFalse(new Conv(Conv.Kind.TRANSPOSED1D, 4, 4, 2, 1, 1, 0, 0, false, true).pointwise());
  }
}
