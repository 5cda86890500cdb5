package org.mvgen.dataset;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.mvgen.util.AtomicFiles;

/**
 * Draws a dataset overview as a PNG: a grid of frames spread evenly over the dataset, each with the
 * waveform of its audio window beneath it and its source, frame and time.
 */
public final class ContactSheet {
  private ContactSheet() {}

  /** Writes a sheet of {@code count} pairs, {@code columns} wide, with tiles {@code tile} px. */
  public static void write(Dataset ds, Path png, int count, int columns, int tile)
      throws IOException {
    long n = ds.size();
    int shown = (int) Math.min(count, n);
    int cols = Math.min(columns, Math.max(shown, 1));
    int rows = (shown + cols - 1) / cols;
    int wave = tile / 3;
    int label = 14;
    int cellH = tile + wave + label + 6;
    BufferedImage sheet =
        new BufferedImage(cols * (tile + 6) + 6, rows * cellH + 6, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setColor(new Color(24, 24, 28));
      g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
      int size = ds.params().frameSize();
      for (int i = 0; i < shown; i++) {
        long pair = shown == 1 ? 0 : Math.round(i * (n - 1) / (double) (shown - 1));
        int x = 6 + (i % cols) * (tile + 6);
        int y = 6 + (i / cols) * cellH;
        BufferedImage frame = ImageCodec.toImage(ds.rgb(pair), size);
        g.drawImage(frame, x, y, tile, tile, null);
        float[] w = ds.audioWindow(pair);
        drawWave(g, w, x, y + tile + 2, tile, wave, ds.isValidation(pair));
        Dataset.Source s = ds.sourceOf(pair);
        int k = ds.frameIndex(pair);
        g.setColor(Color.LIGHT_GRAY);
        String text =
            String.format(
                Locale.ROOT,
                "%s #%d %.2fs%s",
                shorten(s.name(), 14),
                k,
                k / (double) ds.params().fps(),
                ds.isValidation(pair) ? " val" : "");
        g.drawString(text, x, y + tile + wave + label);
      }
    } finally {
      g.dispose();
    }
    AtomicFiles.writeBytes(png, org.mvgen.util.Charts.pngBytes(sheet));
  }

  private static void drawWave(
      Graphics2D g, float[] w, int x, int y, int width, int height, boolean val) {
    g.setColor(new Color(40, 40, 48));
    g.fillRect(x, y, width, height);
    float peak = 1e-6f;
    for (float v : w) {
      peak = Math.max(peak, Math.abs(v));
    }
    float scale = peak > 1 ? 1 / peak : 1; // show real level, unless it clips
    g.setColor(val ? new Color(255, 170, 60) : new Color(90, 200, 255));
    g.setStroke(new BasicStroke(1f));
    int mid = y + height / 2;
    for (int px = 0; px < width; px++) {
      int from = (int) ((long) px * w.length / width);
      int to = (int) Math.max(from + 1, (long) (px + 1) * w.length / width);
      float lo = 0;
      float hi = 0;
      for (int j = from; j < to && j < w.length; j++) {
        lo = Math.min(lo, w[j]);
        hi = Math.max(hi, w[j]);
      }
      g.drawLine(
          x + px,
          mid - Math.round(hi * scale * height / 2),
          x + px,
          mid - Math.round(lo * scale * height / 2));
    }
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
