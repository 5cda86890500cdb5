package org.mvgen.rave.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.util.Progress;

/**
 * Kills a real {@code mvgen rave preprocess} with SIGKILL part way, at several moments, and checks
 * that the folder then reads as incomplete and that the next run completes it into exactly what an
 * uninterrupted run makes.
 */
class PreprocessKillIT {
  static final int L = 4096;

  @Test
  void killNineAtAnyMomentLeavesAnIncompleteFolderThatTheNextRunCompletes(@TempDir Path dir)
      throws Exception {
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Path f = dir.resolve("song" + i + ".wav");
      TestAudio.wav16(f, TestAudio.music(44100 * 40, 44100, i), 44100, 1);
      inputs.add(f.toString());
    }
    Path out = dir.resolve("out");
    int kills = 0;
    // Kill once the first shard is complete, then once the first input is complete.
    for (String waitFor : List.of("shards", "inputs")) {
      Process p = start(inputs, out);
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (p.isAlive() && System.nanoTime() < deadline && !reached(out, waitFor)) {
        Thread.sleep(2);
      }
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, no cleanup
        kills++;
        RaveDataException e = assertThrows(RaveDataException.class, () -> RaveData.open(out));
        assertTrue(e.getMessage().contains("not a complete RAVE data folder"), e.getMessage());
      }
    }
    assertTrue(kills > 0, "preprocess finished before it could be killed; make the inputs longer");

    Preprocess.Result r = Preprocess.run(config(inputs, out), Progress.SILENT);
    assertTrue(r.warnings().isEmpty(), r.warnings().toString());
    Path clean = dir.resolve("clean");
    Preprocess.run(config(inputs, clean), Progress.SILENT);
    try (RaveData a = RaveData.open(out);
        RaveData b = RaveData.open(clean)) {
      assertEquals(b.size(), a.size());
      assertEquals(b.manifest().inputs().size(), a.manifest().inputs().size());
      for (int i = 0; i < a.manifest().inputs().size(); i++) {
        RaveManifest.Input x = a.manifest().inputs().get(i);
        RaveManifest.Input y = b.manifest().inputs().get(i);
        assertEquals(y.id(), x.id());
        assertEquals(y.examples(), x.examples());
        assertEquals(y.shards(), x.shards());
        for (RaveManifest.Shard s : x.shards()) {
          assertArrayEquals(
              Files.readAllBytes(clean.resolve(s.file())),
              Files.readAllBytes(out.resolve(s.file())),
              s.file());
        }
      }
      // Nothing left over: exactly the listed shards and markers.
      long shards = a.manifest().inputs().stream().mapToLong(in -> in.shards().size()).sum();
      assertEquals(shards, count(out.resolve("shards")));
      assertEquals(inputs.size(), count(out.resolve("inputs")));
    }
  }

  @Test
  void memoryIsFlatInTheLengthOfTheInput(@TempDir Path dir) throws Exception {
    // 12 minutes of audio is 127 MB as floats: a run that held it would fail in a 48 MB heap.
    Path f = dir.resolve("long.wav");
    TestAudio.longWav(f, 12 * 60, 44100);
    Path out = dir.resolve("out");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx48m",
                "-cp",
                System.getProperty("java.class.path"),
                "org.mvgen.cli.Main",
                "rave",
                "preprocess",
                "--out",
                out.toString(),
                f.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), log);
    try (RaveData d = RaveData.open(out)) {
      assertEquals(12 * 60 * 44100L, d.manifest().inputs().get(0).samples());
      assertEquals(12 * 60 * 44100L / 131072, d.size(), "the tail is under half an example");
    }
  }

  static PreprocessConfig config(List<String> inputs, Path out) {
    return new PreprocessConfig(
        inputs,
        out,
        new RaveDataParams(44100, L, SampleFormat.FLOAT32, 0.5, -60),
        4,
        new RaveSplit(0.02, 1000, 8, 1));
  }

  private static long count(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  private static boolean reached(Path out, String sub) throws Exception {
    Path d = out.resolve(sub);
    if (!Files.isDirectory(d)) {
      return false;
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.anyMatch(p -> !p.toString().endsWith(".tmp"));
    }
  }

  private static Process start(List<String> inputs, Path out) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "org.mvgen.cli.Main",
                "rave",
                "preprocess",
                "--out",
                out.toString(),
                "--example-length",
                Integer.toString(L),
                "--sample-format",
                "float32",
                "--set",
                "rave.shard_examples=4"));
    cmd.addAll(inputs);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }
}
