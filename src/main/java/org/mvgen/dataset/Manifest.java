package org.mvgen.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The contents of {@code manifest.json}: what a complete dataset holds. Written last and
 * atomically, so a dataset without it (or with sources on disk that it does not list) is
 * incomplete. See {@code docs/dataset-format.md}.
 */
public record Manifest(
    String format,
    int version,
    DatasetParams params,
    String imageFormat,
    int jpegQuality,
    SplitConfig split,
    List<SourceEntry> sources,
    List<EncoderRecord> encoders,
    String created) {
  public static final String FORMAT = "mvgen-dataset";
  public static final int VERSION = 1;
  public static final String FILE = "manifest.json";

  public Manifest {
    Objects.requireNonNull(params, "params");
    sources = List.copyOf(sources);
    encoders = encoders == null ? List.of() : List.copyOf(encoders);
  }

  /** This manifest with {@code r} added, replacing a record of the same id. */
  public Manifest withEncoder(EncoderRecord r) {
    List<EncoderRecord> list = new ArrayList<>();
    for (EncoderRecord e : encoders) {
      if (!e.id().equals(r.id())) {
        list.add(e);
      }
    }
    list.add(r);
    return new Manifest(
        format, version, params, imageFormat, jpegQuality, split, sources, list, created);
  }

  /**
   * One source video: its files and, in the manifest, its validation ranges. The same record,
   * without validation ranges, is the source's completion marker {@code sources/<id>.json}.
   *
   * @param id content hash of the source file (first 16 hex digits of its SHA-256)
   * @param name the file name (or URL) a person recognises
   * @param origin the path or URL it was ingested from
   * @param pairs number of (frame, window) pairs
   * @param audioSamples samples in {@code audio/<id>.wav}
   * @param validation half-open frame ranges {@code [from, to)} held out for validation
   * @param shards the tar shards, in order
   * @param media what the decoder reported about the file (codecs, size, duration)
   */
  public record SourceEntry(
      String id,
      String name,
      String origin,
      int pairs,
      long audioSamples,
      List<long[]> validation,
      List<ShardEntry> shards,
      Map<String, Object> media) {
    public SourceEntry {
      Objects.requireNonNull(id, "id");
      validation = validation == null ? List.of() : List.copyOf(validation);
      shards = List.copyOf(shards);
      media = media == null ? Map.of() : Map.copyOf(media);
    }

    public SourceEntry withValidation(List<long[]> ranges) {
      return new SourceEntry(id, name, origin, pairs, audioSamples, ranges, shards, media);
    }

    public String audioFile() {
      return "audio/" + id + ".wav";
    }

    public String indexFile() {
      return "index/" + id + ".npy";
    }
  }

  /**
   * One tar shard.
   *
   * @param file path relative to the dataset folder
   * @param bytes file size
   * @param pairs pairs it holds
   * @param sha256 hex digest of the whole file
   */
  public record ShardEntry(String file, long bytes, int pairs, String sha256) {}
}
