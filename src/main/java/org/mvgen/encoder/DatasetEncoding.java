package org.mvgen.encoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mvgen.MvgenException;
import org.mvgen.audio.AudioTrack;
import org.mvgen.config.Config;
import org.mvgen.dataset.Alignment;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetFormatException;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.Manifest;
import org.mvgen.dataset.NonFinite;
import org.mvgen.dataset.Npy;
import org.mvgen.dataset.Shard;
import org.mvgen.dataset.ShardedJob;
import org.mvgen.dataset.Split;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Progress;

/**
 * Computes the latents of every pair of a dataset with one encoder: one float32 {@code [pairs,
 * latentSize]} {@code .npy} file per source under {@code latents/<id>/}, then the encoder's record
 * in the manifest (last, so a crashed run never looks complete). Resumable: a source whose file
 * exists with the right shape is skipped.
 *
 * <pre>
 * Result r = DatasetEncoding.run(dataset, "mel?pca=16", config, ProgressBars.console(System.err));
 * </pre>
 *
 * <p>Alignment: latent row {@code k} describes what a causal encoder knows when frame {@code k} is
 * shown. A {@link WindowEncoder} gets exactly pair {@code k}'s window; any other encoder runs over
 * the whole source audio (so it sees its full context) and row {@code k} is the last latent whose
 * audio ends at or before {@code end(k)}.
 */
public final class DatasetEncoding {
  private DatasetEncoding() {}

  /**
   * What was done.
   *
   * @param record the record added to the manifest
   * @param encodedSources sources computed in this run
   * @param skippedSources sources whose latents were already complete
   * @param pairs pairs in the dataset
   * @param seconds wall-clock time of the run
   * @param note for a task of a sharded job, whether the record is in the manifest yet (else null)
   */
  public record Result(
      EncoderRecord record,
      int encodedSources,
      int skippedSources,
      long pairs,
      double seconds,
      String note) {}

  /**
   * Encodes every source of {@code ds} with the encoder of {@code spec}, with the dataset folder
   * locked exclusively (a concurrent ingest, encode or merge is refused, naming this process).
   */
  public static Result run(Dataset ds, String spec, Config config, Progress.Factory progress)
      throws MvgenException, IOException {
    return run(ds, spec, config, null, progress);
  }

  /**
   * Encodes this task's share of the sources of {@code ds} ({@code shard} null: all of them). The
   * tasks of a sharded job share the dataset folder ({@link ShardedJob}): task {@code i} of {@code
   * N} computes the sources at positions {@code i, i + N, ...} of the manifest, and the last task
   * to finish adds the encoder's record to the manifest.
   */
  public static Result run(
      Dataset ds, String spec, Config config, Shard shard, Progress.Factory progress)
      throws MvgenException, IOException {
    long t0 = System.nanoTime();
    EncoderSpec s = EncoderSpec.parse(spec);
    config = forDataset(config, ds);
    int fitDim = s.kind().equals("mel") ? Encoders.pcaToFit(s) : 0;
    if (shard != null && fitDim > 0) {
      throw new EncoderException(
          spec
              + " fits a PCA on the whole dataset, which the tasks of a sharded job cannot share."
              + " Run it once without --shard (the mel features are fast), or shard plain 'mel'.");
    }
    if (shard != null) {
      try (AudioEncoder e = Encoders.open(spec, config, Path.of(""))) {
        return encodeShard(ds, e, e.spec(), new LinkedHashMap<>(), shard, progress, t0);
      }
    }
    try (FolderLock lock =
        FolderLock.acquire(ds.dir(), FolderLock.currentCommand(), FolderLock.DEFAULT_PATIENCE)) {
      checkUnchanged(ds);
      return encodeWhole(ds, spec, s, fitDim, config, progress, t0);
    }
  }

  private static Result encodeWhole(
      Dataset ds,
      String spec,
      EncoderSpec s,
      int fitDim,
      Config config,
      Progress.Factory progress,
      long t0)
      throws EncoderException, IOException {
    AudioEncoder enc;
    String recordedSpec = spec;
    Map<String, Object> info = new LinkedHashMap<>();
    if (fitDim > 0) {
      Map<String, String> base = new LinkedHashMap<>(s.options());
      base.remove("pca");
      MelEncoder mel =
          (MelEncoder) Encoders.open(new EncoderSpec("mel", null, base).toString(), config);
      Pca pca = fitPca(ds, mel, fitDim, config.getInt("encoder.pca_max_frames"), progress);
      String relSpec = null;
      MelEncoder probe = mel.withPca(pca, spec);
      Path pcaFile = ds.dir().resolve("latents").resolve(probe.id()).resolve("pca.npy");
      Files.createDirectories(pcaFile.getParent());
      Npy.writeFloat32(pcaFile, pca.toMatrix(), pca.dim() + 1, pca.inputs());
      Map<String, String> withFile = new LinkedHashMap<>(base);
      withFile.put("pca", ds.dir().relativize(pcaFile).toString().replace('\\', '/'));
      relSpec = new EncoderSpec("mel", null, withFile).toString();
      enc = mel.withPca(pca, relSpec);
      recordedSpec = relSpec;
      double[] ex = pca.explained();
      double sum = 0;
      for (double e : ex) {
        sum += e;
      }
      info.put("pca_explained_variance", sum);
    } else {
      enc = Encoders.open(spec, config, Path.of(""));
      recordedSpec = enc.spec();
    }
    try (AudioEncoder e = enc) {
      return encodeAll(ds, e, recordedSpec, info, progress, t0);
    }
  }

  private static Result encodeAll(
      Dataset ds,
      AudioEncoder enc,
      String recordedSpec,
      Map<String, Object> info,
      Progress.Factory progress,
      long t0)
      throws EncoderException, IOException {
    String id = enc.id();
    int dim = enc.latentSize();
    int encoded = 0;
    int skipped = 0;
    try (Progress p = progress.start("encode " + id, ds.size(), "pairs")) {
      for (Dataset.Source src : ds.sources()) {
        Path file = ds.latentFile(id, src);
        if (isComplete(file, src.pairs(), dim)) {
          skipped++;
          p.step(src.pairs());
          continue;
        }
        float[] z = encodeSource(ds, src, enc, p);
        int bad = NonFinite.first(z, 0, z.length);
        if (bad >= 0) {
          throw new EncoderException(
              "Encoder "
                  + id
                  + " gave "
                  + z[bad]
                  + " for pair "
                  + bad / dim
                  + " of source "
                  + src.name()
                  + " ("
                  + src.id()
                  + ") from finite audio; its latents were not written. Check the encoder ("
                  + recordedSpec
                  + ") on this audio, or use another encoder.");
        }
        try {
          Files.createDirectories(file.getParent());
          Npy.writeFloat32(file, z, src.pairs(), dim);
        } catch (IOException e) {
          throw writeFailed(file, e);
        }
        encoded++;
      }
    }
    EncoderRecord r = record(ds, enc, recordedSpec, info);
    try {
      ds.recordEncoder(r);
    } catch (IOException e) {
      throw writeFailed(ds.dir().resolve(Manifest.FILE), e);
    }
    ShardedJob.clearKind(ds.dir(), "encode-" + id); // a sharded encode's, now recorded
    return new Result(r, encoded, skipped, ds.size(), (System.nanoTime() - t0) / 1e9, null);
  }

  /** A task's share of a sharded encode: its sources, its marker, the manifest if it is last. */
  private static Result encodeShard(
      Dataset ds,
      AudioEncoder enc,
      String recordedSpec,
      Map<String, Object> info,
      Shard shard,
      Progress.Factory progress,
      long t0)
      throws MvgenException, IOException {
    String id = enc.id();
    int dim = enc.latentSize();
    int encoded = 0;
    int skipped = 0;
    String kind = "encode-" + id;
    EncoderRecord r = record(ds, enc, recordedSpec, info);
    try (FolderLock task = ShardedJob.lockTask(ds.dir(), kind, shard)) {
      checkUnchanged(ds);
      long share = 0;
      for (int j = 0; j < ds.sources().size(); j++) {
        share += shard.owns(j) ? ds.sources().get(j).pairs() : 0;
      }
      try (Progress p = progress.start("encode " + id + " " + shard, share, "pairs")) {
        for (int j = 0; j < ds.sources().size(); j++) {
          Dataset.Source src = ds.sources().get(j);
          if (!shard.owns(j)) {
            continue;
          }
          Path file = ds.latentFile(id, src);
          // Locked per source too: a second job with another task count may overlap this one.
          try (FolderLock one = ShardedJob.lockItem(ds.dir(), "latent-" + id + "-" + src.id())) {
            if (one == null || isComplete(file, src.pairs(), dim)) {
              skipped++;
              p.step(src.pairs());
              continue;
            }
            Files.createDirectories(file.getParent());
            float[] z = encodeSource(ds, src, enc, p);
            Npy.writeFloat32(file, z, src.pairs(), dim);
            encoded++;
          }
        }
      }
      ShardedJob.markDone(ds.dir(), ShardedJob.done(kind, shard, null, r));
    }
    ShardedJob.Completion c =
        ShardedJob.finish(
            ds.dir(),
            kind,
            shard,
            () -> {
              try (Dataset fresh = Dataset.open(ds.dir())) {
                List<String> missing = new ArrayList<>();
                for (Dataset.Source src : fresh.sources()) {
                  if (!isComplete(fresh.latentFile(id, src), src.pairs(), dim)) {
                    missing.add(src.id());
                  }
                }
                if (!missing.isEmpty()) {
                  throw new DatasetFormatException(
                      "Every task of the sharded encode has finished, but the latents of sources "
                          + missing
                          + " are missing (a task failed, or the dataset changed). Run 'mvgen"
                          + " encode "
                          + ds.dir()
                          + " --encoder "
                          + recordedSpec
                          + "' to compute them and record the encoder.");
                }
                fresh.recordEncoder(r);
              }
            });
    return new Result(
        r,
        encoded,
        skipped,
        ds.size(),
        (System.nanoTime() - t0) / 1e9,
        "task " + shard + ": " + c.note());
  }

  /** Fails if the manifest on disk no longer lists the sources {@code ds} was opened with. */
  private static void checkUnchanged(Dataset ds) throws DatasetFormatException {
    try (Dataset now = Dataset.open(ds.dir())) {
      if (!now.sources().equals(ds.sources())) {
        throw new DatasetFormatException(
            "Dataset "
                + ds.dir()
                + " changed since it was opened (an ingest finished meanwhile). Run the command"
                + " again.");
      }
    } catch (IOException e) {
      throw new DatasetFormatException("Cannot read " + ds.dir() + ": " + e.getMessage(), e);
    }
  }

  /** The record of an encoder's latents: id, spec, size and how rows align with pairs. */
  private static EncoderRecord record(
      Dataset ds, AudioEncoder enc, String recordedSpec, Map<String, Object> info) {
    info.put("sample_rate", enc.sampleRate());
    if (enc.sampleRate() != ds.params().sampleRate()) {
      info.put("resampled_from", ds.params().sampleRate());
    }
    info.put("hop", enc.hop());
    info.put("delay", enc.delay());
    info.put(
        "alignment",
        enc instanceof WindowEncoder w
            ? "row k = features of pair k's window"
            : "row k = last latent whose audio ends at or before end(k)");
    return new EncoderRecord(enc.id(), recordedSpec, enc.latentSize(), info);
  }

  /**
   * The latents that {@code --encoder SPEC} means in {@code ds}: the set of that id, or the one set
   * encoded with that spec. When the same spec was encoded with different settings (another {@code
   * encoder.mel_bands}, say), the set the spec gives with the current settings; when none does,
   * fails naming the ids present, so a model never trains on latents it did not ask for.
   */
  public static EncoderRecord find(Dataset ds, String spec, Config config)
      throws EncoderException, DatasetFormatException {
    java.util.List<EncoderRecord> same = new java.util.ArrayList<>();
    for (EncoderRecord r : ds.manifest().encoders()) {
      if (r.id().equals(spec)) {
        return r;
      }
      if (r.spec().equals(spec)) {
        same.add(r);
      }
    }
    if (same.size() <= 1) {
      return ds.encoder(spec); // the one set, or the message that names what there is
    }
    String current;
    try (AudioEncoder e = Encoders.open(spec, forDataset(config, ds), ds.dir())) {
      current = e.id();
    }
    for (EncoderRecord r : same) {
      if (r.id().equals(current)) {
        return r;
      }
    }
    throw new EncoderException(
        "Dataset "
            + ds.dir()
            + " has "
            + same.size()
            + " sets of latents encoded with '"
            + spec
            + "' and other settings: "
            + same.stream().map(EncoderRecord::id).toList()
            + "; the current settings give "
            + current
            + ", which is not among them. Pass one of those ids with --encoder, or run 'mvgen"
            + " encode "
            + ds.dir()
            + " --encoder "
            + spec
            + "' with the current settings.");
  }

  /**
   * What a model trained on the latents of {@code r} stores of their encoder ({@link
   * Encoders#portable}): the spec is opened as {@code mvgen encode} did (the dataset's audio
   * settings, files relative to the dataset folder), and must still give the id of the latents.
   * RAVE specs are kept as they are and not opened (training does not need the model file).
   */
  public static PortableEncoder portable(Dataset ds, EncoderRecord r, Config config)
      throws EncoderException {
    Config c = forDataset(config, ds);
    PortableEncoder p = Encoders.portable(r.spec(), c, ds.dir());
    if (EncoderSpec.parse(r.spec()).kind().equals("mel")) {
      try (AudioEncoder e = Encoders.open(p, c, ds.dir())) {
        if (!e.id().equals(r.id())) {
          throw new EncoderException(
              "Encoder spec "
                  + r.spec()
                  + " with the current [encoder] settings gives encoder "
                  + e.id()
                  + ", but the latents of dataset "
                  + ds.dir()
                  + " are from "
                  + r.id()
                  + ". Set encoder.mel_* as they were for 'mvgen encode', or encode again.");
        }
      }
    }
    return p;
  }

  /**
   * A failed write of a latent file or the manifest, naming the file: the latents of sources
   * finished before it are kept, and the next run resumes.
   */
  private static EncoderException writeFailed(Path file, IOException e) {
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      why = f.getReason();
    }
    boolean full = why.contains("No space left") || why.contains("quota");
    return new EncoderException(
        "Writing "
            + file
            + " failed ("
            + why
            + ")."
            + (full ? " The disk is full: free some space." : "")
            + " Latents finished before it are kept: run the same 'mvgen encode' command again"
            + " to resume.",
        e);
  }

  /** The config with the audio settings of the dataset, which win over the user's. */
  static Config forDataset(Config config, Dataset ds) throws EncoderException {
    var p = ds.params();
    try {
      return config
          .with("audio.sample_rate", (long) p.sampleRate(), "dataset " + ds.dir())
          .with("audio.window", (long) p.window(), "dataset " + ds.dir())
          .with("video.fps", (long) p.fps(), "dataset " + ds.dir());
    } catch (org.mvgen.config.ConfigException e) {
      throw new EncoderException("Cannot apply the settings of dataset " + ds.dir(), e);
    }
  }

  private static boolean isComplete(Path file, int rows, int cols) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try {
      Npy.Array a = Npy.read(file);
      if (a.rows() != rows || a.cols() != cols || a.dtype() != Npy.DType.FLOAT32) {
        return false;
      }
      float[] row = new float[cols];
      for (long k = 0; k < rows; k++) {
        a.row(k, row, 0);
        if (NonFinite.first(row, 0, cols) >= 0) {
          return false; // NaN latents (of an older mvgen) are recomputed
        }
      }
      return true;
    } catch (DatasetFormatException e) {
      return false; // a damaged file is recomputed
    }
  }

  /** The latents of one source, row-major {@code [pairs, latentSize]}. */
  static float[] encodeSource(Dataset ds, Dataset.Source src, AudioEncoder enc, Progress p)
      throws EncoderException, IOException {
    Alignment a = ds.params().alignment();
    AudioTrack audio = ds.audio(src);
    int dim = enc.latentSize();
    float[] out = new float[src.pairs() * dim];
    if (enc instanceof WindowEncoder w
        && w.window() == a.window()
        && enc.sampleRate() == a.sampleRate()) {
      float[] win = new float[a.window()];
      for (int k = 0; k < src.pairs(); k++) {
        audio.read(a.start(k), win, 0, win.length);
        int bad = NonFinite.first(win, 0, win.length);
        if (bad >= 0) {
          throw ds.nonFiniteAudio(src, audio.file(), a.start(k) + bad, win[bad]);
        }
        w.encodeWindow(win, 0, out, k * dim);
        if (k % 256 == 255) {
          p.step(256);
        }
      }
      p.step(src.pairs() % 256);
      return out;
    }
    if (audio.length() > Integer.MAX_VALUE / 2) {
      throw new EncoderException(
          "Source " + src.id() + " has " + audio.length() + " samples: too long to encode at once");
    }
    float[] pcm = audio.read(0, (int) audio.length());
    int bad = NonFinite.first(pcm, 0, pcm.length);
    if (bad >= 0) {
      throw ds.nonFiniteAudio(src, audio.file(), bad, pcm[bad]);
    }
    double ratio = (double) enc.sampleRate() / a.sampleRate();
    if (enc.sampleRate() != a.sampleRate()) {
      pcm = Resampler.resample(pcm, a.sampleRate(), enc.sampleRate());
    }
    // The grid render uses too: row n covers the audio ending at n * hop of the source, so every
    // pair (even k = 0) has a latent that ends at or before its own end.
    float[][] z = AlignedLatents.encode(enc, pcm);
    for (int k = 0; k < src.pairs(); k++) {
      int n = AlignedLatents.row(Math.round(a.end(k) * ratio), enc.hop(), z.length);
      System.arraycopy(z[n], 0, out, k * dim, dim);
    }
    p.step(src.pairs());
    return out;
  }

  /** Fits a PCA on the features of (at most {@code max}, evenly spaced) training pairs. */
  static Pca fitPca(Dataset ds, MelEncoder mel, int dim, int max, Progress.Factory progress)
      throws IOException, EncoderException {
    long[] train = ds.pairs(Split.TRAIN);
    if (train.length < 2) {
      train = new long[(int) ds.size()];
      for (int i = 0; i < train.length; i++) {
        train[i] = i;
      }
    }
    int n = Math.min(train.length, Math.max(2, max));
    if (n <= dim) {
      throw new EncoderException(
          "Dataset "
              + ds.dir()
              + " has only "
              + n
              + " training pairs: too few to fit a PCA of "
              + dim
              + " dimensions. Use fewer (mel?pca=N with N < "
              + n
              + ") or plain 'mel'.");
    }
    if (dim > mel.latentSize()) {
      throw new EncoderException(
          "mel?pca=" + dim + " asks for more dimensions than the " + mel.latentSize() + " bands");
    }
    float[][] f = new float[n][mel.latentSize()];
    try (Progress p = progress.start("fit PCA", n, "pairs")) {
      for (int i = 0; i < n; i++) {
        long pair = train[(int) ((long) i * train.length / n)];
        float[] w = ds.audioWindow(pair);
        mel.encodeWindow(w, 0, f[i], 0);
        p.step(1);
      }
    }
    return Pca.fit(f, dim);
  }
}
