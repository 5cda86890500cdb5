package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generation commands' errors, which need neither a model nor a device. */
class GenerateCommandsTest {
  record Run(int code, String out, String err) {}

  static Run mvgen(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void liveWithoutADisplaySaysSoAndExits() {
    // Surefire runs with java.awt.headless=true: no display.
    Run r = mvgen("live", "--model", "model.mvgen");
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("No display"), r.err());
    assertTrue(r.err().contains("mvgen render"), r.err());
  }

  @Test
  void renderWithAMissingModelNamesIt(@TempDir Path dir) {
    Run r =
        mvgen(
            "render",
            dir.resolve("song.mp3").toString(),
            "--model",
            dir.resolve("none.mvgen").toString(),
            "-o",
            dir.resolve("v.mp4").toString());
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("none.mvgen"), r.err());
  }

  @Test
  void renderRejectsANegativeStart(@TempDir Path dir) {
    Run r = mvgen("render", "song.mp3", "--model", "m.mvgen", "--start", "-3");
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("--start"), r.err());
  }

  @Test
  void devicesListsOrExplains() {
    Run r = mvgen("devices");
    assertEquals(Main.Exit.OK, r.code(), r.err());
    assertTrue(r.out().contains("Audio inputs") || r.out().contains("No audio input"), r.out());
  }

  @Test
  void anOddFrameSizeIsRefusedWithTheReason() {
    Run r = mvgen("render", "song.mp3", "--model", "m.mvgen", "--size", "255");
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("even"), r.err());
  }

  @Test
  void aCrfOutOfRangeNamesTheSettingAndItsRange() {
    Run r = mvgen("render", "song.mp3", "--model", "m.mvgen", "--set", "generate.crf=99");
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("generate.crf = 99"), r.err());
    assertTrue(r.err().contains("0 (lossless) to 51"), r.err());
  }

  @Test
  void aFrameRateOutOfRangeNamesTheOption() {
    Run r = mvgen("render", "song.mp3", "--model", "m.mvgen", "--fps", "1000");
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("video.fps = 1000 (--fps)"), r.err());
    assertTrue(r.err().contains("1 to 240"), r.err());
  }

  @Test
  void anUnknownPresetNamesTheSettingAndTheValidOnes() {
    Run r = mvgen("render", "song.mp3", "--model", "m.mvgen", "--set", "generate.preset=bogus");
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("generate.preset = 'bogus'"), r.err());
    assertTrue(r.err().contains("ultrafast, superfast, veryfast"), r.err());
    assertTrue(!r.err().contains("folder"), r.err());
  }
}
