package org.mvgen.encoder;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mvgen.dataset.Npy;
import org.mvgen.util.Hashing;

/**
 * The spectral baseline: log-mel energies of the {@code window} samples that end at each latent's
 * time, optionally projected to fewer dimensions by a {@link Pca} fitted on a dataset. Pure Java,
 * deterministic, causal (delay 0). Not thread-safe (scratch buffers).
 *
 * <pre>
 * MelEncoder mel = new MelEncoder(new MelEncoder.Params(44100, 2048, 1764, 64, 30, 16000), null);
 * float[][] z = mel.encode(pcm);  // z[n] describes pcm[(n + 1) * 1764 - 2048, (n + 1) * 1764)
 * </pre>
 */
public final class MelEncoder implements WindowEncoder {
  /**
   * Settings of the features.
   *
   * @param sampleRate Hz
   * @param window samples per analysis window (the FFT is the next power of two)
   * @param hop samples between latents
   * @param bands mel bands
   * @param fmin lowest filter edge in Hz
   * @param fmax highest filter edge in Hz (capped at Nyquist)
   */
  public record Params(int sampleRate, int window, int hop, int bands, double fmin, double fmax) {
    public Params {
      if (sampleRate <= 0) {
        throw new IllegalArgumentException("sampleRate (" + sampleRate + ") must be positive");
      }
      if (hop <= 0) {
        throw new IllegalArgumentException("hop (" + hop + ") must be positive");
      }
    }
  }

  /** Name of the PCA in a {@link PortableEncoder}. */
  static final String PCA_FILE = "pca.npy";

  private final Params params;
  private final Pca pca;
  private final MelFeatures features;
  private final float[] scratch;
  private final String spec;
  private final String id;

  /** Creates the encoder; {@code pca} may be null (latents are then the raw log-mel bands). */
  public MelEncoder(Params params, Pca pca) {
    this(params, pca, pca == null ? "mel" : "mel?pca=" + pca.dim());
  }

  MelEncoder(Params params, Pca pca, String spec) {
    this.params = params;
    this.features =
        new MelFeatures(params.sampleRate, params.window, params.bands, params.fmin, params.fmax);
    if (pca != null && pca.inputs() != params.bands) {
      throw new IllegalArgumentException(
          "the PCA takes "
              + pca.inputs()
              + " inputs but the encoder has "
              + params.bands
              + " bands");
    }
    this.pca = pca;
    this.scratch = new float[params.bands];
    this.spec = spec;
    this.id = makeId(params, pca);
  }

  /** The id: {@code mel-<latentSize>-<hash>} where the hash covers every setting and the PCA. */
  static String makeId(Params p, Pca pca) {
    String desc =
        "mel/v1 sr="
            + p.sampleRate
            + " window="
            + p.window
            + " hop="
            + p.hop
            + " bands="
            + p.bands
            + " fmin="
            + p.fmin
            + " fmax="
            + Math.min(p.fmax, p.sampleRate / 2.0)
            + " pca="
            + (pca == null ? "none" : pca.fingerprint());
    byte[] h = Hashing.sha256().digest(desc.getBytes(StandardCharsets.US_ASCII));
    String size = pca == null ? String.valueOf(p.bands) : p.bands + "-pca" + pca.dim();
    return "mel-" + size + "-" + HexFormat.of().formatHex(h, 0, 4);
  }

  public Params params() {
    return params;
  }

  /** The PCA applied after the log-mel features, or null. */
  public Pca pca() {
    return pca;
  }

  /** The same features without the PCA (what a PCA is fitted on). */
  public MelEncoder withoutPca() {
    return new MelEncoder(params, null);
  }

  /** The same features projected by {@code p}; {@code spec} is what the new encoder reports. */
  public MelEncoder withPca(Pca p, String spec) {
    return new MelEncoder(params, p, spec);
  }

  /**
   * This encoder as a model bundle stores it: a spec with every setting (so that another config
   * opens the same encoder) and the PCA as the float32 {@code .npy} file {@code pca.npy}, {@code
   * [dim + 1, bands]} (the mean, then the components), which keeps its numbers exactly.
   */
  public PortableEncoder portable() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("sr", Integer.toString(params.sampleRate));
    o.put("window", Integer.toString(params.window));
    o.put("hop", Integer.toString(params.hop));
    o.put("bands", Integer.toString(params.bands));
    o.put("fmin", Double.toString(params.fmin));
    o.put("fmax", Double.toString(params.fmax));
    if (pca == null) {
      return new PortableEncoder(new EncoderSpec("mel", null, o).toString(), Map.of());
    }
    o.put("pca", PCA_FILE);
    byte[] npy = Npy.float32Bytes(pca.toMatrix(), pca.dim() + 1, pca.inputs());
    return new PortableEncoder(new EncoderSpec("mel", null, o).toString(), Map.of(PCA_FILE, npy));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String spec() {
    return spec;
  }

  @Override
  public int sampleRate() {
    return params.sampleRate;
  }

  @Override
  public int latentSize() {
    return pca == null ? params.bands : pca.dim();
  }

  @Override
  public int hop() {
    return params.hop;
  }

  @Override
  public int delay() {
    return 0;
  }

  @Override
  public int window() {
    return params.window;
  }

  @Override
  public void encodeWindow(float[] pcm, int off, float[] dst, int dstOff) {
    if (pca == null) {
      features.compute(pcm, off, dst, dstOff);
    } else {
      features.compute(pcm, off, scratch, 0);
      pca.project(scratch, 0, dst, dstOff);
    }
  }

  @Override
  public float[][] encode(float[] pcm) {
    int w = params.window;
    int hop = params.hop;
    int n = (pcm.length + hop - 1) / hop;
    // Zero history before the signal, zero padding after it: latent i ends at (i + 1) * hop.
    float[] padded = new float[w + n * hop];
    System.arraycopy(pcm, 0, padded, w, pcm.length);
    float[][] z = new float[n][latentSize()];
    for (int i = 0; i < n; i++) {
      int end = w + (i + 1) * hop;
      encodeWindow(padded, end - w, z[i], 0);
    }
    return z;
  }

  @Override
  public Session openSession() {
    return new Session() {
      // The last `window` samples; the latent is emitted each time `hop` new ones arrived.
      private final float[] history = new float[params.window];
      private final float[] ordered = new float[params.window];
      private int pos;
      private int sinceLatent;

      @Override
      public float[][] push(float[] pcm, int off, int len) {
        java.util.List<float[]> out = new java.util.ArrayList<>();
        int w = history.length;
        for (int i = 0; i < len; i++) {
          history[pos] = pcm[off + i];
          pos = (pos + 1) % w;
          if (++sinceLatent == params.hop) {
            sinceLatent = 0;
            System.arraycopy(history, pos, ordered, 0, w - pos);
            System.arraycopy(history, 0, ordered, w - pos, pos);
            float[] z = new float[latentSize()];
            encodeWindow(ordered, 0, z, 0);
            out.add(z);
          }
        }
        return out.toArray(new float[0][]);
      }

      @Override
      public void reset() {
        java.util.Arrays.fill(history, 0);
        pos = 0;
        sinceLatent = 0;
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void close() {}
}
