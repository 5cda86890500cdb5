package org.mvgen.util;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** The JSON mapper mvgen uses for manifests, reports and metadata (records map directly). */
public final class Json {
  /** Indented output, unknown fields ignored (newer files stay readable by older mvgen). */
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  /** Writes {@code value} as JSON to {@code file} atomically. */
  public static void write(Path file, Object value) throws IOException {
    AtomicFiles.writeBytes(file, MAPPER.writeValueAsBytes(value));
  }

  public static <T> T read(Path file, Class<T> type) throws IOException {
    return MAPPER.readValue(file.toFile(), type);
  }
}
