package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Stored frames: lossless PNG round trip, JPEG close, and bytes that are no image refused. */
class ImageCodecTest {
  static byte[] frame(int size) {
    byte[] rgb = new byte[size * size * 3];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (i * 7 + i / 97);
    }
    return rgb;
  }

  @Test
  void pngIsLosslessAndJpegClose() throws IOException {
    byte[] rgb = frame(16);
    assertArrayEquals(rgb, ImageCodec.decode(new ImageCodec(16, 0).encode(rgb), 16));
    byte[] jpeg = ImageCodec.decode(new ImageCodec(16, 95).encode(rgb), 16);
    assertTrue(jpeg.length == rgb.length);
  }

  @Test
  void bytesThatAreNoImageAreRefused() {
    IOException e =
        assertThrows(IOException.class, () -> ImageCodec.decode(new byte[] {1, 2, 3, 4}, 16));
    assertTrue(e.getMessage().contains("not a JPEG or PNG"), e.getMessage());
    assertThrows(
        IOException.class, () -> ImageCodec.decode(new ImageCodec(8, 0).encode(frame(8)), 16));
  }
}
