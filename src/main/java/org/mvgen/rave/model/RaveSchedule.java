package org.mvgen.rave.model;

/**
 * The training schedule as pure functions of the step, so that a run resumed from a checkpoint at
 * any step (across the phase boundary included) continues exactly: nothing is kept in a callback.
 * RAVE keeps its phase and beta counters in Lightning callbacks, so a resume without them silently
 * restarts phase 1; here the step alone decides.
 */
public final class RaveSchedule {
  private RaveSchedule() {}

  /**
   * 1 (reconstruction) before {@code phase1Steps}, 2 (adversarial, encoder frozen) from then on.
   */
  public static int phase(RaveConfig c, long step) {
    return step < c.phase1Steps() ? 1 : 2;
  }

  /** KL weight: log-interpolated from {@code betaStart} to {@code betaEnd} over the warm-up. */
  public static double beta(RaveConfig c, long step) {
    if (c.betaWarmup() == 0 || step >= c.betaWarmup()) {
      return c.betaEnd();
    }
    double t = Math.max(0, step) / (double) c.betaWarmup();
    return Math.exp(
        Math.log(c.betaStart()) + t * (Math.log(c.betaEnd()) - Math.log(c.betaStart())));
  }

  /** Generator learning rate: {@code lr} decaying linearly to {@code 0.1 lr} over phase 1. */
  public static double generatorLr(RaveConfig c, long step) {
    double t = c.phase1Steps() == 0 ? 1 : Math.min(1, Math.max(0, step) / (double) c.phase1Steps());
    return c.lr() * (1 - 0.9 * t);
  }

  /**
   * Whether the batch of {@code step} trains the discriminator (phase 2, every {@code discEvery}-th
   * step) rather than the generator.
   */
  public static boolean trainsDiscriminator(RaveConfig c, long step) {
    return phase(c, step) == 2 && step % c.discEvery() == 0;
  }
}
