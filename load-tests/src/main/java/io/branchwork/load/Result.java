package io.branchwork.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  /**
   * Writes a harness's rows to {@code out}: {@code latest.json} ({@code report} with the rows and
   * the machine's cores) and {@code table.md} (p50, p99, count, notes per row).
   */
  static void write(Path out, List<Result> results, JsonObject report) throws Exception {
    Files.createDirectories(out);
    JsonArray rows = new JsonArray();
    StringBuilder table = new StringBuilder("| row | p50 | p99 | n | notes |\n|---|---:|---:|---:|---|\n");
    for (Result r : results) {
      rows.add(r.toJson());
      table.append(String.format("| %s | %.1f ms | %.1f ms | %d | %s |%n", r.name, r.p(50) / 1000, r.p(99) / 1000,
          r.latency.getTotalCount(), r.extra.encode()));
    }
    report.put("cores", Runtime.getRuntime().availableProcessors()).put("results", rows);
    Files.writeString(out.resolve("latest.json"), report.encodePrettily());
    Files.writeString(out.resolve("table.md"), table.toString());
    LoadRunner.log("results in " + out.toAbsolutePath());
  }
}
