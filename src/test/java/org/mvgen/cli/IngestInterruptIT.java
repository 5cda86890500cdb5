package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.dataset.DatasetCheck;
import org.mvgen.media.TestMedia;
import org.mvgen.util.Progress;

/**
 * Ctrl-C (SIGINT) in the middle of a real ingest process: it exits with 130 and says that it was
 * interrupted and that running the same command again resumes; the next run completes the dataset.
 */
class IngestInterruptIT {
  @Test
  void ctrlCSaysItWasInterruptedAndHowToResume(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.mkv");
    Path b = dir.resolve("b.mkv");
    TestMedia.write(a, TestMedia.Spec.lossless(300, 25, 44100, new long[] {100}));
    TestMedia.write(b, TestMedia.Spec.lossless(300, 25, 44100, new long[] {200}));
    Path out = dir.resolve("ds");
    List<String> cmd = command(List.of(a.toString(), b.toString()), out);
    Path log = dir.resolve("log.txt");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (p.isAlive() && System.nanoTime() < deadline && !started(out)) {
      Thread.sleep(5);
    }
    Assumptions.assumeTrue(p.isAlive(), "the ingest finished before it could be interrupted");
    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the ingest did not stop on SIGINT");
    String said = Files.readString(log, StandardCharsets.UTF_8);
    // A process started in the background of a non-interactive shell inherits SIGINT ignored
    // (POSIX), and so does every child: the ingest then just finishes.
    Assumptions.assumeFalse(
        p.exitValue() == 0, "SIGINT is ignored in this environment (tests started in background?)");
    assertEquals(Main.Exit.INTERRUPTED, p.exitValue(), said);
    assertTrue(said.contains("ingest interrupted"), said);
    assertTrue(said.contains("run the same command again to resume"), said);
    assertTrue(said.contains(out.toString()), said);

    Process again = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String second = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, again.waitFor(), second);
    DatasetCheck.Report r = DatasetCheck.run(out, false, Progress.SILENT);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(600, r.pairs());
  }

  private static boolean started(Path out) throws Exception {
    Path shards = out.resolve("shards");
    if (!Files.isDirectory(shards)) {
      return false;
    }
    try (Stream<Path> s = Files.list(shards)) {
      return s.findAny().isPresent();
    }
  }

  private static List<String> command(List<String> inputs, Path out) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "org.mvgen.cli.Main",
                "ingest",
                "--out",
                out.toString(),
                "--set",
                "dataset.shard_pairs=50"));
    cmd.addAll(inputs);
    return cmd;
  }
}
