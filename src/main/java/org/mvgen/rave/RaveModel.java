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
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueOptional;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedJitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TupleElements;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_module_iterator;
import org.bytedeco.pytorch.named_module_list;
import org.mvgen.encoder.EncoderException;
import org.mvgen.torch.Torch;
import org.mvgen.util.Hashing;

/**
 * A RAVE TorchScript export ({@code rave export}, v1 or v2, streaming or not) loaded through
 * libtorch, with what the file declares about itself: sample rate ({@code sr} in v2, {@code
 * sampling_rate} in v1; an int attribute or a 0-dim integer tensor buffer), latent sizes, hop and
 * input channels ({@code encode_params}, {@code n_channels}), the encoder's input ({@code
 * input_mode}: PQMF bands, a mel spectrogram or raw audio), whether it is variational or discrete
 * ({@code encoder.rvq}), and whether it keeps state between calls (streaming exports do; measured,
 * not assumed) and, if so, its delay, computed from its cached convolutions.
 *
 * <p>{@link #mean} computes the deterministic posterior mean: with the file's own {@code
 * encode_amortized} when it has one (v1), otherwise from its {@code pqmf} / {@code spectrogram},
 * {@code encoder}, {@code latent_mean} and {@code latent_pca}, following {@code input_mode} and
 * {@code n_channels} as the export's {@code encode} does. {@link #sample} calls the export's own
 * {@code encode} (stochastic for variational exports, RAVE's codes for discrete ones). Each {@link
 * #fresh()} copy is one independent stream. Not thread-safe.
 */
public final class RaveModel implements AutoCloseable {

  /** Highest TorchScript archive format version our libtorch 2.10 reads. */
  static final int MAX_FILE_FORMAT = 10;

  static final String TORCH_VERSION = "2.10";

  /** What feeds the encoder ({@code input_mode} of v2 exports; v1 exports are all PQMF). */
  public enum InputMode {
    /** PQMF bands (the usual). */
    PQMF,
    /**
     * A log1p mel spectrogram with its last frame dropped ({@code hybrid}, {@code v2_with_augs}).
     */
    MEL,
    /** The audio itself. */
    RAW
  }

  private final Path file;
  private final JitModule pristine;
  private final String fingerprint;
  private final String version;
  private final int sampleRate;
  private int hop;
  private final int latentSize;
  private final int fullLatentSize;
  private final int inChannels;
  private final InputMode inputMode;
  private final boolean hasEncode;
  private final boolean hasDecode;
  private final boolean hasForward;
  private final boolean hasAmortized;
  private final boolean discrete;
  private final String whyNoMean; // null when the mean can be computed
  private final Tensor latentMean; // [F, 1]
  private final Tensor latentPca; // [F, F]
  private boolean streaming;
  private Integer fileDelay; // streaming exports: from the cached convolutions; null if unknown
  private String whyNoFileDelay;

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
    hasAmortized = m.find_method("encode_amortized").has_value();
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
    inputMode = inputMode(file, m);
    long[] params = null;
    if (m.hasattr("encode_params") && m.attr("encode_params").isTensor()) {
      params = Torch.longValues(Torch.tensorOf(m.attr("encode_params")));
    }
    Integer ls = intAttr(m, "latent_size");
    Integer nch = intAttr(m, "n_channels");
    if (params != null && params.length == 4) {
      inChannels = (int) params[0];
      latentSize = (int) params[2];
      hop = (int) params[3];
    } else if (ls != null) {
      inChannels = nch == null ? 1 : nch;
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
    discrete = hasEncoder && isModule(new JitModule(m.attr("encoder").toObject()), "rvq");
    if (discrete) {
      whyNoMean =
          " is a discrete export (its encoder quantises with residual VQ, 'encoder.rvq'): it has no"
              + " posterior mean, only the codes RAVE's own encode gives";
    } else if (!hasAmortized && !(hasEncoder && buffers)) {
      whyNoMean =
          " has no 'encoder' submodule with 'latent_mean' and 'latent_pca' buffers (nor"
              + " 'encode_amortized'), so its deterministic mean cannot be computed";
    } else if (inputMode == InputMode.MEL && !hasAmortized && !isModule(m, "spectrogram")) {
      whyNoMean = " says input_mode = \"mel\" but has no 'spectrogram' submodule";
    } else {
      whyNoMean = null;
    }
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

  private static InputMode inputMode(Path file, JitModule m) throws EncoderException {
    if (!m.hasattr("input_mode") || !m.attr("input_mode").isString()) {
      return InputMode.PQMF; // v1 exports, and v2 ones before input_mode existed
    }
    String mode = m.attr("input_mode").toStringRef().getString();
    return switch (mode) {
      case "pqmf" -> InputMode.PQMF;
      case "mel" -> InputMode.MEL;
      case "raw" -> InputMode.RAW;
      default ->
          throw new EncoderException(
              file
                  + " says input_mode = \""
                  + mode
                  + "\", which mvgen does not know (it knows pqmf, mel and raw). Export the model"
                  + " with a RAVE configuration whose input mode is one of those.");
    };
  }

  /** {@link #load(Path, int, boolean)} for the deterministic mean. */
  public static RaveModel load(Path file, int threads) throws EncoderException {
    return load(file, threads, true);
  }

  /**
   * Loads and probes a {@code .ts} file; the message of a failure says which problem and what to
   * do. The probe runs what will be used: the posterior mean when {@code mean}, otherwise only the
   * export's own {@code encode} (so a file whose mean cannot be computed still loads for it).
   */
  public static RaveModel load(Path file, int threads, boolean mean) throws EncoderException {
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
    RaveModel model;
    try {
      model = new RaveModel(file, m, fingerprint(file));
    } catch (EncoderException | RuntimeException e) {
      m.close(); // not a RAVE export mvgen can use: free the module now, not at some GC
      throw e;
    }
    try {
      if (mean && !model.canMean()) {
        throw new EncoderException(model.whyNoMean());
      }
      if (!mean && !model.hasEncode()) {
        throw new EncoderException(
            file + " has no 'encode' method; use the default mode (mean) instead.");
      }
      model.probe(mean);
      if (model.streaming) {
        model.computeDelay();
      }
    } catch (EncoderException | RuntimeException e) {
      model.close();
      throw e;
    }
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

  /**
   * An integer the file declares: an int attribute (RAVE 2.x) or a one-element integer tensor
   * buffer (v1's {@code export_rave.py} registers {@code sampling_rate} and {@code latent_size} as
   * 0-dim int64 tensors).
   */
  static Integer intAttr(JitModule m, String name) {
    if (!m.hasattr(name)) {
      return null;
    }
    IValue v = m.attr(name);
    if (v.isInt()) {
      return (int) v.toInt();
    }
    if (v.isTensor()) {
      Tensor t = Torch.tensorOf(v);
      if (t.numel() == 1 && !t.is_floating_point() && !t.is_complex()) {
        return (int) Torch.longValues(t)[0];
      }
    }
    return null;
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

  /**
   * Runs the model twice on the same noise: different outputs mean it has state. Runs the mean when
   * {@code mean}, else the export's {@code encode} only.
   */
  private void probe(boolean mean) throws EncoderException {
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
        a = Torch.floats(mean ? mean(m, x) : sample(m, x));
        torch.manual_seed(17);
        b = Torch.floats(mean ? mean(m, x) : sample(m, x));
      } catch (RuntimeException e) {
        throw new EncoderException(
            file
                + " failed on 4 frames of audio"
                + (mean ? " (posterior mean)" : " (its encode)")
                + ": "
                + String.valueOf(e.getMessage()).strip().split("\n", 2)[0]
                + ". It may need a newer libtorch, or not be an audio encoder."
                + (mean && hasEncode
                    ? " Its own encode may still work: rave:" + file + "?mode=sample"
                    : ""),
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

  /**
   * The delay of a streaming export from its cached convolutions, exactly: on the analysis path
   * (the PQMF's {@code forward_conv}, then the encoder's convolutions in order), a cached
   * convolution has a {@code cache} of {@code left + right} samples of its input, which makes it
   * late by its right padding {@code ceil(cache.padding / 2)} (RAVE pads centred, the right side
   * taking the odd sample), plus the {@code downsampling_delay} that a strided one adds first;
   * counted at the input rate, times the product of the strides before it. A file whose strides do
   * not multiply to its hop, or whose analysis path is not all cached convolutions mvgen can read,
   * gets no delay here (the encoder then measures one).
   */
  private void computeDelay() {
    // mvgen's own streaming exports state their delay (causal: 0); their caches are not RAVE's.
    Integer declared = intAttr(pristine, "streaming_delay");
    if (declared != null) {
      fileDelay = declared;
      return;
    }
    List<JitModule> roots = new ArrayList<>();
    switch (inputMode) {
      case PQMF -> {
        if (!isModule(pristine, "pqmf")) {
          whyNoFileDelay = "it has no 'pqmf' submodule";
          return;
        }
        roots.add(new JitModule(pristine.attr("pqmf").toObject()));
      }
      case MEL -> {
        whyNoFileDelay = "its mel spectrogram is not a cached convolution";
        return;
      }
      case RAW -> {}
    }
    roots.add(new JitModule(pristine.attr("encoder").toObject()));
    long rate = 1;
    long delay = 0;
    int convs = 0;
    List<JitModule> all = new ArrayList<>();
    for (JitModule root : roots) {
      collect(root, all);
    }
    for (JitModule c : all) {
      Integer padding = intAttr(child(c, "cache"), "padding");
      int down = 0;
      if (isModule(c, "downsampling_delay")) {
        Integer d = intAttr(child(c, "downsampling_delay"), "padding");
        down = d == null ? 0 : d;
      }
      Integer stride = firstInt(c.type().findConstant("stride"));
      if (padding == null || stride == null) {
        whyNoFileDelay = "a cached convolution has no readable 'cache.padding' or 'stride'";
        return;
      }
      delay += ((padding + 1) / 2 + down) * rate;
      rate *= stride;
      convs++;
    }
    if (convs == 0) {
      whyNoFileDelay = "no cached convolution was found on its analysis path";
    } else if (rate != hop) {
      whyNoFileDelay =
          "the strides of its cached convolutions multiply to " + rate + ", not its hop " + hop;
    } else {
      fileDelay = (int) delay;
    }
  }

  /** Cached convolutions under {@code m}, in the order they were registered (the forward order). */
  private static void collect(JitModule m, List<JitModule> out) {
    named_module_list children = m.named_children();
    for (named_module_iterator it = children.begin();
        it.notEquals(children.end());
        it = it.increment()) {
      NamedJitModule nm = it.access();
      String name = nm.name().getString();
      JitModule c = new JitModule(nm.value());
      if (name.contains("inverse")) {
        continue; // the PQMF's synthesis side
      }
      if (isModule(c, "cache")) {
        out.add(c);
      } else {
        collect(c, out);
      }
    }
  }

  private static JitModule child(JitModule m, String name) {
    return new JitModule(m.attr(name).toObject());
  }

  private static Integer firstInt(IValueOptional v) {
    if (v == null || !v.has_value()) {
      return null;
    }
    IValue x = v.get();
    if (x.isInt()) {
      return (int) x.toInt();
    }
    if (x.isTuple()) {
      TupleElements el = x.toTuple().elements();
      return el.size() > 0 && el.get(0).isInt() ? (int) el.get(0).toInt() : null;
    }
    if (x.isIntList()) {
      long[] l = x.toIntVector().get();
      return l.length > 0 ? (int) l[0] : null;
    }
    return null;
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
    Tensor mu;
    if (hasAmortized) {
      // v1 declares its mean: encode_amortized(x) = (mean, std), before the PCA.
      mu = first(m.get_method("encode_amortized").apply(new IValueVector(new IValue(x))));
    } else {
      Tensor h = analysis(m, x);
      JitModule enc = new JitModule(m.attr("encoder").toObject());
      IValue out = enc.forward(new IValueVector(new IValue(h)));
      if (out.isTuple() || out.isList()) {
        mu = first(out); // (mean, scale): a tuple, or a list where the encoder uses torch.split
      } else {
        Tensor t = Torch.tensorOf(out);
        long c = t.size(1);
        // v2: means then scales along the channels; a plain autoencoder returns only means.
        mu = c == 2L * fullLatentSize ? t.narrow(1, 0, fullLatentSize) : t;
      }
    }
    Tensor z = latentPca.matmul(mu.sub(latentMean));
    return z.narrow(1, 0, latentSize);
  }

  /**
   * What the export's {@code encode} feeds its encoder, {@code [B, C, T]} to {@code [B, C * bands,
   * T']}: each channel through the PQMF (channels folded into the batch, as RAVE does), or the mel
   * spectrogram without its last frame, log1p, or the audio itself.
   */
  private Tensor analysis(JitModule m, Tensor x) {
    long b = x.size(0);
    long c = x.size(1);
    long t = x.size(2);
    switch (inputMode) {
      case PQMF -> {
        if (!isModule(m, "pqmf")) {
          return x;
        }
        JitModule pqmf = new JitModule(m.attr("pqmf").toObject());
        Tensor h =
            Torch.tensorOf(pqmf.forward(new IValueVector(new IValue(x.reshape(b * c, 1, t)))));
        return h.reshape(b, -1, h.size(h.dim() - 1));
      }
      case MEL -> {
        JitModule spec = new JitModule(m.attr("spectrogram").toObject());
        Tensor s = Torch.tensorOf(spec.forward(new IValueVector(new IValue(x))));
        long last = s.dim() - 1;
        s = s.narrow(last, 0, s.size(last) - 1);
        return torch.log1p(s).reshape(b, -1, s.size(last));
      }
      case RAW -> {
        return x;
      }
    }
    throw new IllegalStateException(inputMode.toString());
  }

  /** The first element of a tuple or list (kept alive while its handle is copied). */
  private static Tensor first(IValue out) {
    Tensor t;
    if (out.isTuple()) {
      TupleElements el = out.toTuple().elements();
      t = Torch.tensorOf(el.get(0));
      java.lang.ref.Reference.reachabilityFence(el); // get(0) points into the tuple
    } else if (out.isList()) {
      GenericList l = out.toList();
      t = Torch.tensorOf(l.get(0));
      java.lang.ref.Reference.reachabilityFence(l);
    } else {
      t = Torch.tensorOf(out);
    }
    java.lang.ref.Reference.reachabilityFence(out);
    return t;
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

  /** Whether the deterministic mean can be computed (not for discrete exports). */
  public boolean canMean() {
    return whyNoMean == null;
  }

  /** Why the mean cannot be computed and what works instead; null when it can. */
  public String whyNoMean() {
    return whyNoMean == null
        ? null
        : file
            + whyNoMean
            + ". Use the export's own encode"
            + (discrete ? " (RAVE's codes, deterministic)" : "")
            + ": rave:"
            + file
            + "?mode=sample";
  }

  /** Whether the encoder quantises (residual VQ): {@code encode} gives codes, not a mean. */
  public boolean discrete() {
    return discrete;
  }

  public InputMode inputMode() {
    return inputMode;
  }

  /** Audio channels the export takes ({@code n_channels}); mvgen feeds mono to each. */
  public int channels() {
    return inChannels;
  }

  /**
   * The delay in samples of a streaming export, computed from its cached convolutions; empty when
   * not streaming or when the file does not allow it ({@link #whyNoFileDelay()}).
   */
  public java.util.OptionalInt fileDelay() {
    return fileDelay == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(fileDelay);
  }

  /** Why a streaming export's delay could not be computed from the file; null otherwise. */
  public String whyNoFileDelay() {
    return whyNoFileDelay;
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
