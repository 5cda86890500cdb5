/**
 * Datasets of aligned (audio window, frame) pairs on disk: WebDataset-style tar shards of frames,
 * one float WAV per source, NumPy index and latent files, and a manifest written last. {@link
 * org.mvgen.dataset.DatasetWriter} writes them one source at a time so that an interrupted run
 * leaves nothing that reads as valid; {@link org.mvgen.dataset.Dataset} reads them at random with
 * flat memory. {@link org.mvgen.dataset.Alignment} is the one rule pairing frames with audio. Pure
 * Java: no FFmpeg or libtorch here. Readers are thread-safe; writers are not.
 */
package org.mvgen.dataset;
