/**
 * Audio encoders: turn mono audio into latent vectors, one every {@code hop} samples. The contract
 * is {@link org.mvgen.encoder.AudioEncoder} (whole signals and streaming sessions); {@link
 * org.mvgen.encoder.Encoders#open} opens one by spec string ({@code mel}, {@code rave:model.ts});
 * {@link org.mvgen.encoder.MelEncoder} is the pure-Java log-mel baseline and {@link
 * org.mvgen.encoder.DatasetEncoding} computes a dataset's latent files. Encoders and sessions are
 * not thread-safe: one per thread, one session per continuous stream. Arrays returned by encoders
 * belong to the caller.
 */
package org.mvgen.encoder;
