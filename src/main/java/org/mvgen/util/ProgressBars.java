package org.mvgen.util;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars with an ETA on standard error, through the {@code progressbar} library. */
public final class ProgressBars {
  private ProgressBars() {}

  /** Bars drawn on {@code err}; when it is not a terminal the bar is redrawn at most every 5 s. */
  public static Progress.Factory console(PrintStream err) {
    boolean tty = System.console() != null;
    return (task, total, unit) -> {
      ProgressBar bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(Math.max(total, 0))
              .setUnit(" " + unit, 1)
              .showSpeed()
              .setStyle(tty ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(tty ? 200 : 5000)
              .setConsumer(new ConsoleProgressBarConsumer(err, 100))
              .setMaxRenderedLength(100)
              .setEtaFunction(
                  state -> {
                    long done = state.getCurrent() - state.getStart();
                    long left = state.getMax() - state.getCurrent();
                    if (done <= 0 || left < 0 || state.getMax() <= 0) {
                      return java.util.Optional.empty();
                    }
                    Duration elapsed =
                        Duration.between(state.getStartInstant(), java.time.Instant.now());
                    return java.util.Optional.of(elapsed.multipliedBy(left).dividedBy(done));
                  })
              .build();
      return new Progress() {
        @Override
        public synchronized void step(long n) {
          bar.stepBy(n);
        }

        @Override
        public synchronized void total(long t) {
          bar.maxHint(t);
        }

        @Override
        public synchronized void extra(String m) {
          bar.setExtraMessage(m);
        }

        @Override
        public synchronized void close() {
          bar.close();
        }
      };
    };
  }
}
