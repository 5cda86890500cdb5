package org.mvgen.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@link Trainer#fit} achieved.
 *
 * @param runDir the run folder
 * @param steps steps completed in all
 * @param firstLoss main loss of the first step of this process
 * @param finalLoss smoothed main loss at the end
 * @param validation the last validation's figures (empty without validation data)
 * @param samplesPerSecond throughput of this process
 * @param interrupted stopped before the planned end (Ctrl-C, SIGTERM, a stop request)
 * @param timeUp the time budget ended the run (its planned end, not an interruption)
 */
public record TrainOutcome(
    Path runDir,
    long steps,
    double firstLoss,
    double finalLoss,
    Map<String, Double> validation,
    double samplesPerSecond,
    boolean interrupted,
    boolean timeUp) {
  public TrainOutcome {
    validation = Map.copyOf(validation);
  }

  /** A validation figure, or NaN. */
  public double validation(String name) {
    Double v = validation.get(name);
    return v == null ? Double.NaN : v;
  }
}
