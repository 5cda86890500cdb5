/**
 * Training data for mvgen's RAVE autoencoder. {@link org.mvgen.rave.data.Preprocess} decodes audio
 * and video files and the stored audio of mvgen datasets to mono at one rate, cuts it into
 * fixed-length examples (silence dropped) and stores them in raw little-endian shards with a
 * versioned manifest written last ({@code docs/rave.md} describes the folder); it is resumable,
 * identifies inputs by content hash, and keeps memory flat. {@link org.mvgen.rave.data.RaveData}
 * reads such a folder at random, with train and validation views and {@link
 * org.mvgen.rave.data.Batches}, shuffled batches of crops that are a pure function of (seed, step).
 * Depends on {@code media} (FFmpeg decoding) and {@code dataset} (reading datasets); no libtorch.
 * Readers are thread-safe except {@code Batches}; the writer is not.
 */
package org.mvgen.rave.data;
