package org.mvgen.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.MvgenException;
import org.mvgen.torch.TensorState;
import org.mvgen.util.Json;
import org.mvgen.util.ZipFiles;

/**
 * The checkpoint of any task: one zip written atomically, holding {@code checkpoint.json} ({@link
 * Meta}: step, planned steps, the task's identity and settings, its extra state, the metrics), the
 * model's named tensors ({@code model.bin}), each optimizer's state ({@code optim/NAME.pt},
 * libtorch's archive format) and the random generator's state ({@code rng.bin}). That is all a
 * resumed run needs to continue bit for bit on the CPU.
 */
public final class Checkpoint {
  public static final String FORMAT = "mvgen-checkpoint";
  public static final int VERSION = 1;
  static final String META = "checkpoint.json";
  static final String MODEL = "model.bin";
  static final String RNG = "rng.bin";
  static final String OPTIM = "optim/";

  /**
   * The typed metadata of a checkpoint.
   *
   * @param format {@link #FORMAT}
   * @param version {@link #VERSION}
   * @param task the task's name
   * @param step steps completed
   * @param plannedSteps steps planned in all when it was saved
   * @param worldSize processes that trained together (a resume may use another number)
   * @param identity what a resume must match ({@link TrainingTask#identity})
   * @param settings the task's other settings, for the record
   * @param extra the task's non-tensor state
   * @param history the metrics so far
   * @param saved when (ISO-8601)
   */
  public record Meta(
      String format,
      int version,
      String task,
      long step,
      long plannedSteps,
      int worldSize,
      Map<String, Object> identity,
      Map<String, Object> settings,
      Map<String, Object> extra,
      List<MetricRow> history,
      String saved) {}

  /** A checkpoint read back: its metadata and its tensors (new CPU tensors). */
  public record Loaded(
      Meta meta,
      Map<String, Tensor> model,
      Map<String, byte[]> optimizers,
      Map<String, Tensor> rng) {}

  private Checkpoint() {}

  /** Writes a checkpoint atomically (a crash leaves the previous one intact). */
  static void write(
      Path file,
      Meta meta,
      Map<String, Tensor> model,
      Map<String, byte[]> optimizers,
      Map<String, Tensor> rng)
      throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put(META, Json.MAPPER.writeValueAsBytes(meta));
    entries.put(MODEL, tensors(model));
    entries.put(RNG, tensors(rng));
    optimizers.forEach((name, state) -> entries.put(OPTIM + name + ".pt", state));
    ZipFiles.write(file, entries);
  }

  private static byte[] tensors(Map<String, Tensor> m) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    TensorState.write(m, b);
    return b.toByteArray();
  }

  /** Reads only the metadata (cheap: for checks and reports). */
  public static Meta meta(Path file) throws MvgenException {
    return read(file, false).meta();
  }

  /** Reads a checkpoint, refusing with a message that names the file what is not one. */
  public static Loaded read(Path file) throws MvgenException {
    return read(file, true);
  }

  private static Loaded read(Path file, boolean tensors) throws MvgenException {
    Map<String, byte[]> z;
    try {
      z = ZipFiles.read(file);
    } catch (NoSuchFileException e) {
      throw new MvgenException("There is no checkpoint at " + file + ".", e);
    } catch (IOException e) {
      throw new MvgenException(
          file + " is not a readable checkpoint (" + e.getMessage() + "). Start a new run.", e);
    }
    if (!z.containsKey(META)) {
      throw new MvgenException(
          file
              + " is not an mvgen checkpoint (no "
              + META
              + "). Start a new run in another folder.");
    }
    try {
      Meta meta = Json.MAPPER.readValue(z.get(META), Meta.class);
      if (!FORMAT.equals(meta.format())) {
        throw new MvgenException(
            file
                + " is a checkpoint of an older mvgen (format "
                + meta.format()
                + "), which this version cannot continue. Start a new run in another folder.");
      }
      if (meta.version() > VERSION) {
        throw new MvgenException(
            file
                + " was written by a newer mvgen (checkpoint version "
                + meta.version()
                + "; this one reads "
                + VERSION
                + "). Update mvgen to continue it.");
      }
      if (!tensors) {
        return new Loaded(meta, Map.of(), Map.of(), Map.of());
      }
      Map<String, byte[]> optim = new LinkedHashMap<>();
      z.forEach(
          (k, v) -> {
            if (k.startsWith(OPTIM) && k.endsWith(".pt")) {
              optim.put(k.substring(OPTIM.length(), k.length() - 3), v);
            }
          });
      return new Loaded(
          meta,
          TensorState.read(new ByteArrayInputStream(z.get(MODEL))),
          optim,
          z.containsKey(RNG) ? TensorState.read(new ByteArrayInputStream(z.get(RNG))) : Map.of());
    } catch (IOException | RuntimeException e) {
      throw new MvgenException(
          file + " is damaged (" + e.getMessage() + "). Start a new run in another folder.", e);
    }
  }

  /**
   * The first entry of {@code now} whose value differs from the checkpoint's {@code saved}, as
   * {@code [name, saved, now]}, or null when all match (compared as JSON).
   */
  static String[] firstDifference(Map<String, Object> saved, Map<String, Object> now) {
    for (Map.Entry<String, Object> e : now.entrySet()) {
      JsonNode a = tree(saved == null ? null : saved.get(e.getKey()));
      JsonNode b = tree(e.getValue());
      if (!a.equals(b)) {
        return new String[] {e.getKey(), a.toString(), b.toString()};
      }
    }
    return null;
  }

  /** The value as parsed JSON, so that 5 and 5L (or a record and its map) compare equal. */
  private static JsonNode tree(Object o) {
    try {
      return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(o));
    } catch (IOException e) {
      throw new IllegalStateException("not JSON-friendly: " + o, e);
    }
  }
}
