package io.branchwork.load;

import io.branchwork.core.FileTrees;
import io.branchwork.store.EmbeddedStore;
import io.branchwork.store.Store;
import io.branchwork.workspace.snapshot.SnapshotPacker;
import io.branchwork.workspace.snapshot.SnapshotUnpacker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The load harness: starts the server jar in its own process, drives it over loopback with the
 * wire contract, measures the physical ceilings (a raw WebSocket echo and a raw event-bus
 * round trip) and the stateless alternative in the same run, and writes JSON results, a
 * Markdown table and an SVG chart. Every loop is bounded in time and count.
 *
 * <p>{@code load-tests/run.sh [--smoke] [--duration-s N] [--sizes 1,10,50] [--workspaces N]
 * [--connections N] [--hold-s N] [--store pg] [--cluster] [--hot]}; {@code --hot} measures only the
 * ceilings and the warm ops on one workspace
 */
public final class LoadRunner {

  static final int PAYLOAD = 4096;

  final Options o;
  final Vertx vertx = Vertx.vertx();
  final WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000));
  private final List<Result> results = new ArrayList<>();
  private Path work;
  private ServerProcess server;
  private Http http;
  private String token;

  record Options(boolean smoke, int durationS, List<Integer> sizesMb, int workspaces, int connections, int holdS,
      Path jar, Path out, String store, String pgUrl, boolean cluster, boolean hot) {

    static Options parse(String[] args) {
      boolean smoke = List.of(args).contains("--smoke");
      int duration = smoke ? 1 : 5;
      List<Integer> sizes = smoke ? List.of(1) : List.of(1, 10, 50);
      int workspaces = smoke ? 5 : 1000;
      int connections = smoke ? 20 : 10_000;
      int hold = smoke ? 2 : 60;
      Path jar = Path.of("target/branchwork.jar");
      boolean cluster = List.of(args).contains("--cluster");
      Path out = Path.of(cluster ? "load-tests/results/cluster" : "load-tests/results");
      String store = "embedded";
      for (int i = 0; i < args.length - 1; i++) {
        switch (args[i]) {
          case "--duration-s" -> duration = Integer.parseInt(args[i + 1]);
          case "--sizes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::valueOf).toList();
          case "--workspaces" -> workspaces = Integer.parseInt(args[i + 1]);
          case "--connections" -> connections = Integer.parseInt(args[i + 1]);
          case "--hold-s" -> hold = Integer.parseInt(args[i + 1]);
          case "--jar" -> jar = Path.of(args[i + 1]);
          case "--out" -> out = Path.of(args[i + 1]);
          case "--store" -> store = args[i + 1];
          default -> { }
        }
      }
      String pgUrl = System.getenv().getOrDefault("PG_URL", "postgresql://postgres@127.0.0.1:5432/test");
      return new Options(smoke, duration, sizes, workspaces, connections, hold, jar, out, cluster ? "pg" : store, pgUrl,
          cluster, List.of(args).contains("--hot"));
    }
  }

  private LoadRunner(Options o) {
    this.o = o;
  }

  public static void main(String[] args) throws Exception {
    runForTest(args);
  }

  /** Runs everything and answers the results; used by main and by the smoke test. */
  static JsonObject runForTest(String... args) throws Exception {
    LoadRunner runner = new LoadRunner(Options.parse(args));
    try {
      return runner.run();
    } finally {
      runner.vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The harness signs every client in as one user, so the per-user caps (meant for real users)
   * are lifted for the server it measures.
   */
  static Map<String, String> oneUserManyClients() {
    return Map.of("BRANCHWORK_LIMITS_MAX_CONNECTIONS_PER_USER", "10000000",
        "BRANCHWORK_LIMITS_MAX_WORKSPACES_PER_USER", "10000000");
  }

  private JsonObject run() throws Exception {
    if (o.cluster()) {
      long started = System.currentTimeMillis();
      work = Files.createTempDirectory("bw-load-cluster-");
      try {
        new ClusterScenario(this, work).run();
      } finally {
        FileTrees.deleteQuietly(work);
      }
      JsonObject report = Report.write(o, results, started);
      log("results in " + o.out().toAbsolutePath());
      return report;
    }
    work = Files.createTempDirectory("bw-load-");
    String schema = "bw_load_" + Long.toHexString(System.nanoTime());
    serverSchema = schema;
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "BRANCHWORK_LOG_LEVEL", "WARN",
        "BRANCHWORK_WS_MAX_CONNECTIONS", String.valueOf(o.connections() + 1000),
        "BRANCHWORK_WS_PING_INTERVAL_MS", "5000",
        "BRANCHWORK_WS_IDLE_TIMEOUT_MS", "30000",
        "BRANCHWORK_GC_INTERVAL_MS", "1000",
        "BRANCHWORK_GC_GRACE_MS", "3000"));
    env.putAll(oneUserManyClients());
    if (o.store().equals("pg")) {
      env.put("BRANCHWORK_STORE", "pg");
      env.put("BRANCHWORK_PG_URL", o.pgUrl());
      env.put("BRANCHWORK_PG_SCHEMA", schema);
      env.put("BRANCHWORK_PG_POOL_SIZE", "8");
    }
    long started = System.currentTimeMillis();
    try (ServerProcess s = ServerProcess.start(o.jar(), work.resolve("server"), "2g", env, work.resolve("server.log"))) {
      server = s;
      http = new Http(s.port);
      http.post("/api/users", null, new JsonObject().put("username", "load").put("password", "load-password"), 201);
      token = http.post("/api/sessions", null, new JsonObject().put("username", "load").put("password", "load-password"), 200)
          .getString("token");
      log("server up on port " + s.port);
      ceilings();
      warmOps();
      if (!o.hot()) {
        for (int mb : o.sizesMb()) {
          sized(mb);
        }
        scale();
      }
    } finally {
      FileTrees.deleteQuietly(work);
      if (o.store().equals("pg")) {
        List<String> drop = new ArrayList<>(baselineSchemas);
        drop.add(schema);
        dropSchemas(drop.toArray(String[]::new));
      }
    }
    JsonObject report = Report.write(o, results, started);
    log("results in " + o.out().toAbsolutePath());
    return report;
  }

  void dropSchemas(String... schemas) {
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(o.pgUrl())).using(vertx).build();
    try {
      for (String s : schemas) {
        pool.query("DROP SCHEMA IF EXISTS " + s + " CASCADE").execute().await(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      log("could not drop " + String.join(", ", schemas) + ": " + e);
    } finally {
      pool.close();
    }
  }

  /**
   * Bytes the server's store has written so far: PostgreSQL's WAL position (every row and TOAST
   * write goes through it), or the embedded database file's size (H2 appends its chunks).
   */
  private long storeBytesWritten() throws Exception {
    if (o.store().equals("pg")) {
      return pgLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
    }
    Path db = work.resolve("server").resolve("db").resolve("branchwork.mv.db");
    return Files.exists(db) ? Files.size(db) : 0;
  }

  /**
   * What the server's PostgreSQL schema holds for a project: its packs, or on a build from before
   * the object database (no {@code packs} table), its branches' snapshot versions.
   */
  private long packBytes(String project) throws Exception {
    String table = pgLong("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + serverSchema
        + "' AND table_name = 'packs'") > 0 ? "packs" : "snapshots";
    return pgLong("SELECT COALESCE(SUM(bytes), 0)::bigint FROM " + serverSchema + "." + table + " WHERE project_id = '"
        + project + "'");
  }

  private long pgLong(String sql) throws Exception {
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(o.pgUrl())).using(vertx).build();
    try {
      return pool.query(sql).execute().await(60, TimeUnit.SECONDS).iterator().next().getLong(0);
    } finally {
      pool.close();
    }
  }

  private String serverSchema;

  /** The store the stateless baseline uses: the same engine as the server under test. */
  private Store baselineStore(int mb) throws Exception {
    if (o.store().equals("pg")) {
      String schema = "bw_load_baseline_" + mb + "_" + Long.toHexString(System.nanoTime());
      baselineSchemas.add(schema);
      return io.branchwork.store.PgStore.open(vertx, o.pgUrl(), schema, 4, 1 << 20, 5).await(60, TimeUnit.SECONDS);
    }
    return EmbeddedStore.open(vertx, work.resolve("baseline-db-" + mb), 2, 1 << 20, 5).await(60, TimeUnit.SECONDS);
  }

  private final List<String> baselineSchemas = new ArrayList<>();

  static void log(String s) {
    System.out.println("[load] " + s);
  }

  // --- building blocks

  byte[] payload() {
    byte[] b = new byte[PAYLOAD];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  /** A write of {@code c<client>.bin} whose content differs from every write before it. */
  private static JsonObject changing(byte[] payload, int client, long n) {
    byte[] content = payload.clone();
    java.nio.ByteBuffer.wrap(content).putLong(n);
    return new JsonObject().put("op", "write").put("path", "c" + client + ".bin").put("content", content);
  }

  private WsConn conn() throws Exception {
    return WsConn.connect(client, server.port, token).await(30, TimeUnit.SECONDS);
  }

  private List<WsConn> conns(int n) throws Exception {
    List<Future<WsConn>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(WsConn.connect(client, server.port, token));
    }
    Future.all(fs).await(120, TimeUnit.SECONDS);
    return fs.stream().map(Future::result).toList();
  }

  private static void closeAll(List<WsConn> conns) {
    conns.forEach(c -> c.ws.close());
  }

  private void project(String id) throws Exception {
    http.post("/api/projects", token, new JsonObject().put("id", id), 201);
  }

  private static JsonObject open(String project, String branch) {
    return new JsonObject().put("op", "open").put("project", project).put("branch", branch);
  }

  /** Closed loop: each client sends its next request when the last one answered, for {@code seconds}. */
  Result closedLoop(String scenario, String name, int clients, int seconds,
      Function<Integer, Future<Boolean>> op) throws Exception {
    Result r = new Result(scenario, name);
    if (!"warmup".equals(scenario) && !ONLY.matcher(name).find()) {
      return r; // -Dload.only=REGEX: measure the cells it names, as for a profile of one path
    }
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(clients);
    long t0 = System.nanoTime();
    long events0 = WsConn.EVENTS.sum();
    for (int i = 0; i < clients; i++) {
      loop(i, op, r, errors, end, done);
    }
    if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
      errors.incrementAndGet();
    }
    r.seconds = (System.nanoTime() - t0) / 1e9;
    r.errors = errors.get();
    long events = WsConn.EVENTS.sum() - events0;
    if (events > 0) {
      // Pushes the clients received meanwhile: each write's `changed` goes to every other client.
      r.extra.put("events_per_s", Math.round(events / r.seconds));
    }
    return r;
  }

  private void loop(int client, Function<Integer, Future<Boolean>> op, Result r, AtomicLong errors, long end,
      CountDownLatch done) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    long t = System.nanoTime();
    op.apply(client).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        r.record(System.nanoTime() - t);
      } else {
        errors.incrementAndGet();
      }
      loop(client, op, r, errors, end, done);
    });
  }

  /** Seconds of writes before each write cell of {@code warmOps} (see there); -Dload.writeWarmupS. */
  private static final int WRITE_WARMUP_S = Integer.getInteger("load.writeWarmupS", 5);
  /** Cells to measure ({@code -Dload.only}, a regular expression on their names; all by default). */
  private static final java.util.regex.Pattern ONLY = java.util.regex.Pattern.compile(System.getProperty("load.only", ""));

  Result keep(Result r) {
    if (r.latency.getTotalCount() == 0 && !ONLY.matcher(r.name).find()) {
      return r;
    }
    results.add(r);
    log(r.toJson().encode());
    return r;
  }

  // --- scenario 2: the physical ceilings

  private void ceilings() throws Exception {
    HttpServer echo = vertx.createHttpServer()
        .webSocketHandler(ws -> ws.binaryMessageHandler(ws::writeBinaryMessage))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Buffer frame = Buffer.buffer(payload());
    for (int clients : new int[] {1, 16, 64}) {
      List<EchoConn> conns = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        conns.add(new EchoConn(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
            .setPort(echo.actualPort()).setURI("/")).await(10, TimeUnit.SECONDS)));
      }
      closedLoop("warmup", "echo", clients, 1, i -> conns.get(i).send(frame));
      keep(closedLoop("ceiling", "ws-echo-4k c=" + clients, clients, o.durationS(), i -> conns.get(i).send(frame)));
      conns.forEach(c -> c.ws.close());
    }
    echo.close();
    echoInAProcess(frame);
    vertx.eventBus().<JsonObject>consumer("load.echo", m -> m.reply(m.body())).completion().await();
    JsonObject body = new JsonObject().put("content", payload());
    for (int clients : new int[] {1, 16, 64}) {
      keep(closedLoop("ceiling", "bus-request-4k c=" + clients, clients, o.durationS(),
          i -> vertx.eventBus().request("load.echo", body).map(m -> true)));
    }
  }

  /** The same echo served by a JVM of its own ({@link EchoServer}), as the server under test is. */
  private void echoInAProcess(Buffer frame) throws Exception {
    int port = ServerProcess.freePort();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), EchoServer.class.getName(), String.valueOf(port))
        .redirectErrorStream(true).start();
    try {
      String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
      if (!"listening".equals(first)) {
        throw new IllegalStateException("the echo process did not start: " + first);
      }
      for (int clients : new int[] {1, 16, 64}) {
        List<EchoConn> conns = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          conns.add(new EchoConn(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
              .setPort(port).setURI("/")).await(10, TimeUnit.SECONDS)));
        }
        closedLoop("warmup", "echo", clients, 1, i -> conns.get(i).send(frame));
        keep(closedLoop("ceiling", "ws-echo-process-4k c=" + clients, clients, o.durationS(),
            i -> conns.get(i).send(frame)));
        conns.forEach(c -> c.ws.close());
      }
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A raw WebSocket whose next message answers the last one sent. */
  private static final class EchoConn {
    final WebSocket ws;
    Promise<Boolean> waiting;

    EchoConn(WebSocket ws) {
      this.ws = ws;
      ws.binaryMessageHandler(b -> waiting.complete(true));
    }

    Future<Boolean> send(Buffer frame) {
      waiting = Promise.promise();
      ws.writeBinaryMessage(frame);
      return waiting.future();
    }
  }

  // --- scenario 1: warm ops

  private void warmOps() throws Exception {
    for (int w = 0; w < 10; w++) {
      project("warm" + w);
    }
    // --hot: the hot path only (one workspace), for the before/after runs of load-tests/hot-path.sh
    for (int workspaces : o.hot() ? new int[] {1} : new int[] {1, 10}) {
      for (int clients : new int[] {1, 16, 64}) {
        List<WsConn> conns = conns(clients);
        for (int i = 0; i < clients; i++) {
          conns.get(i).ok(open("warm" + (i % workspaces), "main")).await(60, TimeUnit.SECONDS);
        }
        conns.get(0).ok(new JsonObject().put("op", "write").put("path", "f.bin").put("content", payload())).await();
        for (int w = 1; w < workspaces; w++) {
          conns.get(w % clients).ok(new JsonObject().put("op", "write").put("path", "f.bin").put("content", payload()))
              .await();
        }
        JsonObject read = new JsonObject().put("op", "read").put("path", "f.bin");
        byte[] content = payload();
        JsonObject write = new JsonObject().put("op", "write").put("path", "f.bin").put("content", content);
        closedLoop("warmup", "read", clients, 1, i -> conns.get(i).call(read).map(r -> r.getBoolean("ok")));
        keep(closedLoop("warm", "read-4k c=" + clients + " w=" + workspaces, clients, o.durationS(),
            i -> conns.get(i).call(read).map(r -> r.getBoolean("ok"))));
        String writes = "write-4k c=" + clients + " w=" + workspaces;
        String changingWrites = "write-4k-changing c=" + clients + " w=" + workspaces;
        java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
        // Writes warm up too, at the cell's own concurrency (only there do events fan out): without
        // it the server's JIT compiled the write path during the measured seconds (C2 took 28% of
        // its CPU 22-30 s after start, 1% from 35 s on), and a 5 s cell measured the compiler.
        // Not in the smoke run, which checks that the cells run, not what they measure.
        if (!o.smoke() && ONLY.matcher(writes).find()) {
          closedLoop("warmup", "write", clients, WRITE_WARMUP_S, i -> conns.get(i).call(write).map(r -> r.getBoolean("ok")));
        }
        keep(closedLoop("warm", writes, clients, o.durationS(),
            i -> conns.get(i).call(write).map(r -> r.getBoolean("ok"))));
        // Each write a change the store must take: client i writes its own file, new content every time.
        if (!o.smoke() && ONLY.matcher(changingWrites).find()) {
          closedLoop("warmup", "write-changing", clients, WRITE_WARMUP_S,
              i -> conns.get(i).call(changing(content, i, n.incrementAndGet())).map(r -> r.getBoolean("ok")));
        }
        keep(closedLoop("warm", changingWrites, clients, o.durationS(),
            i -> conns.get(i).call(changing(content, i, n.incrementAndGet())).map(r -> r.getBoolean("ok"))));
        closeAll(conns);
      }
    }
  }

  // --- scenarios 3, 4, 6: what depends on the repository's size

  /** A repository of about {@code mb} MB of incompressible files, HEAD on branch {@code data}. */
  private Path makeRepo(int mb) throws Exception {
    return makeRepo(work.resolve("repo-" + mb), mb);
  }

  /** A repository at {@code repo} of about {@code mb} MB of incompressible files, HEAD on branch {@code data}. */
  static Path makeRepo(Path repo, int mb) throws Exception {
    Files.createDirectories(repo);
    run(repo, "git", "init", "-q", "-b", "data");
    Files.writeString(repo.resolve("README.md"), "load test repository of " + mb + " MB\n");
    Files.createDirectories(repo.resolve("blobs"));
    byte[] block = new byte[256 * 1024];
    for (int i = 0; i < mb * 4; i++) {
      ThreadLocalRandom.current().nextBytes(block);
      Files.write(repo.resolve("blobs/" + i + ".bin"), block);
    }
    run(repo, "git", "add", ".");
    run(repo, "git", "-c", "user.name=load", "-c", "user.email=load@example.invalid", "commit", "-q", "-m", "data");
    return repo;
  }

  /** Imports the repository's working copy as branch {@code branch} (its HEAD is renamed to match). */
  private void importAs(String project, Path repo, String from, String branch) throws Exception {
    if (!from.equals(branch)) {
      run(repo, "git", "branch", "-m", from, branch);
    }
    Path tgz = work.resolve("import.tar.gz");
    run(repo, "tar", "-czf", tgz.toString(), ".");
    http.postBytes("/api/projects/" + project + "/import?branch=" + branch, token, Files.readAllBytes(tgz));
    Files.delete(tgz);
  }

  static void run(Path dir, String... cmd) throws Exception {
    capture(dir, cmd);
  }

  /** A harness's command line as {@code --name value} pairs. */
  static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    return opts;
  }

  /** Runs a command; answers what it printed, or fails with it. */
  static String capture(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  private static boolean ok(JsonObject reply) {
    return Boolean.TRUE.equals(reply.getBoolean("ok"));
  }

  private void sized(int mb) throws Exception {
    String id = "size" + mb;
    project(id);
    Path repo = makeRepo(mb);
    importAs(id, repo, "data", "data");
    int colds = o.smoke() ? 1 : 3;
    String head = "data";
    for (int i = 0; i < colds; i++) {
      importAs(id, repo, head, "cold" + i);
      head = "cold" + i;
    }
    Path snap = work.resolve("snap-" + mb + ".tar.gz");
    Files.write(snap, http.bytes("/api/projects/" + id + "/branches/data/snapshot", token));
    long snapBytes = Files.size(snap);

    // 4. cold open: register to first answered read, against tar -xzf of the same snapshot
    Result cold = new Result("cold-open", "open+read " + mb + "MB");
    WsConn c = conn();
    JsonObject readme = new JsonObject().put("op", "read").put("path", "README.md");
    for (int i = 0; i < colds; i++) {
      String branch = "cold" + i;
      long t0 = System.nanoTime();
      c.ok(open(id, branch)).compose(x -> c.ok(readme)).await(300, TimeUnit.SECONDS);
      cold.record(System.nanoTime() - t0);
    }
    cold.extra.put("snapshotBytes", snapBytes);
    Result tar = new Result("cold-open", "tar -xzf " + mb + "MB");
    for (int i = 0; i < colds; i++) {
      Path dir = Files.createDirectories(work.resolve("tar-" + i));
      long t0 = System.nanoTime();
      run(dir, "tar", "-xzf", snap.toString());
      tar.record(System.nanoTime() - t0);
      FileTrees.deleteQuietly(dir);
    }
    keep(cold);
    keep(tar);

    // 1b. warm write on a repository of this size, the row the stateless baseline compares to
    c.ok(open(id, "data")).await(300, TimeUnit.SECONDS);
    JsonObject write = new JsonObject().put("op", "write").put("path", "f.bin").put("content", payload());
    keep(closedLoop("warm", "write-4k on " + mb + "MB c=1", 1, o.durationS(), i -> c.call(write).map(LoadRunner::ok)));

    // 6. commit and save against the repository's size
    Result commit = new Result("commit-save", "commit " + mb + "MB");
    for (int i = 0; i < (o.smoke() ? 2 : 10); i++) {
      c.ok(new JsonObject().put("op", "write").put("path", "c.bin").put("content", payload())).await();
      long t0 = System.nanoTime();
      c.ok(new JsonObject().put("op", "commit").put("message", "load " + i)).await(300, TimeUnit.SECONDS);
      commit.record(System.nanoTime() - t0);
    }
    Result save = new Result("commit-save", "save " + mb + "MB");
    for (int i = 0; i < (o.smoke() ? 1 : 5); i++) {
      long t0 = System.nanoTime();
      c.ok(new JsonObject().put("op", "save")).await(300, TimeUnit.SECONDS);
      save.record(System.nanoTime() - t0);
    }
    keep(commit);
    keep(save);

    // 7. what a durable 4 KiB edit costs the store on a repository of this size: bytes the store
    // wrote (PostgreSQL: WAL; embedded: growth of the database file) and time, edit + save
    Result edit = new Result("durable-edit", "write-4k + save on " + mb + "MB");
    int edits = o.smoke() ? 3 : 20;
    long before = storeBytesWritten();
    for (int i = 0; i < edits; i++) {
      long t0 = System.nanoTime();
      c.ok(new JsonObject().put("op", "write").put("path", "edit.bin").put("content", payload()))
          .compose(x -> c.ok(new JsonObject().put("op", "save"))).await(300, TimeUnit.SECONDS);
      edit.record(System.nanoTime() - t0);
    }
    edit.extra.put("storeBytesPerEdit", (storeBytesWritten() - before) / edits);
    keep(edit);

    // 8. ten branches of this repository, one edit each: what the store holds, against one copy
    if (o.store().equals("pg")) {
      long one = packBytes(id);
      for (int b = 0; b < 9; b++) {
        c.ok(new JsonObject().put("op", "branch.create").put("name", "copy" + b)).await(60, TimeUnit.SECONDS);
        WsConn other = conn();
        other.ok(open(id, "copy" + b)).compose(x -> other.ok(new JsonObject().put("op", "write").put("path", "edit.bin")
            .put("content", payload()))).await(300, TimeUnit.SECONDS);
        other.ws.close();
      }
      Result branches = new Result("durable-edit", "10 branches of " + mb + "MB, one edit each");
      branches.extra.put("packBytesOneCopy", one);
      branches.extra.put("packBytesTenBranches", packBytes(id));
      keep(branches);
    }
    c.ws.close();

    baseline(mb, snap);
  }

  /**
   * 3. The stateless alternative, per request: load the snapshot from the store, unpack, write,
   * repack, store. Same store engine, same snapshot, Branchwork's own tar code.
   */
  private void baseline(int mb, Path snap) throws Exception {
    Store store = baselineStore(mb);
    try {
      store.createUser("b", "h").await();
      store.createProject("b", "b", "b").await();
      store.writeSnapshot("b", "main", "h", snap, null).await(300, TimeUnit.SECONDS);
      SnapshotUnpacker unpacker = new SnapshotUnpacker(Long.MAX_VALUE / 4, 10_000_000);
      Result r = new Result("stateless", "write-4k per request on " + mb + "MB");
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(o.durationS());
      int max = o.smoke() ? 2 : 200;
      for (int n = 0; n < max && (System.nanoTime() < end || n < 3); n++) {
        long t0 = System.nanoTime();
        var meta = store.legacySnapshots().await().stream()
            .filter(m -> m.project().equals("b") && m.branch().equals("main")).findFirst().orElseThrow();
        Path in = work.resolve("bl-in.tar.gz");
        store.readSnapshot(meta, in).await(300, TimeUnit.SECONDS);
        Path dir = work.resolve("bl-dir");
        unpacker.unpack(in, dir);
        Files.write(dir.resolve("f.bin"), payload());
        Path out = work.resolve("bl-out.tar.gz");
        SnapshotPacker.pack(dir, out, 1);
        store.writeSnapshot("b", "main", "h", out, null).await(300, TimeUnit.SECONDS);
        r.record(System.nanoTime() - t0);
        FileTrees.deleteQuietly(dir);
        Files.deleteIfExists(in);
        Files.deleteIfExists(out);
      }
      r.seconds = (System.nanoTime() - start) / 1e9;
      keep(r);
    } finally {
      store.close().await();
    }
  }

  // --- scenario 5: scale

  private void scale() throws Exception {
    int n = o.workspaces();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<?>> created = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "idle" + i;
      created.add(pool.submit(() -> {
        project(id);
        return null;
      }));
    }
    for (var f : created) {
      f.get(300, TimeUnit.SECONDS);
    }
    pool.shutdown();

    // Heap with the workspaces open, then with them evicted, the same connections held throughout:
    // what differs between the two readings is the workspaces.
    List<WsConn> conns = conns(n);
    Result idle = new Result("scale", n + " idle workspaces (open)");
    for (int from = 0; from < n; from += 100) {
      List<Future<JsonObject>> opens = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 100); i++) {
        long t0 = System.nanoTime();
        opens.add(conns.get(i).ok(open("idle" + i, "main")).onSuccess(x -> idle.record(System.nanoTime() - t0)));
      }
      Future.join(opens).await(300, TimeUnit.SECONDS);
      idle.errors += opens.stream().filter(Future::failed).count();
    }
    long withWorkspaces = server.heapAfterGc(http);
    List<Future<JsonObject>> closes = new ArrayList<>();
    for (WsConn c : conns) {
      closes.add(c.ok(new JsonObject().put("op", "close")));
    }
    Future.join(closes).await(300, TimeUnit.SECONDS);
    long evictDeadline = System.currentTimeMillis() + 60_000;
    while (new JsonObject(http.text("/health")).getInteger("workspaces", -1) > 0
        && System.currentTimeMillis() < evictDeadline) {
      Thread.sleep(200);
    }
    long without = server.heapAfterGc(http);
    idle.extra.put("heapWithWorkspacesBytes", withWorkspaces).put("heapAfterEvictionBytes", without)
        .put("heapBytesPerWorkspace", (withWorkspaces - without) / n);
    keep(idle);
    closeAll(conns);

    int m = o.connections();
    long heap0 = server.heapAfterGc(http);
    Result held = new Result("scale", m + " idle connections held " + o.holdS() + " s");
    List<WsConn> many = new ArrayList<>();
    for (int from = 0; from < m; from += 500) {
      List<Future<WsConn>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(m, from + 500); i++) {
        long t0 = System.nanoTime();
        batch.add(WsConn.connect(client, server.port, token).onSuccess(x -> held.record(System.nanoTime() - t0)));
      }
      Future.join(batch).await(300, TimeUnit.SECONDS);
      for (Future<WsConn> f : batch) {
        if (f.succeeded()) {
          many.add(f.result());
        } else {
          held.errors++;
        }
      }
    }
    long connected = System.nanoTime();
    long holdUntil = connected + TimeUnit.SECONDS.toNanos(o.holdS());
    while (System.nanoTime() < holdUntil) {
      Thread.sleep(Math.min(1000, Math.max(1, (holdUntil - System.nanoTime()) / 1_000_000)));
    }
    long closed = many.stream().filter(c -> c.closedByServer).count();
    List<Future<JsonObject>> pings = new ArrayList<>();
    for (WsConn c : many) {
      if (!c.closedByServer) {
        pings.add(c.ok(new JsonObject().put("op", "ping")));
      }
    }
    Future.join(pings).await(300, TimeUnit.SECONDS);
    long failedPings = pings.stream().filter(Future::failed).count();
    long heap1 = server.heapAfterGc(http);
    held.errors += closed + failedPings;
    held.extra.put("connections", many.size()).put("closedDuringHold", closed).put("failedPings", failedPings)
        .put("heapBytes", heap1 - heap0).put("heapBytesPerConnection", many.isEmpty() ? 0 : (heap1 - heap0) / many.size());
    keep(held);
    closeAll(many);

    int churnClients = Math.min(16, n);
    List<WsConn> churn = conns(churnClients);
    int projects = Math.min(20, n);
    keep(closedLoop("scale", "open/read/close churn c=" + churnClients + " (GC on)", churnClients, o.durationS(), i -> {
      WsConn c = churn.get(i);
      return c.ok(open("idle" + random(projects), "main"))
          .compose(x -> c.ok(new JsonObject().put("op", "list")))
          .compose(x -> c.ok(new JsonObject().put("op", "close")))
          .map(x -> true);
    }));
    closeAll(churn);
  }

  /** Random numbers for the client threads: one generator per thread, no shared state. */
  private static int random(int bound) {
    return ThreadLocalRandom.current().nextInt(bound);
  }
}
