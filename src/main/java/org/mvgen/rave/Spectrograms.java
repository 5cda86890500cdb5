package org.mvgen.rave;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mvgen.encoder.MelFeatures;
import org.mvgen.util.Charts;

/**
 * Log-mel spectrograms of audio, drawn as a PNG so that a person sees what a RAVE model keeps and
 * loses: each pair of signals (an input above its reconstruction) shares one colour scale spanning
 * 80 dB below the louder one's peak. Pure Java (no native code).
 */
public final class Spectrograms {
  static final int BANDS = 96;
  static final int LABEL = 14;
  // 80 dB in natural-log power units (MelFeatures' scale).
  private static final double RANGE = 80 / (10 * Math.log10(Math.E));

  private Spectrograms() {}

  /** A named signal to draw. */
  public record Signal(String label, float[] pcm) {}

  /**
   * Draws {@code pairs} side by side (each a column of its signals, top to bottom) and writes the
   * PNG atomically. Time runs left to right, low frequencies at the bottom.
   */
  public static void write(Path png, int sampleRate, List<List<Signal>> pairs) throws IOException {
    int window = Math.max(256, Integer.highestOneBit(Math.max(1, sampleRate / 20)));
    int hop = window / 8;
    MelFeatures mel =
        new MelFeatures(sampleRate, window, BANDS, 20, Math.min(16000, sampleRate / 2.0));
    int columns = 0;
    int rows = 0;
    float[][][][] specs = new float[pairs.size()][][][];
    for (int p = 0; p < pairs.size(); p++) {
      List<Signal> col = pairs.get(p);
      specs[p] = new float[col.size()][][];
      int width = 0;
      for (int s = 0; s < col.size(); s++) {
        specs[p][s] = spectrogram(mel, col.get(s).pcm(), hop);
        width = Math.max(width, specs[p][s].length);
      }
      columns += width + 4;
      rows = Math.max(rows, col.size());
    }
    int w = Math.max(64, columns);
    int h = rows * (BANDS + LABEL);
    BufferedImage img = new BufferedImage(w, Math.max(1, h), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.BLACK);
    g.fillRect(0, 0, w, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    int x0 = 0;
    for (int p = 0; p < pairs.size(); p++) {
      float top = Float.NEGATIVE_INFINITY;
      int width = 0;
      for (float[][] s : specs[p]) {
        width = Math.max(width, s.length);
        for (float[] frame : s) {
          for (float v : frame) {
            top = Math.max(top, v);
          }
        }
      }
      for (int s = 0; s < specs[p].length; s++) {
        int y0 = s * (BANDS + LABEL);
        g.setColor(Color.WHITE);
        g.drawString(pairs.get(p).get(s).label(), x0 + 2, y0 + LABEL - 3);
        float[][] spec = specs[p][s];
        for (int t = 0; t < spec.length; t++) {
          for (int b = 0; b < BANDS; b++) {
            double v = (spec[t][b] - (top - RANGE)) / RANGE;
            img.setRGB(x0 + t, y0 + LABEL + BANDS - 1 - b, colour(v));
          }
        }
      }
      x0 += width + 4;
    }
    g.dispose();
    Charts.writePng(png, img);
  }

  /** Log-mel frames of {@code pcm} every {@code hop} samples ([frames][bands]). */
  static float[][] spectrogram(MelFeatures mel, float[] pcm, int hop) {
    int window = mel.window();
    int frames = Math.max(1, (pcm.length + hop - 1) / hop);
    float[] padded = new float[frames * hop + window];
    System.arraycopy(pcm, 0, padded, window / 2, pcm.length);
    float[][] out = new float[frames][BANDS];
    for (int t = 0; t < frames; t++) {
      mel.compute(padded, t * hop, out[t], 0);
    }
    return out;
  }

  /** A dark-blue to yellow colour for {@code v} in [0, 1] (clamped). */
  static int colour(double v) {
    double x = Math.max(0, Math.min(1, v));
    int r = (int) (255 * Math.min(1, Math.max(0, 1.6 * x - 0.4)));
    int gr = (int) (255 * Math.min(1, Math.max(0, 1.3 * x - 0.1)) * (0.4 + 0.6 * x));
    int b = (int) (255 * Math.max(0, Math.min(1, x < 0.5 ? 0.3 + 1.2 * x : 1.6 - 1.6 * x)));
    return (r << 16) | (gr << 8) | b;
  }
}
