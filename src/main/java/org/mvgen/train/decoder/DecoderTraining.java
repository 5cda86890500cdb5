package org.mvgen.train.decoder;

import java.io.IOException;
import java.util.List;
import org.mvgen.MvgenException;
import org.mvgen.train.TrainOutcome;
import org.mvgen.train.Trainer;
import org.mvgen.train.TrainingListener;
import org.mvgen.util.Progress;

/**
 * Trains a decoder: the entry point of {@code mvgen train} and the demo.
 *
 * <pre>
 * TrainResult r = DecoderTraining.run(config, ProgressBars.console(System.err));
 * </pre>
 */
public final class DecoderTraining {
  private DecoderTraining() {}

  /** Trains with a trainer of its own and no extra listeners. */
  public static TrainResult run(DecoderTrainConfig c, Progress.Factory progress)
      throws MvgenException, IOException {
    return run(c, new Trainer(c.run(), progress), List.of());
  }

  /**
   * Trains on {@code trainer} (made with {@code c.run()}; a test may stop it), calling {@code
   * listeners} before the standard ones.
   */
  public static TrainResult run(
      DecoderTrainConfig c, Trainer trainer, List<TrainingListener> listeners)
      throws MvgenException, IOException {
    try (DecoderTask task = new DecoderTask(c)) {
      TrainOutcome o = trainer.fit(task, listeners);
      return new TrainResult(
          o.runDir(),
          o.runDir().resolve(DecoderTask.BUNDLE),
          o.steps(),
          o.firstLoss(),
          o.finalLoss(),
          o.validation("loss"),
          o.validation("psnr"),
          o.samplesPerSecond(),
          o.interrupted());
    }
  }
}
