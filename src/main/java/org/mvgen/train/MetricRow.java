package org.mvgen.train;

import java.util.Map;

/**
 * One row of {@code metrics.json}: figures by name at a step (training loss, learning rate,
 * throughput, validation figures prefixed {@code val_}).
 */
public record MetricRow(long step, Map<String, Double> values) {
  public MetricRow {
    values = Map.copyOf(values);
  }

  /** A value, or NaN when the row has none by that name. */
  public double get(String name) {
    Double v = values.get(name);
    return v == null ? Double.NaN : v;
  }
}
