package org.mvgen.train.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.MvgenException;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.Split;
import org.mvgen.decoder.DatasetPairs;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.InMemoryPairs;
import org.mvgen.decoder.PairSource;
import org.mvgen.decoder.Synthetic;
import org.mvgen.train.Checkpoint;
import org.mvgen.train.DivergenceException;
import org.mvgen.train.Precision;
import org.mvgen.train.Trainer;
import org.mvgen.train.TrainingContext;
import org.mvgen.train.TrainingListener;
import org.mvgen.util.Progress;

class DecoderTrainingTest {
  @Test
  void tinyModelOverfitsAHandfulOfPairs(@TempDir Path tmp) throws Exception {
    try (Dataset ds = Synthetic.dataset(tmp.resolve("data"), 3, 12, 32)) {
      DatasetPairs train = DatasetPairs.of(ds, Synthetic.ENCODER, Split.TRAIN);
      DatasetPairs val = DatasetPairs.of(ds, Synthetic.ENCODER, Split.VALIDATION);
      assertTrue(train.size() >= 12 && val.size() >= 12, train.size() + " / " + val.size());
      DecoderTrainConfig c = Synthetic.config(train, val, tmp.resolve("run"), 150, 8, false);
      c = withEvery(c, 50);
      TrainResult r = DecoderTraining.run(c, Progress.SILENT);
      assertEquals(150, r.steps());
      // Stated factor: the smoothed training loss falls at least tenfold on 24 pairs.
      assertTrue(r.finalLoss() < r.firstLoss() / 10, r.firstLoss() + " -> " + r.finalLoss());
      assertTrue(Files.exists(r.bundle()));
      assertTrue(Files.exists(tmp.resolve("run/loss.png")));
      assertTrue(Files.exists(tmp.resolve("run/previews/step-0000050.png")));
      assertTrue(Files.exists(tmp.resolve("run/metrics.json")));
      assertTrue(Double.isFinite(r.validationPsnr()));
      // The run folder holds a run now: a second start without --resume must refuse.
      DecoderTrainConfig again = c;
      MvgenException e =
          assertThrows(MvgenException.class, () -> DecoderTraining.run(again, Progress.SILENT));
      assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"float32", "bfloat16"})
  void resumeContinuesBitForBit(String precision, @TempDir Path tmp) throws Exception {
    InMemoryPairs train = Synthetic.pairs(24, 16);
    InMemoryPairs val = Synthetic.pairs(4, 16);
    DecoderTrainConfig straight =
        with(Synthetic.config(train, val, tmp.resolve("a"), 24, 6, false), 0, precision);
    DecoderTraining.run(straight, Progress.SILENT);

    DecoderTrainConfig first =
        with(Synthetic.config(train, val, tmp.resolve("b"), 24, 6, false), 0, precision);
    Trainer t = new Trainer(first.run(), Progress.SILENT);
    List<TrainingListener> ls = new ArrayList<>();
    ls.add(
        new TrainingListener() {
          @Override
          public void onStep(TrainingContext run) {
            if (run.step() == 9) {
              t.requestStop();
            }
          }
        });
    TrainResult stopped = DecoderTraining.run(first, t, ls);
    assertTrue(stopped.interrupted());
    assertEquals(9, stopped.steps());
    TrainResult resumed =
        DecoderTraining.run(
            with(Synthetic.config(train, val, tmp.resolve("b"), 24, 6, true), 0, precision),
            Progress.SILENT);
    assertFalse(resumed.interrupted());
    assertEquals(24, resumed.steps());

    byte[] a = DecoderBundle.readZip(tmp.resolve("a/model.mvgen"), "x").get("weights.bin");
    byte[] b = DecoderBundle.readZip(tmp.resolve("b/model.mvgen"), "x").get("weights.bin");
    assertArrayEquals(a, b, "resumed weights differ from an uninterrupted run");
    String run = Files.readString(tmp.resolve("b/run.json"));
    assertTrue(run.contains("\"precision\" : \"" + precision + "\""), run);
  }

  @Test
  void nanLossStopsWithAdviceAndKeepsCheckpoint(@TempDir Path tmp) throws Exception {
    InMemoryPairs train = Synthetic.pairs(8, 16);
    DecoderTrainConfig c =
        withEvery(Synthetic.config(train, null, tmp.resolve("r"), 30, 4, false), 5);
    DecoderTask task = new DecoderTask(c);
    List<TrainingListener> ls = new ArrayList<>();
    // Poison the weights after step 7: the next loss is NaN.
    ls.add(
        new TrainingListener() {
          @Override
          public void onStep(TrainingContext run) {
            if (run.step() == 7) {
              try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
                task.net()
                    .parametersByName()
                    .get("fc.weight")
                    .fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
              }
            }
          }
        });
    DivergenceException e =
        assertThrows(
            DivergenceException.class, () -> new Trainer(c.run(), Progress.SILENT).fit(task, ls));
    assertTrue(e.getMessage().contains("train.lr"), e.getMessage());
    assertTrue(e.getMessage().contains("step 8"), e.getMessage());
    assertTrue(Files.exists(tmp.resolve("r/checkpoint.ckpt")), "checkpoint of step 5 kept");
    assertEquals(5, checkpointStep(tmp.resolve("r/checkpoint.ckpt")));
    assertTrue(e.getMessage().contains("checkpoint of step 5"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("r/model.mvgen")), "no bundle from a diverged run");
  }

  /**
   * Diverging before the first checkpoint leaves nothing to resume: the message says so and does
   * not send the user to --resume, and a new start in the same folder works.
   */
  @Test
  void divergenceBeforeAnyCheckpointSaysToStartAgain(@TempDir Path tmp) throws Exception {
    InMemoryPairs train = Synthetic.pairs(8, 16);
    DecoderTrainConfig c =
        withEvery(Synthetic.config(train, null, tmp.resolve("r"), 30, 4, false), 5);
    DecoderTask task = new DecoderTask(c);
    List<TrainingListener> ls = new ArrayList<>();
    ls.add(
        new TrainingListener() {
          @Override
          public void onStep(TrainingContext run) {
            if (run.step() == 2) {
              try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
                task.net()
                    .parametersByName()
                    .get("fc.weight")
                    .fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
              }
            }
          }
        });
    DivergenceException e =
        assertThrows(
            DivergenceException.class, () -> new Trainer(c.run(), Progress.SILENT).fit(task, ls));
    assertTrue(e.getMessage().contains("step 3"), e.getMessage());
    assertTrue(e.getMessage().contains("No checkpoint"), e.getMessage());
    assertFalse(e.getMessage().contains("--resume"), e.getMessage());
    assertTrue(e.getMessage().contains("train.lr"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("r/checkpoint.ckpt")));
    TrainResult again = DecoderTraining.run(c, Progress.SILENT);
    assertEquals(30, again.steps());
  }

  /**
   * An exploding, finite loss: after 100 steps on a handful of pairs the targets jump to noise, so
   * the loss jumps from a few hundredths to a third or more (no network can do better on noise).
   * The run must stop with advice, write no bundle, and keep the checkpoint of step 100: the
   * checkpoints due while the smoothed loss is still catching up with the explosion (steps 105,
   * 110) hold weights that have already learnt from the noise.
   */
  @Test
  void explodingLossStopsWithAdviceAndKeepsTheCheckpointFromBeforeIt(@TempDir Path tmp)
      throws Exception {
    InMemoryPairs pairs = Synthetic.pairs(8, 16);
    // One loader thread reads the 4 frames of each batch in step order, so reads 401 onwards are
    // exactly the batches of steps 101 onwards. Validation pairs of their own keep previews from
    // reading the training source.
    JumpingPairs jumping = new JumpingPairs(pairs, 100L * 4);
    // The training loss of a tiny model is bounded (tanh frames), so it can only explode a few
    // times over: stop at 5 times the best.
    DecoderTrainConfig c =
        with(
            Synthetic.config(jumping, Synthetic.pairs(4, 16), tmp.resolve("r"), 200, 4, false),
            5,
            "auto",
            5);
    double[] losses = new double[201];
    DecoderTask task = new DecoderTask(c);
    List<TrainingListener> ls = new ArrayList<>();
    ls.add(
        new TrainingListener() {
          @Override
          public void onStep(TrainingContext run) {
            losses[(int) run.step()] = run.loss();
          }
        });
    DivergenceException e =
        assertThrows(
            DivergenceException.class, () -> new Trainer(c.run(), Progress.SILENT).fit(task, ls));
    String msg = e.getMessage();
    assertTrue(msg.contains("train.lr") && msg.contains("warm-up"), msg);
    assertTrue(msg.contains("--resume"), msg);
    Matcher m = Pattern.compile("diverged at step (\\d+)").matcher(msg);
    assertTrue(m.find(), msg);
    int diverged = Integer.parseInt(m.group(1));

    double before = 0;
    for (int s = 81; s <= 100; s++) {
      before = Math.max(before, losses[s]);
    }
    assertTrue(before < 0.1, "the pairs were learnt before the jump: loss " + before);
    assertTrue(losses[101] > 5 * before, "the jump explodes the loss: " + losses[101]);
    assertTrue(diverged > 101 && diverged < 200, msg);
    assertFalse(Files.exists(tmp.resolve("r/model.mvgen")), "no bundle from a diverged run");
    assertEquals(100, checkpointStep(tmp.resolve("r/checkpoint.ckpt")), msg);
    assertTrue(msg.contains("step 100"), "the message names the checkpoint kept: " + msg);

    // The checkpoint kept loads, holds the weights that had learnt the pairs, and training
    // continues from it to the end on the targets as they were.
    TrainResult resumed =
        DecoderTraining.run(
            with(
                Synthetic.config(pairs, Synthetic.pairs(4, 16), tmp.resolve("r"), 200, 4, true),
                5,
                "auto",
                5),
            Progress.SILENT);
    assertFalse(resumed.interrupted());
    assertEquals(200, resumed.steps());
    assertTrue(
        resumed.firstLoss() < 2 * before,
        "first loss after resuming " + resumed.firstLoss() + ", before the jump " + before);
    assertTrue(Files.exists(tmp.resolve("r/model.mvgen")));
  }

  /**
   * A resume with other data or another encoder is refused naming what differs (not blaming the
   * model settings), and an infinite learning rate is refused as a setting.
   */
  @Test
  void resumeRefusesOtherDataOrAnotherEncoderNamingIt(@TempDir Path tmp) throws Exception {
    InMemoryPairs train = Synthetic.pairs(8, 16);
    DecoderTraining.run(
        Synthetic.config(train, null, tmp.resolve("r"), 6, 4, false), Progress.SILENT);
    DecoderTrainConfig otherEncoder =
        Synthetic.builder(train, null, tmp.resolve("r"), 12, 4, true)
            .encoder("mel-64-other", "mel", Map.of())
            .build();
    MvgenException e =
        assertThrows(
            MvgenException.class, () -> DecoderTraining.run(otherEncoder, Progress.SILENT));
    assertTrue(
        e.getMessage().contains("encoder \"synthetic-4\"")
            && e.getMessage().contains("mel-64-other"),
        e.getMessage());
    DecoderTrainConfig otherData =
        Synthetic.config(Synthetic.pairs(12, 16), null, tmp.resolve("r"), 12, 4, true);
    e = assertThrows(MvgenException.class, () -> DecoderTraining.run(otherData, Progress.SILENT));
    assertTrue(e.getMessage().contains("trained with data"), e.getMessage());
    IllegalArgumentException lr =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Synthetic.builder(train, null, tmp.resolve("x"), 6, 4, false)
                    .lr(Double.POSITIVE_INFINITY)
                    .build());
    assertTrue(lr.getMessage().contains("train.lr (Infinity)"), lr.getMessage());
  }

  /** The step a checkpoint file was saved at. */
  static long checkpointStep(Path ckpt) throws Exception {
    return Checkpoint.meta(ckpt).step();
  }

  /** Pairs whose frames turn into noise after the first {@code normalReads} reads. */
  static final class JumpingPairs implements PairSource {
    private final PairSource pairs;
    private final long normalReads;
    private final AtomicLong reads = new AtomicLong();

    JumpingPairs(PairSource pairs, long normalReads) {
      this.pairs = pairs;
      this.normalReads = normalReads;
    }

    @Override
    public long size() {
      return pairs.size();
    }

    @Override
    public int latentSize() {
      return pairs.latentSize();
    }

    @Override
    public int frameSize() {
      return pairs.frameSize();
    }

    @Override
    public void latent(long i, float[] dst, int off) {
      pairs.latent(i, dst, off);
    }

    @Override
    public void rgb(long i, byte[] dst, int off) throws java.io.IOException {
      pairs.rgb(i, dst, off);
      long read = reads.incrementAndGet();
      if (read > normalReads) {
        java.util.Random noise = new java.util.Random(read);
        for (int k = off; k < off + frameBytes(); k++) {
          dst[k] = (byte) noise.nextInt(256);
        }
      }
    }
  }

  static DecoderTrainConfig withEvery(DecoderTrainConfig c, int every) {
    return c.toBuilder().every(every).build();
  }

  static DecoderTrainConfig with(DecoderTrainConfig c, int every, String precision) {
    return with(c, every, precision, c.run().divergenceFactor());
  }

  static DecoderTrainConfig with(
      DecoderTrainConfig c, int every, String precision, double divergenceFactor) {
    return c.toBuilder()
        .every(every)
        .precision(Precision.parse(precision))
        .divergenceFactor(divergenceFactor)
        .build();
  }
}
