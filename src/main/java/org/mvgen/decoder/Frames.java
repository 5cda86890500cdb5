package org.mvgen.decoder;

/**
 * The one mapping between stored frames and network values, shared by training, evaluation and
 * generation: byte {@code x} in [0, 255] is {@code x / 127.5 - 1} in [-1, 1], channel-first.
 */
public final class Frames {
  private Frames() {}

  /**
   * Converts {@code n} packed RGB frames (HWC bytes) to normalised CHW floats in {@code dst} from
   * {@code dstOff}.
   */
  public static void toNetwork(byte[] rgb, int rgbOff, int n, int size, float[] dst, int dstOff) {
    int plane = size * size;
    for (int f = 0; f < n; f++) {
      int src = rgbOff + f * plane * 3;
      int base = dstOff + f * plane * 3;
      for (int p = 0; p < plane; p++) {
        int s = src + p * 3;
        dst[base + p] = (rgb[s] & 0xff) / 127.5f - 1f;
        dst[base + plane + p] = (rgb[s + 1] & 0xff) / 127.5f - 1f;
        dst[base + 2 * plane + p] = (rgb[s + 2] & 0xff) / 127.5f - 1f;
      }
    }
  }

  /** Converts one network value back to a byte, rounding and clamping. */
  public static byte toByte(float v) {
    float x = (v + 1f) * 127.5f;
    int i = Math.round(x);
    return (byte) (i < 0 ? 0 : Math.min(i, 255));
  }

  /** Converts {@code n} CHW network frames to packed RGB bytes. */
  public static void toRgb(float[] net, int netOff, int n, int size, byte[] dst, int dstOff) {
    int plane = size * size;
    for (int f = 0; f < n; f++) {
      int base = netOff + f * plane * 3;
      int out = dstOff + f * plane * 3;
      for (int p = 0; p < plane; p++) {
        dst[out + p * 3] = toByte(net[base + p]);
        dst[out + p * 3 + 1] = toByte(net[base + plane + p]);
        dst[out + p * 3 + 2] = toByte(net[base + 2 * plane + p]);
      }
    }
  }
}
