package org.mvgen.generate;

import java.util.SplittableRandom;

/**
 * Synthesises short pieces of music for the demo corpus: drums (kick, snare, hats), a bass line,
 * chords and an arpeggio, in sections that switch instruments on and off, at a tempo and key chosen
 * by the seed. Deterministic: the same seed gives the same samples. Mono float at any rate.
 *
 * <pre>
 * float[] pcm = DemoMusic.track(3, 45.0, 44100);
 * </pre>
 */
public final class DemoMusic {
  private DemoMusic() {}

  /** Chord progressions as scale degrees (semitones above the key of each chord's root). */
  private static final int[][] PROGRESSIONS = {
    {0, 7, 9, 5}, // I V vi IV
    {9, 5, 0, 7}, // vi IV I V
    {0, 5, 7, 5}, // I IV V IV
    {0, 3, 10, 5}, // i bIII bVII iv (minor feel)
  };

  /** A track of {@code seconds} at {@code sampleRate}, peak 0.8. */
  public static float[] track(long seed, double seconds, int sampleRate) {
    SplittableRandom rnd = new SplittableRandom(seed * 7919 + 17);
    int n = (int) Math.round(seconds * sampleRate);
    float[] out = new float[n];
    double bpm = 84 + rnd.nextInt(60);
    double beat = 60.0 / bpm;
    int key = 40 + rnd.nextInt(12); // MIDI note of the bass key, E2..D#3
    int[] prog = PROGRESSIONS[rnd.nextInt(PROGRESSIONS.length)];
    boolean minor = prog[1] == 3;
    boolean fourOnFloor = rnd.nextBoolean();
    double swing = rnd.nextDouble() * 0.08;
    int bars = (int) Math.ceil(seconds / (4 * beat));
    // Sections of 4 bars: which instruments play. Intro chords, then everything, breakdowns.
    for (int bar = 0; bar < bars; bar++) {
      int section = bar / 4;
      boolean drums = section % 4 != 0;
      boolean bass = section % 4 != 0 && section % 4 != 3;
      boolean chords = section % 4 != 2 || section == 0;
      boolean arp = section % 2 == 1;
      int chordRoot = key + prog[bar % prog.length];
      int third = minor || prog[bar % prog.length] == 9 ? 3 : 4;
      double barStart = bar * 4 * beat;
      for (int b = 0; b < 4; b++) {
        double t = barStart + b * beat;
        if (drums) {
          if (fourOnFloor || b % 2 == 0) {
            kick(out, sampleRate, t);
          }
          if (b % 2 == 1) {
            snare(out, sampleRate, t, rnd.split());
          }
          for (int h = 0; h < 2; h++) {
            hat(
                out,
                sampleRate,
                t + h * beat / 2 + (h == 1 ? swing * beat : 0),
                rnd.split(),
                h == 0 ? 0.12 : 0.07);
          }
        }
        if (bass) {
          for (int e = 0; e < 2; e++) {
            int note = chordRoot + (e == 1 && b % 2 == 1 ? 12 : 0);
            saw(out, sampleRate, t + e * beat / 2, beat / 2 * 0.9, midi(note), 0.22);
          }
        }
        if (arp) {
          int[] steps = {0, third, 7, 12};
          for (int s = 0; s < 4; s++) {
            int note = chordRoot + 24 + steps[(b * 4 + s) % 4];
            square(out, sampleRate, t + s * beat / 4, beat / 4 * 0.7, midi(note), 0.05);
          }
        }
      }
      if (chords) {
        for (int iv : new int[] {0, third, 7}) {
          pad(out, sampleRate, barStart, 4 * beat, midi(chordRoot + 12 + iv), 0.07);
        }
      }
    }
    normalise(out, 0.8f);
    return out;
  }

  static double midi(int note) {
    return 440 * Math.pow(2, (note - 69) / 12.0);
  }

  private static void kick(float[] x, int sr, double t0) {
    int s0 = (int) (t0 * sr);
    double phase = 0;
    for (int i = 0; i < 0.35 * sr && s0 + i < x.length; i++) {
      double t = (double) i / sr;
      double f = 45 + 100 * Math.exp(-t / 0.04);
      phase += 2 * Math.PI * f / sr;
      x[s0 + i] += (float) (0.9 * Math.sin(phase) * Math.exp(-t / 0.12));
    }
  }

  private static void snare(float[] x, int sr, double t0, SplittableRandom rnd) {
    int s0 = (int) (t0 * sr);
    for (int i = 0; i < 0.25 * sr && s0 + i < x.length; i++) {
      double t = (double) i / sr;
      double noise = rnd.nextDouble() * 2 - 1;
      double tone = Math.sin(2 * Math.PI * 185 * t);
      x[s0 + i] +=
          (float) ((0.35 * noise * Math.exp(-t / 0.06)) + 0.25 * tone * Math.exp(-t / 0.03));
    }
  }

  private static void hat(float[] x, int sr, double t0, SplittableRandom rnd, double amp) {
    int s0 = (int) (t0 * sr);
    double prev = 0;
    for (int i = 0; i < 0.06 * sr && s0 + i < x.length; i++) {
      double t = (double) i / sr;
      double noise = rnd.nextDouble() * 2 - 1;
      // A first difference is a crude high-pass: hats are bright.
      x[s0 + i] += (float) (amp * (noise - prev) * Math.exp(-t / 0.015));
      prev = noise;
    }
  }

  private static void saw(float[] x, int sr, double t0, double dur, double f, double amp) {
    int s0 = (int) (t0 * sr);
    double y = 0;
    for (int i = 0; i < dur * sr && s0 + i < x.length; i++) {
      double t = (double) i / sr;
      double saw = 2 * ((t * f) % 1.0) - 1;
      // One-pole low-pass: a round bass, not a buzz.
      y += 0.08 * (saw - y);
      double env = Math.min(1, t / 0.005) * Math.exp(-t / (dur * 0.8));
      x[s0 + i] += (float) (amp * y * env * 2.5);
    }
  }

  private static void square(float[] x, int sr, double t0, double dur, double f, double amp) {
    int s0 = (int) (t0 * sr);
    for (int i = 0; i < dur * sr && s0 + i < x.length; i++) {
      double t = (double) i / sr;
      double sq = ((t * f) % 1.0) < 0.5 ? 1 : -1;
      x[s0 + i] += (float) (amp * sq * Math.exp(-t / (dur * 0.5)));
    }
  }

  private static void pad(float[] x, int sr, double t0, double dur, double f, double amp) {
    int s0 = (int) (t0 * sr);
    for (int i = 0; i < dur * sr && s0 + i < x.length; i++) {
      double t = (double) i / sr;
      double env = Math.min(1, t / 0.3) * Math.min(1, (dur - t) / 0.2);
      double v = Math.sin(2 * Math.PI * f * t) + 0.5 * Math.sin(2 * Math.PI * f * 1.003 * t + 1);
      x[s0 + i] += (float) (amp * v * env);
    }
  }

  private static void normalise(float[] x, float peak) {
    float m = 1e-9f;
    for (float v : x) {
      m = Math.max(m, Math.abs(v));
    }
    float g = peak / m;
    for (int i = 0; i < x.length; i++) {
      x[i] *= g;
    }
  }
}
