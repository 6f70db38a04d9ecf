package io.branchwork.load;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** One measured row: latency percentiles (µs), throughput and errors, plus free-form figures. */
final class Result {

  final String scenario;
  final String name;
  final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(10), 3);
  final JsonObject extra = new JsonObject();
  long errors;
  double seconds;

  Result(String scenario, String name) {
    this.scenario = scenario;
    this.name = name;
  }

  void record(long nanos) {
    latency.recordValue(Math.max(1, nanos));
  }

  double p(double percentile) {
    return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
  }

  double throughput() {
    return seconds <= 0 ? Double.NaN : latency.getTotalCount() / seconds;
  }

  JsonObject toJson() {
    JsonObject o = new JsonObject().put("scenario", scenario).put("name", name)
        .put("count", latency.getTotalCount()).put("errors", errors);
    if (latency.getTotalCount() > 0) {
      o.put("p50_us", round(p(50))).put("p99_us", round(p(99))).put("p999_us", round(p(99.9)));
      if (seconds > 0) {
        o.put("throughput_per_s", round(throughput()));
      }
    }
    return o.mergeIn(extra);
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
