package org.mvgen.train;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What listeners see of a running {@link Trainer}: read-only figures, no internals. */
public interface TrainingContext {
  /** The task's name. */
  String task();

  /** Steps completed. */
  long step();

  /** Steps planned in all (with a time budget: the steps it is expected to reach). */
  long plannedSteps();

  /** The last step's losses by name (main first). */
  Map<String, Double> losses();

  /** The last step's main loss. */
  double loss();

  /** The main loss, exponentially smoothed. */
  double smoothedLoss();

  /** The main loss of the first step of this process. */
  double firstLoss();

  /** Learning rate of the last step, per optimizer. */
  Map<String, Double> lrs();

  /** Samples per second in this process since it started or resumed. */
  double samplesPerSecond();

  /** Time spent training in this process. */
  Duration elapsed();

  /** The last validation's figures (empty before the first). */
  Map<String, Double> validation();

  /** Metrics recorded so far, oldest first (restored from the checkpoint when resuming). */
  List<MetricRow> history();

  /** Step of the checkpoint in the run folder, or -1 while there is none. */
  long checkpointStep();

  /** Whether the run stopped before its planned end (Ctrl-C, stop request, time up). */
  boolean interrupted();

  /** The run's settings. */
  RunSettings settings();

  /** The run folder. */
  default Path runDir() {
    return settings().runDir();
  }

  /** Processes training together (1 without distributed training). */
  int worldSize();

  /** This process's rank (0 writes files). */
  int rank();
}
