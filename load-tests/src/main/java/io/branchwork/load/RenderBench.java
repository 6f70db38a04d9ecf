package io.branchwork.load;

import io.branchwork.core.FileTrees;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code render} against the server jar, over loopback, with the real openscad in bubblewrap:
 * <ul>
 *   <li>cold renders (each with a new customizer value, so none is cached) against the plain
 *       {@code openscad} CLI on the same flattened model and value, in the same run;</li>
 *   <li>cached renders (the same inputs again): the server's own {@code ms} and the round trip;</li>
 *   <li>{@code read} of a small file on the same workspace, alone and while 4 long renders run.</li>
 * </ul>
 * {@code load-tests/render-bench.sh [--cold 8] [--cached 300] [--reads 2000] [--out DIR]}
 */
public final class RenderBench {

  /** About a second in openscad 2021.01 with n = 4 (CGAL unions); n = 12 takes several. */
  static final String MODEL = "n = 4; // [1:1:12]\nseed = 0;\n"
      + "for (i = [0:n - 1]) rotate([0, 0, i * 30 + seed]) translate([10 + seed / 100, 0, 0]) rotate([20, 0, 0])\n"
      + "  cylinder(r = 4, h = 20, $fn = 40);\nsphere(9, $fn = 40);\n";

  private final Vertx vertx = Vertx.vertx();
  private final List<Result> results = new ArrayList<>();
  private final int cold;
  private final int cached;
  private final int reads;
  private final Path jar;
  private final Path out;

  private RenderBench(Map<String, String> opts) {
    cold = Integer.parseInt(opts.getOrDefault("--cold", "8"));
    cached = Integer.parseInt(opts.getOrDefault("--cached", "300"));
    reads = Integer.parseInt(opts.getOrDefault("--reads", "2000"));
    jar = Path.of(opts.getOrDefault("--jar", "target/branchwork.jar"));
    out = Path.of(opts.getOrDefault("--out", "load-tests/results/render"));
  }

  public static void main(String[] args) throws Exception {
    RenderBench bench = new RenderBench(LoadRunner.options(args));
    try {
      bench.run();
    } finally {
      bench.vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private void run() throws Exception {
    Path work = Files.createTempDirectory("bw-render-bench-");
    long started = System.currentTimeMillis();
    try (ServerProcess s = ServerProcess.start(jar, work.resolve("server"), "1g",
        Map.of("BRANCHWORK_LOG_LEVEL", "WARN", "BRANCHWORK_RENDER_THREADS", "4", "BRANCHWORK_RENDER_PER_USER", "8",
            "BRANCHWORK_RENDER_TIMEOUT_MS", "120000", "BRANCHWORK_BUS_REQUEST_TIMEOUT_MS", "180000"),
        work.resolve("server.log"))) {
      Http http = new Http(s.port);
      http.post("/api/users", null, new JsonObject().put("username", "load").put("password", "load-password"), 201);
      String token = http.post("/api/sessions", null, new JsonObject().put("username", "load")
          .put("password", "load-password"), 200).getString("token");
      http.post("/api/projects", token, new JsonObject().put("id", "render"), 201);
      WebSocketClient client = vertx.createWebSocketClient();
      WsConn ws = WsConn.connect(client, s.port, token).await(30, TimeUnit.SECONDS);
      WsConn bg = WsConn.connect(client, s.port, token).await(30, TimeUnit.SECONDS);
      for (WsConn c : List.of(ws, bg)) {
        c.ok(new JsonObject().put("op", "open").put("project", "render").put("branch", "main")).await(60, TimeUnit.SECONDS);
      }
      ws.ok(write("model.scad", MODEL)).await(60, TimeUnit.SECONDS);
      ws.ok(write("small.txt", "x".repeat(200))).await(60, TimeUnit.SECONDS);
      Files.writeString(work.resolve("model.scad"), MODEL);

      coldAgainstCli(ws, work);
      cachedRenders(ws);
      readsBesideRenders(ws, bg);
      client.close().await(10, TimeUnit.SECONDS);
    } finally {
      FileTrees.deleteQuietly(work);
    }
    Result.write(out, results, new JsonObject().put("started", started));
  }

  private static JsonObject write(String path, String text) {
    return new JsonObject().put("op", "write").put("path", path).put("content", text.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject render(int seed, int n) {
    return new JsonObject().put("op", "render").put("entry", "model.scad")
        .put("params", new JsonObject().put("seed", seed).put("n", n));
  }

  /** Each server render and each CLI run gets a value never rendered before; they alternate. */
  private void coldAgainstCli(WsConn ws, Path work) throws Exception {
    Result server = new Result("render", "cold render at the server (ms field)");
    Result trip = new Result("render", "cold render, round trip");
    Result cli = new Result("render", "plain openscad CLI, same model");
    for (int i = 0; i <= cold; i++) {
      long t0 = System.nanoTime();
      JsonObject r = ws.ok(render(1000 + i, 4)).await(180, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      if (r.getString("key") == null || Boolean.TRUE.equals(r.getBoolean("cached"))) {
        throw new IllegalStateException("not a cold render: " + r.encode());
      }
      long c0 = System.nanoTime();
      LoadRunner.run(work, "openscad", "-q", "-o", work.resolve("cli.stl").toString(), "-D", "seed=" + (2000 + i),
          "-D", "n=4", "model.scad");
      long c1 = System.nanoTime();
      if (i > 0) { // the first of each warms up
        server.record(TimeUnit.MILLISECONDS.toNanos(r.getLong("ms")));
        trip.record(t1 - t0);
        cli.record(c1 - c0);
      }
    }
    double ratio = Math.round(trip.p(50) / cli.p(50) * 100) / 100.0;
    trip.extra.put("ratio_p50_to_cli", ratio);
    results.add(server);
    results.add(trip);
    results.add(cli);
    LoadRunner.log(String.format("cold: server %.0f ms, round trip %.0f ms, openscad CLI %.0f ms (%.2fx)",
        server.p(50) / 1000, trip.p(50) / 1000, cli.p(50) / 1000, ratio));
  }

  private void cachedRenders(WsConn ws) throws Exception {
    Result server = new Result("render", "cached render at the server (ms field)");
    Result trip = new Result("render", "cached render, round trip");
    ws.ok(render(1000, 4)).await(180, TimeUnit.SECONDS);
    for (int i = 0; i < cached; i++) {
      long t0 = System.nanoTime();
      JsonObject r = ws.ok(render(1000, 4)).await(60, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      if (!Boolean.TRUE.equals(r.getBoolean("cached"))) {
        throw new IllegalStateException("not cached: " + r.encode());
      }
      // ms is whole milliseconds: 0 is recorded as 1 µs
      server.record(TimeUnit.MILLISECONDS.toNanos(r.getLong("ms")));
      trip.record(t1 - t0);
    }
    results.add(server);
    results.add(trip);
    LoadRunner.log(String.format("cached: server p50 %.1f ms p99 %.1f ms; round trip p50 %.2f ms p99 %.2f ms",
        server.p(50) / 1000, server.p(99) / 1000, trip.p(50) / 1000, trip.p(99) / 1000));
  }

  /** {@code read} p99 alone, then while 4 long renders (n = 12, new values) run on another connection. */
  private void readsBesideRenders(WsConn ws, WsConn bg) throws Exception {
    Result alone = new Result("render", "read, no render running");
    readLoop(ws, alone, reads, null);
    List<Future<JsonObject>> long4 = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long4.add(bg.ok(render(5000 + i, 12)));
    }
    Thread.sleep(300); // the renders have started (a bound on the bench, not a test)
    Result beside = new Result("render", "read during 4 concurrent long renders");
    readLoop(ws, beside, reads * 10, long4);
    int during = (int) beside.latency.getTotalCount();
    Future.all(long4).await(300, TimeUnit.SECONDS);
    beside.extra.put("reads_while_rendering", during);
    results.add(alone);
    results.add(beside);
    LoadRunner.log(String.format("read alone p50 %.2f ms p99 %.2f ms; during 4 long renders (%d reads) p50 %.2f ms p99 %.2f ms",
        alone.p(50) / 1000, alone.p(99) / 1000, during, beside.p(50) / 1000, beside.p(99) / 1000));
  }

  /** Up to {@code max} reads one after another; with {@code until}, only while one of them runs. */
  private static void readLoop(WsConn ws, Result into, int max, List<Future<JsonObject>> until) throws Exception {
    JsonObject read = new JsonObject().put("op", "read").put("path", "small.txt");
    for (int i = 0; i < max; i++) {
      if (until != null && until.stream().allMatch(Future::isComplete)) {
        return;
      }
      long t0 = System.nanoTime();
      ws.ok(read).await(60, TimeUnit.SECONDS);
      into.record(System.nanoTime() - t0);
    }
  }
}
