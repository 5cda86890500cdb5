package org.mvgen.train.dist;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where this process stands in a data-parallel run, as its launcher said: torchrun's variables
 * first ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code
 * MASTER_ADDR}, {@code MASTER_PORT}), then Slurm's for a task of an {@code srun} step ({@code
 * SLURM_PROCID}, {@code SLURM_STEP_NUM_TASKS} or {@code SLURM_NTASKS}, {@code SLURM_LOCALID}, the
 * first host of {@code SLURM_JOB_NODELIST} as master, port 15000 + the last four digits of {@code
 * SLURM_JOB_ID}, as PyTorch Lightning does), else none (one process).
 *
 * @param rank this process's rank, 0 to {@code world - 1}
 * @param world processes in all
 * @param localRank rank among the processes of this machine (picks the GPU)
 * @param localWorld processes on this machine (divides its cores)
 * @param masterAddr host of rank 0, where the rendezvous store listens
 * @param masterPort its port
 * @param launcher {@code torchrun}, {@code slurm} or {@code mvgen} (--processes)
 */
public record DistEnv(
    int rank,
    int world,
    int localRank,
    int localWorld,
    String masterAddr,
    int masterPort,
    String launcher) {
  public DistEnv {
    if (world < 1 || rank < 0 || rank >= world) {
      throw new IllegalArgumentException(
          "rank " + rank + " of " + world + " processes is not a rank (" + launcher + ")");
    }
    if (masterPort < 1 || masterPort > 65535) {
      throw new IllegalArgumentException(
          "the rendezvous port " + masterPort + " is not a TCP port (" + launcher + ")");
    }
  }

  /** The launcher's description of this process, or empty for a single process. */
  public static Optional<DistEnv> detect(Map<String, String> env) {
    if (env.containsKey("RANK") && env.containsKey("WORLD_SIZE")) {
      int world = num(env, "WORLD_SIZE", 1);
      if (world < 2) {
        return Optional.empty();
      }
      String launcher = env.getOrDefault("MVGEN_LAUNCHER", "torchrun");
      return Optional.of(
          new DistEnv(
              num(env, "RANK", 0),
              world,
              num(env, "LOCAL_RANK", 0),
              num(env, "LOCAL_WORLD_SIZE", world),
              env.getOrDefault("MASTER_ADDR", "127.0.0.1"),
              num(env, "MASTER_PORT", 29500),
              launcher));
    }
    // A Slurm task of an srun step; a batch script itself (no step) is one process.
    if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_STEP_ID")) {
      int world = num(env, "SLURM_STEP_NUM_TASKS", num(env, "SLURM_NTASKS", 1));
      if (world < 2) {
        return Optional.empty();
      }
      String nodes = env.getOrDefault("SLURM_STEP_NODELIST", env.get("SLURM_JOB_NODELIST"));
      String job = env.getOrDefault("SLURM_JOB_ID", "0");
      String digits = job.replaceAll("\\D", "");
      int port =
          env.containsKey("MASTER_PORT")
              ? num(env, "MASTER_PORT", 29500)
              : 15000
                  + Integer.parseInt(
                      digits.isEmpty() ? "0" : digits.substring(Math.max(0, digits.length() - 4)));
      String tasksPerNode = env.getOrDefault("SLURM_STEP_TASKS_PER_NODE", "");
      return Optional.of(
          new DistEnv(
              num(env, "SLURM_PROCID", 0),
              world,
              num(env, "SLURM_LOCALID", 0),
              localTasks(tasksPerNode, world),
              env.getOrDefault("MASTER_ADDR", nodes == null ? "127.0.0.1" : firstHost(nodes)),
              port,
              "slurm"));
    }
    return Optional.empty();
  }

  private static int num(Map<String, String> env, String key, int otherwise) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      return otherwise;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "the environment variable " + key + " = '" + v + "' is not a whole number", e);
    }
  }

  /** Tasks on the first node from {@code SLURM_STEP_TASKS_PER_NODE} ("2(x3),1" gives 2). */
  static int localTasks(String perNode, int world) {
    Matcher m = Pattern.compile("^(\\d+)").matcher(perNode);
    return m.find() ? Integer.parseInt(m.group(1)) : world;
  }

  /**
   * The first host of a Slurm node list: {@code node[07-09,12],gpu3} gives {@code node07}; {@code
   * a,b} gives {@code a}.
   */
  static String firstHost(String nodeList) {
    int depth = 0;
    int end = nodeList.length();
    for (int i = 0; i < nodeList.length(); i++) {
      char c = nodeList.charAt(i);
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      } else if (c == ',' && depth == 0) {
        end = i;
        break;
      }
    }
    String first = nodeList.substring(0, end);
    int open = first.indexOf('[');
    if (open < 0) {
      return first;
    }
    String range = first.substring(open + 1, first.indexOf(']', open)).split(",")[0];
    return first.substring(0, open) + range.split("-")[0] + first.substring(first.indexOf(']') + 1);
  }
}
