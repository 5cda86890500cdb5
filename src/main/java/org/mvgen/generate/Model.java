package org.mvgen.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mvgen.MvgenException;
import org.mvgen.config.Config;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.Encoders;

/**
 * A trained model ready to generate: the decoder bundle as a {@link FrameGenerator} and the encoder
 * whose latents it was trained on, opened from the spec the bundle records.
 *
 * <pre>
 * try (Model m = Model.open(Path.of("run/model.mvgen"), null, null, config)) {
 *   Renderer.render(request, m.encoder(), m.generator(), progress);
 * }
 * </pre>
 */
public record Model(AudioEncoder encoder, FrameGenerator generator) implements AutoCloseable {

  /**
   * Opens {@code bundle} and its encoder. The encoder spec is the bundle's unless {@code
   * encoderSpec} overrides it; files named in the spec (a mel PCA) are looked up relative to {@code
   * base} when given, else the bundle's folder, the dataset recorded in the bundle, and the working
   * directory. The encoder's id must be the one the decoder was trained with.
   */
  public static Model open(Path bundle, String encoderSpec, Path base, Config config)
      throws MvgenException {
    if (!Files.isRegularFile(bundle)) {
      throw new GenerateException(
          "No model file "
              + bundle
              + ": give the model.mvgen that `mvgen train` wrote (in its run folder).");
    }
    DecoderBundle b = DecoderBundle.read(bundle);
    String spec = encoderSpec != null ? encoderSpec : b.encoderSpec();
    AudioEncoder enc = openEncoder(spec, bases(bundle, b, base), config, bundle);
    try {
      FrameGenerator gen = DecoderBundle.load(bundle, enc.id());
      return new Model(enc, gen);
    } catch (MvgenException | RuntimeException e) {
      enc.close();
      throw e;
    }
  }

  private static List<Path> bases(Path bundle, DecoderBundle b, Path base) {
    Set<Path> out = new LinkedHashSet<>();
    if (base != null) {
      out.add(base);
      return new ArrayList<>(out);
    }
    Path dir = bundle.toAbsolutePath().getParent();
    if (dir != null) {
      out.add(dir);
    }
    if (b.training().get("info") instanceof Map<?, ?> info
        && info.get("dataset") instanceof String ds) {
      out.add(Path.of(ds));
      if (dir != null) {
        out.add(dir.resolve(ds));
      }
    }
    out.add(Path.of("").toAbsolutePath());
    return new ArrayList<>(out);
  }

  private static AudioEncoder openEncoder(String spec, List<Path> bases, Config config, Path bundle)
      throws EncoderException {
    EncoderException first = null;
    for (Path p : bases) {
      try {
        return Encoders.open(spec, config, p);
      } catch (EncoderException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    throw new EncoderException(
        "Cannot open the encoder '"
            + spec
            + "' that model "
            + bundle
            + " was trained with (looked in "
            + bases
            + "): "
            + first.getMessage()
            + " Give --encoder with the spec and the right path, or run from the dataset's folder.",
        first);
  }

  @Override
  public void close() {
    try {
      generator.close();
    } finally {
      encoder.close();
    }
  }
}
