package org.mvgen.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code srun -n 2} on the test cluster: two tasks, each with its rank, each able to run mvgen. The
 * pattern of a distributed training test ({@code srun -n 2 mvgen train ...}): build the command
 * with {@link Slurm#mvgen}, run it with {@link Slurm#srun}, compare with one process.
 */
class SlurmSrunIT {
  @TempDir Path dir;

  @BeforeEach
  void needsCluster() {
    Slurm.assumeCluster();
  }

  @Test
  void twoTasksRunMvgenWithTheirRanks() throws Exception {
    // Each task prints its rank, then runs mvgen (the JVM of this test run, its class path).
    List<String> cmd = new ArrayList<>(List.of("bash", "-c"));
    cmd.add("echo rank=$SLURM_PROCID of=$SLURM_NTASKS local=$SLURM_LOCALID; exec \"$@\"");
    cmd.add("task");
    cmd.addAll(Slurm.mvgen("--version"));
    Slurm.Result r = Slurm.srun(dir, List.of("-N", "1", "-n", "2"), cmd, Duration.ofMinutes(3));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("rank=0 of=2"), r.output());
    assertTrue(r.output().contains("rank=1 of=2"), r.output());
    assertEquals(2, r.output().split("mvgen ", -1).length - 1, r.output());
  }
}
