package org.mvgen.generate;

import java.awt.AWTError;
import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.GraphicsDevice;
import java.awt.GraphicsEnvironment;
import java.awt.HeadlessException;
import java.awt.RenderingHints;
import java.awt.event.KeyAdapter;
import java.awt.event.KeyEvent;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.lang.reflect.InvocationTargetException;
import javax.swing.JFrame;
import javax.swing.JPanel;
import javax.swing.SwingUtilities;

/**
 * The live window: shows frames scaled to fit (square, centred), with keys {@code F} fullscreen,
 * {@code O} overlay (fps, audio level, latency, drops), {@code R} record, {@code Q}/Esc quit.
 * Frames are handed over by the pacer thread into a back image and painted on the Swing thread.
 */
public final class LiveWindow implements FramePacer.Display, AutoCloseable {
  /** What the keys ask for; called on the Swing thread. */
  public interface Controls {
    void toggleRecording();

    void quit();
  }

  private final JFrame frame;
  private final View view;
  private final int size;
  private volatile boolean overlay;
  private volatile String status = "";

  private LiveWindow(JFrame frame, View view, int size) {
    this.frame = frame;
    this.view = view;
    this.size = size;
  }

  /**
   * Fails with a clear message when there is no display to open a window on: none at all (a
   * headless JVM, DISPLAY unset), or one that cannot be reached (DISPLAY names no running X
   * server).
   */
  public static void requireDisplay() throws GenerateException {
    if (GraphicsEnvironment.isHeadless()) {
      throw new GenerateException(
          "No display: `mvgen live` shows a window. Run it in a desktop session (or set DISPLAY,"
              + " e.g. under Xvfb), or use `mvgen render` to make a video file instead.");
    }
    try {
      // Connects to the display: AWT throws an Error (not an exception) when it cannot.
      GraphicsEnvironment.getLocalGraphicsEnvironment().getDefaultScreenDevice();
    } catch (AWTError | HeadlessException | LinkageError e) {
      throw unreachable(e);
    }
  }

  private static GenerateException unreachable(Throwable e) {
    String display = System.getenv("DISPLAY");
    return new GenerateException(
        "Cannot open a window on the display"
            + (display == null ? "" : " '" + display + "'")
            + ": is an X server running there, and does it let you connect? Set DISPLAY to a running"
            + " display (e.g. Xvfb), or use `mvgen render` to make a video file instead.",
        e);
  }

  /**
   * Opens the window (on the Swing thread); fails with a clear message when there is no display.
   */
  public static LiveWindow open(String title, int size, boolean fullscreen, Controls controls)
      throws GenerateException {
    requireDisplay();
    LiveWindow[] out = new LiveWindow[1];
    try {
      SwingUtilities.invokeAndWait(
          () -> {
            JFrame f = new JFrame(title);
            View v = new View(size);
            f.setDefaultCloseOperation(JFrame.DO_NOTHING_ON_CLOSE);
            f.getContentPane().setBackground(Color.BLACK);
            f.getContentPane().add(v, BorderLayout.CENTER);
            v.setPreferredSize(new Dimension(Math.max(size, 512), Math.max(size, 512)));
            f.pack();
            f.setLocationRelativeTo(null);
            LiveWindow w = new LiveWindow(f, v, size);
            f.addWindowListener(
                new WindowAdapter() {
                  @Override
                  public void windowClosing(WindowEvent e) {
                    controls.quit();
                  }
                });
            f.addKeyListener(
                new KeyAdapter() {
                  @Override
                  public void keyPressed(KeyEvent e) {
                    switch (e.getKeyCode()) {
                      case KeyEvent.VK_F -> w.toggleFullscreen();
                      case KeyEvent.VK_O -> w.overlay = !w.overlay;
                      case KeyEvent.VK_R -> controls.toggleRecording();
                      case KeyEvent.VK_Q, KeyEvent.VK_ESCAPE -> controls.quit();
                      default -> {}
                    }
                  }
                });
            f.setVisible(true);
            if (fullscreen) {
              w.toggleFullscreen();
            }
            out[0] = w;
          });
    } catch (AWTError | HeadlessException | LinkageError e) {
      throw unreachable(e);
    } catch (InvocationTargetException e) {
      throw new GenerateException("Cannot open the live window: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GenerateException("Interrupted while opening the live window", e);
    }
    return out[0];
  }

  /**
   * Runs {@code lost} when the connection to the display breaks (the X server stopped), before the
   * process would otherwise be ended by Xlib; {@code lost} runs on AWT's toolkit thread and must
   * not return (end the process itself once everything is saved). Returns whether the handler could
   * be installed (X11 only).
   */
  public static boolean onDisplayLost(Runnable lost) {
    return X11.onConnectionLost(lost);
  }

  /** Sets a line shown in the overlay (for example "recording to x.mp4"). */
  public void status(String s) {
    status = s;
  }

  public void overlay(boolean on) {
    overlay = on;
  }

  /** The window's content area on screen, for tests that take screenshots. */
  public java.awt.Rectangle screenBounds() {
    java.awt.Point p = view.getLocationOnScreen();
    return new java.awt.Rectangle(p.x, p.y, view.getWidth(), view.getHeight());
  }

  private void toggleFullscreen() {
    GraphicsDevice d = frame.getGraphicsConfiguration().getDevice();
    if (d.getFullScreenWindow() == frame) {
      d.setFullScreenWindow(null);
    } else if (d.isFullScreenSupported()) {
      d.setFullScreenWindow(frame);
    } else {
      frame.setExtendedState(frame.getExtendedState() ^ JFrame.MAXIMIZED_BOTH);
    }
  }

  @Override
  public void show(byte[] rgb, LiveSink.Snapshot snap, FramePacer.Stats stats, long latency) {
    String text =
        overlay
            ? String.format(
                "%.1f fps  level %.3f  latency %s  dropped %d  repeated %d  %s",
                stats.fps(),
                snap.level(),
                latency == Long.MIN_VALUE ? "-" : String.format("%.0f ms", latency / 1e6),
                stats.dropped(),
                stats.repeated(),
                status)
            : null;
    view.update(rgb, size, text);
  }

  /**
   * Disposes of the window, waiting up to two seconds for the event thread to do it (so that the
   * window is gone when {@code live} returns), but never longer: with the display gone the event
   * thread may never answer.
   */
  @Override
  public void close() {
    if (SwingUtilities.isEventDispatchThread()) {
      frame.dispose();
      return;
    }
    java.util.concurrent.CountDownLatch gone = new java.util.concurrent.CountDownLatch(1);
    SwingUtilities.invokeLater(
        () -> {
          try {
            frame.dispose();
          } finally {
            gone.countDown();
          }
        });
    try {
      gone.await(2, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class View extends JPanel {
    private final BufferedImage back;
    private final BufferedImage front;
    private volatile String overlay;

    View(int size) {
      setBackground(Color.BLACK);
      setDoubleBuffered(true);
      back = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      front = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    }

    void update(byte[] rgb, int size, String text) {
      int[] px = ((DataBufferInt) back.getRaster().getDataBuffer()).getData();
      for (int i = 0, n = size * size; i < n; i++) {
        px[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
      }
      synchronized (front) {
        int[] f = ((DataBufferInt) front.getRaster().getDataBuffer()).getData();
        System.arraycopy(px, 0, f, 0, px.length);
      }
      overlay = text;
      repaint();
    }

    @Override
    protected void paintComponent(Graphics g) {
      super.paintComponent(g);
      Graphics2D g2 = (Graphics2D) g;
      int side = Math.min(getWidth(), getHeight());
      int x = (getWidth() - side) / 2;
      int y = (getHeight() - side) / 2;
      g2.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      synchronized (front) {
        g2.drawImage(front, x, y, side, side, null);
      }
      String text = overlay;
      if (text != null) {
        g2.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 13));
        g2.setColor(new Color(0, 0, 0, 160));
        g2.fillRect(0, 0, getWidth(), 22);
        g2.setColor(Color.WHITE);
        g2.drawString(text, 6, 16);
      }
      java.awt.Toolkit.getDefaultToolkit().sync();
    }
  }
}
