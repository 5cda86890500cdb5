package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.media.Mp4Boxes;
import org.mvgen.util.AtomicFiles;
import org.mvgen.util.Progress;

/**
 * Faults during render, live and export, provoked for real: a disk that fills as the video is
 * finished, Ctrl-C, kill -9, an X server that goes away, a full or read-only disk under export.
 * mvgen must say what happened, exit with the right code, and lose nothing it had: no old file
 * replaced by a broken one, no temporary file left, and a live recording playable up to about the
 * last second. Cases that kill or signal a process run {@code mvgen} in a new JVM.
 */
class GenerateFaultsIT {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void makeModel() throws Exception {
    model = TestModels.untrainedMelModel(dir);
  }

  /** A running {@code mvgen} in a new JVM, its output collected as it comes. */
  static final class Child implements AutoCloseable {
    final Process process;
    private final StringBuffer out = new StringBuffer();
    private final Thread reader;

    Child(Map<String, String> env, String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("org.mvgen.cli.Main");
      cmd.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
      pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
      env.forEach(
          (k, v) -> {
            if (v == null) {
              pb.environment().remove(k);
            } else {
              pb.environment().put(k, v);
            }
          });
      process = pb.start();
      reader =
          new Thread(
              () -> {
                try (InputStream in = process.getInputStream()) {
                  byte[] b = new byte[4096];
                  for (int n; (n = in.read(b)) >= 0; ) {
                    out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                  }
                } catch (IOException e) {
                  out.append("[output lost: ").append(e).append(']');
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    String output() {
      return out.toString();
    }

    /** Waits until the output contains {@code s}; false if the process ended or time ran out. */
    boolean await(String s, long seconds) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        if (out.indexOf(s) >= 0) {
          return true;
        }
        if (!process.isAlive()) {
          reader.join(2000);
          return out.indexOf(s) >= 0;
        }
        Thread.sleep(50);
      }
      return false;
    }

    int exit(long seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("mvgen did not exit within " + seconds + " s: " + output());
      }
      reader.join(5000);
      return process.exitValue();
    }

    void signal(String sig) throws Exception {
      assertEquals(
          0,
          new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor(),
          "kill -" + sig);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** Mounts a tmpfs of {@code size} (e.g. "2m"; "ro" options allowed) at a new folder. */
  static Path tmpfs(String name, String options) throws Exception {
    Path mount = dir.resolve(name);
    Files.createDirectories(mount);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor() == 0, "cannot mount a small tmpfs (needs root): " + out.strip());
    return mount;
  }

  static void umount(Path mount) throws Exception {
    new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
  }

  /** No C++ or Java stack trace, no JVM crash report: a plain message. */
  static void assertPlain(String output) {
    assertFalse(output.contains("terminate called"), output);
    assertFalse(output.contains("Exception raised from"), output);
    assertFalse(output.contains("frame #"), output);
    assertFalse(output.contains("\tat "), output);
    assertFalse(output.contains("A fatal error has been detected"), output);
    assertFalse(output.contains("unexpected error"), output);
  }

  static Renderer.Result render(Path song, Path out) throws Exception {
    var s = new Pipeline.Settings(25, 32, 0.05, 8, false);
    return Renderer.render(
        new Renderer.Request(song, out, 0, 0, s, 20, "veryfast"),
        new TestModels.RmsEncoder(RendererTest.SR, 2048, 0),
        new TestModels.ColourGenerator(32),
        (t, n, u) -> Progress.SILENT.start(t, n, u));
  }

  // ---- render

  /**
   * The disk fills while the muxer finishes the file (the index, moved to the front): render fails
   * saying so, the good video already there stays, no temporary file is left. Before: "Wrote", exit
   * 0, and a truncated file ("moov atom not found") in place of the good one.
   */
  @Test
  void aDiskThatFillsAsTheVideoIsFinishedFailsAndKeepsTheOldVideo() throws Exception {
    Path songDir = Files.createDirectories(dir.resolve("finish"));
    Path song = RendererTest.song(songDir, 40);
    Path roomy = songDir.resolve("roomy.mp4");
    render(song, roomy);
    long size = Files.size(roomy);
    // How much the finishing writes: the index (moov), which faststart writes at the end and then
    // moves to the front.
    long moov = moovSize(roomy);
    assertTrue(moov > 16384, "the index is big enough to fail on: " + moov);
    Path mount = tmpfs("finish-disk", "size=" + (size * 3 / 1024 + 64) + "k");
    try {
      Path out = mount.resolve("video.mp4");
      byte[] good = "a good video, to be kept".getBytes(StandardCharsets.UTF_8);
      Files.write(out, good);
      // Leave room for the media (mdat) but not for the index behind it.
      long free = Files.getFileStore(mount).getUsableSpace();
      long room = size - moov / 2;
      try (var f =
          java.nio.channels.FileChannel.open(
              mount.resolve("filler"),
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.WRITE)) {
        f.write(java.nio.ByteBuffer.allocate((int) (free - room)));
      }
      GenerateException e = assertThrows(GenerateException.class, () -> render(song, out));
      assertTrue(e.getMessage().contains("video.mp4"), e.getMessage());
      assertTrue(e.getMessage().contains("disk full"), e.getMessage());
      assertArrayEquals(good, Files.readAllBytes(out), "the old video is kept");
      assertFalse(Files.exists(AtomicFiles.temporary(out)), "no temporary file is left");
    } finally {
      umount(mount);
    }
  }

  static long moovSize(Path mp4) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(mp4)) {
      long at = 0;
      java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(8);
      while (at < ch.size()) {
        h.clear();
        ch.read(h, at);
        h.flip();
        long len = Integer.toUnsignedLong(h.getInt());
        byte[] t = new byte[4];
        h.get(t);
        if (new String(t, StandardCharsets.ISO_8859_1).equals("moov")) {
          return len;
        }
        at += len;
      }
    }
    throw new AssertionError("no moov in " + mp4);
  }

  /**
   * A song longer than the heap renders: the song is streamed, not decoded into memory. A 6-minute
   * song (63 MB of samples) under a 48 MB heap; before: OutOfMemoryError (a 30-minute song under
   * the launcher's 1 GB).
   */
  @Test
  void aSongLargerThanTheHeapRenders() throws Exception {
    Path work = Files.createDirectories(dir.resolve("long"));
    Path song = work.resolve("song.wav");
    int sr = 44100;
    try (org.mvgen.audio.WavWriter w = new org.mvgen.audio.WavWriter(song, sr)) {
      float[] minute = TestModels.bursts(sr, 60);
      for (int m = 0; m < 6; m++) {
        w.write(minute, 0, minute.length);
      }
      w.commit();
    }
    Path out = work.resolve("video.mp4");
    try (Child c =
        new Child(
            Map.of("JAVA_TOOL_OPTIONS", "-Xmx48m"),
            "render",
            song.toString(),
            "--model",
            model.toString(),
            "-o",
            out.toString(),
            "--size",
            "32")) {
      int code = c.exit(900);
      assertEquals(Main.Exit.OK, code, c.output());
      assertTrue(c.output().contains("360.0 s"), c.output());
    }
    Mp4Boxes.check(out);
  }

  /**
   * Ctrl-C during render: exit 130, a line saying it was interrupted and nothing was written, no
   * temporary file, the old video untouched. Before: exit 130 without a word and a .tmp left.
   */
  @Test
  void ctrlCDuringRenderSaysSoAndLeavesNothing() throws Exception {
    Path work = Files.createDirectories(dir.resolve("ctrl-c"));
    Path song = RendererTest.song(work, 600);
    Path out = work.resolve("video.mp4");
    byte[] old = "the video from before".getBytes(StandardCharsets.UTF_8);
    Files.write(out, old);
    try (Child c =
        new Child(
            Map.of(),
            "render",
            song.toString(),
            "--model",
            model.toString(),
            "-o",
            out.toString())) {
      Path tmp = AtomicFiles.temporary(out);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!(Files.exists(tmp) && Files.size(tmp) > 0) && System.nanoTime() < end) {
        assertTrue(c.process.isAlive(), "render ended early: " + c.output());
        Thread.sleep(100);
      }
      assertTrue(Files.exists(tmp), "render started writing: " + c.output());
      c.signal("INT");
      int code = c.exit(60);
      assertEquals(Main.Exit.INTERRUPTED, code, c.output());
      assertTrue(c.output().contains("Interrupted"), c.output());
      assertTrue(c.output().contains("nothing was written"), c.output());
      assertPlain(c.output());
      assertFalse(Files.exists(tmp), "the temporary file is removed");
      assertArrayEquals(old, Files.readAllBytes(out), "the old video is kept");
    }
  }

  // ---- export

  /** Export onto a full disk: a plain message and exit 1. Before: abort (rc 134) in libtorch. */
  @Test
  void exportToAFullDiskSaysSo() throws Exception {
    Path mount = tmpfs("export-full", "size=256k");
    try {
      Path out = mount.resolve("decoder.pt");
      try (Child c = new Child(Map.of(), "export", model.toString(), "-o", out.toString())) {
        int code = c.exit(120);
        assertEquals(Main.Exit.INPUT, code, c.output());
        assertTrue(c.output().contains("Not enough space"), c.output());
        assertTrue(c.output().contains(out.toString()), c.output());
        assertPlain(c.output());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(AtomicFiles.temporary(out)));
      }
    } finally {
      umount(mount);
    }
  }

  /** Export to a read-only disk or below a file: a plain message naming the path, exit 1. */
  @Test
  void exportToAnUnwritablePathSaysSo() throws Exception {
    Path mount = tmpfs("export-ro", "ro,size=1m");
    Path file = Files.write(dir.resolve("a-file"), new byte[] {1});
    try {
      for (Path out : List.of(mount.resolve("decoder.pt"), file.resolve("decoder.pt"))) {
        try (Child c = new Child(Map.of(), "export", model.toString(), "-o", out.toString())) {
          int code = c.exit(120);
          assertEquals(Main.Exit.INPUT, code, c.output());
          assertTrue(c.output().contains("Cannot write " + out), c.output());
          assertPlain(c.output());
        }
      }
    } finally {
      umount(mount);
    }
  }

  // ---- live

  static String liveProblem() {
    if (System.getenv("DISPLAY") == null || LiveCaptureIT.run("xdpyinfo") != 0) {
      return "no X display (source .ci/live-env.sh)";
    }
    if (LiveCaptureIT.run("pactl", "info") != 0) {
      return "no PulseAudio server for live's default input (source .ci/live-env.sh)";
    }
    return null;
  }

  /** Decodes a recording: its seconds of video, checking it plays (frames decode) on the way. */
  static double playableSeconds(Path mp4) throws Exception {
    assertTrue(Files.exists(mp4), "the recording " + mp4 + " is there");
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
      g.start();
      assertEquals("h264", g.getVideoCodecName());
      long frames = 0;
      long last = 0;
      org.bytedeco.javacv.Frame f;
      while ((f = g.grabImage()) != null) {
        frames++;
        last = f.timestamp;
      }
      assertTrue(frames > 0, "frames decode from " + mp4);
      return last / 1e6;
    }
  }

  /**
   * kill -9 during a live recording leaves a file that plays up to about the last second. Before:
   * only a .tmp without an index, which nothing plays.
   */
  @Test
  void aKilledLiveSessionLeavesAPlayableRecording() throws Exception {
    String why = liveProblem();
    assumeTrue(why == null, why);
    Path rec = dir.resolve("killed.mp4");
    try (Child c =
        new Child(Map.of(), "live", "--model", model.toString(), "--record", rec.toString())) {
      assertTrue(c.await("Recording to", 120), c.output());
      Thread.sleep(6000);
      c.signal("KILL");
      c.exit(30);
    }
    double s = playableSeconds(rec);
    assertTrue(s >= 3.0, "plays up to about the last second before the kill: " + s + " s");
  }

  /**
   * SIGTERM and Ctrl-C during a live recording: the recording is finished, the JVM does not crash.
   */
  @Test
  void sigtermAndCtrlCFinishTheLiveRecording() throws Exception {
    String why = liveProblem();
    assumeTrue(why == null, why);
    for (String sig : List.of("TERM", "INT")) {
      Path rec = dir.resolve("signal-" + sig + ".mp4");
      try (Child c =
          new Child(Map.of(), "live", "--model", model.toString(), "--record", rec.toString())) {
        assertTrue(c.await("Recording to", 120), c.output());
        Thread.sleep(4000);
        c.signal(sig);
        int code = c.exit(60);
        assertEquals(sig.equals("TERM") ? 143 : 130, code, c.output());
        assertFalse(c.output().contains("A fatal error has been detected"), c.output());
      }
      assertTrue(Mp4Boxes.check(rec).contains("moov"), "finished: " + Mp4Boxes.check(rec));
      assertTrue(playableSeconds(rec) >= 2.0, "the recording plays");
    }
  }

  /**
   * The X server goes away during a live recording: the JVM does not crash, and the recording
   * plays. Before: SIGSEGV in the pipeline thread in 4 runs of 5, and the recording lost.
   */
  @Test
  void losingTheDisplayKeepsTheRecordingAndDoesNotCrash() throws Exception {
    String why = liveProblem();
    assumeTrue(why == null, why);
    int n = 150;
    while (Files.exists(Path.of("/tmp/.X11-unix/X" + n))) {
      n++;
    }
    String display = ":" + n;
    Process xvfb =
        new ProcessBuilder("Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!Files.exists(Path.of("/tmp/.X11-unix/X" + n)) && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      Thread.sleep(500);
      for (int run = 0; run < 3; run++) {
        Path rec = dir.resolve("display-lost-" + run + ".mp4");
        if (run > 0) {
          xvfb =
              new ProcessBuilder("Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                  .start();
          Thread.sleep(1500);
        }
        try (Child c =
            new Child(
                Map.of("DISPLAY", display),
                "live",
                "--model",
                model.toString(),
                "--record",
                rec.toString())) {
          assertTrue(c.await("Recording to", 120), c.output());
          Thread.sleep(4000);
          xvfb.destroy();
          xvfb.waitFor(10, TimeUnit.SECONDS);
          int code = c.exit(60);
          assertFalse(c.output().contains("A fatal error has been detected"), c.output());
          assertFalse(c.output().contains("malloc"), c.output());
          assertTrue(code == Main.Exit.INPUT, "exit " + code + ": " + c.output());
          assertTrue(c.output().contains("display"), c.output());
        }
        double s = playableSeconds(rec);
        assertTrue(s >= 2.0, "the recording plays: " + s + " s");
        Mp4Boxes.check(rec);
      }
    } finally {
      xvfb.destroyForcibly();
    }
  }
}
