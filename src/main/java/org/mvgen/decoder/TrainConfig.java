package org.mvgen.decoder;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one training run needs. Built by {@code mvgen train} from the config sections {@code
 * [model]} and {@code [train]}; tests build it with tiny numbers.
 *
 * @param train training pairs
 * @param validation held-out pairs (may be empty: no validation figures then)
 * @param spec the network
 * @param runDir where checkpoints, previews, curves and the bundle go
 * @param steps optimizer steps in total (a resumed run continues up to this number)
 * @param batchSize pairs per step
 * @param lr peak learning rate of Adam
 * @param schedule {@code cosine} (warm-up, then cosine decay to {@code lr * minLrFraction}) or
 *     {@code constant} (warm-up, then {@code lr})
 * @param warmupSteps linear warm-up from 0 to {@code lr}
 * @param minLrFraction floor of the cosine schedule as a fraction of {@code lr}
 * @param weightDecay L2 penalty added to gradients (0 for none)
 * @param loss {@code mse} (the reference) or {@code l1}
 * @param seed seeds initialisation and the data order
 * @param threads libtorch intra-op threads (0: libtorch's default)
 * @param loaderThreads background decoding threads
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param previewEvery steps between preview PNGs (0: only at the end)
 * @param validateEvery steps between validation passes (0: only at the end)
 * @param validationPairs most validation pairs used per pass (evenly spaced)
 * @param divergenceFactor a loss above this multiple of the best smoothed loss, or NaN, stops
 * @param resume continue from the checkpoint in {@code runDir}
 * @param device {@code cpu}, {@code cuda}, {@code auto}
 * @param encoderId encoder id of the latents, stored in the bundle
 * @param encoderSpec spec that opens the encoder of the latents anywhere, stored in the bundle
 * @param encoderFiles files that spec names (a mel PCA), stored in the bundle (see {@link
 *     DecoderBundle})
 * @param info extra metadata stored with checkpoints and the bundle (dataset path, config)
 * @param precision {@code float32}, {@code bfloat16} (mixed precision: bf16 convolutions, float32
 *     parameters and loss) or {@code auto} (bfloat16 on a CPU with AMX or AVX-512 BF16 units)
 */
public record TrainConfig(
    PairSource train,
    PairSource validation,
    DecoderSpec spec,
    Path runDir,
    long steps,
    int batchSize,
    double lr,
    String schedule,
    int warmupSteps,
    double minLrFraction,
    double weightDecay,
    String loss,
    long seed,
    int threads,
    int loaderThreads,
    int checkpointEvery,
    int previewEvery,
    int validateEvery,
    int validationPairs,
    double divergenceFactor,
    boolean resume,
    String device,
    String encoderId,
    String encoderSpec,
    Map<String, byte[]> encoderFiles,
    Map<String, Object> info,
    String precision) {
  public TrainConfig {
    if (!List.of("float32", "bfloat16", "auto").contains(precision)) {
      throw new IllegalArgumentException(
          "train.precision '" + precision + "' must be float32, bfloat16 or auto");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("train.steps (" + steps + ") must be positive");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("train.batch_size (" + batchSize + ") must be positive");
    }
    if (!(lr > 0)) {
      throw new IllegalArgumentException("train.lr (" + lr + ") must be positive");
    }
    if (!schedule.equals("cosine") && !schedule.equals("constant")) {
      throw new IllegalArgumentException(
          "train.schedule '" + schedule + "' must be 'cosine' or 'constant'");
    }
    if (!loss.equals("mse") && !loss.equals("l1")) {
      throw new IllegalArgumentException("train.loss '" + loss + "' must be 'mse' or 'l1'");
    }
    if (train.latentSize() != spec.latentSize() || train.frameSize() != spec.frameSize()) {
      throw new IllegalArgumentException(
          "the training pairs have latents of "
              + train.latentSize()
              + " and frames of "
              + train.frameSize()
              + " px, the model expects "
              + spec.latentSize()
              + " and "
              + spec.frameSize());
    }
    info = info == null ? Map.of() : Map.copyOf(info);
    encoderFiles = encoderFiles == null ? Map.of() : Map.copyOf(encoderFiles);
  }

  /** The same with an encoder that needs no files besides its spec. */
  public TrainConfig(
      PairSource train,
      PairSource validation,
      DecoderSpec spec,
      Path runDir,
      long steps,
      int batchSize,
      double lr,
      String schedule,
      int warmupSteps,
      double minLrFraction,
      double weightDecay,
      String loss,
      long seed,
      int threads,
      int loaderThreads,
      int checkpointEvery,
      int previewEvery,
      int validateEvery,
      int validationPairs,
      double divergenceFactor,
      boolean resume,
      String device,
      String encoderId,
      String encoderSpec,
      Map<String, Object> info,
      String precision) {
    this(
        train,
        validation,
        spec,
        runDir,
        steps,
        batchSize,
        lr,
        schedule,
        warmupSteps,
        minLrFraction,
        weightDecay,
        loss,
        seed,
        threads,
        loaderThreads,
        checkpointEvery,
        previewEvery,
        validateEvery,
        validationPairs,
        divergenceFactor,
        resume,
        device,
        encoderId,
        encoderSpec,
        Map.of(),
        info,
        precision);
  }

  /** The same with {@code precision = "auto"} and an encoder that needs no files. */
  public TrainConfig(
      PairSource train,
      PairSource validation,
      DecoderSpec spec,
      Path runDir,
      long steps,
      int batchSize,
      double lr,
      String schedule,
      int warmupSteps,
      double minLrFraction,
      double weightDecay,
      String loss,
      long seed,
      int threads,
      int loaderThreads,
      int checkpointEvery,
      int previewEvery,
      int validateEvery,
      int validationPairs,
      double divergenceFactor,
      boolean resume,
      String device,
      String encoderId,
      String encoderSpec,
      Map<String, Object> info) {
    this(
        train,
        validation,
        spec,
        runDir,
        steps,
        batchSize,
        lr,
        schedule,
        warmupSteps,
        minLrFraction,
        weightDecay,
        loss,
        seed,
        threads,
        loaderThreads,
        checkpointEvery,
        previewEvery,
        validateEvery,
        validationPairs,
        divergenceFactor,
        resume,
        device,
        encoderId,
        encoderSpec,
        Map.of(),
        info,
        "auto");
  }

  /** Whether training computes in bfloat16 on {@code device} ({@code auto}: CPUs that have it). */
  public boolean bf16(boolean cpu) {
    return switch (precision) {
      case "bfloat16" -> true;
      case "float32" -> false;
      default -> cpu && InferenceNet.cpuHasBf16();
    };
  }

  /** The learning rate at (0-based) step {@code step}. */
  public double lrAt(long step) {
    if (warmupSteps > 0 && step < warmupSteps) {
      return lr * (step + 1) / warmupSteps;
    }
    if (schedule.equals("constant")) {
      return lr;
    }
    double t = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
    double min = lr * minLrFraction;
    return min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
  }
}
