package org.mvgen.rave.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.torch.Torch;

/**
 * One continuous stream through a causal encoder, with cached convolutions: every convolution keeps
 * the last samples of its input (its left padding) from the previous call, so that feeding a signal
 * in pieces of any size gives exactly the posterior means {@link RaveAutoencoder#encodeMean} gives
 * for the whole signal, on the same time grid (no extra delay: the model is causal).
 *
 * <pre>
 * try (StreamingEncoder s = model.openStream()) {
 *   float[][] z = s.push(pcm, 0, pcm.length);   // latents completed by these samples
 * }
 * </pre>
 *
 * <p>Latent {@code n} is returned by the call that completes sample {@code (n + 1) hop - 1}. Audio
 * is buffered until a whole hop is there. Not thread-safe; the arrays returned belong to the
 * caller.
 */
public final class StreamingEncoder implements AutoCloseable {
  private final RaveNet net;
  private final int hop;
  private final Map<Object, Tensor> caches = new HashMap<>();
  private float[] pending = new float[0];
  private int pendingLen;
  private boolean closed;

  StreamingEncoder(RaveNet net) {
    if (!net.config().causal()) {
      throw new IllegalStateException(
          "RAVE config '"
              + net.config().name()
              + "' is not causal: streaming needs causal convolutions (use the 'live' config or"
              + " causal=true)");
    }
    this.net = net;
    this.hop = net.config().hop();
  }

  /** Feeds {@code len} samples and returns the posterior means of the latents they complete. */
  public float[][] push(float[] pcm, int off, int len) {
    if (closed) {
      throw new IllegalStateException("the stream is closed");
    }
    if (pendingLen + len > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(2 * pending.length, pendingLen + len));
    }
    System.arraycopy(pcm, off, pending, pendingLen, len);
    pendingLen += len;
    int frames = pendingLen / hop;
    if (frames == 0) {
      return new float[0][];
    }
    int latent = net.config().latentSize();
    float[] flat;
    java.util.List<Tensor> old = new java.util.ArrayList<>(caches.values());
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor x = Torch.tensor(pending, 0, new long[] {1, 1, (long) frames * hop});
      Tensor z = net.mean(net.encodeStream(x, caches)).contiguous();
      flat = Torch.floats(z); // [latent, frames]
      // The new caches must outlive the scope: keep a reference and take them out of it (detach
      // alone releases the scope's reference, which would free them).
      for (Tensor t : caches.values()) {
        t.retainReference();
        scope.detach(t);
      }
    }
    for (Tensor t : old) {
      t.close(); // the previous call's caches, replaced by now
    }
    System.arraycopy(pending, frames * hop, pending, 0, pendingLen - frames * hop);
    pendingLen -= frames * hop;
    float[][] out = new float[frames][latent];
    for (int d = 0; d < latent; d++) {
      for (int n = 0; n < frames; n++) {
        out[n][d] = flat[d * frames + n];
      }
    }
    return out;
  }

  /** Forgets the stream: the next sample starts a new signal. */
  public void reset() {
    for (Tensor t : caches.values()) {
      t.close();
    }
    caches.clear();
    pendingLen = 0;
  }

  @Override
  public void close() {
    if (!closed) {
      reset();
      closed = true;
    }
  }
}
