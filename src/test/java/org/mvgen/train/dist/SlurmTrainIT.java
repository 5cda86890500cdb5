package org.mvgen.train.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cluster.Slurm;
import org.mvgen.dataset.Dataset;
import org.mvgen.decoder.Synthetic;

/**
 * Training under a real Slurm: {@code srun -n 2 mvgen train} (ranks from {@code SLURM_PROCID},
 * master from the node list) gives the weights of one process with the same global batch, and a
 * rank killed mid-run makes the other stop with a message naming it.
 */
class SlurmTrainIT {
  static Path data;

  @BeforeAll
  static void dataset(@TempDir Path tmp) throws Exception {
    data = tmp.resolve("data");
    try (Dataset ds = Synthetic.dataset(data, 3, 12, 16)) {
      assertEquals(36, ds.size());
    }
  }

  @BeforeEach
  void needsCluster() {
    Slurm.assumeCluster();
  }

  static List<String> mvgen(List<String> args) {
    return Slurm.mvgen(args.toArray(String[]::new));
  }

  @Test
  void srunTwoRanksTrainTheModelOfOneProcess(@TempDir Path tmp) throws Exception {
    Slurm.Result one =
        Slurm.srun(
            tmp,
            List.of("-N", "1", "-n", "1"),
            mvgen(DistributedTrainIT.args(data, tmp.resolve("one"), 24)),
            Duration.ofMinutes(5));
    assertEquals(0, one.exitCode(), one.output());
    Slurm.Result two =
        Slurm.srun(
            tmp,
            List.of("-N", "1", "-n", "2"),
            mvgen(DistributedTrainIT.args(data, tmp.resolve("two"), 24)),
            Duration.ofMinutes(5));
    assertEquals(0, two.exitCode(), two.output());
    assertTrue(two.output().contains("(2 processes, slurm)"), two.output());
    float[] a = DistributedTrainIT.weights(tmp.resolve("one/model.mvgen"));
    float[] b = DistributedTrainIT.weights(tmp.resolve("two/model.mvgen"));
    double max = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    assertTrue(max <= 1e-4 * scale, "max difference " + max + " of weights up to " + scale);
  }

  @Test
  void aKilledRankStopsTheOtherWithAMessage(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    List<String> cmd = new ArrayList<>(List.of("srun", "--export=ALL,OMP_WAIT_POLICY=PASSIVE"));
    cmd.addAll(List.of("-N", "1", "-n", "2", "--kill-on-bad-exit=0"));
    cmd.addAll(mvgen(DistributedTrainIT.args(data, run, 100_000)));
    Path log = tmp.resolve("srun.log");
    Process srun =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long rank1 = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline
          && (rank1 < 0 || !Files.readString(log).contains("Training on"))) {
        rank1 = rankPid(run, 1);
        Thread.sleep(300);
      }
      assertTrue(rank1 > 0, "rank 1 never started: " + Files.readString(log));
      Thread.sleep(3000);
      new ProcessBuilder("kill", "-9", Long.toString(rank1)).start().waitFor();
      assertTrue(srun.waitFor(90, TimeUnit.SECONDS), "rank 0 hung after rank 1 was killed");
      String out = Files.readString(log);
      assertNotEquals(0, srun.exitValue(), out);
      assertTrue(out.contains("Rank 0 of 2 lost the other processes"), out);
      assertTrue(out.contains("rank 1 stopped without a word"), out);
    } finally {
      srun.destroyForcibly();
    }
  }

  /** The pid of the java process of rank {@code rank} training into {@code run}, or -1. */
  static long rankPid(Path run, int rank) {
    for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
      String env = DistributedTrainIT.environ(p.pid());
      if (env.contains("SLURM_PROCID=" + rank + "\0")
          && p.info().arguments().map(a -> List.of(a).contains(run.toString())).orElse(false)) {
        return p.pid();
      }
    }
    return -1;
  }
}
