package org.mvgen.encoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.mvgen.util.Hashing;

/**
 * A linear projection to the first {@code dim} principal components: {@code y = C (x - mean)}.
 * Fitted by the eigen-decomposition (Jacobi) of the covariance matrix, in double precision; the
 * sign of each component is fixed (largest coefficient positive) so that a fit is reproducible.
 *
 * @param mean the mean of the fitted features, length {@code inputs}
 * @param components {@code dim} rows of length {@code inputs}, unit length, by falling variance
 * @param explained the fraction of the total variance each component explains
 */
public record Pca(float[] mean, float[][] components, double[] explained) {
  public Pca {
    if (components.length == 0) {
      throw new IllegalArgumentException("a PCA needs at least one component");
    }
    for (float[] c : components) {
      if (c.length != mean.length) {
        throw new IllegalArgumentException(
            "component length " + c.length + " differs from mean length " + mean.length);
      }
    }
  }

  public int inputs() {
    return mean.length;
  }

  public int dim() {
    return components.length;
  }

  /** Projects {@code x[xOff .. xOff + inputs())} into {@code dst[dstOff .. dstOff + dim())}. */
  public void project(float[] x, int xOff, float[] dst, int dstOff) {
    for (int d = 0; d < components.length; d++) {
      float[] c = components[d];
      double s = 0;
      for (int i = 0; i < c.length; i++) {
        s += c[i] * (x[xOff + i] - mean[i]);
      }
      dst[dstOff + d] = (float) s;
    }
  }

  /** Fits a PCA with {@code dim} components to the rows of {@code x}. */
  public static Pca fit(float[][] x, int dim) {
    if (x.length < 2) {
      throw new IllegalArgumentException("a PCA needs at least 2 rows, got " + x.length);
    }
    int n = x[0].length;
    if (dim < 1 || dim > n) {
      throw new IllegalArgumentException("PCA dim (" + dim + ") must be in [1, " + n + "]");
    }
    double[] mean = new double[n];
    for (float[] r : x) {
      for (int i = 0; i < n; i++) {
        mean[i] += r[i];
      }
    }
    for (int i = 0; i < n; i++) {
      mean[i] /= x.length;
    }
    double[][] cov = new double[n][n];
    double[] d = new double[n];
    for (float[] r : x) {
      for (int i = 0; i < n; i++) {
        d[i] = r[i] - mean[i];
      }
      for (int i = 0; i < n; i++) {
        double di = d[i];
        double[] ci = cov[i];
        for (int j = i; j < n; j++) {
          ci[j] += di * d[j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        cov[i][j] /= (x.length - 1);
        cov[j][i] = cov[i][j];
      }
    }
    double[][] vec = new double[n][n];
    double[] val = jacobi(cov, vec);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(val[b], val[a]));
    double total = 0;
    for (double v : val) {
      total += Math.max(v, 0);
    }
    float[][] comps = new float[dim][n];
    double[] explained = new double[dim];
    for (int k = 0; k < dim; k++) {
      int col = order[k];
      int big = 0;
      for (int i = 0; i < n; i++) {
        if (Math.abs(vec[i][col]) > Math.abs(vec[big][col])) {
          big = i;
        }
      }
      double sign = vec[big][col] < 0 ? -1 : 1;
      for (int i = 0; i < n; i++) {
        comps[k][i] = (float) (sign * vec[i][col]);
      }
      explained[k] = total > 0 ? Math.max(val[col], 0) / total : 0;
    }
    float[] m = new float[n];
    for (int i = 0; i < n; i++) {
      m[i] = (float) mean[i];
    }
    return new Pca(m, comps, explained);
  }

  /**
   * Cyclic Jacobi eigenvalue algorithm for a symmetric matrix {@code a} (destroyed); eigenvectors
   * are written as columns of {@code v}. Exact enough and simple for the 64 x 64 case.
   */
  private static double[] jacobi(double[][] a, double[][] v) {
    int n = a.length;
    for (int i = 0; i < n; i++) {
      v[i][i] = 1;
    }
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0;
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          off += a[p][q] * a[p][q];
        }
      }
      if (off < 1e-22) {
        break;
      }
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          if (Math.abs(a[p][q]) < 1e-300) {
            continue;
          }
          double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < n; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < n; k++) {
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
          for (int k = 0; k < n; k++) {
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
          }
        }
      }
    }
    double[] val = new double[n];
    for (int i = 0; i < n; i++) {
      val[i] = a[i][i];
    }
    return val;
  }

  /** As a float32 matrix {@code [dim + 1, inputs]}: row 0 the mean, then the components. */
  public float[] toMatrix() {
    int n = inputs();
    float[] m = new float[(dim() + 1) * n];
    System.arraycopy(mean, 0, m, 0, n);
    for (int d = 0; d < dim(); d++) {
      System.arraycopy(components[d], 0, m, (d + 1) * n, n);
    }
    return m;
  }

  /** The inverse of {@link #toMatrix()}; the explained variance is not stored and reads as 0. */
  public static Pca fromMatrix(float[] m, int rows, int cols) {
    if (rows < 2 || m.length != rows * cols) {
      throw new IllegalArgumentException(
          "a PCA matrix needs [dim + 1, inputs] with dim >= 1, got [" + rows + ", " + cols + "]");
    }
    float[] mean = java.util.Arrays.copyOfRange(m, 0, cols);
    float[][] c = new float[rows - 1][];
    for (int d = 0; d < rows - 1; d++) {
      c[d] = java.util.Arrays.copyOfRange(m, (d + 1) * cols, (d + 2) * cols);
    }
    return new Pca(mean, c, new double[rows - 1]);
  }

  /** First 8 hex digits of the SHA-256 of the stored matrix: part of the encoder id. */
  public String fingerprint() {
    float[] m = toMatrix();
    ByteBuffer b = ByteBuffer.allocate(m.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(m);
    byte[] h = Hashing.sha256().digest(b.array());
    return HexFormat.of().formatHex(h, 0, 4);
  }
}
