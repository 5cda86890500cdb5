package org.mvgen.util;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
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

  /**
   * Reads {@code file} as {@code type}; a file that is not such JSON (damaged, cut short, edited)
   * fails naming the file and the reason with its line and column, not Jackson's internals.
   */
  public static <T> T read(Path file, Class<T> type) throws IOException {
    try {
      return MAPPER.readValue(file.toFile(), type);
    } catch (JsonProcessingException e) {
      throw new org.mvgen.MvgenIOException(
          file + " is damaged (" + reason(e) + "). Restore it, or delete it and run again.", e);
    }
  }

  /**
   * What is wrong with a JSON text, in a user's words: Jackson's own message names its internal
   * source objects and options; only the reason and the line and column are kept. Other exceptions
   * give their message (or their kind, when they have none).
   */
  public static String reason(Throwable e) {
    if (e instanceof JsonProcessingException j) {
      String why = j.getOriginalMessage();
      int nl = why == null ? -1 : why.indexOf('\n');
      why = why == null ? "malformed JSON" : nl >= 0 ? why.substring(0, nl) : why;
      // Jackson points at its own source objects: "(start marker at [Source: ...; line: 1, ...".
      int internal = why.indexOf(" (start marker at");
      why = internal >= 0 ? why.substring(0, internal) : why;
      if (why.length() > 160) {
        why = why.substring(0, 160) + "...";
      }
      JsonLocation loc = j.getLocation();
      return loc == null
          ? why
          : why + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
    if (e instanceof ClassCastException || e instanceof NullPointerException) {
      return "a field is missing or of the wrong type";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
