package org.mvgen.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.MvgenException;

/**
 * What a model brings to the {@link Trainer}: its state, its optimizers, one training step and a
 * validation pass. The loop owns everything else (steps, schedules, stopping, progress, divergence,
 * metrics, checkpoints, ranks), so a new model is a new task, never a new loop.
 *
 * <pre>
 * try (MyTask task = new MyTask(config)) {
 *   TrainOutcome o = new Trainer(settings, progress).fit(task, Trainer.standardListeners(settings));
 * }
 * </pre>
 *
 * <p>Call order: {@link #build} (after the loop has seeded libtorch's generator), {@link #state}
 * and {@link #optimizers}, {@link #restoreExtraState} (when resuming), {@link #start}, then {@link
 * #step} for each step with {@link #validate} and {@link #sideOutputs} between steps, and {@link
 * #finish} at the end. All on the training thread.
 */
public interface TrainingTask extends AutoCloseable {
  /** A name for messages and charts ("decoder", "rave"). */
  String name();

  /**
   * What a checkpoint must match to be resumed: architecture, data, encoder, seed, batch... by
   * name, as JSON-friendly values (records, maps, strings, numbers). A differing entry is refused
   * with its name and both values, in this order: put the most telling first.
   */
  Map<String, Object> identity();

  /**
   * Builds the networks and optimizers on {@code device}, computing in bfloat16 where {@code bf16}.
   * Random initialisation must draw from libtorch's default generator, which the loop has seeded.
   */
  void build(org.bytedeco.pytorch.Device device, boolean bf16) throws IOException, MvgenException;

  /** Settings worth recording beside the identity (learning rates, loss...): not checked. */
  Map<String, Object> describe();

  /** Every tensor of the model by name (parameters, then buffers), live: checkpoints copy them. */
  Map<String, Tensor> state();

  /** The optimizers, each with its schedule; the loop sets their learning rates. */
  List<Optim> optimizers();

  /** Task state that is not a tensor (a latent normalisation...), as a JSON-friendly map. */
  default Map<String, Object> extraState() {
    return Map.of();
  }

  /** Restores {@link #extraState} from a checkpoint. */
  default void restoreExtraState(Map<String, Object> extra) throws IOException {}

  /**
   * Prepares the data from step {@code step} on (0, or the checkpoint's step). The batch of a step
   * must be a function of the step (and the seed), so that a resumed run sees the same data; a task
   * run as rank {@code rank} of {@code world} reads its share of every global batch.
   */
  void start(long step, boolean resumed, int rank, int world) throws IOException, MvgenException;

  /**
   * Step {@code step} (0-based): forward, losses, backward and the updates of whichever optimizers
   * this step updates. Returns the losses by name, the main one first (the loop watches it for
   * divergence and shows it); a non-finite main loss must not update the weights.
   */
  Map<String, Double> step(long step) throws IOException, InterruptedException, MvgenException;

  /** Validation figures by name (the main one first); empty without validation data. */
  Map<String, Double> validate(long step) throws IOException, MvgenException;

  /** Samples per step across all ranks, for throughput figures. */
  int samplesPerStep();

  /** Writes what a person looks or listens to at this step (preview PNGs, WAVs); rank 0 only. */
  default void sideOutputs(long step, Path runDir) throws IOException, MvgenException {}

  /** Writes the final product of the run (a model file) from the current weights; rank 0 only. */
  void finish(Path runDir, TrainingContext ctx) throws IOException, MvgenException;

  /** The advice a divergence message ends with (which settings to change). */
  default String divergenceAdvice(boolean checkpointKept) {
    return checkpointKept
        ? "Continue from it with a lower learning rate (--resume)."
        : "Start again with a lower learning rate.";
  }

  @Override
  void close();
}
