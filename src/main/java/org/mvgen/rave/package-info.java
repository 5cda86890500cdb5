/**
 * RAVE TorchScript exports as {@link org.mvgen.encoder.AudioEncoder}s: {@link
 * org.mvgen.rave.RaveModel} loads a {@code .ts} file through libtorch and reads what it says about
 * itself (v1 or v2, sample rate, latent size, hop, streaming or not); {@link
 * org.mvgen.rave.RaveEncoder} computes latents (deterministic posterior mean, or the export's
 * stochastic {@code encode}) and compensates the delay of streaming exports; {@link
 * org.mvgen.rave.RaveFixture} writes RAVE-shaped models with random weights for tests and
 * benchmarks. A loaded model owns native memory: close it. Not thread-safe; each streaming session
 * works on its own copy of the module, so sessions never share state.
 */
package org.mvgen.rave;
