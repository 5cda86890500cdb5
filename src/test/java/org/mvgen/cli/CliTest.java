package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.media.TestMedia;

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

  /**
   * An output folder that cannot be written: a new dataset there, and more sources for a dataset
   * already there, fail with a message naming the folder; the existing dataset stays byte for byte
   * as it was and still passes {@code dataset check}.
   */
  @Test
  void unwritableOutputIsNamedAndNothingIsLost(@TempDir Path dir) throws Exception {
    Path v1 = dir.resolve("v1.mkv");
    Path v2 = dir.resolve("v2.mkv");
    TestMedia.write(v1, TestMedia.Spec.lossless(30, 25, 8000, new long[] {100}));
    TestMedia.write(v2, TestMedia.Spec.lossless(30, 25, 8000, new long[] {900}));
    Path ro = dir.resolve("readonly");
    Path ds = ro.resolve("ds");
    Run first = run("ingest", v1.toString(), "--out", ds.toString(), "--size", "32");
    assertEquals(Main.Exit.OK, first.code(), first.err());
    Map<Path, String> before = contents(ds);

    try (ReadOnly unused = ReadOnly.make(ro)) {
      Path fresh = ro.resolve("new");
      Run r = run("ingest", v2.toString(), "--out", fresh.toString(), "--size", "32");
      assertEquals(Main.Exit.INPUT, r.code(), r.out() + r.err());
      assertTrue(r.err().contains(ro.toString()), r.err());
      assertFalse(Files.exists(fresh));

      Run more =
          run("ingest", v1.toString(), v2.toString(), "--out", ds.toString(), "--size", "32");
      assertEquals(Main.Exit.INPUT, more.code(), more.out() + more.err());
      assertTrue(more.err().contains(ds.toString()), more.err());
      assertEquals(before, contents(ds), "the existing dataset changed");
      Run check = run("dataset", "check", ds.toString());
      assertEquals(Main.Exit.OK, check.code(), check.out() + check.err());
    }
    assertEquals(before, contents(ds), "the existing dataset changed");
    Run check = run("dataset", "check", ds.toString());
    assertEquals(Main.Exit.OK, check.code(), check.out() + check.err());
  }

  /** Every file under {@code dir} (relative path) with a SHA-256 of its content. */
  static Map<Path, String> contents(Path dir) throws Exception {
    Map<Path, String> m = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          byte[] h = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
          m.put(dir.relativize(p), HexFormat.of().formatHex(h));
        }
      }
    }
    return m;
  }

  /**
   * Makes a folder and everything in it unwritable, until closed: with file modes, or, where they
   * do not bind (root), with a read-only bind mount of the folder onto itself. Skips the test when
   * neither is possible.
   */
  static final class ReadOnly implements AutoCloseable {
    private final Path dir;
    private final boolean mounted;

    private ReadOnly(Path dir, boolean mounted) {
      this.dir = dir;
      this.mounted = mounted;
    }

    static ReadOnly make(Path dir) throws Exception {
      setWritable(dir, false);
      if (!Files.isWritable(dir)) {
        return new ReadOnly(dir, false);
      }
      // Root ignores file modes.
      setWritable(dir, true);
      String bind = exec("mount", "--bind", dir.toString(), dir.toString());
      Assumptions.assumeTrue(
          bind == null, "cannot make " + dir + " read-only (needs mount rights as root): " + bind);
      String ro = exec("mount", "-o", "remount,bind,ro", dir.toString());
      if (ro != null) {
        exec("umount", dir.toString());
        Assumptions.abort("cannot remount " + dir + " read-only: " + ro);
      }
      return new ReadOnly(dir, true);
    }

    @Override
    public void close() throws Exception {
      if (mounted) {
        // Memory-mapped dataset files stay mapped until collected and keep the mount busy.
        System.gc();
        String err = exec("umount", dir.toString());
        if (err != null && exec("umount", "-l", dir.toString()) != null) {
          throw new IllegalStateException("umount " + dir + ": " + err);
        }
      } else {
        setWritable(dir, true);
      }
    }

    private static void setWritable(Path dir, boolean writable) throws Exception {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          p.toFile().setWritable(writable);
        }
      }
    }

    /** Runs a command; null when it succeeded, else its output. */
    private static String exec(String... cmd) throws Exception {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      return p.waitFor() == 0 ? null : out.isEmpty() ? "exit " + p.exitValue() : out;
    }
  }
}
