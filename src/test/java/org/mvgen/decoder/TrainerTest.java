package org.mvgen.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.MvgenException;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.Split;
import org.mvgen.util.Progress;

class TrainerTest {
  @Test
  void tinyModelOverfitsAHandfulOfPairs(@TempDir Path tmp) throws Exception {
    try (Dataset ds = Synthetic.dataset(tmp.resolve("data"), 3, 12, 32)) {
      DatasetPairs train = DatasetPairs.of(ds, Synthetic.ENCODER, Split.TRAIN);
      DatasetPairs val = DatasetPairs.of(ds, Synthetic.ENCODER, Split.VALIDATION);
      assertTrue(train.size() >= 12 && val.size() >= 12, train.size() + " / " + val.size());
      TrainConfig c = Synthetic.config(train, val, tmp.resolve("run"), 150, 8, false);
      c = withEvery(c, 50);
      TrainResult r = Trainer.run(c, Progress.SILENT);
      assertEquals(150, r.steps());
      // Stated factor: the smoothed training loss falls at least tenfold on 24 pairs.
      assertTrue(r.finalLoss() < r.firstLoss() / 10, r.firstLoss() + " -> " + r.finalLoss());
      assertTrue(Files.exists(r.bundle()));
      assertTrue(Files.exists(tmp.resolve("run/loss.png")));
      assertTrue(Files.exists(tmp.resolve("run/previews/step-0000050.png")));
      assertTrue(Files.exists(tmp.resolve("run/metrics.json")));
      assertTrue(Double.isFinite(r.validationPsnr()));
      // The run folder holds a run now: a second start without --resume must refuse.
      TrainConfig again = c;
      MvgenException e =
          assertThrows(MvgenException.class, () -> Trainer.run(again, Progress.SILENT));
      assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"float32", "bfloat16"})
  void resumeContinuesBitForBit(String precision, @TempDir Path tmp) throws Exception {
    InMemoryPairs train = Synthetic.pairs(24, 16);
    InMemoryPairs val = Synthetic.pairs(4, 16);
    TrainConfig straight =
        with(Synthetic.config(train, val, tmp.resolve("a"), 24, 6, false), 0, precision);
    Trainer.run(straight, Progress.SILENT);

    Trainer t = new Trainer();
    List<TrainingListener> ls = new ArrayList<>(Trainer.standardListeners(straight));
    ls.add(
        new TrainingListener() {
          @Override
          public void onStep(Trainer.Run run) {
            if (run.step() == 9) {
              t.requestStop();
            }
          }
        });
    TrainConfig first =
        with(Synthetic.config(train, val, tmp.resolve("b"), 24, 6, false), 0, precision);
    TrainResult stopped = t.train(first, Progress.SILENT, ls);
    assertTrue(stopped.interrupted());
    assertEquals(9, stopped.steps());
    TrainResult resumed =
        Trainer.run(
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
    TrainConfig c = withEvery(Synthetic.config(train, null, tmp.resolve("r"), 30, 4, false), 5);
    List<TrainingListener> ls = new ArrayList<>();
    // Poison the weights after step 7: the next loss is NaN.
    ls.add(
        new TrainingListener() {
          @Override
          public void onStep(Trainer.Run run) {
            if (run.step() == 7) {
              try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
                run.net()
                    .parametersByName()
                    .get("fc.weight")
                    .fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
              }
            }
          }
        });
    ls.addAll(Trainer.standardListeners(c));
    DivergenceException e =
        assertThrows(DivergenceException.class, () -> new Trainer().train(c, Progress.SILENT, ls));
    assertTrue(e.getMessage().contains("train.lr"), e.getMessage());
    assertTrue(e.getMessage().contains("step 8"), e.getMessage());
    assertTrue(Files.exists(tmp.resolve("r/checkpoint.ckpt")), "checkpoint of step 5 kept");
    assertFalse(Files.exists(tmp.resolve("r/model.mvgen")), "no bundle from a diverged run");
  }

  static TrainConfig withEvery(TrainConfig c, int every) {
    return with(c, every, c.precision());
  }

  static TrainConfig with(TrainConfig c, int every, String precision) {
    return new TrainConfig(
        c.train(),
        c.validation(),
        c.spec(),
        c.runDir(),
        c.steps(),
        c.batchSize(),
        c.lr(),
        c.schedule(),
        c.warmupSteps(),
        c.minLrFraction(),
        c.weightDecay(),
        c.loss(),
        c.seed(),
        c.threads(),
        c.loaderThreads(),
        every,
        every,
        every,
        c.validationPairs(),
        c.divergenceFactor(),
        c.resume(),
        c.device(),
        c.encoderId(),
        c.encoderSpec(),
        c.info(),
        precision);
  }
}
