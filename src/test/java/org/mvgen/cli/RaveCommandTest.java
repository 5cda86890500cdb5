package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaveCommandTest {
  /** A mono 16-bit WAV of a 440 Hz tone. */
  static void tone(Path f, int samples) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(44 + 2 * samples).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x46464952).putInt(36 + 2 * samples).putInt(0x45564157);
    b.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 1);
    b.putInt(44100).putInt(88200).putShort((short) 2).putShort((short) 16);
    b.putInt(0x61746164).putInt(2 * samples);
    for (int i = 0; i < samples; i++) {
      b.putShort((short) Math.round(10000 * Math.sin(2 * Math.PI * 440 * i / 44100.0)));
    }
    Files.write(f, b.array());
  }

  @Test
  void preprocessPrintsASummaryAndWarnsAboutBadFiles(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("good.wav");
    tone(good, 44100 * 3);
    Path bad = dir.resolve("bad.flac");
    Files.writeString(bad, "no");
    Path out = dir.resolve("rd");
    CliTest.Run r =
        CliTest.run(
            "rave",
            "preprocess",
            good.toString(),
            bad.toString(),
            "--out",
            out.toString(),
            "--example-length",
            "16384");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("warning: " + bad), r.err());
    assertTrue(r.out().contains("1 inputs added"), r.out());
    // 132300 samples: 8 examples of 16384 and a tail of 1228 (dropped).
    assertTrue(r.out().contains("8 examples of 0.37 s"), r.out());
    assertTrue(Files.isRegularFile(out.resolve("manifest.json")));
  }

  @Test
  void allBadInputsExitOneNamingThem(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.mp3");
    Files.writeString(bad, "no");
    Path shortOne = dir.resolve("short.wav");
    tone(shortOne, 1000);
    CliTest.Run r =
        CliTest.run(
            "rave",
            "preprocess",
            bad.toString(),
            shortOne.toString(),
            "-o",
            dir.resolve("x").toString());
    assertEquals(Main.Exit.INPUT, r.code());
    assertTrue(r.err().contains(bad.toString()), r.err());
    assertTrue(r.err().contains(shortOne + " is 0.02 s long, shorter than one example"), r.err());
  }

  @Test
  void ravePreprocessHasHelpAndBadSettingsAreNamed(@TempDir Path dir) {
    CliTest.Run help = CliTest.run("rave", "preprocess", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("Usage: mvgen rave preprocess"), help.out());
    CliTest.Run bad =
        CliTest.run("rave", "preprocess", "x.wav", "-o", dir.toString(), "--sample-format", "int8");
    assertEquals(Main.Exit.INPUT, bad.code());
    assertTrue(bad.err().contains("int8"), bad.err());
  }
}
