package org.mvgen.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchTest {
  @Test
  void loadsOnlyItsOwnLibtorch() throws Exception {
    Torch.load();
    Path dir = Torch.nativeDirectory();
    assertFalse(Torch.mappedTorchLibraries().isEmpty(), "libtorch should be mapped after load()");
    for (String lib : Torch.mappedTorchLibraries()) {
      assertTrue(Path.of(lib).toRealPath().startsWith(dir), lib + " is not from " + dir);
    }
  }

  @Test
  void tensorRoundTripAndThreads() throws Exception {
    Torch.threads(1);
    assertEquals(1, Torch.threads());
    float[] v = {1, 2, 3, 4, 5, 6};
    try (Tensor t = Torch.tensor(v, 2, 3)) {
      assertArrayEquals(new long[] {2, 3}, t.sizes().vec().get());
      assertArrayEquals(v, Torch.floats(t));
    }
    byte[] b = {(byte) 255, 0, 7};
    byte[] back = new byte[3];
    try (Tensor t = Torch.bytes(b, 0, new long[] {3})) {
      Torch.copy(t, back, 0);
    }
    assertArrayEquals(b, back);
  }

  @Test
  void unknownOrMissingDeviceIsAClearError() throws Exception {
    TorchException e = assertThrows(TorchException.class, () -> Torch.device("tpu"));
    assertTrue(e.getMessage().contains("tpu"));
    assumeTrue(!Torch.cudaAvailable(), "a CUDA device is present");
    e = assertThrows(TorchException.class, () -> Torch.device("cuda"));
    assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
  }

  /**
   * Reproduces the crash seen with Debian's python3-torch installed: a fresh JavaCPP cache and
   * LD_LIBRARY_PATH naming the system lib directory used to map Debian's libtorch_cpu.so 1.13 and
   * crash the JVM. Needs a system libtorch to mean anything, so it is skipped without one.
   */
  @Test
  void systemLibtorchIsNotPickedUp(@TempDir Path tmp) throws Exception {
    Path systemLib = Path.of("/usr/lib/x86_64-linux-gnu/libtorch_cpu.so");
    assumeTrue(Files.exists(systemLib), "no system libtorch (apt-get install python3-torch)");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + tmp.resolve("cache"));
    cmd.add(Probe.class.getName());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("LD_LIBRARY_PATH", systemLib.getParent().toString());
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    Process p = pb.start();
    String out = output(p);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("sum=6.0"), out);
    assertFalse(out.contains("/usr/lib"), out);
  }

  private static String output(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** Child process of {@link #systemLibtorchIsNotPickedUp}: loads, computes, lists the maps. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      Torch.load();
      try (Tensor t = Torch.tensor(new float[] {1, 2, 3}, 3)) {
        System.out.println("sum=" + t.sum().item_float());
      }
      Torch.mappedTorchLibraries().forEach(System.out::println);
    }
  }
}
