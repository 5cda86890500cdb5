package org.mvgen.train;

import java.io.IOException;
import org.mvgen.MvgenException;

/**
 * Reacts to training events without living in the loop: checkpoints, previews, divergence checks,
 * metric files (DJL's {@code TrainingListener}). Called on the training thread, in list order; an
 * exception stops the run (a {@link DivergenceException} keeps the last checkpoint).
 */
public interface TrainingListener {
  /** After every step. */
  default void onStep(TrainingContext ctx) throws MvgenException, IOException {}

  /** After a validation pass (its figures are in {@link TrainingContext#validation}). */
  default void onValidation(TrainingContext ctx) throws MvgenException, IOException {}

  /** At the end of the run (also when interrupted; not after a failure). */
  default void onEnd(TrainingContext ctx) throws MvgenException, IOException {}
}
