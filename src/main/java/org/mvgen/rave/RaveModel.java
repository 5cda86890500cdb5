package org.mvgen.rave;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TupleElements;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.encoder.EncoderException;
import org.mvgen.torch.Torch;
import org.mvgen.util.Hashing;

/**
 * A RAVE TorchScript export ({@code rave export}, v1 or v2, streaming or not) loaded through
 * libtorch, with what the file says about itself: sample rate ({@code sr} in v2, {@code
 * sampling_rate} in v1), latent sizes, hop ({@code encode_params}), its methods, and whether it
 * keeps state between calls (streaming exports do; measured, not assumed).
 *
 * <p>{@link #mean} computes the deterministic posterior mean from the module's own {@code pqmf},
 * {@code encoder}, {@code latent_mean} and {@code latent_pca}; {@link #sample} calls the export's
 * stochastic {@code encode}. Each {@link #fresh()} copy is one independent stream. Not thread-safe.
 */
public final class RaveModel implements AutoCloseable {
  /** Highest TorchScript archive format version our libtorch 2.10 reads. */
  static final int MAX_FILE_FORMAT = 10;

  static final String TORCH_VERSION = "2.10";

  private final Path file;
  private final JitModule pristine;
  private final String fingerprint;
  private final String version;
  private final int sampleRate;
  private int hop;
  private final int latentSize;
  private final int fullLatentSize;
  private final int inChannels;
  private final boolean hasEncode;
  private final boolean hasDecode;
  private final boolean hasForward;
  private final boolean canMean;
  private final Tensor latentMean; // [F, 1]
  private final Tensor latentPca; // [F, F]
  private boolean streaming;

  private RaveModel(Path file, JitModule m, String fingerprint) throws EncoderException {
    this.file = file;
    this.pristine = m;
    this.fingerprint = fingerprint;
    m.eval();
    Integer sr = intAttr(m, "sr");
    String v = "v2";
    if (sr == null) {
      sr = intAttr(m, "sampling_rate");
      v = "v1";
    }
    this.version = v;
    hasEncode = m.find_method("encode").has_value();
    hasDecode = m.find_method("decode").has_value();
    hasForward = m.find_method("forward").has_value();
    boolean hasEncoder = isModule(m, "encoder");
    if (sr == null || !(hasEncode || hasEncoder)) {
      throw new EncoderException(
          file
              + " is a TorchScript file but not a RAVE export: it has "
              + (sr == null ? "neither 'sr' (v2) nor 'sampling_rate' (v1)" : "no 'encode' method")
              + " (methods: "
              + String.join(", ", methodNames(m))
              + "). Export the model with 'rave export --run RUN_DIR [--streaming True]'.");
    }
    this.sampleRate = sr;
    long[] params = null;
    if (m.hasattr("encode_params") && m.attr("encode_params").isTensor()) {
      params = Torch.longValues(Torch.tensorOf(m.attr("encode_params")));
    }
    Integer ls = intAttr(m, "latent_size");
    if (params != null && params.length == 4) {
      inChannels = (int) params[0];
      latentSize = (int) params[2];
      hop = (int) params[3];
    } else if (ls != null) {
      inChannels = 1;
      latentSize = ls;
      hop = -1; // measured below
    } else {
      throw new EncoderException(
          file + " has neither 'encode_params' nor 'latent_size': cannot tell its latent size.");
    }
    boolean buffers =
        m.hasattr("latent_mean")
            && m.attr("latent_mean").isTensor()
            && m.hasattr("latent_pca")
            && m.attr("latent_pca").isTensor();
    canMean = hasEncoder && buffers;
    if (buffers) {
      Tensor pca = Torch.tensorOf(m.attr("latent_pca"));
      fullLatentSize = (int) pca.size(0);
      latentPca = pca.to(torch.ScalarType.Float).contiguous();
      latentMean = Torch.tensorOf(m.attr("latent_mean")).to(torch.ScalarType.Float).reshape(-1, 1);
    } else {
      Integer full = intAttr(m, "full_latent_size");
      fullLatentSize = full == null ? latentSize : full;
      latentPca = null;
      latentMean = null;
    }
  }

  /**
   * Loads and probes a {@code .ts} file; the message of a failure says which problem and what to
   * do.
   */
  public static RaveModel load(Path file, int threads) throws EncoderException {
    checkFile(file);
    try {
      Torch.load(threads);
    } catch (org.mvgen.torch.TorchException e) {
      throw new EncoderException("Cannot load libtorch to read " + file + ": " + e.getMessage(), e);
    }
    JitModule m;
    try {
      m = torch.load(file.toString());
    } catch (RuntimeException e) {
      throw explainLoadFailure(file, e);
    }
    RaveModel model = new RaveModel(file, m, fingerprint(file));
    model.probe();
    return model;
  }

  /** Checks what can be checked without libtorch: exists, is a zip, its format version. */
  static void checkFile(Path file) throws EncoderException {
    if (!Files.isRegularFile(file)) {
      throw new EncoderException(
          "RAVE model "
              + file
              + " does not exist. Give the path of a .ts file from 'rave export'.");
    }
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      int n = in.readNBytes(head, 0, 4);
      if (n < 4 || head[0] != 'P' || head[1] != 'K') {
        throw new EncoderException(
            file
                + " is not a TorchScript file (TorchScript files are zip archives; this one starts"
                + " with other bytes). Give the .ts file written by 'rave export', not a checkpoint"
                + " (.ckpt) or an audio file.");
      }
    } catch (IOException e) {
      throw new EncoderException("Cannot read RAVE model " + file + ": " + e.getMessage(), e);
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> es = zip.entries();
      while (es.hasMoreElements()) {
        ZipEntry e = es.nextElement();
        String name = e.getName();
        if (name.endsWith("/version") || name.equals("version")) {
          String text;
          try (InputStream in = zip.getInputStream(e)) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
          }
          int v;
          try {
            v = Integer.parseInt(text);
          } catch (NumberFormatException nfe) {
            continue;
          }
          if (v > MAX_FILE_FORMAT) {
            throw new EncoderException(newerTorch(file, "its archive format version is " + v));
          }
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw new EncoderException(
          file
              + " is truncated or damaged (its zip directory cannot be read: "
              + e.getMessage()
              + "). Copy or download the .ts file again.",
          e);
    } catch (IOException e) {
      throw new EncoderException("Cannot read RAVE model " + file + ": " + e.getMessage(), e);
    }
  }

  private static String newerTorch(Path file, String why) {
    return file
        + " was exported by a newer PyTorch than mvgen's libtorch "
        + TORCH_VERSION
        + " ("
        + why
        + "). Export it again with PyTorch "
        + TORCH_VERSION
        + " or older (pip install torch=="
        + TORCH_VERSION
        + ".*, then 'rave export').";
  }

  static EncoderException explainLoadFailure(Path file, RuntimeException e) {
    String msg = String.valueOf(e.getMessage());
    String first = msg.strip().split("\n", 2)[0];
    if (msg.contains("central directory")
        || msg.contains("failed reading zip")
        || msg.contains("failed finding")
        || msg.contains("file not found")) {
      return new EncoderException(
          file + " is truncated or damaged (" + first + "). Copy or download the .ts file again.",
          e);
    }
    if (msg.contains("maximum supported version")
        || msg.contains("Unknown type name")
        || msg.contains("Unknown builtin op")
        || msg.contains("Unknown type constructor")
        || msg.contains("schema not found")) {
      return new EncoderException(newerTorch(file, first), e);
    }
    return new EncoderException(
        "libtorch could not load " + file + ": " + first + ". Is it a TorchScript export?", e);
  }

  private static String fingerprint(Path file) throws EncoderException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest d = Hashing.sha256();
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest(), 0, 4);
    } catch (IOException e) {
      throw new EncoderException("Cannot read RAVE model " + file + ": " + e.getMessage(), e);
    }
  }

  private static Integer intAttr(JitModule m, String name) {
    if (!m.hasattr(name)) {
      return null;
    }
    IValue v = m.attr(name);
    return v.isInt() ? (int) v.toInt() : null;
  }

  private static boolean isModule(JitModule m, String name) {
    return m.hasattr(name) && m.attr(name).isModule();
  }

  private static List<String> methodNames(JitModule m) {
    List<String> names = new ArrayList<>();
    for (String n : new String[] {"encode", "decode", "forward", "encode_amortized"}) {
      if (m.find_method(n).has_value()) {
        names.add(n);
      }
    }
    if (names.isEmpty()) {
      names.add("none of encode, decode, forward");
    }
    return names;
  }

  /** Runs the model twice on the same noise: different deterministic outputs mean it has state. */
  private void probe() throws EncoderException {
    if (hop <= 0) {
      try (PointerScope scope = new PointerScope()) {
        int n = 1 << 15;
        long frames = sample(fresh(), new float[n]).size(2);
        if (frames <= 0 || n % frames != 0) {
          throw new EncoderException(
              file + " gives " + frames + " latents for " + n + " samples: cannot tell its hop.");
        }
        hop = (int) (n / frames);
      } catch (RuntimeException e) {
        throw new EncoderException(file + " failed to encode: " + e.getMessage(), e);
      }
    }
    int h = hop;
    try (PointerScope scope = new PointerScope()) {
      JitModule m = fresh();
      float[] x = new float[4 * h];
      java.util.Random r = new java.util.Random(5);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (0.1 * r.nextGaussian());
      }
      float[] a;
      float[] b;
      try {
        // Same seed for both calls, so that even the stochastic encode repeats itself unless the
        // module carries state from the first call into the second.
        torch.manual_seed(17);
        a = canMean ? Torch.floats(mean(m, x)) : Torch.floats(sample(m, x));
        torch.manual_seed(17);
        b = canMean ? Torch.floats(mean(m, x)) : Torch.floats(sample(m, x));
      } catch (RuntimeException e) {
        throw new EncoderException(
            file
                + " failed on 4 frames of audio: "
                + String.valueOf(e.getMessage()).strip().split("\n", 2)[0]
                + ". It may need a newer libtorch, or not be an audio encoder.",
            e);
      }
      if (a.length != latentSize * 4) {
        throw new EncoderException(
            file
                + " returned "
                + a.length
                + " values for 4 frames of "
                + h
                + " samples, expected "
                + 4 * latentSize
                + " (encode_params says latent size "
                + latentSize
                + ", hop "
                + h
                + ").");
      }
      streaming = !java.util.Arrays.equals(a, b);
    }
  }

  /** A copy with its own state: one per continuous stream; a new one resets a stream. */
  public JitModule fresh() {
    JitModule c = pristine.clone();
    c.eval();
    return c;
  }

  /** {@code [1, inChannels, T]} from mono samples. */
  Tensor input(float[] x, int off, int len) {
    Tensor t = Torch.tensor(java.util.Arrays.copyOfRange(x, off, off + len), 1, 1, len);
    return inChannels > 1 ? t.expand(1, inChannels, len).contiguous() : t;
  }

  Tensor mean(JitModule m, float[] x) {
    return mean(m, input(x, 0, x.length));
  }

  Tensor sample(JitModule m, float[] x) {
    return sample(m, input(x, 0, x.length));
  }

  /** The posterior mean, projected by the PCA: {@code [1, latentSize, T / hop]}. */
  Tensor mean(JitModule m, Tensor x) {
    // No autograd graph: exported parameters may require gradients, which would record one.
    try (NoGradGuard g = new NoGradGuard()) {
      return meanNoGrad(m, x);
    }
  }

  private Tensor meanNoGrad(JitModule m, Tensor x) {
    if (isModule(m, "pqmf")) {
      JitModule pqmf = new JitModule(m.attr("pqmf").toObject());
      x = Torch.tensorOf(pqmf.forward(new IValueVector(new IValue(x))));
    }
    JitModule enc = new JitModule(m.attr("encoder").toObject());
    IValue out = enc.forward(new IValueVector(new IValue(x)));
    Tensor mu;
    if (out.isTuple()) {
      TupleElements el = out.toTuple().elements();
      mu = Torch.tensorOf(el.get(0)); // v1: (mean, scale)
      java.lang.ref.Reference.reachabilityFence(el); // get(0) points into the tuple
      java.lang.ref.Reference.reachabilityFence(out);
    } else {
      Tensor t = Torch.tensorOf(out);
      long c = t.size(1);
      // v2: means then scales along the channels; a plain autoencoder returns only means.
      mu = c == 2L * fullLatentSize ? t.narrow(1, 0, fullLatentSize) : t;
    }
    Tensor z = latentPca.matmul(mu.sub(latentMean));
    return z.narrow(1, 0, latentSize);
  }

  /** The export's own {@code encode}: stochastic for VAE exports. */
  Tensor sample(JitModule m, Tensor x) {
    try (NoGradGuard g = new NoGradGuard()) {
      return Torch.tensorOf(m.get_method("encode").apply(new IValueVector(new IValue(x))));
    }
  }

  public Path file() {
    return file;
  }

  /** First 8 hex digits of the SHA-256 of the file. */
  public String fingerprint() {
    return fingerprint;
  }

  /** "v1" or "v2", from the name of the sample-rate attribute. */
  public String version() {
    return version;
  }

  public int sampleRate() {
    return sampleRate;
  }

  public int hop() {
    return hop;
  }

  public int latentSize() {
    return latentSize;
  }

  public int fullLatentSize() {
    return fullLatentSize;
  }

  public boolean hasEncode() {
    return hasEncode;
  }

  public boolean hasDecode() {
    return hasDecode;
  }

  public boolean hasForward() {
    return hasForward;
  }

  /** Whether the deterministic mean can be computed (encoder submodule and PCA buffers present). */
  public boolean canMean() {
    return canMean;
  }

  /** Whether the export keeps state between calls (cached convolutions of a streaming export). */
  public boolean streaming() {
    return streaming;
  }

  @Override
  public void close() {
    pristine.close();
  }
}
