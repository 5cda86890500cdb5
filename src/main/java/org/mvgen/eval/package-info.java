/**
 * Honest evaluation of a decoder on held-out pairs: {@link org.mvgen.eval.Evaluator} scores a
 * {@link org.mvgen.decoder.FrameGenerator} by PSNR and SSIM against the real frames, beside two
 * baselines computed on the same pairs (the mean training frame, and nearest-neighbour retrieval by
 * latent), plus an audio-reactivity figure. {@link org.mvgen.eval.ImageMetrics} is pure Java and
 * needs no native code. Single-threaded; nothing is kept between calls.
 */
package org.mvgen.eval;
