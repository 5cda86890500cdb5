package org.mvgen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.MvgenException;
import org.mvgen.torch.Torch;
import org.mvgen.util.Progress;

/**
 * A second, tiny task on the same loop, touching no decoder code: a linear "generator" and a
 * "critic" with an optimizer each, a first phase that trains the generator alone and a second that
 * alternates (the critic every second step, as an adversarial autoencoder does), and a random draw
 * every step. It trains, checkpoints and resumes bit for bit across the phase boundary.
 */
class TwoPhaseTaskTest {
  static final int PHASE_1 = 12;

  /** The phase of a step: a pure function of the step, so a resume cannot restart phase 1. */
  static int phase(long step) {
    return step < PHASE_1 ? 1 : 2;
  }

  static class TwoPhase implements TrainingTask {
    final int identityTweak;
    Tensor w;
    Tensor c;
    Optim gen;
    Optim critic;
    final int[] phaseSteps = new int[3];

    TwoPhase(int identityTweak) {
      this.identityTweak = identityTweak;
    }

    @Override
    public String name() {
      return "two-phase";
    }

    @Override
    public void build(Device device, boolean bf16) {
      w = torch.randn(4, 4).requires_grad_(true);
      c = torch.randn(4).requires_grad_(true);
      gen =
          new Optim(
              "generator",
              Map.of("w", w),
              new Optim.Settings(0.5, 0.9, 1e-8, 0, false),
              Schedule.linear(0.05, PHASE_1, 0.1));
      critic =
          new Optim("critic", Map.of("c", c), Optim.Settings.adam(), Schedule.constant(0.01, 0));
    }

    @Override
    public Map<String, Object> identity() {
      return Map.of("size", 4 + identityTweak);
    }

    @Override
    public Map<String, Object> describe() {
      return Map.of("phase1", PHASE_1);
    }

    @Override
    public Map<String, Tensor> state() {
      Map<String, Tensor> m = new LinkedHashMap<>();
      m.put("w", w);
      m.put("c", c);
      return m;
    }

    @Override
    public List<Optim> optimizers() {
      return List.of(gen, critic);
    }

    @Override
    public void start(long step, boolean resumed, int rank, int world) {}

    @Override
    public Map<String, Double> step(long step) {
      phaseSteps[phase(step)]++;
      try (PointerScope scope = new PointerScope()) {
        // Data as a function of the step; noise from libtorch's generator (checkpointed).
        Tensor x = Torch.tensor(new float[] {step % 3, 1, -1, step % 5}, 1, 4);
        Tensor target = x.flip(1).add(torch.randn(1, 4).mul(new org.bytedeco.pytorch.Scalar(0.01)));
        Tensor y = torch.matmul(x, w);
        Tensor recon = torch.mse_loss(y, target);
        if (phase(step) == 2 && step % 2 == 0) {
          critic.zeroGrad();
          Tensor l = torch.sum(y.detach().mul(c)).pow(new org.bytedeco.pytorch.Scalar(2));
          l.backward();
          critic.step();
          return Map.of("loss", recon.item_double(), "critic", l.item_double());
        }
        gen.zeroGrad();
        Tensor l = phase(step) == 1 ? recon : recon.add(torch.sum(y.mul(c.detach())).abs());
        l.backward();
        gen.step();
        return Map.of("loss", l.item_double());
      }
    }

    @Override
    public Map<String, Double> validate(long step) {
      return Map.of("loss", (double) Torch.floats(w.detach())[0]);
    }

    @Override
    public int samplesPerStep() {
      return 1;
    }

    @Override
    public void finish(Path runDir, TrainingContext ctx) throws java.io.IOException {
      float[] all = new float[20];
      System.arraycopy(Torch.floats(w.detach()), 0, all, 0, 16);
      System.arraycopy(Torch.floats(c.detach()), 0, all, 16, 4);
      StringBuilder b = new StringBuilder();
      for (float f : all) {
        b.append(Float.floatToIntBits(f)).append('\n');
      }
      Files.writeString(runDir.resolve("weights.txt"), b);
    }

    @Override
    public void close() {
      if (gen != null) {
        gen.close();
        critic.close();
      }
    }
  }

  static RunSettings settings(Path dir, long steps) {
    return RunSettings.builder(dir)
        .steps(steps)
        .seed(3)
        .threads(1)
        .device("cpu")
        .checkpointEvery(4)
        .validateEvery(5)
        .sideOutputEvery(0)
        .divergenceFactor(0)
        .build();
  }

  @Test
  void twoOptimizersAndTwoPhasesResumeBitForBitAcrossThePhaseBoundary(@TempDir Path tmp)
      throws Exception {
    try (TwoPhase t = new TwoPhase(0)) {
      TrainOutcome o =
          new Trainer(settings(tmp.resolve("a"), 30), Progress.SILENT).fit(t, List.of());
      assertEquals(30, o.steps());
      assertEquals(PHASE_1, t.phaseSteps[1]);
      assertEquals(30 - PHASE_1, t.phaseSteps[2]);
    }
    // Stopped at step 10, in phase 1; resumed, stopped again at 17, in phase 2; resumed to the end.
    for (long stopAt : new long[] {10, 17}) {
      try (TwoPhase t = new TwoPhase(0)) {
        Trainer tr =
            new Trainer(
                settings(tmp.resolve("b"), 30).toBuilder().resume(stopAt > 10).build(),
                Progress.SILENT);
        TrainOutcome o =
            tr.fit(
                t,
                List.of(
                    new TrainingListener() {
                      @Override
                      public void onStep(TrainingContext ctx) {
                        if (ctx.step() == stopAt) {
                          tr.requestStop();
                        }
                      }
                    }));
        assertTrue(o.interrupted());
        assertEquals(stopAt, o.steps());
      }
    }
    try (TwoPhase t = new TwoPhase(0)) {
      TrainOutcome o =
          new Trainer(
                  settings(tmp.resolve("b"), 30).toBuilder().resume(true).build(), Progress.SILENT)
              .fit(t, List.of());
      assertFalse(o.interrupted());
      assertEquals(0, t.phaseSteps[1], "a resume in phase 2 never runs phase 1 again");
    }
    assertEquals(
        Files.readString(tmp.resolve("a/weights.txt")),
        Files.readString(tmp.resolve("b/weights.txt")),
        "resumed weights differ from an uninterrupted run");
    String metrics = Files.readString(tmp.resolve("b/metrics.json"));
    assertTrue(metrics.contains("lr_generator") && metrics.contains("critic"), metrics);
    assertTrue(Files.exists(tmp.resolve("b/loss.png")));
  }

  @Test
  void aResumeRefusesACheckpointOfAnotherIdentityNamingIt(@TempDir Path tmp) throws Exception {
    try (TwoPhase t = new TwoPhase(0)) {
      new Trainer(settings(tmp, 8), Progress.SILENT).fit(t, List.of());
    }
    try (TwoPhase t = new TwoPhase(1)) {
      MvgenException e =
          assertThrows(
              MvgenException.class,
              () ->
                  new Trainer(settings(tmp, 16).toBuilder().resume(true).build(), Progress.SILENT)
                      .fit(t, List.of()));
      assertTrue(
          e.getMessage().contains("size 4") && e.getMessage().contains("has 5"), e.getMessage());
    }
  }

  @Test
  void aRunFolderWithAModelIsNotReplacedWithoutOverwrite(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("model.mvgen"), "an earlier model");
    try (TwoPhase t = new TwoPhase(0)) {
      MvgenException e =
          assertThrows(
              MvgenException.class,
              () -> new Trainer(settings(tmp, 8), Progress.SILENT).fit(t, List.of()));
      assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    }
    assertEquals("an earlier model", Files.readString(tmp.resolve("model.mvgen")));
    try (TwoPhase t = new TwoPhase(0)) {
      new Trainer(settings(tmp, 8).toBuilder().overwrite(true).build(), Progress.SILENT)
          .fit(t, List.of());
    }
    assertFalse(Files.exists(tmp.resolve("model.mvgen")), "the old model went with --overwrite");
    assertTrue(Files.exists(tmp.resolve("weights.txt")));
  }

  /** Two runs into one folder: the second is refused, naming the process that holds it. */
  @Test
  void aRunFolderIsOwnedByOneRunAtATime(@TempDir Path tmp) throws Exception {
    java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch refused = new java.util.concurrent.CountDownLatch(1);
    Thread first =
        new Thread(
            () -> {
              try (TwoPhase t = new TwoPhase(0)) {
                new Trainer(settings(tmp, 8), Progress.SILENT)
                    .fit(
                        t,
                        List.of(
                            new TrainingListener() {
                              @Override
                              public void onStep(TrainingContext ctx) {
                                running.countDown();
                                try {
                                  refused.await(60, java.util.concurrent.TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                  Thread.currentThread().interrupt();
                                }
                              }
                            }));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    first.start();
    assertTrue(running.await(60, java.util.concurrent.TimeUnit.SECONDS));
    try (TwoPhase t = new TwoPhase(0)) {
      MvgenException e =
          assertThrows(
              MvgenException.class,
              () ->
                  new Trainer(settings(tmp, 8).toBuilder().overwrite(true).build(), Progress.SILENT)
                      .fit(t, List.of()));
      assertTrue(
          e.getMessage().contains("in use by mvgen")
              && e.getMessage().contains("pid " + ProcessHandle.current().pid()),
          e.getMessage());
    } finally {
      refused.countDown();
    }
    first.join(60_000);
    assertTrue(Files.exists(tmp.resolve("weights.txt")), "the first run finished");
  }

  @Test
  void aTimeBudgetEndsTheRunAndPlansTheScheduleOverTheStepsThatFit(@TempDir Path tmp)
      throws Exception {
    try (TwoPhase t = new TwoPhase(0)) {
      long[] first = {0};
      long[] last = {0};
      TrainingListener clock =
          new TrainingListener() {
            @Override
            public void onStep(TrainingContext ctx) {
              last[0] = System.nanoTime();
              if (ctx.step() == 1) {
                first[0] = last[0];
              }
            }
          };
      TrainOutcome o =
          new Trainer(
                  settings(tmp, Long.MAX_VALUE).toBuilder()
                      .every(0)
                      .time(Duration.ofSeconds(3))
                      .build(),
                  Progress.SILENT)
              .fit(t, List.of(clock));
      double secs = (last[0] - first[0]) / 1e9;
      assertTrue(o.timeUp() && !o.interrupted(), o.toString());
      assertTrue(o.steps() > 20, "steps in 3 s: " + o.steps());
      assertTrue(secs > 2 && secs < 3.5, "trained for " + secs + " s of a 3 s budget");
      Checkpoint.Meta m = Checkpoint.meta(tmp.resolve(Trainer.CHECKPOINT));
      assertEquals(o.steps(), m.step());
      assertEquals(o.steps(), m.plannedSteps(), "the planned end is where the time ended");
    }
  }

  @Test
  void theBarShowsTheTasksFirstValidationFigure(@TempDir Path tmp) throws Exception {
    // A task lists its main figure first; the bar showed whichever an unordered copy put first.
    java.util.List<String> shown = new java.util.ArrayList<>();
    Progress.Factory bars =
        (task, total, unit) ->
            new Progress() {
              @Override
              public void step(long n) {}

              @Override
              public void total(long t) {}

              @Override
              public void extra(String m) {
                shown.add(m);
              }

              @Override
              public void close() {}
            };
    try (TwoPhase t =
        new TwoPhase(0) {
          @Override
          public Map<String, Double> validate(long step) {
            Map<String, Double> m = new java.util.LinkedHashMap<>();
            m.put("distance", 1.2345);
            for (char c = 'a'; c <= 'p'; c++) {
              m.put(String.valueOf(c), 9.0);
            }
            return m;
          }
        }) {
      new Trainer(settings(tmp, 12), bars).fit(t, List.of());
    }
    String last = shown.get(shown.size() - 1);
    assertTrue(last.contains("val 1.2345"), last);
  }
}
