package org.mvgen.dataset;

import java.util.Map;
import org.mvgen.MvgenException;

/**
 * One task's share of a job split over {@code count} processes: task {@code index} (from 0) takes
 * the items whose position in the job's stable order is {@code index} modulo {@code count}. So
 * {@code --shard 0/4} .. {@code --shard 3/4} together take every item exactly once.
 *
 * <pre>
 * Shard s = Shard.parse("2/4", System.getenv());   // or "slurm": from the array task's variables
 * </pre>
 *
 * @param index this task, {@code 0 <= index < count}
 * @param count the number of tasks of the job
 */
public record Shard(int index, int count) {
  public Shard {
    if (count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException(
          "shard " + index + "/" + count + " must have 0 <= index < count");
    }
  }

  /** Whether the item at {@code position} of the job's order belongs to this task. */
  public boolean owns(int position) {
    return position % count == index;
  }

  /** A name for files and locks of this task: {@code KIND-I-of-N}. */
  public String name(String kind) {
    return kind + "-" + index + "-of-" + count;
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }

  /**
   * Parses {@code I/N}, or {@code slurm} for the Slurm array task this process runs as: index
   * {@code (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP} of {@code
   * SLURM_ARRAY_TASK_COUNT}, so {@code --array=1-4} and {@code --array=0-6:2} work as well as
   * {@code --array=0-3}.
   */
  public static Shard parse(String text, Map<String, String> env) throws MvgenException {
    String t = text.trim();
    if (t.equalsIgnoreCase("slurm")) {
      return fromSlurm(env);
    }
    int slash = t.indexOf('/');
    try {
      if (slash > 0) {
        return new Shard(
            Integer.parseInt(t.substring(0, slash).trim()),
            Integer.parseInt(t.substring(slash + 1).trim()));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the message below
    }
    throw new MvgenException(
        "--shard "
            + text
            + " is not a share of a job: give I/N with 0 <= I < N (e.g. 0/4 .. 3/4 for four"
            + " processes), or 'slurm' inside an sbatch --array job.");
  }

  /** The share of the Slurm array task this process runs as. */
  public static Shard fromSlurm(Map<String, String> env) throws MvgenException {
    String id = env.get("SLURM_ARRAY_TASK_ID");
    String count = env.get("SLURM_ARRAY_TASK_COUNT");
    if (id == null || count == null) {
      throw new MvgenException(
          "--shard slurm needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, which Slurm sets in"
              + " the tasks of 'sbatch --array=0-N' jobs; this process has "
              + (id == null ? "no SLURM_ARRAY_TASK_ID" : "no SLURM_ARRAY_TASK_COUNT")
              + ". Run it from an array job, or give --shard I/N.");
    }
    try {
      int n = Integer.parseInt(count);
      int task = Integer.parseInt(id);
      int min = Integer.parseInt(env.getOrDefault("SLURM_ARRAY_TASK_MIN", "0"));
      int step = Integer.parseInt(env.getOrDefault("SLURM_ARRAY_TASK_STEP", "1"));
      if (step < 1 || (task - min) % step != 0 || (task - min) / step >= n || task < min) {
        throw new MvgenException(
            "Slurm array task "
                + task
                + " (of "
                + n
                + ", from "
                + min
                + " in steps of "
                + step
                + ") is not in an evenly spaced range: submit the job with a range such as"
                + " --array=0-"
                + (n - 1)
                + ", or give --shard I/N.");
      }
      return new Shard((task - min) / step, n);
    } catch (NumberFormatException e) {
      throw new MvgenException(
          "SLURM_ARRAY_TASK_ID ("
              + id
              + ") or SLURM_ARRAY_TASK_COUNT ("
              + count
              + ") is not a number.",
          e);
    }
  }
}
