package org.mvgen.rave.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.torch.Torch;

/**
 * Parity with PyTorch: src/test/python/rave_reference.py, the same architecture written again in
 * Python, loads the weights Java wrote and must give the same encoder and decoder outputs (relative
 * error <= 1e-5) and the same loss terms (<= 1e-4) on a fixed batch. Skipped where Python has no
 * torch.
 */
class RaveParityTest {
  static final Path SCRIPT = Path.of("src/test/python/rave_reference.py");
  static final String PYTHON =
      Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

  @TempDir Path tmp;

  @BeforeAll
  static void load() throws Exception {
    Torch.load();
  }

  static void assumePythonTorch() throws Exception {
    Process probe = new ProcessBuilder(PYTHON, "-c", "import torch").start();
    assumeTrue(
        probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0,
        "python3 with torch is not installed (apt-get install python3-torch)");
  }

  @Test
  void centredModelWithNoiseMatchesPyTorch() throws Exception {
    check(RaveConfig.named("tiny").toBuilder().noise(true).noiseBands(3).build(), 11);
  }

  @Test
  void causalModelMatchesPyTorch() throws Exception {
    check(RaveConfig.named("tiny").toBuilder().causal(true).amplitudeModulation(false).build(), 12);
  }

  void check(RaveConfig c, long seed) throws Exception {
    assumePythonTorch();
    torch.manual_seed(seed);
    Map<String, Tensor> io = new LinkedHashMap<>();
    try (NoGradGuard g = new NoGradGuard();
        RaveNet net = new RaveNet(c, true);
        Discriminator disc = net.discriminator()) {
      // Weight-norm gains away from their initial norms, so that g and v both matter.
      for (Map.Entry<String, Tensor> e : RaveNet.parameters(net).entrySet()) {
        if (e.getKey().endsWith("weight_g")) {
          e.getValue().mul_(torch.rand(e.getValue().sizes().vec().get()).add(new Scalar(0.5)));
        }
      }
      Map<String, Tensor> weights = RaveNet.state(net);
      RaveNet.state(disc).forEach((k, v) -> weights.put("disc." + k, v));
      RaveWeights.write(tmp.resolve("weights"), c, weights);

      int frames = c.exampleSize() / c.hop();
      float[] a = PqmfTest.synthMusic(c.sampleRate(), 2 * c.exampleSize(), seed);
      Tensor x = Torch.tensor(a, 2, 1, c.exampleSize());
      Tensor eps = torch.randn(2, c.latentSize(), frames);
      Tensor noise =
          c.noise()
              ? torch.rand(net.noiseShape(2, frames)).mul(new Scalar(2)).sub(new Scalar(1))
              : torch.zeros(1);
      Tensor bands = net.pqmf().analyse(x);
      Tensor z = net.encode(x);
      Tensor ybands = net.decodeBands(net.sample(z, eps), noise);
      Tensor y = net.pqmf().synthesise(ybands);
      List<Integer> sizes = c.stftSizes();
      List<List<Tensor>> real = disc.forward(x);
      List<List<Tensor>> fake = disc.forward(y);
      io.put("x", x);
      io.put("eps", eps);
      io.put("noise", noise);
      io.put("bands", bands);
      io.put("z", z);
      io.put("ybands", ybands);
      io.put("y", y);
      io.put("multiband", RaveLosses.multiband(bands, ybands, sizes).reshape(1));
      io.put("fullband", RaveLosses.fullband(x, y, sizes).reshape(1));
      io.put("kl", RaveLosses.kl(net.mean(z), net.std(z)).reshape(1));
      io.put("dhinge", RaveLosses.discriminatorHinge(real, fake).reshape(1));
      io.put("ghinge", RaveLosses.generatorHinge(fake).reshape(1));
      io.put("fm", RaveLosses.featureMatching(real, fake).reshape(1));
      RaveWeights.write(tmp.resolve("io"), c, io);
    }
    Process p =
        new ProcessBuilder(PYTHON, SCRIPT.toString(), tmp.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the Python reference did not finish");
    assertEquals(0, p.exitValue(), out);
    String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
    JsonNode err = new ObjectMapper().readTree(last);
    for (String k : List.of("bands", "z", "ybands", "y")) {
      assertTrue(err.get(k).asDouble() <= 1e-5, k + " relative error " + err.get(k) + ": " + out);
    }
    for (String k : List.of("multiband", "fullband", "kl", "dhinge", "ghinge", "fm")) {
      assertTrue(err.get(k).asDouble() <= 1e-4, k + " relative error " + err.get(k) + ": " + out);
    }
    System.out.println(c.name() + (c.causal() ? " causal" : "") + " parity: " + out.strip());
  }
}
