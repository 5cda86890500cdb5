package org.mvgen.train.dist;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mvgen.MvgenException;

/**
 * {@code mvgen train ... --processes N}: starts N ranks of this same command on this machine, as
 * torchrun would (its variables, a free port on 127.0.0.1), and waits for them. Rank 0 prints and
 * writes; the others are quiet unless they fail.
 */
public final class LocalLauncher {
  private LocalLauncher() {}

  /**
   * Runs {@code n} copies of this JVM's command line without the {@code --processes} option and
   * returns the exit code: rank 0's if it failed, else the highest.
   */
  public static int run(int n, String option) throws MvgenException, IOException {
    ProcessHandle.Info info = ProcessHandle.current().info();
    if (info.command().isEmpty() || info.arguments().isEmpty()) {
      throw new MvgenException(
          "This system does not tell mvgen its own command line, so --processes cannot start the"
              + " ranks. Start them with torchrun or srun instead (README, On a cluster).");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(info.command().get());
    cmd.addAll(withoutOption(List.of(info.arguments().get()), option));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<Process> ranks = new ArrayList<>();
    Thread stopAll =
        new Thread(
            () -> {
              for (Process p : ranks) {
                p.destroy(); // SIGTERM: each rank stops at a step boundary; rank 0 checkpoints
              }
              for (Process p : ranks) {
                try {
                  p.waitFor();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "mvgen-ranks-stop");
    Runtime.getRuntime().addShutdownHook(stopAll);
    try {
      for (int r = 0; r < n; r++) {
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        Map<String, String> env = pb.environment();
        env.put("RANK", Integer.toString(r));
        env.put("LOCAL_RANK", Integer.toString(r));
        env.put("WORLD_SIZE", Integer.toString(n));
        env.put("LOCAL_WORLD_SIZE", Integer.toString(n));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", Integer.toString(port));
        env.put("MVGEN_LAUNCHER", "mvgen");
        env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        env.putIfAbsent("GLIBC_TUNABLES", org.mvgen.torch.Allocator.tunables());
        ranks.add(pb.start());
      }
      int worst = 0;
      int first = -1;
      for (Process p : ranks) {
        int rc = p.waitFor();
        if (first < 0) {
          first = rc;
        }
        worst = Math.max(worst, rc);
      }
      return first != 0 ? first : worst;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopAll);
      } catch (IllegalStateException e) {
        // Shutting down: the hook stops the ranks.
      }
    }
  }

  /** {@code args} without {@code --option N} or {@code --option=N}. */
  static List<String> withoutOption(List<String> args, String option) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals(option)) {
        i++;
      } else if (!a.startsWith(option + "=")) {
        out.add(a);
      }
    }
    return out;
  }
}
