package org.mvgen.encoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.mvgen.config.Config;
import org.mvgen.dataset.DatasetFormatException;
import org.mvgen.dataset.Npy;

/**
 * Opens encoders by spec string.
 *
 * <pre>
 * try (AudioEncoder enc = Encoders.open("rave:models/vintage.ts", config)) { ... }
 * </pre>
 *
 * <p>Specs: {@code mel} (log-mel bands), {@code mel?bands=80&hop=2048} (also {@code sr}, {@code
 * window}, {@code fmin}, {@code fmax}, which otherwise come from the config), {@code
 * mel?pca=FILE.npy} (a PCA written by {@code mvgen encode}; {@code mel?pca=16} asks {@code mvgen
 * encode} to fit one), {@code rave:FILE.ts} and {@code rave:FILE.ts?mode=sample}.
 */
public final class Encoders {
  private Encoders() {}

  /** Opens an encoder, resolving relative paths against the working directory. */
  public static AudioEncoder open(String spec, Config config) throws EncoderException {
    return open(spec, config, Path.of(""));
  }

  /** Opens an encoder, resolving relative paths in the spec against {@code base}. */
  public static AudioEncoder open(String spec, Config config, Path base) throws EncoderException {
    return open(spec, config, base, Map.of());
  }

  /**
   * Opens an encoder that a model bundle carries: files its spec names are taken from {@code
   * p.files()} first, then resolved against {@code base} (a RAVE model file).
   */
  public static AudioEncoder open(PortableEncoder p, Config config, Path base)
      throws EncoderException {
    return open(p.spec(), config, base, p.files());
  }

  private static AudioEncoder open(String spec, Config config, Path base, Map<String, byte[]> files)
      throws EncoderException {
    EncoderSpec s = EncoderSpec.parse(spec);
    if (s.kind().equals("mel")) {
      return openMel(s, config, base, files);
    }
    List<String> kinds = new ArrayList<>(List.of("mel"));
    for (EncoderFactory f : ServiceLoader.load(EncoderFactory.class)) {
      if (f.kind().equals(s.kind())) {
        return f.open(s, config, base, files);
      }
      kinds.add(f.kind());
    }
    throw new EncoderException(
        "Unknown encoder '"
            + s.kind()
            + "' in spec '"
            + spec
            + "': use one of "
            + String.join(", ", kinds)
            + " (for example --encoder mel or --encoder rave:model.ts)");
  }

  /**
   * The mel parameters of the config, overridden by the spec's {@code sr}, {@code window}, {@code
   * hop}, {@code bands}, {@code fmin} and {@code fmax}.
   */
  public static MelEncoder.Params melParams(EncoderSpec s, Config config) throws EncoderException {
    int sr = s.intOption("sr", config.getInt("audio.sample_rate"));
    int hop = config.getInt("encoder.mel_hop");
    if (hop == 0) {
      hop = (int) Math.round((double) sr / config.getInt("video.fps"));
    }
    hop = s.intOption("hop", hop);
    int bands = s.intOption("bands", config.getInt("encoder.mel_bands"));
    int window = s.intOption("window", config.getInt("audio.window"));
    if (hop <= 0 || bands <= 0 || window <= 0) {
      throw new EncoderException("Encoder spec " + s + ": hop, bands and window must be positive");
    }
    double fmin = s.doubleOption("fmin", config.getDouble("encoder.mel_fmin"));
    double fmax = s.doubleOption("fmax", config.getDouble("encoder.mel_fmax"));
    double top = Math.min(fmax, sr / 2.0);
    if (!(fmin >= 0) || !(fmax > 0) || !(fmin < top)) {
      throw new EncoderException(
          String.format(
              java.util.Locale.ROOT,
              "Mel band edges out of range: fmin = %s Hz (%s) must be at least 0 and below fmax ="
                  + " %s Hz (%s), itself capped at half the sample rate (%s Hz). Fix them in your"
                  + " config file or with --set encoder.mel_fmin=... / encoder.mel_fmax=...",
              fmin,
              s.options().containsKey("fmin") ? "fmin= in spec " + s : "encoder.mel_fmin",
              fmax,
              s.options().containsKey("fmax") ? "fmax= in spec " + s : "encoder.mel_fmax",
              sr / 2.0));
    }
    try {
      return new MelEncoder.Params(sr, window, hop, bands, fmin, fmax);
    } catch (IllegalArgumentException e) {
      throw new EncoderException("Encoder spec " + s + ": " + e.getMessage(), e);
    }
  }

  /**
   * The number of PCA dimensions a {@code mel?pca=D} spec asks to fit, or 0 when it names a PCA
   * file or none.
   */
  public static int pcaToFit(EncoderSpec s) {
    String p = s.options().get("pca");
    return p != null && p.matches("\\d+") ? Integer.parseInt(p) : 0;
  }

  /**
   * What a model bundle stores of the encoder of {@code spec} (files resolved against {@code
   * base}), so that generation can open it without the dataset or the training config: for {@code
   * mel}, every setting in the spec and the PCA as {@code pca.npy}; other kinds as their factory
   * says ({@link EncoderFactory#portable}: a {@code .mvrave} is carried whole, a RAVE {@code .ts}
   * export stays outside).
   */
  public static PortableEncoder portable(String spec, Config config, Path base)
      throws EncoderException {
    EncoderSpec s = EncoderSpec.parse(spec);
    if (!s.kind().equals("mel")) {
      for (EncoderFactory f : ServiceLoader.load(EncoderFactory.class)) {
        if (f.kind().equals(s.kind())) {
          return f.portable(s, config, base);
        }
      }
      return new PortableEncoder(s.toString(), Map.of());
    }
    try (MelEncoder mel = openMel(s, config, base, Map.of())) {
      return mel.portable();
    }
  }

  private static MelEncoder openMel(
      EncoderSpec s, Config config, Path base, Map<String, byte[]> files) throws EncoderException {
    s.requireOnly("sr", "window", "hop", "bands", "fmin", "fmax", "pca");
    if (s.path() != null) {
      throw new EncoderException("Encoder spec " + s + ": mel takes no file (write mel?pca=FILE)");
    }
    MelEncoder.Params p = melParams(s, config);
    String pcaOpt = s.options().get("pca");
    if (pcaOpt == null) {
      return newMel(p, null, s);
    }
    if (pcaToFit(s) > 0) {
      throw new EncoderException(
          "Encoder spec "
              + s
              + " asks for a PCA fitted on a dataset: run 'mvgen encode DATASET --encoder "
              + s
              + "', then use the spec it records (mel?pca=latents/<id>/pca.npy)");
    }
    byte[] embedded = files.get(pcaOpt);
    String file = embedded != null ? pcaOpt + " (in the model)" : base.resolve(pcaOpt).toString();
    if (embedded == null && !Files.isRegularFile(base.resolve(pcaOpt))) {
      throw new EncoderException(
          "PCA file " + file + " of encoder spec " + s + " does not exist: run mvgen encode again");
    }
    Pca pca;
    try {
      Npy.Array m = embedded != null ? Npy.read(embedded, file) : Npy.read(base.resolve(pcaOpt));
      float[] data = new float[(int) m.rows() * m.cols()];
      for (int r = 0; r < m.rows(); r++) {
        m.row(r, data, r * m.cols());
      }
      pca = Pca.fromMatrix(data, (int) m.rows(), m.cols());
    } catch (DatasetFormatException | IllegalArgumentException e) {
      throw new EncoderException(
          "PCA file " + file + " is not a float32 [dim + 1, bands] matrix: " + e.getMessage(), e);
    }
    if (pca.inputs() != p.bands()) {
      throw new EncoderException(
          "PCA file "
              + file
              + " was fitted on "
              + pca.inputs()
              + " mel bands but the encoder has "
              + p.bands()
              + ": set bands="
              + pca.inputs()
              + " in the spec or encoder.mel_bands");
    }
    return newMel(p, pca, s);
  }

  /** A mel encoder; settings its features refuse (a window too short) name the spec. */
  private static MelEncoder newMel(MelEncoder.Params p, Pca pca, EncoderSpec s)
      throws EncoderException {
    try {
      return new MelEncoder(p, pca, s.toString());
    } catch (IllegalArgumentException e) {
      throw new EncoderException(
          "Encoder spec "
              + s
              + ": "
              + e.getMessage()
              + ". Fix the spec's options or the encoder.mel_* and audio.* settings.",
          e);
    }
  }
}
