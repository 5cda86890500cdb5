package org.mvgen.rave.data;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.mvgen.MvgenException;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetFormatException;
import org.mvgen.media.MediaDecodeException;
import org.mvgen.media.MediaReader;
import org.mvgen.util.AtomicFiles;
import org.mvgen.util.Hashing;
import org.mvgen.util.Json;
import org.mvgen.util.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares audio for training mvgen's RAVE autoencoder: decodes every input to mono at the folder's
 * rate, cuts it into fixed-length examples (dropping silence), stores them in shards and writes a
 * manifest with a train/validation split.
 *
 * <pre>
 * Preprocess.Result r = Preprocess.run(config, ProgressBars.console(System.err));
 * try (RaveData data = RaveData.open(config.out())) { ... }
 * </pre>
 *
 * <p>Inputs are identified by the SHA-256 of their content (a dataset's sources by their own id,
 * which is the same hash of the video), so a second run over the same inputs skips what is done and
 * completes an interrupted one. An input is done when its marker {@code inputs/<id>.json} exists;
 * it is written after the input's shards, and the manifest after all markers. Memory is flat in the
 * length of the inputs: audio streams from FFmpeg through one example buffer to the shard. Inputs
 * that cannot be used are named in a warning and left out; a run that leaves the folder with no
 * example at all fails.
 */
public final class Preprocess {
  private static final Logger LOG = LoggerFactory.getLogger(Preprocess.class);

  /** Written first: what the folder's examples are; a later run must agree with it. */
  static final String PARAMS_FILE = "params.json";

  /** Completion markers of finished inputs. */
  static final String INPUTS_DIR = "inputs";

  /** Extensions taken from folders (files named directly are tried whatever their name). */
  static final Set<String> MEDIA_EXTENSIONS =
      Set.of(
          "wav", "wave", "flac", "mp3", "mp2", "ogg", "oga", "opus", "m4a", "aac", "aif", "aiff",
          "aifc", "wma", "wv", "ape", "mka", "caf", "au", "ac3", "mp4", "m4v", "mkv", "webm", "mov",
          "avi", "flv", "ts", "mts", "m2ts", "mpg", "mpeg", "ogv", "wmv", "3gp");

  private Preprocess() {}

  /**
   * What a run did.
   *
   * @param added inputs prepared by this run
   * @param skipped inputs already in the folder (or given twice)
   * @param warnings inputs left out or only partly read, each naming the file and why
   * @param manifest the folder's manifest after the run
   * @param addedSeconds audio of the inputs added by this run, in seconds
   * @param addedExamples examples made by this run
   * @param silentExamples examples this run dropped as silence
   */
  public record Result(
      List<String> added,
      List<String> skipped,
      List<String> warnings,
      RaveManifest manifest,
      double addedSeconds,
      long addedExamples,
      long silentExamples) {}

  /** The first line of the folder: what its examples are. */
  record ParamsFile(String format, int version, RaveDataParams params) {}

  /** One thing to decode: a file, or the stored audio of a dataset's source. */
  sealed interface Candidate permits FileInput, DatasetInput {
    String name();

    Path file();
  }

  record FileInput(Path file) implements Candidate {
    @Override
    public String name() {
      return file.toString();
    }
  }

  record DatasetInput(Path dataset, String id, String sourceName, Path file) implements Candidate {
    @Override
    public String name() {
      return dataset + " source " + sourceName;
    }
  }

  public static Result run(PreprocessConfig cfg, Progress.Factory progress) throws MvgenException {
    RaveDataParams p = cfg.params();
    List<String> warnings = new ArrayList<>();
    List<Candidate> candidates = resolveInputs(cfg.inputs(), cfg.out(), warnings);
    Path out = cfg.out();
    prepareFolder(out, p);
    Map<String, RaveManifest.Input> done;
    try {
      done = loadMarkers(out, p, warnings, true);
    } catch (IOException e) {
      throw new RaveDataException("Cannot read or tidy " + out + ": " + e.getMessage(), e);
    }
    List<String> added = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    List<Candidate> todo = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Candidate c : candidates) {
      String id;
      try {
        id = c instanceof DatasetInput d ? d.id() : contentId(c.file());
      } catch (IOException e) {
        warnings.add(c.name() + " cannot be read (" + e.getMessage() + "); skipped.");
        continue;
      }
      if (done.containsKey(id)) {
        skipped.add(c.name());
        LOG.info("{} is already in {} (input {}); skipping", c.name(), out, id);
      } else if (seen.containsKey(id)) {
        skipped.add(c.name());
        LOG.info("{} has the same content as {}; skipping", c.name(), seen.get(id));
      } else {
        seen.put(id, c.name());
        todo.add(c);
        ids.add(id);
      }
    }
    double addedSeconds = 0;
    long addedExamples = 0;
    long silent = 0;
    try (Progress bar = progress.start("rave preprocess", 0, "s")) {
      // Probe durations first, for an honest total and ETA.
      List<Candidate> usable = new ArrayList<>();
      List<String> usableIds = new ArrayList<>();
      long totalSeconds = 0;
      for (int i = 0; i < todo.size(); i++) {
        Candidate c = todo.get(i);
        try (MediaReader r = MediaReader.open(c.file(), options(p))) {
          if (!r.info().hasAudio()) {
            warnings.add(c.name() + " has no audio stream; skipped.");
            continue;
          }
          totalSeconds += Math.round(r.info().durationMicros() / 1e6);
          usable.add(c);
          usableIds.add(ids.get(i));
        } catch (MediaDecodeException e) {
          warnings.add(e.getMessage() + " Skipped.");
        }
      }
      bar.total(totalSeconds);
      for (int i = 0; i < usable.size(); i++) {
        Candidate c = usable.get(i);
        Outcome o;
        try {
          o = prepareOne(c, usableIds.get(i), cfg, bar);
        } catch (MediaDecodeException e) {
          warnings.add(e.getMessage() + " Skipped.");
          continue;
        } catch (IOException e) {
          throw new RaveDataException(
              "Writing the examples of "
                  + c.name()
                  + " into "
                  + out
                  + " failed: "
                  + e.getMessage()
                  + diskHint(e)
                  + " Inputs finished before it are kept; run the same command again to finish.",
              e);
        }
        silent += o.silent;
        if (o.warning != null) {
          warnings.add(o.warning);
        }
        if (o.input != null) {
          added.add(c.name());
          addedSeconds += o.samples / (double) p.sampleRate();
          addedExamples += o.input.examples();
          done.put(o.input.id(), o.input);
        }
      }
    }
    RaveManifest manifest = finish(out, p, cfg.split(), done.values(), warnings);
    return new Result(added, skipped, warnings, manifest, addedSeconds, addedExamples, silent);
  }

  /** What became of one input: a finished input, a warning, or both. */
  private record Outcome(RaveManifest.Input input, String warning, long samples, int silent) {}

  private static Outcome prepareOne(Candidate c, String id, PreprocessConfig cfg, Progress bar)
      throws MediaDecodeException, IOException {
    RaveDataParams p = cfg.params();
    Path out = cfg.out();
    List<long[]> runs = new ArrayList<>();
    try (MediaReader r = MediaReader.open(c.file(), options(p));
        ShardWriter w = new ShardWriter(out, id, p, cfg.shardExamples())) {
      ExampleCutter cutter =
          new ExampleCutter(
              p.exampleLength(),
              p.minTail(),
              p.silenceDb(),
              (start, example) -> {
                w.write(example);
                long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && last[0] + last[1] * p.exampleLength() == start) {
                  last[1]++;
                } else {
                  runs.add(new long[] {start, 1});
                }
              });
      long[] reported = {0};
      MediaReader.Result res =
          r.run(
              new MediaReader.Listener() {
                @Override
                public void audio(float[] samples, int len) throws IOException {
                  cutter.accept(samples, len);
                  long seconds = cutter.total() / p.sampleRate();
                  if (seconds > reported[0]) {
                    bar.step(seconds - reported[0]);
                    reported[0] = seconds;
                  }
                }

                @Override
                public void frame(long k, byte[] rgb) {}
              });
      cutter.finish();
      long samples = cutter.total();
      String note =
          res.problem() == null
              ? null
              : String.format(
                  Locale.ROOT,
                  "decoding stopped after %.1f s (%s); what was decoded is used",
                  samples / (double) p.sampleRate(),
                  res.problem());
      if (cutter.kept() == 0) {
        String why;
        if (cutter.tooShort()) {
          why =
              String.format(
                  Locale.ROOT,
                  "%s is %.2f s long, shorter than one example (%.2f s: rave.example_length %d"
                      + " at %d Hz); skipped. Lower rave.example_length to use short files.",
                  c.name(),
                  samples / (double) p.sampleRate(),
                  p.exampleSeconds(),
                  p.exampleLength(),
                  p.sampleRate());
        } else {
          why =
              String.format(
                  Locale.ROOT,
                  "%s is silent: all %d of its examples are below rave.silence_db (%.0f dBFS);"
                      + " skipped.",
                  c.name(),
                  cutter.silent(),
                  p.silenceDb());
        }
        if (note != null) {
          why += " (" + note + ")";
        }
        return new Outcome(null, why, samples, cutter.silent());
      }
      List<RaveManifest.Shard> shards = w.finish();
      RaveManifest.Input input =
          new RaveManifest.Input(
              id,
              c.name(),
              c instanceof DatasetInput ? "dataset" : "file",
              samples,
              cutter.kept(),
              runs,
              shards,
              cutter.silent(),
              cutter.tailDropped(),
              note,
              List.of());
      Files.createDirectories(out.resolve(INPUTS_DIR));
      Json.write(marker(out, id), input);
      return new Outcome(
          input, note == null ? null : c.name() + ": " + note + ".", samples, cutter.silent());
    }
  }

  private static Path marker(Path out, String id) {
    return out.resolve(INPUTS_DIR).resolve(id + ".json");
  }

  private static MediaReader.Options options(RaveDataParams p) {
    return new MediaReader.Options(p.sampleRate(), 0, 0, 0);
  }

  /** Writes the manifest over all finished inputs, ordered by id, with the split. */
  private static RaveManifest finish(
      Path out,
      RaveDataParams p,
      RaveSplit split,
      java.util.Collection<RaveManifest.Input> inputs,
      List<String> warnings)
      throws RaveDataException {
    List<RaveManifest.Input> sorted = new ArrayList<>(inputs);
    sorted.sort(Comparator.comparing(RaveManifest.Input::id));
    long examples = sorted.stream().mapToLong(RaveManifest.Input::examples).sum();
    if (examples == 0) {
      StringBuilder sb =
          new StringBuilder("No examples were made: none of the inputs gave usable audio.");
      for (String w : warnings) {
        sb.append("\n  ").append(w);
      }
      sb.append("\nGive audio or video files with sound, folders of them, or mvgen datasets.");
      throw new RaveDataException(sb.toString());
    }
    int[] counts = sorted.stream().mapToInt(RaveManifest.Input::examples).toArray();
    List<List<long[]>> val = Splitter.split(counts, split);
    List<RaveManifest.Input> withVal = new ArrayList<>();
    long held = 0;
    double seconds = 0;
    for (int i = 0; i < sorted.size(); i++) {
      withVal.add(sorted.get(i).withValidation(val.get(i)));
      for (long[] r : val.get(i)) {
        held += r[1] - r[0];
      }
      seconds += sorted.get(i).samples() / (double) p.sampleRate();
    }
    if (held == 0 && split.valFraction() > 0) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "%s has only %d examples, too few for a validation set (it needs at least two"
                  + " blocks of rave.split_block = %d examples); all are used for training.",
              out,
              examples,
              split.blockExamples()));
    }
    RaveManifest m =
        new RaveManifest(
            RaveManifest.FORMAT,
            RaveManifest.VERSION,
            p,
            split,
            withVal,
            examples,
            held,
            seconds,
            Instant.now().toString());
    try {
      Json.write(out.resolve(RaveManifest.FILE), m);
    } catch (IOException e) {
      throw new RaveDataException(
          "Writing the manifest of " + out + " failed: " + e.getMessage() + diskHint(e), e);
    }
    return m;
  }

  /**
   * Creates the folder and its params file, or checks that an existing folder was made with the
   * same parameters.
   */
  private static void prepareFolder(Path out, RaveDataParams p) throws RaveDataException {
    Path pf = out.resolve(PARAMS_FILE);
    try {
      if (Files.isRegularFile(pf)) {
        ParamsFile old;
        try {
          old = Json.read(pf, ParamsFile.class);
        } catch (IOException e) {
          throw new RaveDataException(
              pf + " cannot be read (" + e.getMessage() + "). Use a new --out folder.", e);
        }
        if (!RaveManifest.FORMAT.equals(old.format())) {
          throw new RaveDataException(pf + " is not the params file of a RAVE data folder.");
        }
        if (!p.equals(old.params())) {
          throw new RaveDataException(
              out
                  + " was prepared with "
                  + describe(old.params())
                  + "; this run asks for "
                  + describe(p)
                  + ". Use the same settings to extend it, or a new --out folder.");
        }
        return;
      }
      if (Files.isDirectory(out)) {
        try (Stream<Path> s = Files.list(out)) {
          if (s.findAny().isPresent()) {
            throw new RaveDataException(
                out
                    + " exists and is not a RAVE data folder (it has no "
                    + PARAMS_FILE
                    + "). Choose a new or empty --out folder.");
          }
        }
      } else if (Files.exists(out)) {
        throw new RaveDataException(out + " exists and is not a folder. Choose another --out.");
      }
      Files.createDirectories(out);
      Json.write(pf, new ParamsFile(RaveManifest.FORMAT, RaveManifest.VERSION, p));
    } catch (IOException e) {
      throw new RaveDataException("Cannot create " + out + ": " + e.getMessage(), e);
    }
  }

  static String describe(RaveDataParams p) {
    return String.format(
        Locale.ROOT,
        "%d Hz, examples of %d samples, %s, min_tail %s, silence_db %s",
        p.sampleRate(),
        p.exampleLength(),
        p.format().name().toLowerCase(Locale.ROOT),
        p.minTail(),
        p.silenceDb());
  }

  /**
   * Reads the markers of finished inputs. With {@code tidy}, first deletes what an interrupted run
   * left: {@code .tmp} files, markers whose shards are missing or of the wrong size (their input is
   * prepared again, with a warning) and shards no marker lists.
   */
  static Map<String, RaveManifest.Input> loadMarkers(
      Path out, RaveDataParams p, List<String> warnings, boolean tidy) throws IOException {
    Map<String, RaveManifest.Input> done = new TreeMap<>();
    if (tidy) {
      for (Path dir : List.of(out, out.resolve(INPUTS_DIR), out.resolve(ShardWriter.DIR))) {
        for (Path f : list(dir)) {
          if (AtomicFiles.isTemporary(f)) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
    Set<String> referenced = new HashSet<>();
    for (Path f : list(out.resolve(INPUTS_DIR))) {
      if (!f.getFileName().toString().endsWith(".json")) {
        continue;
      }
      RaveManifest.Input in;
      try {
        in = Json.read(f, RaveManifest.Input.class);
      } catch (IOException e) {
        warnings.add(f + " is damaged (" + e.getMessage() + "); its input is prepared again.");
        Files.deleteIfExists(f);
        continue;
      }
      String problem = null;
      for (RaveManifest.Shard s : in.shards()) {
        Path sf = out.resolve(s.file());
        long want = s.examples() * p.exampleBytes();
        if (!Files.isRegularFile(sf)) {
          problem = "its shard " + sf + " is missing";
        } else if (Files.size(sf) != want || s.bytes() != want) {
          problem = "its shard " + sf + " has " + Files.size(sf) + " bytes, not " + want;
        }
        if (problem != null) {
          break;
        }
      }
      if (problem != null) {
        warnings.add(in.name() + " was prepared before, but " + problem + "; preparing it again.");
        Files.deleteIfExists(f);
        continue;
      }
      in.shards().forEach(s -> referenced.add(s.file()));
      done.put(in.id(), in);
    }
    if (tidy) {
      for (Path f : list(out.resolve(ShardWriter.DIR))) {
        if (!referenced.contains(ShardWriter.DIR + "/" + f.getFileName())) {
          Files.deleteIfExists(f); // from an input whose run was interrupted
        }
      }
    }
    return done;
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** Files named, media files under folders named, and the stored audio of datasets. */
  static List<Candidate> resolveInputs(List<String> inputs, Path out, List<String> warnings)
      throws MvgenException {
    List<Candidate> list = new ArrayList<>();
    Path outAbs = out.toAbsolutePath().normalize();
    for (String in : inputs) {
      Path p = Path.of(in);
      if (Files.isDirectory(p)) {
        walk(p, outAbs, list, warnings);
      } else if (Files.isRegularFile(p)) {
        list.add(new FileInput(p));
      } else {
        throw new RaveDataException(
            "Input "
                + in
                + " does not exist. Give audio or video files, folders of them, or mvgen"
                + " dataset folders.");
      }
    }
    if (list.isEmpty()) {
      throw new RaveDataException(
          "No audio or video files found in "
              + inputs
              + " (looked for "
              + MEDIA_EXTENSIONS.stream().sorted().toList()
              + " and mvgen datasets)."
              + (warnings.isEmpty() ? "" : " " + String.join(" ", warnings)));
    }
    return list;
  }

  private static void walk(Path root, Path outAbs, List<Candidate> list, List<String> warnings)
      throws MvgenException {
    List<Path> files = new ArrayList<>();
    List<MvgenException> failure = new ArrayList<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              if (dir.toAbsolutePath().normalize().equals(outAbs)) {
                return FileVisitResult.SKIP_SUBTREE;
              }
              Kind k = kind(dir);
              switch (k) {
                case DATASET -> {
                  try {
                    addDataset(dir, list, warnings);
                  } catch (MvgenException e) {
                    failure.add(e);
                  }
                  return FileVisitResult.SKIP_SUBTREE;
                }
                case INCOMPLETE_DATASET -> {
                  warnings.add(
                      dir
                          + " is an mvgen dataset whose ingest has not finished (it has no"
                          + " manifest.json); its audio is left out. Run 'mvgen ingest' with its"
                          + " inputs and --out "
                          + dir
                          + " to complete it.");
                  return FileVisitResult.SKIP_SUBTREE;
                }
                case RAVE_DATA -> {
                  return FileVisitResult.SKIP_SUBTREE;
                }
                case PLAIN -> {
                  return FileVisitResult.CONTINUE;
                }
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
              // Files.isRegularFile follows a symbolic link (attrs describe the link itself), so a
              // folder of links to the user's music is read like a folder of the music.
              if (MEDIA_EXTENSIONS.contains(extension(f)) && Files.isRegularFile(f)) {
                files.add(f);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
              warnings.add(f + " cannot be read (" + e.getMessage() + "); skipped.");
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new RaveDataException("Cannot list folder " + root + ": " + e.getMessage(), e);
    }
    if (!failure.isEmpty()) {
      throw failure.get(0);
    }
    files.sort(null);
    files.forEach(f -> list.add(new FileInput(f)));
  }

  private enum Kind {
    PLAIN,
    DATASET,
    INCOMPLETE_DATASET,
    RAVE_DATA
  }

  private static Kind kind(Path dir) {
    Path params = dir.resolve(PARAMS_FILE);
    if (Files.isRegularFile(params)) {
      try {
        String text = Files.readString(params);
        if (text.contains("\"" + RaveManifest.FORMAT + "\"")) {
          return Kind.RAVE_DATA;
        }
      } catch (IOException e) {
        // not ours; decided below
      }
    }
    if (Files.isRegularFile(dir.resolve("manifest.json"))
        && Files.isDirectory(dir.resolve("audio"))) {
      return Kind.DATASET;
    }
    if (Files.isRegularFile(params) && Files.isDirectory(dir.resolve("sources"))) {
      return Kind.INCOMPLETE_DATASET;
    }
    return Kind.PLAIN;
  }

  /** Adds the stored whole-source audio of each of a dataset's sources. */
  private static void addDataset(Path dir, List<Candidate> list, List<String> warnings)
      throws MvgenException {
    try (Dataset ds = Dataset.open(dir)) {
      for (Dataset.Source s : ds.sources()) {
        Path wav = dir.resolve("audio").resolve(s.id() + ".wav");
        if (!Files.isRegularFile(wav)) {
          warnings.add(
              "Dataset "
                  + dir
                  + " lacks "
                  + wav
                  + " (the audio of source "
                  + s.name()
                  + "); skipped. Run 'mvgen dataset check "
                  + dir
                  + "'.");
          continue;
        }
        list.add(new DatasetInput(dir, s.id(), s.name(), wav));
      }
    } catch (DatasetFormatException e) {
      warnings.add(e.getMessage() + " Its audio is left out.");
    } catch (IOException e) {
      throw new RaveDataException("Cannot close dataset " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String extension(Path f) {
    String n = f.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** The first 16 hex digits of the file's SHA-256, as {@code mvgen ingest} names sources. */
  static String contentId(Path f) throws IOException {
    return Hashing.sha256Hex(f).substring(0, 16);
  }

  private static String diskHint(IOException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("space") ? " The disk is full: free some space." : "";
  }
}
