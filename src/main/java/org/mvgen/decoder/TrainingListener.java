package org.mvgen.decoder;

import java.io.IOException;
import org.mvgen.MvgenException;

/**
 * Reacts to training events without living in the training loop: checkpoints, previews, divergence
 * checks and metrics are listeners (see {@link Trainer#standardListeners}). Called on the training
 * thread, in list order; an exception stops the run.
 */
public interface TrainingListener {
  /** After every optimizer step. */
  default void onStep(Trainer.Run run) throws MvgenException, IOException {}

  /** At the end of the run (also when interrupted; not after a failure). */
  default void onEnd(Trainer.Run run) throws MvgenException, IOException {}
}
