package org.mvgen.decoder;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.torch.Torch;

/**
 * A loaded decoder bundle: turns raw (un-normalised) latents into RGB frames on the CPU, in
 * batches, under libtorch's inference mode. Not thread-safe, like every {@link FrameGenerator}.
 */
public final class Decoder implements FrameGenerator {
  /** Frames per forward pass: large enough to amortise the call, small enough to stay in cache. */
  private static final int MAX_BATCH = 16;

  private final DecoderBundle bundle;
  private final DecoderNet net;
  private final InferenceNet fast;
  private float[] scratch = new float[0];
  private boolean closed;

  Decoder(DecoderBundle bundle, DecoderNet net, InferenceNet.Precision precision) {
    this.bundle = bundle;
    this.net = net;
    net.eval();
    boolean channelsLast = !"false".equals(System.getProperty("mvgen.decoder.channels_last"));
    this.fast = new InferenceNet(net, precision, channelsLast);
  }

  /** The arithmetic inference runs in: {@code FLOAT32} or {@code BFLOAT16}. */
  public String precision() {
    return fast.precision().name();
  }

  public DecoderBundle bundle() {
    return bundle;
  }

  /** The network, for export and tests. */
  DecoderNet net() {
    return net;
  }

  @Override
  public int latentSize() {
    return bundle.spec().latentSize();
  }

  @Override
  public int frameSize() {
    return bundle.spec().frameSize();
  }

  @Override
  public void generate(float[] latents, int n, byte[] rgb) {
    if (closed) {
      throw new IllegalStateException("decoder is closed");
    }
    int d = latentSize();
    int fb = frameSize() * frameSize() * 3;
    if (latents.length < n * d || rgb.length < (long) n * fb) {
      throw new IllegalArgumentException(
          n + " frames need " + n * d + " latent values and " + (long) n * fb + " bytes");
    }
    if (scratch.length < Math.min(n, MAX_BATCH) * d) {
      scratch = new float[Math.min(n, MAX_BATCH) * d];
    }
    for (int start = 0; start < n; start += MAX_BATCH) {
      int m = Math.min(MAX_BATCH, n - start);
      System.arraycopy(latents, start * d, scratch, 0, m * d);
      bundle.norm().apply(scratch, 0, m);
      try (PointerScope scope = new PointerScope();
          InferenceMode guard = new InferenceMode()) {
        Tensor z = Torch.tensor(scratch, 0, new long[] {m, d});
        fast.forward(z, rgb, start * fb);
      }
    }
  }

  /** Network output {@code [n, 3, s, s]} in [-1, 1] to packed RGB bytes {@code [n, s, s, 3]}. */
  public static Tensor toBytes(Tensor y) {
    return y.add(new Scalar(1.0))
        .mul(new Scalar(127.5))
        .round()
        .clamp(
            new org.bytedeco.pytorch.ScalarOptional(new Scalar(0.0)),
            new org.bytedeco.pytorch.ScalarOptional(new Scalar(255.0)))
        .to(torch.ScalarType.Byte)
        .permute(0, 2, 3, 1)
        .contiguous();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      fast.close();
      net.close();
    }
  }
}
