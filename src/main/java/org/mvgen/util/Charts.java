package org.mvgen.util;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Draws the PNGs a person looks at during and after training, with Java2D (headless). */
public final class Charts {
  private Charts() {}

  /** One named curve: x and y values of equal length. */
  public record Series(String name, double[] x, double[] y, Color color) {}

  /**
   * Writes a grid of frames: each row of {@code rows} is a list of packed RGB frames of side {@code
   * size}, labelled on the left.
   */
  public static void grid(Path file, List<String> labels, List<List<byte[]>> rows, int size)
      throws IOException {
    int label = 130;
    int cols = rows.stream().mapToInt(List::size).max().orElse(1);
    int gap = 4;
    BufferedImage img =
        new BufferedImage(
            label + cols * (size + gap), rows.size() * (size + gap), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.WHITE);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int r = 0; r < rows.size(); r++) {
      g.drawString(labels.get(r), 6, r * (size + gap) + size / 2);
      for (int c = 0; c < rows.get(r).size(); c++) {
        g.drawImage(
            image(rows.get(r).get(c), size), label + c * (size + gap), r * (size + gap), null);
      }
    }
    g.dispose();
    writePng(file, img);
  }

  /** An image of a packed RGB frame of side {@code size}. */
  private static BufferedImage image(byte[] rgb, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int i = 0, p = 0; i < size * size; i++, p += 3) {
      img.setRGB(
          i % size,
          i / size,
          (rgb[p] & 0xff) << 16 | (rgb[p + 1] & 0xff) << 8 | (rgb[p + 2] & 0xff));
    }
    return img;
  }

  /** Writes a line chart of the series (log-scale y when {@code logY}), titled. */
  public static void lines(
      Path file, String title, String xLabel, List<Series> series, boolean logY)
      throws IOException {
    int w = 900;
    int h = 500;
    int left = 80;
    int right = 20;
    int top = 40;
    int bottom = 50;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double x0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y0 = Double.POSITIVE_INFINITY;
    double y1 = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        double y = tr(s.y()[i], logY);
        if (!Double.isFinite(y)) {
          continue;
        }
        x0 = Math.min(x0, s.x()[i]);
        x1 = Math.max(x1, s.x()[i]);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    if (!(x1 > x0)) {
      x1 = x0 + 1;
    }
    if (!(y1 > y0)) {
      y1 = y0 + 1;
    }
    if (!Double.isFinite(x0)) {
      x0 = 0;
      x1 = 1;
      y0 = 0;
      y1 = 1;
    }
    int pw = w - left - right;
    int ph = h - top - bottom;
    g.setColor(new Color(230, 230, 230));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i <= 5; i++) {
      int yy = top + ph - i * ph / 5;
      g.setColor(new Color(230, 230, 230));
      g.drawLine(left, yy, left + pw, yy);
      double v = y0 + i * (y1 - y0) / 5;
      g.setColor(Color.DARK_GRAY);
      g.drawString(fmt(logY ? Math.pow(10, v) : v), 5, yy + 4);
      int xx = left + i * pw / 5;
      g.drawString(fmt(x0 + i * (x1 - x0) / 5), xx - 10, top + ph + 18);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, pw, ph);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, left, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(xLabel, left + pw / 2 - 20, h - 12);
    int ly = top + 15;
    for (Series s : series) {
      g.setColor(s.color());
      g.setStroke(new BasicStroke(1.8f));
      Path2D.Double p = new Path2D.Double();
      boolean started = false;
      for (int i = 0; i < s.x().length; i++) {
        double y = tr(s.y()[i], logY);
        if (!Double.isFinite(y)) {
          continue;
        }
        double px = left + (s.x()[i] - x0) / (x1 - x0) * pw;
        double py = top + ph - (y - y0) / (y1 - y0) * ph;
        if (started) {
          p.lineTo(px, py);
        } else {
          p.moveTo(px, py);
          started = true;
        }
      }
      g.draw(p);
      g.drawString(s.name(), left + pw - 200, ly);
      ly += 16;
    }
    g.dispose();
    writePng(file, img);
  }

  private static double tr(double v, boolean log) {
    return log ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
  }

  private static String fmt(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a < 0.01 || a >= 100000)) {
      return String.format("%.2e", v);
    }
    return String.format("%.3g", v);
  }

  /** Writes an image as PNG, atomically ({@link #pngBytes}). */
  public static void writePng(Path file, BufferedImage img) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    AtomicFiles.writeBytes(file, pngBytes(img));
  }

  /**
   * An image as PNG bytes, encoded through a memory-cached stream: {@code ImageIO.write} to an
   * {@code OutputStream} caches in a temporary file whose stream a JVM shutdown hook closes, so a
   * PNG written while Ctrl-C saves a training run failed with "closed". (Reading has the same trap:
   * see {@code dataset.ImageCodec#decode}.)
   */
  public static byte[] pngBytes(BufferedImage img) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      writer.write(img);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
