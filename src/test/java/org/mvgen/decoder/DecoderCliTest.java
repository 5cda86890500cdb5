package org.mvgen.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.dataset.Dataset;

/** train -> eval -> export through the command line, on a tiny synthetic dataset. */
class DecoderCliTest {
  record Out(int code, String out, String err) {}

  static Out run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Out(code, out.toString(), err.toString());
  }

  @Test
  void trainEvalExport(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    try (Dataset ds = Synthetic.dataset(data, 3, 10, 16)) {
      assertEquals(30, ds.size());
    }
    Path runDir = tmp.resolve("run");
    String[] tiny = {
      "--set", "model.width=16", "--set", "model.min_width=8", "--set", "model.depth=2",
      "--set", "train.warmup_steps=2", "--set", "train.loader_threads=1", "--set", "train.threads=1"
    };
    Out t =
        run(
            concat(
                new String[] {
                  "train",
                  data.toString(),
                  "--encoder",
                  Synthetic.ENCODER,
                  "--out",
                  runDir.toString(),
                  "--steps",
                  "6",
                  "--batch-size",
                  "4"
                },
                tiny));
    assertEquals(0, t.code(), t.out() + t.err());
    assertTrue(t.out().contains("Done at step 6"), t.out());
    assertTrue(Files.exists(runDir.resolve("model.mvgen")));

    Out e = run("eval", runDir.toString(), "--set", "eval.block_length=5");
    assertEquals(0, e.code(), e.out() + e.err());
    assertTrue(e.out().contains("nearest neighbour"), e.out());
    assertTrue(Files.exists(runDir.resolve("eval.json")));
    assertTrue(Files.exists(runDir.resolve("eval.png")));

    // The limits README.md states: at most eval.max_pairs validation pairs (default 500), and a
    // nearest-neighbour search among at most eval.neighbours training pairs (default 20000).
    Out limited =
        run(
            "eval",
            runDir.toString(),
            "--max-pairs",
            "4",
            "--set",
            "eval.neighbours=5",
            "--set",
            "eval.block_length=2");
    assertEquals(0, limited.code(), limited.out() + limited.err());
    assertTrue(limited.out().startsWith("4 validation pairs"), limited.out());
    Map<?, ?> report =
        DecoderBundle.JSON.readValue(runDir.resolve("eval.json").toFile(), Map.class);
    assertEquals(4, report.get("pairs"), report.toString());
    assertEquals(5, report.get("neighbourCandidates"), report.toString());
    Out defaults = run("config", "show");
    assertTrue(defaults.out().contains("max_pairs = 500  # default"), defaults.out());
    assertTrue(defaults.out().contains("neighbours = 20000  # default"), defaults.out());

    Out x = run("export", runDir.toString(), "--format", "torchscript");
    assertEquals(0, x.code(), x.out() + x.err());
    assertTrue(Files.size(runDir.resolve("decoder.pt")) > 0);

    Out bad =
        run("train", data.toString(), "--encoder", "nope", "--out", tmp.resolve("r2").toString());
    assertEquals(1, bad.code(), bad.out() + bad.err());
    assertTrue(bad.err().contains("nope"), bad.err());
  }

  /**
   * A run continued with a huge learning rate blows up (a finite loss). {@code mvgen train} stops
   * with advice and exit code 1, leaves the earlier bundle as it was, keeps the checkpoint from
   * before the explosion, and following the advice (--resume with a lower rate) finishes the run.
   */
  @Test
  void explodingLossExitsWithAdviceAndTheRunContinuesFromTheCheckpointBeforeIt(@TempDir Path tmp)
      throws Exception {
    Path data = tmp.resolve("data");
    try (Dataset ds = Synthetic.dataset(data, 3, 10, 16)) {
      assertEquals(30, ds.size());
    }
    Path runDir = tmp.resolve("run");
    String[] train = {
      "train", data.toString(), "--encoder", Synthetic.ENCODER, "--out", runDir + ""
    };
    // The frames come out of a tanh, so a blown-up model's loss is bounded: on these pairs about
    // 20 times the trained one. Stop at 5 times the best so the explosion is caught quickly.
    String[] settings = {
      "--batch-size",
      "4",
      "--set",
      "model.width=32",
      "--set",
      "model.min_width=8",
      "--set",
      "model.depth=3",
      "--set",
      "train.loss=mse",
      "--set",
      "train.warmup_steps=5",
      "--set",
      "train.loader_threads=1",
      "--set",
      "train.threads=1",
      "--set",
      "train.checkpoint_every=2",
      "--set",
      "train.divergence_factor=5"
    };
    Out first =
        run(concat(concat(train, settings), new String[] {"--steps", "100", "--lr", "0.003"}));
    assertEquals(Main.Exit.OK, first.code(), first.out() + first.err());
    assertTrue(first.out().contains("Done at step 100"), first.out());
    byte[] bundle = Files.readAllBytes(runDir.resolve("model.mvgen"));

    Out blown =
        run(
            concat(
                concat(train, settings),
                new String[] {"--steps", "200", "--lr", "10", "--resume"}));
    assertEquals(Main.Exit.INPUT, blown.code(), blown.out() + blown.err());
    assertTrue(blown.err().contains("mvgen: Training diverged at step 1"), blown.err());
    assertTrue(blown.err().contains("--resume --set train.lr="), blown.err());
    assertTrue(blown.err().contains("checkpoint of step 100"), blown.err());
    assertFalse(blown.err().contains("Exception"), "no stack trace: " + blown.err());
    assertFalse(blown.out().contains("Done"), blown.out());
    assertArrayEquals(
        bundle, Files.readAllBytes(runDir.resolve("model.mvgen")), "the bundle is untouched");
    // Checkpoints fell due every 2 steps while the loss exploded; the one kept is from before.
    assertEquals(100, org.mvgen.train.Checkpoint.meta(runDir.resolve("checkpoint.ckpt")).step());

    Out resumed =
        run(
            concat(
                concat(train, settings),
                new String[] {"--steps", "200", "--resume", "--set", "train.lr=0.003"}));
    assertEquals(Main.Exit.OK, resumed.code(), resumed.out() + resumed.err());
    assertTrue(resumed.out().contains("Done at step 200"), resumed.out());
    assertEquals(200, org.mvgen.train.Checkpoint.meta(runDir.resolve("checkpoint.ckpt")).step());
    assertFalse(
        java.util.Arrays.equals(bundle, Files.readAllBytes(runDir.resolve("model.mvgen"))),
        "the finished run writes its bundle");
  }

  static String[] concat(String[] a, String[] b) {
    String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
