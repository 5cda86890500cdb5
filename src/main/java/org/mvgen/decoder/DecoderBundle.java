package org.mvgen.decoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.torch.TensorState;
import org.mvgen.torch.Torch;
import org.mvgen.torch.TorchException;
import org.mvgen.util.ZipFiles;

/**
 * A trained decoder in one file ({@code model.mvgen}): everything generation needs and nothing
 * else. It is a zip holding {@code bundle.json} (architecture, the encoder id and spec the latents
 * came from, latent normalisation, training metadata), {@code weights.bin} (every tensor of the
 * network, see {@link TensorState}) and {@code encoder/NAME}, the files the encoder spec names (for
 * a {@code mel?pca=D} encoder its PCA, {@code encoder/pca.npy}), so that the encoder opens without
 * the dataset. This package stores those files without interpreting them; {@code
 * org.mvgen.encoder.PortableEncoder} says what they are.
 *
 * <pre>
 * try (Decoder g = DecoderBundle.load(Path.of("run/model.mvgen"), encoder.id())) {
 *   g.generate(latents, n, rgb);
 * }
 * </pre>
 *
 * @param spec the architecture
 * @param encoderId id of the encoder whose latents the decoder was trained on
 * @param encoderSpec spec that opens that encoder ({@code mel?sr=44100&...&pca=pca.npy}, {@code
 *     rave:x.ts}); its file options name keys of {@code encoderFiles}
 * @param encoderFiles the files the encoder needs besides its spec, by name (empty in bundles of
 *     version 1, whose mel PCA stayed in the dataset); the caller must not change the arrays
 * @param norm latent normalisation measured on the training pairs
 * @param training free-form training metadata (steps, seed, losses, dataset, date)
 */
public record DecoderBundle(
    DecoderSpec spec,
    String encoderId,
    String encoderSpec,
    Map<String, byte[]> encoderFiles,
    LatentNorm norm,
    Map<String, Object> training) {
  public static final String FORMAT = "mvgen-decoder";

  /** The model file's name in a run folder. */
  public static final String FILE_NAME = "model.mvgen";

  /** 2: the encoder's files inside the bundle. Version 1 bundles are still read. */
  public static final int VERSION = 2;

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Folder of the encoder's files in the zip. */
  static final String ENCODER_DIR = "encoder/";

  public DecoderBundle {
    for (String name : encoderFiles.keySet()) {
      if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
        throw new IllegalArgumentException(
            "encoder file name '" + name + "' must be a plain file name");
      }
    }
    encoderFiles = Collections.unmodifiableMap(new TreeMap<>(encoderFiles));
  }

  /** A bundle whose encoder needs nothing besides its spec. */
  public DecoderBundle(
      DecoderSpec spec,
      String encoderId,
      String encoderSpec,
      LatentNorm norm,
      Map<String, Object> training) {
    this(spec, encoderId, encoderSpec, Map.of(), norm, training);
  }

  /** Writes the bundle with the weights of {@code net} to {@code file}, atomically. */
  public void write(Path file, DecoderNet net) throws IOException {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("version", VERSION);
    meta.put("spec", spec.toMap());
    Map<String, Object> enc = new LinkedHashMap<>();
    enc.put("id", encoderId);
    enc.put("spec", encoderSpec);
    enc.put("files", List.copyOf(encoderFiles.keySet()));
    meta.put("encoder", enc);
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("latentMean", norm.mean());
    n.put("latentStd", norm.std());
    n.put("frames", "RGB bytes x <-> x / 127.5 - 1, channel-first; network output is tanh");
    meta.put("normalisation", n);
    meta.put("training", training);
    ByteArrayOutputStream weights = new ByteArrayOutputStream();
    TensorState.write(net.state(), weights);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("bundle.json", JSON.writeValueAsBytes(meta));
    entries.put("weights.bin", weights.toByteArray());
    encoderFiles.forEach((name, bytes) -> entries.put(ENCODER_DIR + name, bytes));
    writeZip(file, entries);
  }

  /** Reads the description of a bundle without loading libtorch. */
  public static DecoderBundle read(Path file) throws ModelLoadException {
    Map<String, byte[]> z = readZip(file, "model bundle");
    byte[] json = z.get("bundle.json");
    if (json == null || !z.containsKey("weights.bin")) {
      throw new ModelLoadException(
          file + " is not an mvgen model bundle (no bundle.json or weights.bin inside).");
    }
    try {
      Map<?, ?> m = JSON.readValue(json, Map.class);
      if (!FORMAT.equals(m.get("format"))) {
        throw new ModelLoadException(file + " is not an mvgen decoder bundle (format field).");
      }
      int version = ((Number) m.get("version")).intValue();
      if (version > VERSION) {
        throw new ModelLoadException(
            file
                + " has bundle version "
                + version
                + "; this mvgen reads up to "
                + VERSION
                + ". Update mvgen.");
      }
      Map<?, ?> enc = (Map<?, ?>) m.get("encoder");
      Map<String, byte[]> files = new LinkedHashMap<>();
      if (enc.get("files") instanceof List<?> names) {
        for (Object o : names) {
          byte[] f = z.get(ENCODER_DIR + o);
          if (f == null) {
            throw new ModelLoadException(
                file
                    + " is damaged: bundle.json lists the encoder file "
                    + o
                    + " but the zip has no "
                    + ENCODER_DIR
                    + o
                    + ". Copy the model again or train it again.");
          }
          files.put((String) o, f);
        }
      }
      Map<?, ?> n = (Map<?, ?>) m.get("normalisation");
      @SuppressWarnings("unchecked")
      Map<String, Object> training = (Map<String, Object>) m.get("training");
      return new DecoderBundle(
          DecoderSpec.fromMap((Map<?, ?>) m.get("spec")),
          (String) enc.get("id"),
          (String) enc.get("spec"),
          files,
          new LatentNorm(floats(n.get("latentMean")), floats(n.get("latentStd"))),
          training == null ? Map.of() : training);
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException(file + " has an unreadable bundle.json: " + e.getMessage(), e);
    }
  }

  /** Loads a bundle as a frame generator on the CPU, whatever encoder it was trained with. */
  public static Decoder load(Path file) throws ModelLoadException, TorchException {
    return load(file, null);
  }

  /**
   * Loads a bundle as a frame generator, failing if it was trained with another encoder than {@code
   * encoderId} (an id or spec; {@code null} accepts any).
   */
  public static Decoder load(Path file, String encoderId)
      throws ModelLoadException, TorchException {
    return load(file, encoderId, "auto");
  }

  /**
   * Loads a bundle as a frame generator computing in {@code precision}: {@code float32}, {@code
   * bfloat16} or {@code auto} (bfloat16 where the CPU has AMX or AVX-512 BF16 units; frames then
   * differ from float32 ones by a few levels at most).
   */
  public static Decoder load(Path file, String encoderId, String precision)
      throws ModelLoadException, TorchException {
    InferenceNet.Precision p;
    try {
      p = InferenceNet.Precision.parse(precision);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(e.getMessage());
    }
    DecoderBundle b = read(file);
    b.checkEncoder(file, encoderId);
    Torch.load();
    DecoderNet net = new DecoderNet(b.spec());
    try (InputStream in =
        new ByteArrayInputStream(readZip(file, "model bundle").get("weights.bin"))) {
      Map<String, Tensor> w = TensorState.read(in);
      TensorState.copyInto(net.state(), w, file.toString());
    } catch (IOException e) {
      net.close();
      throw new ModelLoadException(file + ": weights do not load: " + e.getMessage(), e);
    }
    return new Decoder(b, net, p);
  }

  /** Fails with a message naming both encoders when {@code encoderId} is not this bundle's. */
  public void checkEncoder(Path file, String encoderId) throws ModelLoadException {
    if (encoderId != null && !encoderId.equals(this.encoderId) && !encoderId.equals(encoderSpec)) {
      throw new ModelLoadException(
          "Model "
              + file
              + " was trained on latents of encoder '"
              + this.encoderId
              + "' ("
              + encoderSpec
              + "), but encoder '"
              + encoderId
              + "' was given. "
              + (encoderFiles.isEmpty()
                  ? "Use --encoder " + encoderSpec + " (the same weights)"
                  : "Leave out --encoder (the model carries its encoder)")
              + ", or train a model on this encoder's latents.");
    }
  }

  private static float[] floats(Object o) {
    List<?> l = (List<?>) o;
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = ((Number) l.get(i)).floatValue();
    }
    return f;
  }

  /** Writes a zip of named entries atomically. */
  static void writeZip(Path file, Map<String, byte[]> entries) throws IOException {
    ZipFiles.write(file, entries);
  }

  /** Reads all entries of a zip into memory. */
  public static Map<String, byte[]> readZip(Path file, String what) throws ModelLoadException {
    Map<String, byte[]> m;
    try {
      m = ZipFiles.read(file);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          "No " + what + " at " + file + ". Train one with 'mvgen train' or check the path.", e);
    } catch (IOException e) {
      throw new ModelLoadException(file + " is not a readable " + what + ": " + e.getMessage(), e);
    }
    if (m.isEmpty()) {
      throw new ModelLoadException(file + " is not a " + what + " (not a zip file, or empty).");
    }
    return m;
  }
}
