package org.mvgen.rave.data;

import java.util.List;

/**
 * {@code manifest.json} of a RAVE data folder: everything a reader needs, written last and
 * atomically, so a folder without it is incomplete.
 *
 * @param format always {@value #FORMAT}
 * @param version {@value #VERSION}
 * @param params what the examples are
 * @param split how validation was held out
 * @param inputs the inputs, ordered by id (so the order and the split depend only on the content)
 * @param examples examples in all
 * @param validationExamples of which held out for validation
 * @param seconds decoded audio of all inputs, in seconds (dropped silence and tails included)
 * @param created ISO-8601 time of writing
 */
public record RaveManifest(
    String format,
    int version,
    RaveDataParams params,
    RaveSplit split,
    List<Input> inputs,
    long examples,
    long validationExamples,
    double seconds,
    String created) {
  public static final String FORMAT = "mvgen-rave-data";
  public static final int VERSION = 1;
  public static final String FILE = "manifest.json";

  public RaveManifest {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
  }

  /**
   * One finished input; also its completion marker {@code inputs/<id>.json} (with no validation).
   *
   * @param id first 16 hex digits of the SHA-256 of the input's content (for a dataset source, the
   *     source's own id: the same music video gives the same id either way)
   * @param name the path it was read from (for a dataset source: dataset folder and source name)
   * @param origin {@code file} or {@code dataset}
   * @param samples decoded length at the folder's rate
   * @param examples examples kept
   * @param runs {@code [start, count]}: {@code count} examples starting at sample {@code start} of
   *     the decoded input, {@code exampleLength} apart; example order follows the runs
   * @param shards shard files holding the examples in order
   * @param silent examples dropped as silence
   * @param tailDropped samples at the end dropped (shorter than {@code minTail})
   * @param note a decoding problem part way through (what was decoded is kept), or null
   * @param validation {@code [from, to)} ranges of this input's examples held out
   */
  public record Input(
      String id,
      String name,
      String origin,
      long samples,
      int examples,
      List<long[]> runs,
      List<Shard> shards,
      int silent,
      long tailDropped,
      String note,
      List<long[]> validation) {
    public Input {
      runs = runs == null ? List.of() : List.copyOf(runs);
      shards = shards == null ? List.of() : List.copyOf(shards);
      validation = validation == null ? List.of() : List.copyOf(validation);
    }

    Input withValidation(List<long[]> v) {
      return new Input(
          id, name, origin, samples, examples, runs, shards, silent, tailDropped, note, v);
    }

    /** Sample of the decoded input where example {@code k} of this input starts. */
    public long start(int k, int exampleLength) {
      int left = k;
      for (long[] r : runs) {
        if (left < r[1]) {
          return r[0] + left * (long) exampleLength;
        }
        left -= (int) r[1];
      }
      throw new IndexOutOfBoundsException("example " + k + " of " + examples + " in " + name);
    }
  }

  /**
   * One shard file: {@code examples} examples of {@code exampleLength} samples each, back to back.
   *
   * @param file path relative to the folder
   * @param examples examples in it
   * @param bytes its size
   */
  public record Shard(String file, int examples, long bytes) {}
}
