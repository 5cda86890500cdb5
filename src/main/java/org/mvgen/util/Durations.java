package org.mvgen.util;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them: {@code 90s}, {@code 30m}, {@code 2h}, {@code 1h30m}, {@code 45}.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)([hms]?)");

  private Durations() {}

  /**
   * Parses {@code text} (empty or {@code none}: null), naming {@code setting} when it is not a
   * duration. A bare number is minutes.
   */
  public static Duration parse(String text, String setting) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
    if (t.isEmpty() || t.equals("none") || t.equals("0")) {
      return null;
    }
    Matcher m = PART.matcher(t);
    double seconds = 0;
    int end = 0;
    while (m.lookingAt()) {
      double v = Double.parseDouble(m.group(1));
      seconds +=
          switch (m.group(2)) {
            case "h" -> v * 3600;
            case "s" -> v;
            default -> v * 60;
          };
      end = m.end();
      if (end == t.length()) {
        break;
      }
      m.region(end, t.length());
    }
    if (end != t.length() || !(seconds > 0)) {
      throw new IllegalArgumentException(
          setting + " '" + text + "' is not a duration: write for example 90s, 30m, 2h or 1h30m");
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }
}
