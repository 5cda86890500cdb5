/**
 * Audio as mvgen stores it: mono 32-bit float WAV files, written in a stream ({@link
 * org.mvgen.audio.WavWriter}) and read at random ({@link org.mvgen.audio.AudioTrack}). Pure Java,
 * no native code; both classes own a file handle and are {@code AutoCloseable}.
 */
package org.mvgen.audio;
