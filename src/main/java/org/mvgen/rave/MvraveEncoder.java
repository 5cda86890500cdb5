package org.mvgen.rave;

import java.util.Arrays;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.rave.model.StreamingEncoder;

/**
 * An {@link AudioEncoder} over an mvgen-trained RAVE model ({@code rave:FILE.mvrave}): the
 * deterministic posterior mean, and for causal configs ({@code live}) a streaming session with
 * cached convolutions.
 *
 * <p>Time: a causal model's PQMF analysis lags the audio by {@link #delay()} samples, so the raw
 * latent {@code k} of the model describes the audio ending at {@code (k + 1) hop - delay}. {@link
 * #encode} compensates it as {@link RaveEncoder} does for streaming exports: it feeds {@code (hop -
 * delay % hop) % hop} zeros first and drops the first {@code ceil(delay / hop)} latents, so latent
 * {@code n} describes the audio ending at {@code (n + 1) hop}. A session returns the raw latents as
 * they complete (each {@code delay} samples after the audio it describes). Centred models have no
 * delay and no session.
 *
 * <p>The {@link #id()} names the model's config and a hash of its weights, which decide the latents
 * entirely. Owns the model: closing the encoder closes it. Not thread-safe.
 */
public final class MvraveEncoder implements AudioEncoder {
  private final RaveAutoencoder model;
  private final String spec;
  private final String id;

  /** Wraps {@code model} (now owned by this encoder); {@code hash} identifies its weights. */
  public MvraveEncoder(RaveAutoencoder model, String spec, String hash) {
    this.model = model;
    this.spec = spec;
    this.id =
        "mvrave-"
            + model.config().name().replaceAll("[^A-Za-z0-9]", "")
            + "-"
            + model.latentSize()
            + "-"
            + hash;
  }

  /** The model; stays owned by this encoder. */
  public RaveAutoencoder model() {
    return model;
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
    return model.sampleRate();
  }

  @Override
  public int latentSize() {
    return model.latentSize();
  }

  @Override
  public int hop() {
    return model.hop();
  }

  @Override
  public int delay() {
    return model.config().causal() ? model.analysisDelay() : 0;
  }

  @Override
  public float[][] encode(float[] pcm) throws EncoderException {
    int hop = hop();
    int frames = (pcm.length + hop - 1) / hop;
    int d = delay();
    if (d == 0) {
      return model.encodeMean(pcm);
    }
    int lead = (hop - d % hop) % hop;
    int drop = (d + hop - 1) / hop;
    float[] shifted = new float[(frames + drop) * hop];
    System.arraycopy(pcm, 0, shifted, lead, pcm.length);
    float[][] z = model.encodeMean(shifted);
    return Arrays.copyOfRange(z, drop, drop + frames);
  }

  @Override
  public Session openSession() throws EncoderException {
    if (!model.config().causal()) {
      throw new EncoderException(
          spec
              + " was trained with the '"
              + model.config().name()
              + "' config, which is not causal: live input needs a causal model. Train one with"
              + " 'mvgen rave train ... --model-config live' (or causal=true), or use mel live.");
    }
    StreamingEncoder s = model.openStream();
    return new Session() {
      @Override
      public float[][] push(float[] pcm, int off, int len) {
        return s.push(pcm, off, len);
      }

      @Override
      public void reset() {
        s.reset();
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  @Override
  public void close() {
    model.close();
  }
}
