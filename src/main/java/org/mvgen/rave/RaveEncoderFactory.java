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
}
