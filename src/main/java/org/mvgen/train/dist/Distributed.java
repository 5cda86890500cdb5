package org.mvgen.train.dist;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.mvgen.MvgenException;
import org.mvgen.torch.Torch;
import org.mvgen.train.RunSettings;
import org.mvgen.train.Trainer;
import org.mvgen.util.Progress;

/**
 * This process's part in a training run: alone, or one rank of a data-parallel run launched by
 * torchrun, Slurm's srun or {@code --processes}. Any trainer command uses it the same way:
 *
 * <pre>
 * try (Distributed d = Distributed.join(System.getenv(), settings, timeout, null, null)) {
 *   RunSettings s = d.adapt(settings);           // device and threads of this rank
 *   Trainer t = d.trainer(s, progress);           // rank 0 shows progress and writes
 *   ... t.fit(task, listeners) ...
 * }
 * </pre>
 */
public final class Distributed implements AutoCloseable {
  private final DistEnv env;
  private final ProcessGroupCollective collective;

  private Distributed(DistEnv env, ProcessGroupCollective collective) {
    this.env = env;
    this.collective = collective;
  }

  /**
   * Joins the run the environment describes (none: a single process). {@code port} and {@code
   * iface} override the rendezvous port and the network interface (null: as the launcher says).
   */
  public static Distributed join(
      Map<String, String> environment,
      RunSettings settings,
      Duration timeout,
      Integer port,
      String iface)
      throws MvgenException {
    Optional<DistEnv> found;
    try {
      found = DistEnv.detect(environment);
    } catch (IllegalArgumentException e) {
      throw new MvgenException(
          "The launcher's environment does not describe a run: " + e.getMessage() + ".", e);
    }
    if (found.isEmpty()) {
      return new Distributed(null, null);
    }
    DistEnv e = found.get();
    if (port != null) {
      e =
          new DistEnv(
              e.rank(),
              e.world(),
              e.localRank(),
              e.localWorld(),
              e.masterAddr(),
              port,
              e.launcher());
    }
    String device = deviceOf(e, settings.device());
    return new Distributed(
        e, ProcessGroupCollective.connect(e, Torch.device(device), timeout, iface));
  }

  private static String deviceOf(DistEnv e, String configured) throws MvgenException {
    String d = configured;
    if (d.equals("auto")) {
      d = Torch.cudaAvailable() ? "cuda" : "cpu";
    }
    // One GPU per process: the local rank picks it.
    return d.equals("cuda") ? "cuda:" + e.localRank() : d;
  }

  /** Whether this process is one of several. */
  public boolean isDistributed() {
    return env != null;
  }

  public int rank() {
    return env == null ? 0 : env.rank();
  }

  public int world() {
    return env == null ? 1 : env.world();
  }

  /** How this rank was launched ({@code single} when alone). */
  public String launcher() {
    return env == null ? "single" : env.launcher();
  }

  /** The settings for this rank: its GPU, and its share of the machine's cores. */
  public RunSettings adapt(RunSettings s) throws MvgenException {
    if (env == null) {
      return s;
    }
    int threads = s.threads();
    if (threads == 0) {
      threads = Math.max(1, Runtime.getRuntime().availableProcessors() / env.localWorld());
    }
    return s.toBuilder().device(deviceOf(env, s.device())).threads(threads).build();
  }

  /** A trainer for this rank: rank 0 shows {@code progress}, the others nothing. */
  public Trainer trainer(RunSettings s, Progress.Factory progress) {
    if (env == null) {
      return new Trainer(s, progress);
    }
    Trainer t = new Trainer(s, env.rank() == 0 ? progress : Progress.SILENT);
    return t.distributed(collective);
  }

  @Override
  public void close() {
    if (collective != null) {
      collective.close();
    }
  }
}
