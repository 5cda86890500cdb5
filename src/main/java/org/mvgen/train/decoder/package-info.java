/**
 * Decoder training on the shared loop: {@link org.mvgen.train.decoder.DecoderTask} (latent to
 * frame, L1 or MSE, one Adam, PSNR validation, preview grids, {@code model.mvgen} at the end), its
 * config records ({@link org.mvgen.train.decoder.DecoderTrainConfig}) and the shuffled, prefetching
 * {@link org.mvgen.train.decoder.BatchLoader}, whose batch of any step is a function of (seed,
 * step). {@link org.mvgen.train.decoder.DecoderTraining#run} is the entry point of {@code mvgen
 * train} and the demo.
 */
package org.mvgen.train.decoder;
