/**
 * RAVE TorchScript exports as {@link org.mvgen.encoder.AudioEncoder}s: {@link
 * org.mvgen.rave.RaveModel} loads a {@code .ts} file through libtorch and reads what it declares
 * about itself (v1 or v2, sample rate, latent size, hop, input mode, channels, variational or
 * discrete, streaming or not and, for streaming exports, their delay); {@link
 * org.mvgen.rave.RaveEncoder} computes latents (deterministic posterior mean, or the export's own
 * {@code encode}) and compensates the delay of streaming exports. The RAVE-shaped fixtures the
 * tests and the benchmark use are test sources ({@code RaveFixture}). A loaded model owns native
 * memory: close it. Not thread-safe; each streaming session works on its own copy of the module, so
 * sessions never share state.
 *
 * <p>Models mvgen trains itself ({@code org.mvgen.rave.model}) are used through {@link
 * org.mvgen.rave.MvraveFile} (the one-file {@code .mvrave} export) and {@link
 * org.mvgen.rave.MvraveEncoder} ({@code rave:FILE.mvrave}); {@link org.mvgen.rave.RaveExamples},
 * {@link org.mvgen.rave.Reconstructions} and {@link org.mvgen.rave.Spectrograms} serve {@code mvgen
 * rave train} and {@code mvgen rave reconstruct}.
 */
package org.mvgen.rave;
