package org.mvgen.cluster;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The harness of the cluster integration tests: a real Slurm cluster, normally the one-node cluster
 * of {@code .ci/slurm.sh} that {@code run-tests} starts (it exports {@code MVGEN_SLURM=1} and
 * {@code SLURM_CONF}). Tests call {@link #assumeCluster()} first and are skipped with the reason
 * when there is none.
 *
 * <pre>
 * Slurm.assumeCluster();
 * Path job = Slurm.script(dir, "ingest", Slurm.mvgen("ingest", videos, "--out", ds, "--shard", "slurm"));
 * Slurm.Result r = Slurm.sbatchWait(dir, List.of("--array=0-3"), job, Duration.ofMinutes(5));
 * Slurm.Result t = Slurm.srun(dir, List.of("-n", "2"), Slurm.mvgen("train", ...), Duration.ofMinutes(5));
 * </pre>
 *
 * <p>Jobs run mvgen from this test run's class path, on the same machine, so they see the test's
 * temporary folders. Every job is cancelled when it overruns its timeout.
 */
public final class Slurm {
  private Slurm() {}

  /** A finished command: its exit code and its output (stdout and stderr together). */
  public record Result(int exitCode, String output) {}

  /** Skips the calling test, with the reason, unless a test cluster answers. */
  public static void assumeCluster() {
    assumeTrue(
        "1".equals(System.getenv("MVGEN_SLURM")),
        "no test cluster: start one with 'eval \"$(.ci/slurm.sh start)\"' (run-tests does) so that"
            + " MVGEN_SLURM=1 and SLURM_CONF are set");
    assumeTrue(onPath("sbatch") && onPath("srun"), "sbatch and srun are not on the PATH");
    Result info;
    try {
      info = run(Path.of("."), List.of("sinfo", "-h", "-o", "%t"), Duration.ofSeconds(20));
    } catch (IOException e) {
      info = new Result(-1, e.getMessage());
    }
    assumeTrue(
        info.exitCode() == 0 && info.output().matches("(?s).*\\b(idle|mix|alloc)\\b.*"),
        "the Slurm cluster does not answer (sinfo: " + info.output().strip() + ")");
  }

  /** The command that runs {@code mvgen ARGS} with this test run's classes. */
  public static List<String> mvgen(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.mvgen.cli.Main");
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Writes an executable batch script {@code DIR/NAME.sh} that runs {@code command} (with {@code
   * OMP_WAIT_POLICY=PASSIVE}, as every libtorch process here needs).
   */
  public static Path script(Path dir, String name, List<String> command) throws IOException {
    StringBuilder sb = new StringBuilder("#!/bin/bash\nexport OMP_WAIT_POLICY=PASSIVE\nexec");
    for (String c : command) {
      sb.append(' ').append(quote(c));
    }
    sb.append('\n');
    Path f = dir.resolve(name + ".sh");
    Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    return f;
  }

  /**
   * {@code sbatch --wait OPTIONS SCRIPT} from {@code dir}: returns when the job (every task of an
   * array) has ended, with the highest exit code of its tasks. Each task's output goes to {@code
   * DIR/NAME-TASK.out} ({@link #taskOutputs}).
   */
  public static Result sbatchWait(Path dir, List<String> options, Path script, Duration timeout)
      throws IOException {
    String name = script.getFileName().toString().replaceFirst("\\.sh$", "");
    List<String> cmd = new ArrayList<>(List.of("sbatch", "--wait", "--job-name=mvgen-" + name));
    cmd.add("--output=" + dir.resolve(name + "-%a.out"));
    cmd.addAll(options);
    cmd.add(script.toString());
    return run(dir, cmd, timeout);
  }

  /** {@code srun OPTIONS COMMAND} from {@code dir}, its tasks' output together. */
  public static Result srun(Path dir, List<String> options, List<String> command, Duration timeout)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("srun", "--export=ALL,OMP_WAIT_POLICY=PASSIVE"));
    cmd.addAll(options);
    cmd.addAll(command);
    return run(dir, cmd, timeout);
  }

  /** The output files of the tasks of a batch job written by {@link #sbatchWait}, as text. */
  public static String taskOutputs(Path dir, String name) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (var s = Files.list(dir)) {
      for (Path p :
          s.filter(p -> p.getFileName().toString().matches(name + "-.*\\.out")).sorted().toList()) {
        sb.append("---- ").append(p.getFileName()).append('\n').append(Files.readString(p));
      }
    }
    return sb.toString();
  }

  private static Result run(Path dir, List<String> cmd, Duration timeout) throws IOException {
    Path log = Files.createTempFile("mvgen-slurm", ".log");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      boolean done;
      try {
        done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (!done) {
        p.destroy(); // sbatch --wait and srun cancel their job on SIGTERM
        try {
          p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        p.destroyForcibly();
        return new Result(
            -1, "timed out after " + timeout + ": " + cmd + "\n" + Files.readString(log));
      }
      return new Result(p.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
