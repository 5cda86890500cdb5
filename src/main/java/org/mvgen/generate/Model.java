package org.mvgen.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.mvgen.encoder.EncoderSpec;
import org.mvgen.encoder.Encoders;
import org.mvgen.encoder.PortableEncoder;

/**
 * A trained model ready to generate: the decoder bundle as a {@link FrameGenerator} and the encoder
 * whose latents it was trained on, opened from what the bundle records: the spec with every
 * setting, and the files it names (a mel PCA), which the bundle carries. A RAVE model file stays
 * outside the bundle and is looked up by path.
 *
 * <pre>
 * try (Model m = Model.open(Path.of("run/model.mvgen"), null, null, config)) {
 *   Renderer.render(request, m.encoder(), m.generator(), progress);
 * }
 * </pre>
 */
public record Model(AudioEncoder encoder, FrameGenerator generator) implements AutoCloseable {

  /**
   * Opens {@code bundle} and its encoder. The encoder is the bundle's unless {@code encoderSpec}
   * overrides it; files the bundle carries are used as they are, other files named in the spec (a
   * RAVE model, or the PCA of a bundle written before bundles carried it) are looked up relative to
   * {@code base} when given, else the bundle's folder, the dataset recorded in the bundle, and the
   * working directory. The encoder's id must be the one the decoder was trained with.
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
    PortableEncoder p =
        encoderSpec != null
            ? new PortableEncoder(encoderSpec, Map.of())
            : new PortableEncoder(b.encoderSpec(), b.encoderFiles());
    AudioEncoder enc = openEncoder(p, encoderSpec != null, bases(bundle, b, base), config, bundle);
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

  private static AudioEncoder openEncoder(
      PortableEncoder p, boolean given, List<Path> bases, Config config, Path bundle)
      throws EncoderException {
    EncoderSpec s = EncoderSpec.parse(p.spec());
    Set<Path> missing = new LinkedHashSet<>();
    EncoderException first = null;
    for (Path base : bases) {
      // A model file (rave:FILE.ts) is looked for at every base; an error from a base where the
      // file exists (a damaged file, another export) matters more than "not here".
      // A model file the bundle carries (rave:encoder.mvrave) is not looked for on disk.
      if (s.path() != null
          && !p.files().containsKey(s.path())
          && !Files.exists(base.resolve(s.path()))) {
        missing.add(base.resolve(s.path()).toAbsolutePath().normalize());
        continue;
      }
      try {
        return Encoders.open(p, config, base);
      } catch (EncoderException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first == null) {
      throw new EncoderException(missingModelFile(s, given, missing, bundle));
    }
    String pca = s.options().get("pca");
    if (!given
        && pca != null
        && p.files().isEmpty()
        && bases.stream().noneMatch(b -> Files.isRegularFile(b.resolve(pca)))) {
      throw new EncoderException(olderBundle(s, bases, bundle), first);
    }
    throw new EncoderException(
        "Cannot open the encoder '"
            + p.spec()
            + "' that model "
            + bundle
            + (given ? " is to use" : " was trained with")
            + " (looked in "
            + bases
            + "): "
            + first.getMessage()
            + (given
                ? " Check the spec given with --encoder."
                : " Give --encoder with the spec and the right path, or run from the dataset's"
                    + " folder."),
        first);
  }

  /** The message when no base has the model file the spec names: which file, and how to give it. */
  private static String missingModelFile(
      EncoderSpec s, boolean given, Set<Path> tried, Path bundle) {
    String name = Path.of(s.path()).getFileName().toString();
    EncoderSpec example = new EncoderSpec(s.kind(), "/path/to/" + name, s.options());
    String where = String.join(", ", tried.stream().map(Path::toString).toList());
    if (given) {
      return "The model file "
          + s.path()
          + " of --encoder '"
          + s
          + "' does not exist (looked at "
          + where
          + "). Give the path of the file, for example --encoder '"
          + example
          + "'.";
    }
    return "Model "
        + bundle
        + " was trained with the encoder '"
        + s
        + "', whose model file "
        + s.path()
        + " is not part of the model (model files stay outside: they are large and shared), and"
        + " it is not at "
        + where
        + ". Give its path with --encoder '"
        + example
        + "'; it must be the same file, whose hash is part of the encoder id.";
  }

  /**
   * The message for a bundle written before bundles carried the PCA, when no folder searched has
   * the dataset's PCA file.
   */
  private static String olderBundle(EncoderSpec s, List<Path> bases, Path bundle) {
    Map<String, String> o = new LinkedHashMap<>(s.options());
    o.put("pca", "/path/to/DATASET/" + o.get("pca"));
    return "Model "
        + bundle
        + " comes from an older mvgen that left its encoder's PCA in the dataset ("
        + s.options().get("pca")
        + ") instead of storing it in the model, and no folder searched has it (looked in "
        + bases
        + "). Give --encoder '"
        + new EncoderSpec(s.kind(), s.path(), o)
        + "' with the folder of the dataset it was trained on, or train the model again with this"
        + " mvgen: models now carry their PCA and work on their own.";
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
