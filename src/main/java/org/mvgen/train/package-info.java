/**
 * One training loop for every model mvgen trains: {@link org.mvgen.train.Trainer} runs a {@link
 * org.mvgen.train.TrainingTask}.
 *
 * <p>The task owns the model: it builds its networks and {@link org.mvgen.train.Optim}s (libtorch's
 * Adam or AdamW, each with a {@link org.mvgen.train.Schedule}), performs one step (forward, named
 * losses, backward, which optimizers update), validates, writes its previews and its final product,
 * and says what a resume must match ({@link org.mvgen.train.TrainingTask#identity}). The loop owns
 * everything else: step counting and learning rates (pure functions of the step, so a resume
 * continues the same curves and phases), the time budget ({@link
 * org.mvgen.train.RunSettings#time}), Ctrl-C and SIGTERM, the progress bar, divergence checks,
 * {@code metrics.json} and {@code loss.png}, atomic {@link org.mvgen.train.Checkpoint}s (named
 * tensors, optimizer states, the random generator, typed metadata), the run folder's lock and its
 * rules ({@code --resume}, {@code --overwrite}), and the ranks of distributed training (only rank 0
 * writes). Side concerns are {@link org.mvgen.train.TrainingListener}s reading a {@link
 * org.mvgen.train.TrainingContext}.
 *
 * <p>A new model is a new task, never a new loop; see {@code docs/architecture.md}. Threading: the
 * loop and every task and listener call run on the caller's thread; {@link
 * org.mvgen.train.Trainer#requestStop} may be called from any thread.
 */
package org.mvgen.train;
