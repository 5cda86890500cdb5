package org.mvgen.generate;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Xlib's I/O error handler, so that {@code live} hears that its X server went away before Xlib ends
 * the process. When the connection breaks, Xlib calls the handler and then {@code exit()}s, which
 * runs libtorch's static destructors while the pipeline's thread may still be inside libtorch: the
 * JVM crashed (SIGSEGV, "malloc_consolidate(): unaligned fastbin chunk") and the recording was
 * lost. The handler instead runs mvgen's own orderly stop and never returns to Xlib.
 */
final class X11 {
  private X11() {}

  private interface Xlib extends Library {
    Pointer XSetIOErrorHandler(IoErrorHandler handler);
  }

  /** {@code int (*)(Display *)}. */
  private interface IoErrorHandler extends Callback {
    int invoke(Pointer display);
  }

  /** Held here for the life of the process: Xlib keeps a pointer to it. */
  private static volatile IoErrorHandler installed;

  /**
   * Makes {@code lost} run, on AWT's toolkit thread, when the connection to the X server breaks.
   * {@code lost} must not return: Xlib exits the process when it does. Returns false where there is
   * no Xlib to ask (not X11, or JNA cannot load): then nothing changes.
   */
  static synchronized boolean onConnectionLost(Runnable lost) {
    Xlib x;
    try {
      x = Native.load("X11", Xlib.class);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
    IoErrorHandler h =
        display -> {
          lost.run();
          return 0;
        };
    installed = h;
    x.XSetIOErrorHandler(h);
    // Xlib keeps one handler for the process, and libraries loaded later set their own (AWT's
    // returns to Xlib, which exits): mvgen's is set again whenever it was replaced.
    Thread keeper =
        new Thread(
            () -> {
              while (installed == h) {
                x.XSetIOErrorHandler(h);
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "mvgen-x11-handler");
    keeper.setDaemon(true);
    keeper.start();
    return true;
  }
}
