package org.mvgen.train.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.dataset.Dataset;
import org.mvgen.decoder.Synthetic;
import org.mvgen.torch.Torch;

/**
 * Two ranks on two GPUs over NCCL ({@code -Pcuda} build): the run trains and rank 0 writes the
 * model. Skipped, saying why, without the CUDA build and two visible GPUs.
 */
class NcclTrainIT {
  @Test
  void twoRanksOnTwoGpusTrainOverNccl(@TempDir Path tmp) throws Exception {
    Torch.load();
    assumeTrue(
        Torch.cudaAvailable(), "no CUDA: this build has no CUDA natives or no GPU is visible");
    assumeTrue(
        torch.cuda_device_count() >= 2,
        "NCCL across ranks needs 2 GPUs; " + torch.cuda_device_count() + " visible");
    Path data = tmp.resolve("data");
    try (Dataset ds = Synthetic.dataset(data, 3, 12, 16)) {
      assertTrue(ds.size() > 0);
    }
    DistributedTrainIT.run(
        DistributedTrainIT.args(
            data, tmp.resolve("run"), 24, "--processes", "2", "--device", "cuda"),
        tmp,
        "nccl");
    assertTrue(Files.exists(tmp.resolve("run/model.mvgen")));
  }
}
