package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Other tools read what mvgen writes: NumPy loads its {@code .npy} files, and Python's {@code
 * tarfile} and GNU tar read its shards. Each test skips, with the reason, when the tool is missing.
 */
class InteropTest {
  static final String PYTHON = "/usr/bin/python3";

  record Result(int code, String out) {}

  static Result exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Result(p.exitValue(), out);
  }

  /** Runs a Python script with arguments; it must succeed. */
  static String python(String script, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", script));
    cmd.addAll(List.of(args));
    Result r = exec(cmd);
    assertEquals(0, r.code(), "python failed:\n" + r.out());
    return r.out();
  }

  static void assumePython(String module) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed: cannot check interop");
    Assumptions.assumeTrue(
        exec(List.of(PYTHON, "-c", "import " + module)).code() == 0,
        PYTHON + " has no " + module + " module (apt-get install python3-" + module + ")");
  }

  /** A dataset of one source, 50 pairs in shards of 7, whose frame k has every byte k. */
  static Path dataset(Path dir) throws Exception {
    try (DatasetWriter w =
        DatasetWriter.create(dir, DatasetWriterTest.PARAMS, new ImageCodec(16, 0), 7)) {
      DatasetWriterTest.writeSource(w, "aaa", 50, 50 * 320);
      w.finish(DatasetWriterTest.SPLIT);
    }
    return dir;
  }

  @Test
  void numpyLoadsMvgensNpyFiles(@TempDir Path dir) throws Exception {
    assumePython("numpy");
    float[] latents = new float[3 * 5];
    for (int i = 0; i < latents.length; i++) {
      latents[i] = (i - 7) * 0.375f;
    }
    latents[4] = -3.0e38f;
    latents[9] = 1.0e-30f;
    Path lf = dir.resolve("latents.npy");
    Npy.writeFloat32(lf, latents, 3, 5);
    long[] index = {0, 512, 1 << 20, 3, 1L << 40, -7, 2, Long.MAX_VALUE, Long.MIN_VALUE};
    Path xf = dir.resolve("index.npy");
    // The streaming writer, as ingest writes indexes: the row count is patched in at the end.
    try (Npy.Writer w = new Npy.Writer(xf, Npy.DType.INT64, 3)) {
      for (int r = 0; r < 3; r++) {
        w.writeRow(index, 3 * r);
      }
      w.commit();
    }
    String script =
        """
        import sys, numpy as np
        for f in sys.argv[1:]:
            a = np.load(f)
            print(a.dtype, *a.shape)
            print(*(repr(float(v)) if a.dtype.kind == 'f' else int(v) for v in a.ravel()))
        """;
    List<String> out = python(script, lf.toString(), xf.toString()).lines().toList();
    assertEquals(4, out.size(), out.toString());
    assertEquals("float32 3 5", out.get(0));
    String[] fv = out.get(1).split(" ");
    assertEquals(latents.length, fv.length);
    for (int i = 0; i < latents.length; i++) {
      assertEquals(latents[i], (float) Double.parseDouble(fv[i]), "latent " + i);
    }
    assertEquals("int64 3 3", out.get(2));
    String[] iv = out.get(3).split(" ");
    assertEquals(index.length, iv.length);
    for (int i = 0; i < index.length; i++) {
      assertEquals(index[i], Long.parseLong(iv[i]), "index value " + i);
    }
  }

  @Test
  void mvgenReadsNumpysNpyFiles(@TempDir Path dir) throws Exception {
    assumePython("numpy");
    Path f32 = dir.resolve("f.npy");
    Path i64 = dir.resolve("i.npy");
    python(
        """
        import sys, numpy as np
        np.save(sys.argv[1], (np.arange(12, dtype=np.float32) * 0.5 - 2).reshape(4, 3))
        np.save(sys.argv[2], np.array([[1, -2], [1 << 40, 7]], dtype=np.int64))
        """,
        f32.toString(),
        i64.toString());
    Npy.Array f = Npy.read(f32);
    assertEquals(4, f.rows());
    assertEquals(3, f.cols());
    for (int i = 0; i < 12; i++) {
      assertEquals(i * 0.5f - 2, f.getFloat(i), "value " + i);
    }
    Npy.Array l = Npy.read(i64);
    assertEquals(2, l.rows());
    assertEquals(2, l.cols());
    assertEquals(
        List.of(1L, -2L, 1L << 40, 7L),
        List.of(l.getLong(0), l.getLong(1), l.getLong(2), l.getLong(3)));
  }

  @Test
  void pythonTarfileReadsShardsAndNumpyIndexPointsIntoThem(@TempDir Path dir) throws Exception {
    assumePython("numpy");
    Path ds = dataset(dir);
    // For every pair: its members are where the index says, with the expected names and content.
    String script =
        """
        import sys, json, tarfile, numpy as np
        root = sys.argv[1]
        index = np.load(f"{root}/index/aaa.npy")
        assert index.dtype == np.int64 and index.shape == (50, 3), (index.dtype, index.shape)
        shards = {}
        for k, (shard, offset, length) in enumerate(index.tolist()):
            if shard not in shards:
                shards[shard] = tarfile.open(f"{root}/shards/aaa-{shard:04d}.tar")
            t = shards[shard]
            img = t.getmember(f"aaa_{k:08d}.png")
            assert img.isfile() and img.offset_data == offset and img.size == length, (k, img)
            data = t.extractfile(img).read()
            assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", k
            meta = json.load(t.extractfile(f"aaa_{k:08d}.json"))
            assert meta["frame"] == k and meta["source"] == "aaa", meta
            assert meta["audio_end"] - meta["audio_start"] == 640, meta
        print(len(index), len(shards))
        """;
    assertEquals("50 8", python(script, ds.toString()).strip(), "50 pairs in 8 shards");
  }

  @Test
  void pythonTarfileListsShardMembers(@TempDir Path dir) throws Exception {
    assumePython("tarfile");
    Path ds = dataset(dir);
    String script =
        """
        import sys, tarfile
        with tarfile.open(sys.argv[1]) as t:
            for m in t.getmembers():
                assert m.isfile(), m
                print(m.name, m.size)
        """;
    for (int shard = 0; shard < 8; shard++) {
      Path f = ds.resolve("shards").resolve(String.format("aaa-%04d.tar", shard));
      List<String> names = new ArrayList<>();
      for (String line : python(script, f.toString()).lines().toList()) {
        names.add(line.split(" ")[0]);
        assertTrue(Long.parseLong(line.split(" ")[1]) > 0, line);
      }
      List<String> expected = new ArrayList<>();
      for (int k = 7 * shard; k < Math.min(50, 7 * shard + 7); k++) {
        expected.add(String.format("aaa_%08d.png", k));
        expected.add(String.format("aaa_%08d.json", k));
      }
      assertEquals(expected, names, f.toString());
    }
  }

  @Test
  void gnuTarListsShards(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")),
        "no tar program installed");
    Path ds = dataset(dir);
    Path f = ds.resolve("shards").resolve("aaa-0007.tar");
    Result r = exec(List.of("tar", "tf", f.toString()));
    assertEquals(0, r.code(), r.out());
    assertEquals(
        List.of("aaa_00000049.png", "aaa_00000049.json"), r.out().lines().toList(), r.out());
  }
}
