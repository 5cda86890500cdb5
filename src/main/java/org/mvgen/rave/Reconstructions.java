package org.mvgen.rave;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.mvgen.audio.WavWriter;
import org.mvgen.rave.model.AudioExamples;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.rave.model.RaveTask;
import org.mvgen.train.TrainingContext;
import org.mvgen.train.TrainingListener;

/**
 * What a RAVE model makes of held-out audio, for a person to hear and see while it trains: every
 * {@code every} steps and at the end, {@code RUN/reconstructions/step-NNNNNNN.wav} (each example,
 * then its reconstruction from the posterior mean, a short silence between) and {@code
 * step-NNNNNNN.png} (their log-mel spectrograms, input above reconstruction). Rank 0 only; runs on
 * the training thread between steps, on a folded copy of the network.
 */
public final class Reconstructions implements TrainingListener {
  /** The folder in the run. */
  public static final String DIR = "reconstructions";

  private final RaveTask task;
  private final AudioExamples examples;
  private final String what;
  private final int count;
  private final int every;
  private final int maxSamples;

  /**
   * Reconstructs the first {@code count} of {@code examples} (at most {@code maxSamples} samples of
   * each); {@code what} says what they are ("held-out", "training") in the spectrogram labels.
   */
  public Reconstructions(
      RaveTask task, AudioExamples examples, String what, int count, int every, int maxSamples) {
    this.task = task;
    this.examples = examples;
    this.what = what;
    this.count = Math.min(count, examples.size());
    this.every = every;
    this.maxSamples = maxSamples;
  }

  @Override
  public void onStep(TrainingContext ctx) throws IOException {
    if (ctx.rank() == 0 && every > 0 && ctx.step() % every == 0) {
      write(ctx.step(), ctx.runDir());
    }
  }

  @Override
  public void onEnd(TrainingContext ctx) throws IOException {
    if (ctx.rank() == 0) {
      write(ctx.step(), ctx.runDir());
    }
  }

  /** Writes the WAV and PNG of step {@code step}; returns the WAV. */
  public Path write(long step, Path runDir) throws IOException {
    if (count == 0) {
      return null;
    }
    String base = String.format(Locale.ROOT, "step-%07d", step);
    Path wav = runDir.resolve(DIR).resolve(base + ".wav");
    List<List<Spectrograms.Signal>> pairs = new ArrayList<>();
    List<float[]> signals = new ArrayList<>();
    int sr;
    try (RaveAutoencoder m = RaveAutoencoder.of(task.net())) {
      sr = m.sampleRate();
      for (int i = 0; i < count; i++) {
        int n = Math.min(maxSamples, examples.length(i));
        float[] x = new float[n];
        examples.read(i, 0, x, 0, n);
        float[] y = reconstruct(m, x);
        signals.add(x);
        signals.add(y);
        pairs.add(
            List.of(
                new Spectrograms.Signal(what + " " + (i + 1), x),
                new Spectrograms.Signal("model, step " + step, y)));
      }
    }
    writeWav(wav, sr, signals);
    Spectrograms.write(runDir.resolve(DIR).resolve(base + ".png"), sr, pairs);
    return wav;
  }

  /** {@code x} through the model's posterior mean and decoder, cut to {@code x.length} samples. */
  public static float[] reconstruct(RaveAutoencoder m, float[] x) {
    float[] y = m.decode(m.encodeMean(x));
    return Arrays.copyOf(y, x.length);
  }

  /**
   * The multi-scale spectral distance of {@code y} to {@code x} (the full-band term of the training
   * distance, on the config's STFT sizes), {@code y} advanced by the model's round-trip delay
   * (causal models lag by their PQMF's): how far a reconstruction is from its input, one number.
   */
  public static double distance(RaveAutoencoder m, float[] x, float[] y) {
    int lag = 2 * m.analysisDelay();
    int n = Math.max(0, Math.min(x.length, y.length - lag));
    if (n == 0) {
      return Double.NaN;
    }
    float[] a = Arrays.copyOf(x, n);
    float[] b = Arrays.copyOfRange(y, lag, lag + n);
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
        org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      return org.mvgen.rave.model.RaveLosses.spectralDistance(
              org.mvgen.torch.Torch.tensor(a, 1, n),
              org.mvgen.torch.Torch.tensor(b, 1, n),
              m.config().stftSizes())
          .item_double();
    }
  }

  /** Writes {@code signals} one after the other with a quarter second of silence between. */
  public static void writeWav(Path wav, int sampleRate, List<float[]> signals) throws IOException {
    try (WavWriter w = new WavWriter(wav, sampleRate)) {
      for (int i = 0; i < signals.size(); i++) {
        if (i > 0) {
          w.writeSilence(sampleRate / 4);
        }
        w.write(signals.get(i), 0, signals.get(i).length);
      }
      w.commit();
    }
  }
}
