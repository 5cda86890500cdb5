package org.mvgen.cli;

import java.io.IOException;
import java.time.Duration;
import org.mvgen.MvgenException;
import org.mvgen.train.RunSettings;
import org.mvgen.train.dist.DistEnv;
import org.mvgen.train.dist.Distributed;
import org.mvgen.train.dist.LocalLauncher;
import picocli.CommandLine.Option;

/**
 * The options of a trainer that may run as several processes ({@code train}, {@code rave train}).
 */
public final class DistributedOptions {
  @Option(
      names = "--processes",
      paramLabel = "N",
      description =
          "Train as N processes on this machine (data-parallel over Gloo; each takes its share of"
              + " every batch and of the cores). Under torchrun or srun the ranks come from the"
              + " launcher instead.")
  Integer processes;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Rendezvous port of a multi-process run (default: the launcher's).")
  Integer port;

  @Option(
      names = "--interface",
      paramLabel = "IFACE",
      description =
          "Network interface of a multi-machine run (default: GLOO_SOCKET_IFNAME, or the one that"
              + " routes to the master).")
  String iface;

  /**
   * With {@code --processes N} and no launcher around: starts the N ranks (which run this same
   * command) and returns their exit code; null when this process trains itself.
   */
  Integer launchRanks() throws MvgenException, IOException {
    if (processes != null && processes < 1) {
      throw new MvgenException("--processes " + processes + " must be at least 1.");
    }
    if (processes != null && processes > 1 && DistEnv.detect(System.getenv()).isEmpty()) {
      return LocalLauncher.run(processes, "--processes");
    }
    return null;
  }

  /** Joins the run the launcher describes (alone without one). */
  Distributed join(RunSettings run, Duration timeout) throws MvgenException {
    return Distributed.join(System.getenv(), run, timeout, port, iface);
  }
}
