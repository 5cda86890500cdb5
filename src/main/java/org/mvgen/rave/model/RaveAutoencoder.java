package org.mvgen.rave.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.encoder.Pca;
import org.mvgen.torch.Torch;

/**
 * A trained RAVE-architecture autoencoder ready for use: the deterministic posterior mean of audio
 * ({@link #encodeMean}), a streaming encoder for causal models ({@link #openStream}), and decoding
 * ({@link #decode}). Holds the folded network (weight normalisation removed) in inference mode.
 *
 * <pre>
 * try (RaveAutoencoder m = RaveAutoencoder.load(dir)) {
 *   float[][] z = m.encodeMean(pcm);     // z[n]: latent of samples [n hop, (n + 1) hop)
 *   float[] y = m.decode(z);             // z.length * hop samples
 * }
 * </pre>
 *
 * <p>Time convention: latent {@code n} is computed from the PQMF bands of block {@code [n hop, (n +
 * 1) hop)}. Centred models see about as far ahead as behind; causal models see only the past, and
 * their PQMF analysis lags the audio by {@link #analysisDelay} samples. Not thread-safe.
 */
public final class RaveAutoencoder implements AutoCloseable {
  private final RaveNet net;
  private final Pca latentPca;
  private boolean closed;

  private RaveAutoencoder(RaveNet net, Pca latentPca) {
    this.net = net;
    this.latentPca = latentPca;
    net.eval();
  }

  /** Wraps a trained network (folded copy; the argument stays the caller's). */
  public static RaveAutoencoder of(RaveNet trained) {
    return new RaveAutoencoder(trained.weightNorm() ? trained.folded() : trained, null);
  }

  /**
   * Loads weights written by {@link RaveWeights#write} (folded or not) with the config stored
   * beside them.
   */
  public static RaveAutoencoder load(Path dir) throws IOException {
    try {
      Torch.load();
    } catch (org.mvgen.torch.TorchException e) {
      throw new IOException(e.getMessage(), e);
    }
    RaveConfig c = RaveWeights.config(dir);
    Map<String, Tensor> stored = RaveWeights.read(dir);
    boolean wn = stored.keySet().stream().anyMatch(k -> k.endsWith(".weight_v"));
    Pca pca = latentPca(stored, c.latentSize(), dir);
    RaveNet net = new RaveNet(c, wn);
    RaveWeights.load(dir, RaveNet.state(net));
    if (wn) {
      RaveNet f = net.folded();
      net.close();
      net = f;
    }
    return new RaveAutoencoder(net, pca);
  }

  /**
   * The latent PCA that training fitted and stored beside the weights ({@code latent_mean}, {@code
   * latent_pca} rows by falling variance, cumulative {@code fidelity}; see {@link
   * RaveTask#finish}), or null when there is none.
   */
  private static Pca latentPca(Map<String, Tensor> stored, int d, Path dir) throws IOException {
    Tensor mean = stored.get("latent_mean");
    Tensor comps = stored.get("latent_pca");
    Tensor fid = stored.get("fidelity");
    if (mean == null && comps == null && fid == null) {
      return null;
    }
    if (mean == null || comps == null || fid == null) {
      throw new IOException(
          dir
              + " has only part of a latent PCA (latent_mean, latent_pca and fidelity go together)");
    }
    float[] m = Torch.floats(mean);
    float[] c = Torch.floats(comps);
    float[] f = Torch.floats(fid);
    if (m.length != d || c.length != d * d || f.length != d) {
      throw new IOException(
          dir + ": its latent PCA is not of " + d + " dimensions, the model's latent size");
    }
    float[][] rows = new float[d][];
    double[] explained = new double[d];
    for (int k = 0; k < d; k++) {
      rows[k] = java.util.Arrays.copyOfRange(c, k * d, (k + 1) * d);
      // The fidelity is the cumulated share of variance; its steps are the shares.
      explained[k] = Math.max(0, f[k] - (k == 0 ? 0 : f[k - 1]));
    }
    return new Pca(m, rows, explained);
  }

  /**
   * The latent PCA fitted during training (RAVE's {@code latent_mean}, {@code latent_pca}, {@code
   * fidelity}), when the weights carry one: a TorchScript export takes it over.
   */
  public java.util.Optional<Pca> latentPca() {
    return java.util.Optional.ofNullable(latentPca);
  }

  public RaveConfig config() {
    return net.config();
  }

  public int sampleRate() {
    return net.config().sampleRate();
  }

  public int hop() {
    return net.config().hop();
  }

  public int latentSize() {
    return net.config().latentSize();
  }

  /** Samples by which the PQMF analysis lags the audio (causal models; 0 for centred ones). */
  public int analysisDelay() {
    return net.pqmf().analysisDelay();
  }

  /**
   * Posterior means of {@code audio} (mono, at {@link #sampleRate}): {@code ceil(length / hop)}
   * latents, the last partial hop zero-padded.
   */
  public float[][] encodeMean(float[] audio) {
    int hop = hop();
    int frames = (audio.length + hop - 1) / hop;
    float[] padded = java.util.Arrays.copyOf(audio, frames * hop);
    int d = latentSize();
    float[][] out = new float[frames][d];
    if (frames == 0) {
      return out;
    }
    float[] flat;
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor x = Torch.tensor(padded, 1, 1, padded.length);
      flat = Torch.floats(net.mean(net.encode(x)).contiguous());
    }
    for (int k = 0; k < d; k++) {
      for (int n = 0; n < frames; n++) {
        out[n][k] = flat[k * frames + n];
      }
    }
    return out;
  }

  /** Decodes latents {@code [frames][latentSize]} to {@code frames * hop} samples. */
  public float[] decode(float[][] latents) {
    int frames = latents.length;
    int d = latentSize();
    float[] flat = new float[frames * d];
    for (int n = 0; n < frames; n++) {
      if (latents[n].length != d) {
        throw new IllegalArgumentException(
            "latent " + n + " has " + latents[n].length + " values, the model wants " + d);
      }
      for (int k = 0; k < d; k++) {
        flat[k * frames + n] = latents[n][k];
      }
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor z = Torch.tensor(flat, 1, d, frames);
      return Torch.floats(net.decode(z, null));
    }
  }

  /** A new stream through the encoder; needs a causal config (fails naming it otherwise). */
  public StreamingEncoder openStream() {
    return new StreamingEncoder(net);
  }

  /** The network (folded, inference mode); stays owned by this object. */
  public RaveNet net() {
    return net;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      net.close();
    }
  }
}
