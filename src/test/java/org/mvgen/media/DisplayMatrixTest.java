package org.mvgen.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Phone videos are stored turned, with a display matrix that says how to show them. A video whose
 * pictures carry their frame number as a code (TestMedia) is turned by FFmpeg and tagged with the
 * matrix that turns it back; every frame mvgen decodes must then read as its own number, as it does
 * in what the ffmpeg program itself shows (its autorotation, the reference).
 */
class DisplayMatrixTest {
  private static final int FRAMES = 6;
  private static final int SIZE = 64;

  @ParameterizedTest(name = "rotation {0}, hflip {2}: coded with {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "90;transpose=clock;false",
        "180;hflip,vflip;false",
        "-90;transpose=cclock;false",
        "0;hflip;true",
        "90;transpose=clock_flip;true",
      })
  void framesAreShownTheWayTheDisplayMatrixSays(
      int rotation, String codedWith, boolean hflip, @TempDir Path dir) throws Exception {
    Path upright = dir.resolve("upright.mkv");
    TestMedia.write(upright, TestMedia.Spec.lossless(FRAMES, 25, 0, new long[] {}));
    Path turned = dir.resolve("turned.mkv");
    FfmpegProgram.run(
        List.of("-i", upright.toString(), "-vf", codedWith, "-c:v", "ffv1", turned.toString()));
    Path tagged = dir.resolve("tagged.mkv");
    List<String> args = new ArrayList<>(List.of("-display_rotation", Integer.toString(rotation)));
    if (hflip) {
      args.add("-display_hflip");
    }
    args.addAll(List.of("-i", turned.toString(), "-c", "copy", tagged.toString()));
    FfmpegProgram.run(args);
    // The reference: the ffmpeg program applies the matrix (autorotate) and writes plain frames.
    Path shown = dir.resolve("shown.mkv");
    FfmpegProgram.run(List.of("-i", tagged.toString(), "-c:v", "ffv1", shown.toString()));

    assertArrayEquals(numbers(), codes(shown), "ffmpeg's own display of the tagged video");
    assertArrayEquals(numbers(), codes(tagged), "mvgen's frames of the tagged video");
  }

  /**
   * Files of older tools carry a {@code rotate} tag (degrees clockwise) instead of a matrix; FFmpeg
   * keeps it as stream metadata (Matroska: {@code ROTATE}) without applying it.
   */
  @Test
  void olderRotateTagIsApplied(@TempDir Path dir) throws Exception {
    Path upright = dir.resolve("upright.mkv");
    TestMedia.write(upright, TestMedia.Spec.lossless(FRAMES, 25, 0, new long[] {}));
    Path turned = dir.resolve("turned.mkv");
    FfmpegProgram.run(
        List.of(
            "-i",
            upright.toString(),
            "-vf",
            "transpose=cclock",
            "-c:v",
            "ffv1",
            "-metadata:s:v",
            "rotate=90",
            turned.toString()));
    assertArrayEquals(numbers(), codes(turned));
  }

  @Test
  void uprightVideoIsUnchanged(@TempDir Path dir) throws Exception {
    Path upright = dir.resolve("upright.mkv");
    TestMedia.write(upright, TestMedia.Spec.lossless(FRAMES, 25, 0, new long[] {}));
    assertArrayEquals(numbers(), codes(upright));
  }

  /** The pure turn: a quarter turn counter-clockwise moves the top-right corner to top-left. */
  @Test
  void orientMovesPixelsAsTheMatrixSays() {
    int s = 3;
    byte[] src = new byte[s * s * 3];
    for (int i = 0; i < s * s; i++) {
      src[i * 3] = (byte) i; // pixel (x, y) holds y * 3 + x
    }
    // av_display_rotation_set(90): {cos, -sin, sin, cos} = {0, -1, 1, 0}: (x, y) -> (y, -x).
    byte[] ccw = MediaReader.orient(src, s, new int[] {0, -1, 1, 0});
    assertEquals(2, ccw[0]); // top-left shows the old top-right
    assertEquals(0, ccw[(2 * s) * 3]); // bottom-left shows the old top-left
    assertEquals(4, ccw[(s + 1) * 3]); // the centre stays
    byte[] flipped = MediaReader.orient(src, s, new int[] {-1, 0, 0, 1});
    assertEquals(2, flipped[0]);
    assertEquals(0, flipped[2 * 3]);
  }

  private static int[] numbers() {
    int[] n = new int[FRAMES];
    for (int i = 0; i < FRAMES; i++) {
      n[i] = i;
    }
    return n;
  }

  private static int[] codes(Path file) throws Exception {
    List<Integer> out = new ArrayList<>();
    try (MediaReader r = MediaReader.open(file, new MediaReader.Options(0, 25, SIZE, 1))) {
      r.run(
          new MediaReader.Listener() {
            @Override
            public void audio(float[] samples, int len) {}

            @Override
            public void frame(long k, byte[] rgb) throws IOException {
              out.add(TestMedia.readCode(rgb, SIZE));
            }
          });
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
