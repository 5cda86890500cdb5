/**
 * Media through FFmpeg (JavaCV): {@link org.mvgen.media.MediaReader} decodes any file FFmpeg reads
 * into mono float audio and square RGB frames at a constant rate; {@code Mp4Writer} writes
 * H.264/AAC MP4 files. Every class owning an FFmpeg context is {@code AutoCloseable} and closes
 * idempotently. Buffers returned to callers are copies: nothing FFmpeg owns escapes this package.
 */
package org.mvgen.media;
