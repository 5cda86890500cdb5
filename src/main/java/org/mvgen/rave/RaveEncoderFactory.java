package org.mvgen.rave;

import java.nio.file.Path;
import java.util.Locale;
import org.mvgen.config.Config;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.EncoderFactory;
import org.mvgen.encoder.EncoderSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens {@code rave:FILE.ts[?mode=mean|sample][&delay=SAMPLES]} specs; registered as a service of
 * {@link EncoderFactory}.
 */
public final class RaveEncoderFactory implements EncoderFactory {
  private static final Logger LOG = LoggerFactory.getLogger(RaveEncoderFactory.class);

  @Override
  public String kind() {
    return "rave";
  }

  @Override
  public AudioEncoder open(EncoderSpec spec, Config config, Path base) throws EncoderException {
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
    RaveModel model = RaveModel.load(file, config.getInt("encoder.threads"));
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
        LOG.info(
            "{} is a streaming export; measured delay {} samples ({} ms), compensated.",
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
}
