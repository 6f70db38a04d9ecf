package io.branchwork.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Writes the run as JSON, as a Markdown table with the targets checked, and as an SVG chart. */
final class Report {

  private Report() {}

  static JsonObject write(LoadRunner.Options o, List<Result> results, long startedMs) throws Exception {
    JsonArray rows = new JsonArray();
    results.forEach(r -> rows.add(r.toJson()));
    JsonObject machine = new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    JsonObject report = new JsonObject().put("date", Instant.ofEpochMilli(startedMs).toString())
        .put("smoke", o.smoke()).put("store", o.store()).put("durationS", o.durationS()).put("machine", machine)
        .put("results", rows).put("targets", targets(rows));
    Files.createDirectories(o.out());
    Files.writeString(o.out().resolve(o.smoke() ? "smoke.json" : "latest.json"), report.encodePrettily());
    Files.writeString(o.out().resolve(o.smoke() ? "smoke.svg" : "latency.svg"), svg(rows));
    if (!o.smoke() && !o.hot()) {
      Files.writeString(o.out().resolve("table.md"), table(report));
    }
    return report;
  }

  private static JsonObject find(JsonArray rows, String name) {
    for (Object o : rows) {
      JsonObject r = (JsonObject) o;
      if (r.getString("name").equals(name)) {
        return r;
      }
    }
    return null;
  }

  private static double ratio(JsonObject a, String fa, JsonObject b, String fb) {
    if (a == null || b == null || a.getDouble(fa) == null || b.getDouble(fb) == null || b.getDouble(fb) == 0) {
      return Double.NaN;
    }
    return a.getDouble(fa) / b.getDouble(fb);
  }

  /** The targets, as ratios measured in this run. */
  private static JsonObject targets(JsonArray rows) {
    JsonObject t = new JsonObject();
    t.put("readMedianOverEchoMedian_c1", ratio(find(rows, "read-4k c=1 w=1"), "p50_us", find(rows, "ws-echo-4k c=1"), "p50_us"));
    t.put("readThroughputOverEcho_c64", ratio(find(rows, "read-4k c=64 w=1"), "throughput_per_s",
        find(rows, "ws-echo-4k c=64"), "throughput_per_s"));
    t.put("statelessOverWarmWrite_10MB", ratio(find(rows, "write-4k per request on 10MB"), "p50_us",
        find(rows, "write-4k on 10MB c=1"), "p50_us"));
    t.put("coldOpenOverTar_10MB", ratio(find(rows, "open+read 10MB"), "p50_us", find(rows, "tar -xzf 10MB"), "p50_us"));
    for (Object o : rows) {
      JsonObject r = (JsonObject) o;
      if (r.containsKey("heapBytesPerWorkspace")) {
        t.put("heapBytesPerIdleWorkspace", r.getLong("heapBytesPerWorkspace"));
      }
      if (r.containsKey("heapBytesPerConnection")) {
        t.put("heapBytesForIdleConnections", r.getLong("heapBytes"));
        t.put("idleConnectionErrors", r.getLong("errors"));
      }
    }
    return t;
  }

  private static String fmt(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double d) {
      return d.isNaN() ? "n/a" : String.format(Locale.ROOT, d >= 100 ? "%.0f" : "%.2f", d);
    }
    return v.toString();
  }

  private static String table(JsonObject report) {
    StringBuilder sb = new StringBuilder();
    sb.append("| scenario | row | p50 µs | p99 µs | p99.9 µs | ops/s | count | errors | other |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (Object o : report.getJsonArray("results")) {
      JsonObject r = (JsonObject) o;
      JsonObject other = r.copy();
      for (String k : List.of("scenario", "name", "p50_us", "p99_us", "p999_us", "throughput_per_s", "count", "errors")) {
        other.remove(k);
      }
      sb.append("| ").append(r.getString("scenario")).append(" | ").append(r.getString("name")).append(" | ")
          .append(fmt(r.getValue("p50_us"))).append(" | ").append(fmt(r.getValue("p99_us"))).append(" | ")
          .append(fmt(r.getValue("p999_us"))).append(" | ").append(fmt(r.getValue("throughput_per_s"))).append(" | ")
          .append(r.getValue("count")).append(" | ").append(r.getValue("errors")).append(" | ")
          .append(other.isEmpty() ? "" : other.encode().replace("|", "/")).append(" |\n");
    }
    if (report.getJsonObject("targets").stream()
        .allMatch(e -> e.getValue() instanceof Double d && d.isNaN())) {
      return sb.toString(); // a run without those scenarios (--cluster)
    }
    sb.append("\nTargets, measured in this run:\n\n");
    report.getJsonObject("targets").forEach(e -> sb.append("- `").append(e.getKey()).append("`: ")
        .append(fmt(e.getValue() instanceof Number n && !(e.getValue() instanceof Long) ? n.doubleValue() : e.getValue()))
        .append('\n'));
    return sb.toString();
  }

  /** Horizontal bars of p50 and p99 per row, on a log scale from 10 µs to 10 s. */
  private static String svg(JsonArray rows) {
    int rowH = 18;
    int left = 330;
    int width = 900;
    int height = 40 + rows.size() * rowH + 30;
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
        .append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
    sb.append("<text x=\"10\" y=\"18\" font-size=\"13\">Branchwork latency per scenario: p50 (dark) and p99 (light), log scale</text>\n");
    double min = Math.log10(10);
    double max = Math.log10(10_000_000);
    int plot = width - left - 20;
    for (int d = 1; d <= 7; d++) {
      double x = left + (d - min) / (max - min) * plot;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"30\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
          + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, x, height - 25, x, height - 10,
          d < 3 ? (int) Math.pow(10, d) + " µs" : d < 6 ? (int) Math.pow(10, d - 3) + " ms" : (int) Math.pow(10, d - 6) + " s"));
    }
    int y = 34;
    for (Object o : rows) {
      JsonObject r = (JsonObject) o;
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 6, y + 12,
          (r.getString("scenario") + ": " + r.getString("name")).replace("&", "&amp;").replace("<", "&lt;")));
      for (String[] k : new String[][] {{"p99_us", "#9ecae1"}, {"p50_us", "#3182bd"}}) {
        Double v = r.getDouble(k[0]);
        if (v != null && v > 0) {
          double w = Math.max(1, (Math.log10(Math.max(10, v)) - min) / (max - min) * plot);
          sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
              left, y + 2, w, rowH - 5, k[1]));
        }
      }
      y += rowH;
    }
    return sb.append("</svg>\n").toString();
  }
}
