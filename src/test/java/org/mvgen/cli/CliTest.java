package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void everyCommandHasHelp() {
    Run top = run("--help");
    assertEquals(0, top.code());
    var cl =
        Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    for (var sub : cl.getSubcommands().entrySet()) {
      if (sub.getKey().equals("help")) {
        continue;
      }
      Run r = run(sub.getKey(), "--help");
      assertEquals(0, r.code(), sub.getKey());
      assertTrue(r.out().contains("Usage: mvgen " + sub.getKey()), sub.getKey() + ": " + r.out());
      assertTrue(top.out().contains(sub.getKey()), "top-level help lists " + sub.getKey());
    }
  }

  @Test
  void configShowTellsWhereValuesComeFrom(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("my.toml");
    Files.writeString(f, "[video]\nfps = 30\n");
    Run r = run("config", "show", "--config", f.toString(), "--set", "video.size=128");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("fps = 30  # " + f), r.out());
    assertTrue(r.out().contains("size = 128  # --set"), r.out());
    assertTrue(r.out().contains("sample_rate = 44100  # default"), r.out());
  }

  @Test
  void badInputGivesMessageAndNonZeroExit(@TempDir Path dir) throws Exception {
    Path notMedia = dir.resolve("not a video.mp4");
    Files.writeString(notMedia, "hello");
    Run r = run("ingest", notMedia.toString(), "--out", dir.resolve("ds").toString());
    assertEquals(Main.Exit.INPUT, r.code());
    assertTrue(r.err().contains("not a video.mp4"), r.err());

    Run bad = run("config", "show", "--set", "video.fps=fast");
    assertEquals(Main.Exit.INPUT, bad.code());
    assertTrue(bad.err().contains("video.fps"), bad.err());
    assertTrue(!bad.err().contains("Exception"), "no stack trace without --verbose: " + bad.err());

    Run missing = run("dataset", "info", dir.resolve("nothing").toString());
    assertEquals(Main.Exit.INPUT, missing.code());
    assertTrue(missing.err().contains("mvgen ingest"), missing.err());

    Run usage = run("ingest");
    assertEquals(Main.Exit.USAGE, usage.code());
  }

  @Test
  void outputUnderAFileIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("plain.txt");
    Files.writeString(file, "keep me");
    Path v = dir.resolve("v.mkv");
    org.mvgen.media.TestMedia.write(
        v, org.mvgen.media.TestMedia.Spec.lossless(5, 25, 8000, new long[] {}));
    Run r = run("ingest", v.toString(), "--out", file.resolve("ds").toString());
    assertEquals(Main.Exit.INPUT, r.code(), r.err());
    assertTrue(r.err().contains("plain.txt"), r.err());
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void unwritableOutputIsNamedAndNothingIsLost(@TempDir Path dir) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        "root".equals(System.getProperty("user.name")),
        "root ignores file permissions, so an unwritable folder cannot be made");
    Path ro = dir.resolve("readonly");
    Files.createDirectories(ro);
    ro.toFile().setWritable(false);
    Path v = dir.resolve("v.mkv");
    org.mvgen.media.TestMedia.write(
        v, org.mvgen.media.TestMedia.Spec.lossless(5, 25, 8000, new long[] {}));
    Run r = run("ingest", v.toString(), "--out", ro.resolve("ds").toString());
    assertEquals(Main.Exit.INPUT, r.code());
    assertTrue(r.err().contains(ro.toString()), r.err());
  }
}
