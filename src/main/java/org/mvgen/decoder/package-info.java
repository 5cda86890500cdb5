/**
 * The decoder: the network that turns a latent into a frame, its model file and fast inference.
 *
 * <p>{@link org.mvgen.decoder.DecoderNet} is the network (libtorch modules, the prototype's
 * architecture: linear, transposed convolutions with batch norm and ReLU, tanh), {@link
 * org.mvgen.decoder.DecoderBundle} the self-contained {@code model.mvgen} (weights, architecture,
 * latent normalisation, the encoder's spec and files), and {@link org.mvgen.decoder.Decoder} the
 * {@link org.mvgen.decoder.FrameGenerator} that render and live use, running {@code InferenceNet}
 * (pre-packed oneDNN convolutions, bfloat16 where the CPU has it). {@link
 * org.mvgen.decoder.PairSource} is what the decoder learns from: latents and frames by index, from
 * a dataset ({@link org.mvgen.decoder.DatasetPairs}) or memory.
 *
 * <p>Training left this package: it is a task on the shared loop, {@code
 * org.mvgen.train.decoder.DecoderTask}. Threading: a {@code Decoder} is used by one thread at a
 * time; it owns its native tensors and frees them on {@code close()}.
 */
package org.mvgen.decoder;
