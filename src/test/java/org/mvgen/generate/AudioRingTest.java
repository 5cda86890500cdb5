package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AudioRingTest {
  @Test
  void readsWhatWasWrittenInOrder() throws Exception {
    AudioRing r = new AudioRing(8, 1000);
    r.write(new float[] {1, 2, 3}, 0, 3);
    float[] d = new float[10];
    assertEquals(2, r.read(d, 0, 2));
    r.write(new float[] {4, 5, 6, 7, 8, 9}, 0, 6);
    assertEquals(7, r.read(d, 2, 8));
    assertEquals(9, d[8]);
    for (int i = 0; i < 9; i++) {
      assertEquals(i + 1, d[i]);
    }
    assertEquals(0, r.dropped());
  }

  @Test
  void aSlowReaderLosesTheOldestSamplesNotTheNewest() throws Exception {
    AudioRing r = new AudioRing(4, 1000);
    r.write(new float[] {1, 2, 3, 4, 5, 6}, 0, 6);
    float[] d = new float[4];
    assertEquals(4, r.read(d, 0, 4));
    assertEquals(3, d[0]);
    assertEquals(6, d[3]);
    assertEquals(2, r.dropped());
    assertEquals(6, r.position());
  }

  @Test
  void theReaderBlocksUntilDataOrEnd() throws Exception {
    AudioRing r = new AudioRing(16, 1000);
    Thread w =
        new Thread(
            () -> {
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                return;
              }
              r.write(new float[] {7}, 0, 1);
              r.end(null);
            });
    w.start();
    float[] d = new float[4];
    assertEquals(1, r.read(d, 0, 4));
    assertEquals(7, d[0]);
    assertEquals(-1, r.read(d, 0, 4));
    w.join();
  }

  @Test
  void aFailedWriterIsReportedToTheReaderAfterTheLastSamples() throws Exception {
    AudioRing r = new AudioRing(16, 1000);
    r.write(new float[] {1}, 0, 1);
    r.end(new IllegalStateException("unplugged"));
    float[] d = new float[4];
    assertEquals(1, r.read(d, 0, 4));
    GenerateException e = assertThrows(GenerateException.class, () -> r.read(d, 0, 4));
    assertEquals("Audio input failed: unplugged", e.getMessage());
  }
}
