package org.mvgen.rave.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.torch.Torch;

/**
 * Named float32 tensors in a directory a Python script reads with no library: {@code weights.f32}
 * holds the values back to back (little-endian), {@code index.json} says for each name its shape
 * and offset (in floats), plus the {@link RaveConfig} under {@code config}. Written to temporary
 * names and renamed, index last.
 *
 * <p>This is the parity-test and hand-off format of the model layer, not a checkpoint (the training
 * layer owns those).
 */
public final class RaveWeights {
  static final String INDEX = "index.json";
  static final String DATA = "weights.f32";
  private static final ObjectMapper JSON = new ObjectMapper();

  private RaveWeights() {}

  /** Writes {@code tensors} (float32, any device) and {@code config} into {@code dir}. */
  public static void write(Path dir, RaveConfig config, Map<String, Tensor> tensors)
      throws IOException {
    Files.createDirectories(dir);
    ObjectNode index = JSON.createObjectNode();
    index.set("config", JSON.valueToTree(config));
    ArrayNode list = index.putArray("tensors");
    Path data = dir.resolve(DATA + ".tmp");
    long offset = 0;
    try (FileChannel ch =
        FileChannel.open(
            data,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        float[] v;
        try (NoGradGuard g = new NoGradGuard()) {
          v = Torch.floats(e.getValue().detach());
        }
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ObjectNode t = list.addObject();
        t.put("name", e.getKey());
        ArrayNode shape = t.putArray("shape");
        for (long s : e.getValue().sizes().vec().get()) {
          shape.add(s);
        }
        t.put("offset", offset);
        offset += v.length;
      }
    }
    Files.move(data, dir.resolve(DATA), StandardCopyOption.REPLACE_EXISTING);
    Path idx = dir.resolve(INDEX + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(idx.toFile(), index);
    Files.move(idx, dir.resolve(INDEX), StandardCopyOption.REPLACE_EXISTING);
  }

  /** The config stored in {@code dir}. */
  public static RaveConfig config(Path dir) throws IOException {
    JsonNode index = readIndex(dir);
    return JSON.treeToValue(index.get("config"), RaveConfig.class);
  }

  /** Every tensor stored in {@code dir}, by name, as new CPU tensors. */
  public static Map<String, Tensor> read(Path dir) throws IOException {
    JsonNode index = readIndex(dir);
    ByteBuffer all =
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve(DATA))).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (JsonNode t : index.get("tensors")) {
      long[] shape = new long[t.get("shape").size()];
      long n = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.get("shape").get(i).asLong();
        n *= shape[i];
      }
      long off = t.get("offset").asLong();
      if ((off + n) * 4 > all.capacity()) {
        throw new IOException(
            dir.resolve(DATA)
                + " is shorter than "
                + dir.resolve(INDEX)
                + " says (tensor "
                + t.get("name").asText()
                + "): the directory is incomplete; write it again.");
      }
      float[] v = new float[(int) n];
      all.position((int) (off * 4));
      all.asFloatBuffer().get(v);
      out.put(t.get("name").asText(), Torch.tensor(v, shape));
    }
    return out;
  }

  /** Copies the stored tensors into the same-named tensors of {@code into}; all must be there. */
  public static void load(Path dir, Map<String, Tensor> into) throws IOException {
    Map<String, Tensor> stored = read(dir);
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : into.entrySet()) {
        Tensor s = stored.get(e.getKey());
        if (s == null) {
          throw new IOException(
              dir + " has no tensor '" + e.getKey() + "': it was written for another model.");
        }
        if (!java.util.Arrays.equals(s.sizes().vec().get(), e.getValue().sizes().vec().get())) {
          throw new IOException(
              dir
                  + ": tensor '"
                  + e.getKey()
                  + "' has shape "
                  + java.util.Arrays.toString(s.sizes().vec().get())
                  + ", the model wants "
                  + java.util.Arrays.toString(e.getValue().sizes().vec().get()));
        }
        e.getValue().copy_(s);
      }
    }
  }

  private static JsonNode readIndex(Path dir) throws IOException {
    Path idx = dir.resolve(INDEX);
    if (!Files.isRegularFile(idx)) {
      throw new IOException(
          idx + " does not exist: " + dir + " is not a RAVE weights directory (or is incomplete).");
    }
    return JSON.readTree(idx.toFile());
  }
}
