package org.mvgen.util;

/**
 * A unit of long work that reports how far it has come. Implementations draw a bar with an ETA on a
 * terminal, log lines elsewhere, or stay silent in tests. Not thread-safe unless stated; {@link
 * #step} may be called from worker threads of the {@link ProgressBars#console} implementation.
 */
public interface Progress extends AutoCloseable {
  /** Advances by {@code n} units. */
  void step(long n);

  /** Sets the total, when it becomes known late (or changes). */
  void total(long total);

  /** Replaces the short text after the bar (for example the current loss). */
  void extra(String message);

  @Override
  void close();

  /** Creates progress reports; passed to services so that tests can silence them. */
  interface Factory {
    Progress start(String task, long total, String unit);
  }

  /** A factory whose reports do nothing. */
  Factory SILENT =
      (task, total, unit) ->
          new Progress() {
            @Override
            public void step(long n) {}

            @Override
            public void total(long t) {}

            @Override
            public void extra(String m) {}

            @Override
            public void close() {}
          };
}
