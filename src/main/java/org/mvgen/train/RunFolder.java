package org.mvgen.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.mvgen.MvgenException;

/**
 * The rules of a run folder: a folder that holds a run (a checkpoint or a finished model) is
 * continued only with {@code --resume} and replaced only with {@code --overwrite}; nothing is
 * deleted silently.
 */
final class RunFolder {
  /** Files a finished or started run leaves, which a new run must not silently replace. */
  private static final List<String> RUN_FILES =
      List.of(Trainer.CHECKPOINT, "model.mvgen", "model.mvrave");

  private RunFolder() {}

  /** Checks that a run may start in {@code dir} as {@code s} says, clearing it for --overwrite. */
  static void prepare(Path dir, RunSettings s) throws MvgenException, IOException {
    Files.createDirectories(dir);
    List<String> found = new ArrayList<>();
    for (String f : RUN_FILES) {
      if (Files.exists(dir.resolve(f))) {
        found.add(f);
      }
    }
    if (s.resume() || found.isEmpty()) {
      return;
    }
    if (!s.overwrite()) {
      throw new MvgenException(
          dir
              + " already holds a training run ("
              + String.join(", ", found)
              + "). Continue it with --resume, replace it with --overwrite, or choose another"
              + " --out folder.");
    }
    // --overwrite: the old run's files go, so that nothing of it stands beside the new model.
    for (String f : RUN_FILES) {
      Files.deleteIfExists(dir.resolve(f));
    }
    for (String f :
        List.of(Trainer.METRICS, Trainer.LOSS_PNG, Trainer.RUN_JSON, "eval.json", "decoder.pt")) {
      Files.deleteIfExists(dir.resolve(f));
    }
    Path previews = dir.resolve("previews");
    if (Files.isDirectory(previews)) {
      try (Stream<Path> files = Files.list(previews)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
