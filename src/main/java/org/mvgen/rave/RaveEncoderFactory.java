package org.mvgen.rave;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.mvgen.config.Config;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.EncoderFactory;
import org.mvgen.encoder.EncoderSpec;
import org.mvgen.encoder.PortableEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens {@code rave:FILE.ts[?mode=mean|sample][&delay=SAMPLES]} specs (RAVE TorchScript exports)
 * and {@code rave:FILE.mvrave} specs (models trained by {@code mvgen rave train}, {@link
 * MvraveEncoder}); registered as a service of {@link EncoderFactory}.
 */
public final class RaveEncoderFactory implements EncoderFactory {
  private static final Logger LOG = LoggerFactory.getLogger(RaveEncoderFactory.class);

  @Override
  public String kind() {
    return "rave";
  }

  /** The name under which a model bundle carries a {@code .mvrave} encoder. */
  static final String CARRIED = "encoder.mvrave";

  @Override
  public AudioEncoder open(EncoderSpec spec, Config config, Path base) throws EncoderException {
    return open(spec, config, base, Map.of());
  }

  @Override
  public AudioEncoder open(EncoderSpec spec, Config config, Path base, Map<String, byte[]> files)
      throws EncoderException {
    if (spec.path() != null && isMvrave(spec.path())) {
      return openMvrave(spec, config, base, files);
    }
    spec.requireOnly("mode", "delay");
    if (spec.path() == null) {
      throw new EncoderException(
          "Encoder spec '" + spec + "' names no model: write rave:path/to/model.ts");
    }
    String m = spec.options().getOrDefault("mode", config.getString("encoder.rave_mode"));
    RaveEncoder.Mode mode;
    try {
      mode = RaveEncoder.Mode.valueOf(m.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new EncoderException(
          "RAVE mode '" + m + "' (in " + spec + " or encoder.rave_mode) must be mean or sample");
    }
    int delay = spec.intOption("delay", config.getInt("encoder.rave_delay"));
    Path file = base.resolve(spec.path());
    // Sample mode never computes the mean, not even to probe the file: it must work for files
    // whose mean cannot be computed.
    RaveModel model =
        RaveModel.load(file, config.getInt("encoder.threads"), mode == RaveEncoder.Mode.MEAN);
    try {
      RaveEncoder enc = new RaveEncoder(model, mode, spec.toString(), delay);
      int sr = config.getInt("audio.sample_rate");
      if (model.sampleRate() != sr) {
        LOG.warn(
            "{} was trained at {} Hz but mvgen's audio is at {} Hz: the audio is resampled to {} Hz"
                + " before encoding (set audio.sample_rate = {} to avoid it).",
            file,
            model.sampleRate(),
            sr,
            model.sampleRate(),
            model.sampleRate());
      }
      if (enc.delayMeasured()) {
        LOG.warn(
            "{} is a streaming export whose delay cannot be computed from the file ({}); measured"
                + " {} samples ({} ms) with clicks, an estimate. Give the exact delay if you know"
                + " it: rave:{}?delay=SAMPLES",
            file,
            model.whyNoFileDelay(),
            enc.delay(),
            String.format(Locale.ROOT, "%.1f", enc.delay() * 1000.0 / model.sampleRate()),
            file);
      } else if (enc.delaySource() == RaveEncoder.DelaySource.FILE) {
        LOG.info(
            "{} is a streaming export; delay {} samples ({} ms) from its cached convolutions,"
                + " compensated.",
            file,
            enc.delay(),
            String.format(Locale.ROOT, "%.1f", enc.delay() * 1000.0 / model.sampleRate()));
      }
      return enc;
    } catch (EncoderException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static boolean isMvrave(String path) {
    return path.toLowerCase(Locale.ROOT).endsWith(".mvrave");
  }

  /** An mvgen-trained model: posterior mean only (deterministic); a session for causal ones. */
  private static AudioEncoder openMvrave(
      EncoderSpec spec, Config config, Path base, Map<String, byte[]> files)
      throws EncoderException {
    spec.requireOnly("mode");
    String m = spec.options().getOrDefault("mode", config.getString("encoder.rave_mode"));
    if (!m.equalsIgnoreCase("mean")) {
      throw new EncoderException(
          "RAVE mode '"
              + m
              + "' (in "
              + spec
              + " or encoder.rave_mode): an mvgen .mvrave model encodes the posterior mean only;"
              + " use mode=mean.");
    }
    byte[] carried = files.get(spec.path());
    String name =
        carried != null ? spec.path() + " (in the model)" : base.resolve(spec.path()).toString();
    try {
      byte[] bytes;
      if (carried != null) {
        bytes = carried;
      } else {
        Path file = base.resolve(spec.path());
        if (!Files.isRegularFile(file)) {
          throw new EncoderException(
              "RAVE model file "
                  + file
                  + " of encoder spec "
                  + spec
                  + " does not exist: give a .mvrave written by 'mvgen rave export RUN -o"
                  + " FILE.mvrave'.");
        }
        bytes = Files.readAllBytes(file);
      }
      String hash = MvraveFile.contentHash(bytes, name);
      return new MvraveEncoder(MvraveFile.load(bytes, name), spec.toString(), hash);
    } catch (IOException e) {
      throw new EncoderException(e.getMessage(), e);
    }
  }

  /**
   * A {@code .mvrave} model travels inside the bundle (as {@value #CARRIED}), so that a trained
   * decoder and its encoder are one file; a TorchScript export stays where it is.
   */
  @Override
  public PortableEncoder portable(EncoderSpec spec, Config config, Path base)
      throws EncoderException {
    if (spec.path() == null || !isMvrave(spec.path())) {
      return new PortableEncoder(spec.toString(), Map.of());
    }
    Path file = base.resolve(spec.path());
    if (!Files.isRegularFile(file) && Files.isRegularFile(Path.of(spec.path()))) {
      // 'mvgen encode' records the spec as given, relative to the folder it ran in.
      file = Path.of(spec.path());
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
      MvraveFile.contentHash(bytes, file.toString()); // checks it is one
    } catch (IOException e) {
      throw new EncoderException(
          "Cannot read RAVE model file "
              + file
              + " (encoder spec "
              + spec
              + ") to put it in the model: "
              + e.getMessage(),
          e);
    }
    Map<String, String> opts = new LinkedHashMap<>(spec.options());
    return new PortableEncoder(
        new EncoderSpec("rave", CARRIED, opts).toString(), Map.of(CARRIED, bytes));
  }
}
