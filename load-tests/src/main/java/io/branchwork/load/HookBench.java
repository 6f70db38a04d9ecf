package io.branchwork.load;

import io.branchwork.core.FileTrees;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Webhooks against the server jar, over loopback, with a receiver in this process.
 *
 * <p>Latency: one project, one hook, {@code --commits} commits one after the other (paced 20 ms
 * apart); per commit, the time from the commit's answer at the client to its delivery at the
 * receiver.
 *
 * <p>Throughput: {@code --projects} projects with {@code --hooks} hooks each, every project
 * committing {@code --rate} times a second for {@code --seconds}: projects x hooks x rate
 * deliveries a second (100 by default). The receiver fails the first attempt of every other
 * delivery (HTTP 500), so the server also retries half of them (after {@code hooks.retryFirstMs},
 * 1 s by default). Counted: deliveries the receiver accepted per second over the run, and whether
 * every (commit, hook) pair arrived: none may be lost.
 *
 * <p>{@code load-tests/hooks-bench.sh [--commits 200] [--projects 5] [--hooks 4] [--rate 5] [--seconds 30] [--store embedded|pg]}
 */
public final class HookBench {

  private final Vertx vertx = Vertx.vertx();
  private final List<Result> results = new ArrayList<>();
  private final Map<String, String> opts;
  /** Commit id + hook path -> when the receiver accepted it (nanoTime). */
  private final Map<String, Long> accepted = new ConcurrentHashMap<>();
  /** Delivery ids whose first attempt was failed on purpose. */
  private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private HttpServer receiver;

  private HookBench(Map<String, String> opts) {
    this.opts = opts;
  }

  public static void main(String[] args) throws Exception {
    HookBench bench = new HookBench(LoadRunner.options(args));
    try {
      bench.run();
    } finally {
      bench.vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private int opt(String name, int dflt) {
    return Integer.parseInt(opts.getOrDefault(name, String.valueOf(dflt)));
  }

  private void run() throws Exception {
    Path work = Files.createTempDirectory("bw-hook-bench-");
    long started = System.currentTimeMillis();
    receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      attempts.incrementAndGet();
      String id = req.getHeader("X-Branchwork-Delivery");
      // Half the deliveries fail their first attempt: those whose id hashes even.
      if (req.path().startsWith("/flaky") && (id.hashCode() & 1) == 0 && failedOnce.add(id)) {
        req.response().setStatusCode(500).end("try again");
        return;
      }
      // Projects committing the same files at the same second make the same commit ids: keyed by project too.
      JsonObject body = new JsonObject(b.toString(StandardCharsets.UTF_8));
      String key = body.getString("project") + "/" + body.getString("after") + req.path();
      if (accepted.putIfAbsent(key, System.nanoTime()) != null) {
        duplicates.incrementAndGet();
      }
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Map<String, String> env = new HashMap<>(Map.of("BRANCHWORK_LOG_LEVEL", "WARN",
        "BRANCHWORK_HOOKS_ALLOW_PRIVATE_TARGETS", "true"));
    String store = opts.getOrDefault("--store", "embedded");
    if (store.equals("pg")) {
      env.put("BRANCHWORK_STORE", "pg");
      env.put("BRANCHWORK_PG_URL", System.getenv().getOrDefault("PG_URL", "postgresql://postgres@127.0.0.1:5432/test"));
      env.put("BRANCHWORK_PG_SCHEMA", "hookbench" + started);
    }
    try (ServerProcess s = ServerProcess.start(Path.of(opts.getOrDefault("--jar", "target/branchwork.jar")),
        work.resolve("server"), "1g", env, work.resolve("server.log"))) {
      Http http = new Http(s.port);
      http.post("/api/users", null, new JsonObject().put("username", "load").put("password", "load-password"), 201);
      String token = http.post("/api/sessions", null, new JsonObject().put("username", "load")
          .put("password", "load-password"), 200).getString("token");
      WebSocketClient client = vertx.createWebSocketClient();
      latency(http, client, s.port, token, store);
      throughput(http, client, s.port, token, store);
    } finally {
      receiver.close();
      if (opts.containsKey("--keep")) {
        LoadRunner.log("kept " + work);
      } else {
        FileTrees.deleteQuietly(work);
      }
    }
    Result.write(Path.of(opts.getOrDefault("--out", "load-tests/results/hooks")), results,
        new JsonObject().put("started", started).put("store", store));
  }

  private String url(String path) {
    return "http://127.0.0.1:" + receiver.actualPort() + path;
  }

  private void hook(Http http, String token, String project, String path) throws Exception {
    http.post("/api/projects/" + project + "/hooks", token, new JsonObject().put("url", url(path))
        .put("events", new JsonArray().add("commit")).put("secret", "bench-secret"), 201);
  }

  private WsConn open(WebSocketClient client, int port, String token, String project) throws Exception {
    WsConn ws = WsConn.connect(client, port, token).await(30, TimeUnit.SECONDS);
    ws.ok(new JsonObject().put("op", "open").put("project", project).put("branch", "main")).await(60, TimeUnit.SECONDS);
    return ws;
  }

  private final Result ops = new Result("hooks", "write + commit, client round trips (throughput run)");

  /** Writes a file and commits it; answers the commit id and when its answer arrived (nanoTime). */
  private Map.Entry<String, Long> commit(WsConn ws, int i) throws Exception {
    long t0 = System.nanoTime();
    ws.ok(new JsonObject().put("op", "write").put("path", "part.scad")
        .put("content", ("cube(" + i + ");\n").getBytes(StandardCharsets.UTF_8))).await(60, TimeUnit.SECONDS);
    JsonObject c = ws.ok(new JsonObject().put("op", "commit").put("message", "c" + i)).await(60, TimeUnit.SECONDS);
    long now = System.nanoTime();
    ops.record(now - t0);
    return Map.entry(c.getString("commit"), now);
  }

  private void latency(Http http, WebSocketClient client, int port, String token, String store) throws Exception {
    http.post("/api/projects", token, new JsonObject().put("id", "lat"), 201);
    hook(http, token, "lat", "/steady");
    WsConn ws = open(client, port, token, "lat");
    int commits = opt("--commits", 200);
    Result r = new Result("hooks", "commit answer -> delivery at the receiver (" + store + " store)");
    long early = 0;
    long lost = 0;
    for (int i = 0; i < commits + 20; i++) {
      Map.Entry<String, Long> c = commit(ws, i);
      String key = "lat/" + c.getKey() + "/steady";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!accepted.containsKey(key) && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      Long at = accepted.get(key);
      if (i < 20) {
        continue; // warm-up
      }
      if (at == null) {
        lost++;
      } else {
        early += at < c.getValue() ? 1 : 0;
        r.record(Math.max(0, at - c.getValue()));
      }
      Thread.sleep(20);
    }
    r.errors = lost;
    r.extra.put("arrivedBeforeTheAnswer", early).put("note", "1 ms polling at the receiver's side");
    results.add(r);
    LoadRunner.log(r.toJson().encode());
  }

  private void throughput(Http http, WebSocketClient client, int port, String token, String store) throws Exception {
    int projects = opt("--projects", 5);
    int hooks = opt("--hooks", 4);
    int rate = opt("--rate", 5);
    int seconds = opt("--seconds", 30);
    List<WsConn> conns = new ArrayList<>();
    ops.latency.reset();
    for (int p = 0; p < projects; p++) {
      http.post("/api/projects", token, new JsonObject().put("id", "tp" + p), 201);
      for (int h = 0; h < hooks; h++) {
        hook(http, token, "tp" + p, "/flaky/" + h);
      }
      conns.add(open(client, port, token, "tp" + p));
    }
    Set<String> expected = ConcurrentHashMap.newKeySet();
    long attempts0 = attempts.get();
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> writers = new ArrayList<>();
    for (int p = 0; p < projects; p++) {
      WsConn ws = conns.get(p);
      String project = "tp" + p;
      Thread t = new Thread(() -> {
        long next = System.nanoTime();
        for (int i = 0; System.nanoTime() < end; i++) {
          try {
            String commit = commit(ws, i).getKey();
            for (int h = 0; h < hooks; h++) {
              expected.add(project + "/" + commit + "/flaky/" + h);
            }
            next += 1_000_000_000L / rate;
            long wait = next - System.nanoTime();
            if (wait > 0) {
              Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      t.start();
      writers.add(t);
    }
    for (Thread t : writers) {
      t.join();
    }
    long inWindow = expected.stream().filter(k -> accepted.getOrDefault(k, Long.MAX_VALUE) <= end).count();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!accepted.keySet().containsAll(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    long drained = System.nanoTime();
    long lost = expected.stream().filter(k -> !accepted.containsKey(k)).count();
    Result r = new Result("hooks", "deliveries, receiver failing half the first attempts (" + store + " store)");
    for (String k : expected) {
      Long at = accepted.get(k);
      if (at != null) {
        r.record(at - t0);
      }
    }
    r.errors = lost;
    r.seconds = (drained - t0) / 1e9;
    r.extra.put("offeredPerS", Math.round(expected.size() / (double) seconds))
        .put("acceptedInWindowPerS", Math.round(inWindow / (double) seconds))
        .put("attemptsPerS", Math.round((attempts.get() - attempts0) / r.seconds))
        .put("failedOnPurpose", failedOnce.size()).put("lost", lost).put("duplicates", duplicates.get())
        .put("drainedAfterS", Math.round((drained - end) / 1e8) / 10.0)
        .put("note", "latency columns are times since the run started, not per delivery");
    results.add(r);
    results.add(ops);
    LoadRunner.log(r.toJson().encode());
    LoadRunner.log(ops.toJson().encode());
  }
}
