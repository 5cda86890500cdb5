package org.mvgen.dataset;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Compresses square RGB frames for shards: JPEG at a quality, or lossless PNG when quality is 0.
 * Frames cross this boundary as packed RGB bytes, row-major ({@code size * size * 3}). Instances
 * are immutable and thread-safe (each call makes its own ImageIO writer).
 */
public record ImageCodec(int size, int jpegQuality) {
  public ImageCodec {
    if (jpegQuality < 0 || jpegQuality > 100) {
      throw new IllegalArgumentException("jpegQuality (" + jpegQuality + ") must be in 0..100");
    }
  }

  /** File extension of the stored images: {@code jpg} or {@code png}. */
  public String extension() {
    return jpegQuality == 0 ? "png" : "jpg";
  }

  public byte[] encode(byte[] rgb) {
    BufferedImage img = toImage(rgb, size);
    try {
      if (jpegQuality == 0) {
        return org.mvgen.util.Charts.pngBytes(img);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(size * size / 2);
      Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
      ImageWriter w = it.next();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        w.setOutput(out);
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(jpegQuality / 100f);
        w.write(null, new IIOImage(img, null, null), p);
      } finally {
        w.dispose();
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("in-memory image encoding failed", e);
    }
  }

  /** Decodes a stored image back to packed RGB; fails if it is not {@code size}². */
  public static byte[] decode(byte[] encoded, int size) throws IOException {
    // Through a memory-cached stream: ImageIO.read of an InputStream caches in a temporary file
    // whose stream a JVM shutdown hook closes, so a loader thread decoding while Ctrl-C stopped a
    // training reported the dataset as damaged ("Caught exception during read"), and each frame
    // decoded went through a temporary file.
    // ImageIO.read closes the stream it was given, except when no reader took it.
    MemoryCacheImageInputStream in =
        new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
    BufferedImage img = ImageIO.read(in);
    if (img == null) {
      in.close();
      throw new IOException("not a JPEG or PNG image");
    }
    if (img.getWidth() != size || img.getHeight() != size) {
      throw new IOException(
          "image is " + img.getWidth() + "x" + img.getHeight() + ", expected " + size + "x" + size);
    }
    return toRgb(img);
  }

  /** Packed RGB bytes of any image. */
  public static byte[] toRgb(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] rgb = new byte[w * h * 3];
    if (img.getType() == BufferedImage.TYPE_3BYTE_BGR) {
      byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < rgb.length; i += 3) {
        rgb[i] = bgr[i + 2];
        rgb[i + 1] = bgr[i + 1];
        rgb[i + 2] = bgr[i];
      }
      return rgb;
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int p = row[x];
        int o = (y * w + x) * 3;
        rgb[o] = (byte) (p >> 16);
        rgb[o + 1] = (byte) (p >> 8);
        rgb[o + 2] = (byte) p;
      }
    }
    return rgb;
  }

  /** A {@code TYPE_3BYTE_BGR} image holding packed RGB bytes of a square frame. */
  public static BufferedImage toImage(byte[] rgb, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
    byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < size * size * 3; i += 3) {
      bgr[i] = rgb[i + 2];
      bgr[i + 1] = rgb[i + 1];
      bgr[i + 2] = rgb[i];
    }
    return img;
  }
}
