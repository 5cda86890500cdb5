package org.mvgen.train;

/**
 * A learning rate as a pure function of the (0-based) step and the steps planned in all, so that a
 * resumed run continues the same curve.
 *
 * <pre>
 * Schedule s = Schedule.cosine(5e-4, 500, 0.05);
 * double lr = s.lrAt(step, plannedSteps);
 * </pre>
 */
public sealed interface Schedule {
  /** The learning rate of step {@code step} of a run planned for {@code total} steps. */
  double lrAt(long step, long total);

  /** The peak learning rate. */
  double peak();

  /** Linear warm-up from 0 to {@code lr} over {@code warmup} steps, then {@code lr}. */
  static Schedule constant(double lr, long warmup) {
    return new Constant(lr, warmup);
  }

  /** Linear warm-up, then a cosine decay to {@code lr * minFraction} at the planned end. */
  static Schedule cosine(double lr, long warmup, double minFraction) {
    return new Cosine(lr, warmup, minFraction);
  }

  /**
   * A linear decay from {@code lr} to {@code lr * endFraction} over the steps {@code [0, until)},
   * then constant: RAVE's generator schedule over its first phase, whatever the planned total.
   */
  static Schedule linear(double lr, long until, double endFraction) {
    return new Linear(lr, until, endFraction);
  }

  private static void check(double lr, long warmup) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException(
          "the learning rate (" + lr + ") must be a positive number");
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("warm-up steps (" + warmup + ") must not be negative");
    }
  }

  private static double warm(double lr, long step, long warmup) {
    return lr * (step + 1) / warmup;
  }

  /** See {@link Schedule#constant}. */
  record Constant(double peak, long warmup) implements Schedule {
    public Constant {
      check(peak, warmup);
    }

    @Override
    public double lrAt(long step, long total) {
      return step < warmup ? warm(peak, step, warmup) : peak;
    }
  }

  /** See {@link Schedule#cosine}. */
  record Cosine(double peak, long warmup, double minFraction) implements Schedule {
    public Cosine {
      check(peak, warmup);
      if (!(minFraction >= 0 && minFraction <= 1)) {
        throw new IllegalArgumentException(
            "the cosine floor (" + minFraction + ") must be a fraction from 0 to 1");
      }
    }

    @Override
    public double lrAt(long step, long total) {
      if (step < warmup) {
        return warm(peak, step, warmup);
      }
      double t = (double) (step - warmup) / Math.max(1, total - warmup);
      double min = peak * minFraction;
      return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
  }

  /** See {@link Schedule#linear}. */
  record Linear(double peak, long until, double endFraction) implements Schedule {
    public Linear {
      check(peak, 0);
      if (until < 1) {
        throw new IllegalArgumentException("a linear decay needs at least one step, not " + until);
      }
    }

    @Override
    public double lrAt(long step, long total) {
      double t = Math.min(1, (double) step / until);
      return peak * (1 - t * (1 - endFraction));
    }
  }
}
