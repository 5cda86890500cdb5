package org.mvgen.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AllocatorTest {
  @Test
  void theSettingsAreGlibcMallocTunables() {
    String t = Allocator.tunables();
    for (String kv : t.split(":")) {
      assertTrue(kv.matches("glibc\\.malloc\\.[a-z_]+=[0-9]+"), kv);
    }
    assertTrue(t.contains("glibc.malloc.trim_threshold="), t);
    assertTrue(t.contains("glibc.malloc.mmap_threshold=33554432"), t);
  }

  /**
   * The point of the settings: a training step's tensors reuse memory instead of faulting in fresh
   * pages. Two child JVMs run the same convolution forward and backward passes, one with the
   * settings and one at glibc's defaults, and count the page faults of their last passes. The
   * process without them is the one that hints at how to start it (training logs the hint).
   */
  @Test
  void withTheSettingsATrainingStepReusesItsMemory() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc/self/stat to count faults");
    String tunedOut = child(Allocator.tunables());
    String plainOut = child("");
    long tuned = value(tunedOut, "faults=");
    long plain = value(plainOut, "faults=");
    assertTrue(
        tuned * 4 < plain,
        "page faults per pass: " + tuned + " with the settings, " + plain + " without");
    assertTrue(tunedOut.contains("hint=none"), tunedOut);
    assertTrue(plainOut.contains("hint=GLIBC_TUNABLES=" + Allocator.tunables()), plainOut);
  }

  private static String child(String tunables) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Churn.class.getName()))
            .redirectErrorStream(true);
    pb.environment().put("GLIBC_TUNABLES", tunables);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private static long value(String out, String key) {
    String line =
        out.lines().filter(l -> l.startsWith(key)).findFirst().orElseThrow(() -> fail(out));
    return Long.parseLong(line.substring(key.length()).trim());
  }

  private static AssertionError fail(String out) {
    return new AssertionError("no faults= line in the child's output:\n" + out);
  }

  /** Child process: convolution passes of a RAVE-sized layer; prints faults per timed pass. */
  public static final class Churn {
    public static void main(String[] args) throws Exception {
      Torch.load();
      Torch.threads(1);
      long before = 0;
      int warm = 2;
      int timed = 3;
      for (int r = 0; r < warm + timed; r++) {
        if (r == warm) {
          before = minorFaults();
        }
        Tensor w = torch.randn(96, 96, 3).mul(new Scalar(0.05)).requires_grad_(true);
        Tensor x = torch.randn(4, 96, 8192).requires_grad_(true);
        Tensor y =
            torch.conv1d(
                x, w, new TensorOptional(), new long[] {1}, new long[] {1}, new long[] {1}, 1);
        torch.leaky_relu(y, new Scalar(0.2)).sum().backward();
      }
      System.out.println("faults=" + (minorFaults() - before) / timed);
      String hint = Allocator.hint();
      System.out.println(
          "hint=" + (hint == null ? "none" : hint.substring(hint.indexOf("GLIBC_TUNABLES="))));
    }

    private static long minorFaults() throws Exception {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[7]);
    }
  }
}
