package org.mvgen.decoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The decoder network of a {@link DecoderSpec}, built from libtorch modules: latents {@code [n,
 * latentSize]} (normalised) in, frames {@code [n, 3, size, size]} in [-1, 1] out.
 *
 * <p>Parameter names ({@code fc.weight}, {@code up0.weight}, {@code bn0.running_mean}, ...) are
 * those of the equivalent PyTorch module, so that the TorchScript export and the PyTorch benchmark
 * use the same state. Not thread-safe.
 */
public final class DecoderNet extends Module {
  private final DecoderSpec spec;
  private final LinearImpl fc;
  private final List<ConvTranspose2dImpl> ups = new ArrayList<>();
  private final List<BatchNorm2dImpl> norms = new ArrayList<>();

  /** Builds the network with libtorch's default initialisation (seed it with manual_seed). */
  public DecoderNet(DecoderSpec spec) {
    this.spec = spec;
    int s0 = spec.startSize();
    fc = register_module("fc", new LinearImpl(spec.latentSize(), (long) spec.width() * s0 * s0));
    int in = spec.width();
    for (int i = 0; i < spec.depth(); i++) {
      int out = spec.channels(i + 1);
      ConvTranspose2dOptions o =
          new ConvTranspose2dOptions(in, out, new LongPointer(new long[] {4, 4}));
      o.stride().put(new long[] {2, 2});
      o.padding().put(new long[] {1, 1});
      ups.add(register_module("up" + i, new ConvTranspose2dImpl(o)));
      if (i < spec.depth() - 1 && spec.norm().equals("batch")) {
        norms.add(register_module("bn" + i, new BatchNorm2dImpl(new BatchNormOptions(out))));
      }
      in = out;
    }
  }

  public DecoderSpec spec() {
    return spec;
  }

  /** Maps normalised latents {@code [n, latentSize]} to frames {@code [n, 3, size, size]}. */
  public Tensor forward(Tensor z) {
    int s0 = spec.startSize();
    Tensor x = fc.forward(z).view(-1, spec.width(), s0, s0);
    // The prototype had no activation between the linear layer and the first convolution.
    for (int i = 0; i < spec.depth(); i++) {
      x = ups.get(i).forward(x);
      if (i < spec.depth() - 1) {
        if (!norms.isEmpty()) {
          x = norms.get(i).forward(x);
        }
        x = torch.relu(x);
      }
    }
    return torch.tanh(x);
  }

  /**
   * The same function for training on oneDNN: activations in channels-last layout and, with {@code
   * bf16}, the linear layer and the convolutions computed in bfloat16 (mixed precision: the
   * parameters, batch-norm statistics, tanh and the loss stay float32, and gradients flow back
   * through the casts into the float32 parameters).
   */
  public Tensor forwardFast(Tensor z, boolean bf16) {
    torch.ScalarType t = bf16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float;
    int s0 = spec.startSize();
    Tensor x =
        torch.linear(
            z.to(t), fc.weight().to(t), new org.bytedeco.pytorch.TensorOptional(fc.bias().to(t)));
    x = x.view(-1, spec.width(), s0, s0).contiguous(torch.MemoryFormat.ChannelsLast);
    long[] two = {2, 2};
    long[] one = {1, 1};
    long[] zero = {0, 0};
    for (int i = 0; i < spec.depth(); i++) {
      ConvTranspose2dImpl up = ups.get(i);
      Tensor w = up.weight().to(t).contiguous(torch.MemoryFormat.ChannelsLast);
      x =
          torch.conv_transpose2d(
              x,
              w,
              new org.bytedeco.pytorch.TensorOptional(up.bias().to(t)),
              two,
              one,
              zero,
              1,
              1,
              1);
      if (i < spec.depth() - 1) {
        if (!norms.isEmpty()) {
          x = norms.get(i).forward(x);
        }
        x = torch.relu(x);
      }
    }
    return torch.tanh(x.to(torch.ScalarType.Float)).contiguous();
  }

  /**
   * Every tensor of the state (parameters, then buffers such as batch-norm running statistics) by
   * name, in a fixed order. The tensors share storage with the live ones (new handles: the dict
   * libtorch returns owns its entries, which would dangle once it is freed).
   */
  public Map<String, Tensor> state() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    StringTensorDict p = named_parameters(true);
    for (long i = 0; i < p.size(); i++) {
      m.put(p.get(i).key().getString(), new Tensor(p.get(i).value()));
    }
    StringTensorDict b = named_buffers(true);
    for (long i = 0; i < b.size(); i++) {
      m.put(b.get(i).key().getString(), new Tensor(b.get(i).value()));
    }
    return m;
  }

  /** The trainable parameters by name, in a fixed order. */
  public Map<String, Tensor> parametersByName() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    StringTensorDict p = named_parameters(true);
    for (long i = 0; i < p.size(); i++) {
      m.put(p.get(i).key().getString(), new Tensor(p.get(i).value()));
    }
    return m;
  }
}
