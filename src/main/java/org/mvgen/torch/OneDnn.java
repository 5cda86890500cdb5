package org.mvgen.torch;

import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.OperatorName;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * oneDNN's inference convolutions as libtorch registers them for its own graph compilers: weights
 * reordered once into oneDNN's blocked layout ("pre-packed") and a ReLU fused into the convolution.
 * {@code torch.conv_transpose2d} reorders its weight on every call, which for a 512-channel layer
 * costs more than the arithmetic; packing once took a 256² decoder frame from 6.0 to 4.1 ms on one
 * core (BENCHMARKS.md).
 *
 * <p>The operators live in libtorch's {@code mkldnn} namespace, which the C++ API does not expose
 * as functions, so they are called through the dispatcher with boxed arguments; TorchScript, which
 * cannot name them either, only builds the typed lists they take. Available on x86 builds of
 * libtorch ({@link #available}); elsewhere callers use the plain ATen operators.
 *
 * <pre>
 * if (OneDnn.available()) {
 *   try (OneDnn.ConvTranspose up = new OneDnn.ConvTranspose(w, b, 2, 1, new long[] {1, 512, 4, 4}, true)) {
 *     Tensor y = up.apply(x);   // relu(conv_transpose2d(x, w, b, stride 2, padding 1))
 *   }
 * }
 * </pre>
 */
public final class OneDnn {
  private static final String CONV_TRANSPOSE = "mkldnn::_convolution_transpose_pointwise";
  private static final String PACK_TRANSPOSE = "mkldnn::_reorder_convolution_transpose_weight";

  private static Boolean available;
  private static JitModule lists;
  private static OperatorHandle convTranspose;
  private static OperatorHandle packTranspose;

  private OneDnn() {}

  /** Whether this libtorch has oneDNN and its pre-packed transposed convolution. */
  public static synchronized boolean available() {
    if (available == null) {
      available = false;
      try {
        Torch.load();
        if (torch.hasMKLDNN()) {
          var c = Dispatcher.singleton().findSchema(new OperatorName(CONV_TRANSPOSE, ""));
          var p = Dispatcher.singleton().findSchema(new OperatorName(PACK_TRANSPOSE, ""));
          if (c.has_value() && p.has_value()) {
            // Copies, kept for the life of the process: the first call may come from inside a
            // caller's PointerScope, whose closing would otherwise free them.
            convTranspose = new OperatorHandle(c.get());
            convTranspose.retainReference();
            packTranspose = new OperatorHandle(p.get());
            packTranspose.retainReference();
            lists = new JitModule(new QualifiedName("mvgen_onednn_lists"));
            lists.retainReference();
            lists.define(
                "def ints(self, a: int, b: int) -> List[int]:\n"
                    + "    return [a, b]\n"
                    + "def ints4(self, a: int, b: int, c: int, d: int) -> List[int]:\n"
                    + "    return [a, b, c, d]\n"
                    + "def no_scalars(self) -> List[Optional[number]]:\n"
                    + "    return []\n");
            available = true;
          }
        }
      } catch (TorchException | RuntimeException e) {
        available = false;
      }
    }
    return available;
  }

  private static IValue list(String method, long... v) {
    IValue[] args = new IValue[v.length];
    for (int i = 0; i < v.length; i++) {
      args[i] = new IValue(v[i]);
    }
    try (IValueVector in = new IValueVector(args)) {
      return lists.get_method(method).apply(in);
    }
  }

  /**
   * A 2-D transposed convolution (square stride and padding, no dilation, one group) whose weight
   * is packed for inputs of one shape, with an optional fused ReLU. Inputs of another batch size
   * still work (oneDNN then reorders). Owns copies of its tensors, which outlive any {@link
   * org.bytedeco.javacpp.PointerScope} open while it is made, until {@link #close}; not
   * thread-safe.
   */
  public static final class ConvTranspose implements AutoCloseable {
    private final Tensor weight;
    private final Tensor bias;
    private final IValue padding;
    private final IValue outputPadding;
    private final IValue stride;
    private final IValue dilation;
    private final IValue groups = new IValue(1L);
    private final IValue attr;
    private final IValue scalars;
    private final IValue algorithm = new IValue();

    /**
     * @param weight {@code [in, out, k, k]}, in the dtype inputs will have
     * @param bias {@code [out]}, same dtype
     * @param inputShape {@code [n, in, h, w]} of the inputs to optimise for
     */
    public ConvTranspose(
        Tensor weight, Tensor bias, int stride, int padding, long[] inputShape, boolean relu) {
      if (!available()) {
        throw new IllegalStateException("oneDNN operators are not available in this libtorch");
      }
      this.padding = list("ints", padding, padding);
      this.outputPadding = list("ints", 0, 0);
      this.stride = list("ints", stride, stride);
      this.dilation = list("ints", 1, 1);
      this.attr = new IValue(relu ? "relu" : "none");
      try (IValueVector none = new IValueVector()) {
        this.scalars = lists.get_method("no_scalars").apply(none);
      }
      // The stack is freed here, not whenever it is collected: its elements are read by reference.
      try (IValueVector s =
          new IValueVector(
              new IValue(weight.contiguous()),
              this.padding,
              outputPadding,
              this.stride,
              dilation,
              groups,
              list("ints4", inputShape))) {
        packTranspose.callBoxed(s);
        this.weight = Torch.tensorOf(s.get(0));
      }
      this.bias = bias.clone();
      for (var p : kept()) {
        p.retainReference();
      }
    }

    private org.bytedeco.javacpp.Pointer[] kept() {
      return new org.bytedeco.javacpp.Pointer[] {
        weight, bias, padding, outputPadding, stride, dilation, groups, attr, scalars, algorithm
      };
    }

    /** The convolution of {@code x} ({@code [n, in, h, w]}, channels-last preferred). */
    public Tensor apply(Tensor x) {
      try (IValueVector s =
          new IValueVector(
              new IValue(x),
              new IValue(weight),
              new IValue(bias),
              padding,
              outputPadding,
              stride,
              dilation,
              groups,
              attr,
              scalars,
              algorithm)) {
        convTranspose.callBoxed(s);
        return Torch.tensorOf(s.get(0));
      }
    }

    @Override
    public void close() {
      if (weight.isNull()) {
        return;
      }
      for (var p : kept()) {
        p.releaseReference();
      }
    }
  }
}
