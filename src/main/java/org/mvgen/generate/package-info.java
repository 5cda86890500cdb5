/**
 * Generation: makes pictures from sound with a trained model, live ({@code mvgen live}: audio input
 * → window) or offline ({@code mvgen render}: song → MP4), through one {@link
 * org.mvgen.generate.Pipeline}: an {@link org.mvgen.generate.AudioSource} feeds the encoder, whose
 * latents become one latent per output frame ({@link org.mvgen.generate.WindowLatents} for window
 * encoders such as mel, {@link org.mvgen.generate.LatentInterpolator} for streaming ones), smoothed
 * causally, decoded in batches by a {@link org.mvgen.decoder.FrameGenerator} and handed to a {@link
 * org.mvgen.generate.FrameSink}. Render and live differ only in source and sink, and a test checks
 * that they give identical frames for identical audio. {@link org.mvgen.generate.Demo} runs the
 * whole project end to end on synthesised music.
 *
 * <p>Threads and ownership: {@link org.mvgen.generate.Pipeline#run} runs on its caller's thread and
 * owns its buffers; sinks must copy what they keep before returning. Live, three threads never wait
 * on each other: the capture thread of {@link org.mvgen.generate.CaptureSource} writes an {@link
 * org.mvgen.generate.AudioRing} (dropping the oldest audio, never blocking), the pipeline thread
 * writes frames into {@link org.mvgen.generate.LiveSink}, and the {@link
 * org.mvgen.generate.FramePacer} display thread shows them at a steady rate, repeating or dropping
 * frames and counting both. Every native owner (encoder, generator, capture line, MP4 writer) is
 * closed by whoever opened it, idempotently; a recording in progress is always finished.
 */
package org.mvgen.generate;
