package org.mvgen.rave;

import java.nio.FloatBuffer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The libtorch conversions the RAVE encoder needs beyond {@link org.mvgen.torch.Torch}'s (integer
 * buffers, zeros), and its one way to load libtorch.
 */
final class Torch {
  private Torch() {}

  /**
   * Loads mvgen's own libtorch through {@link org.mvgen.torch.Torch#load} (never a system copy; the
   * first call costs about a second) and sets its CPU threads ({@code threads <= 0} keeps
   * libtorch's default).
   */
  static synchronized void init(int threads) throws org.mvgen.torch.TorchException {
    org.mvgen.torch.Torch.load();
    if (threads > 0 && torch.get_num_threads() != threads) {
      org.mvgen.torch.Torch.threads(threads);
    }
  }

  /**
   * The tensor an IValue holds, as a handle of its own ({@link org.mvgen.torch.Torch#tensorOf}).
   */
  static Tensor tensorOf(org.bytedeco.pytorch.IValue v) {
    return org.mvgen.torch.Torch.tensorOf(v);
  }

  /** A float32 tensor holding a copy of {@code data}, with the given shape. */
  static Tensor tensor(float[] data, long... shape) {
    return org.mvgen.torch.Torch.tensor(data, shape);
  }

  static Tensor zeros(long... shape) {
    return torch.zeros(shape);
  }

  /** An int64 tensor of the given values (the {@code *_params} buffers of RAVE exports). */
  static Tensor longs(long... values) {
    return Tensor.create(values, values.length);
  }

  /** The values of a tensor, row-major, as float32. */
  static float[] floats(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Float).contiguous();
    float[] out = new float[(int) c.numel()];
    FloatBuffer b = c.createBuffer();
    b.get(out);
    return out;
  }

  /** The values of an integer tensor. */
  static long[] longValues(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Long).contiguous();
    long[] out = new long[(int) c.numel()];
    java.nio.LongBuffer b = c.createBuffer();
    b.get(out);
    return out;
  }
}
