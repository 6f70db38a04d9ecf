package io.branchwork.load;

import io.branchwork.core.FileTrees;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Git over HTTP against the server jar, with the stock {@code git} client over loopback: clone of
 * a project of {@code --mb} MB of incompressible files, against {@code git clone --no-local} of
 * the same repository from a local path in the same run (interleaved, so both see the same
 * machine); and pushes of a 4 KiB change, to a branch nobody has open and to one open in a
 * workspace, with the time of {@code git push} and the bytes the store's packs grew by (PostgreSQL:
 * {@code SUM(packs.bytes)} and the WAL the push wrote).
 *
 * <p>{@code load-tests/git-bench.sh [--store pg|embedded] [--mb 24] [--clones 7] [--pushes 10] [--out DIR]}
 */
public final class GitBench {

  private final Vertx vertx = Vertx.vertx();
  private final List<Result> results = new ArrayList<>();
  private final String store;
  private final int mb;
  private final int clones;
  private final int pushes;
  private final Path jar;
  private final Path out;
  private final String pgUrl = System.getenv().getOrDefault("PG_URL", "postgresql://postgres@127.0.0.1:5432/test");
  private final String schema = "bw_gitbench_" + Long.toHexString(System.nanoTime());
  private Path work;
  private String token;
  private int port;

  private GitBench(Map<String, String> opts) {
    store = opts.getOrDefault("--store", "pg");
    mb = Integer.parseInt(opts.getOrDefault("--mb", "24"));
    clones = Integer.parseInt(opts.getOrDefault("--clones", "7"));
    pushes = Integer.parseInt(opts.getOrDefault("--pushes", "10"));
    jar = Path.of(opts.getOrDefault("--jar", "target/branchwork.jar"));
    out = Path.of(opts.getOrDefault("--out", "load-tests/results/git"));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = LoadRunner.options(args);
    GitBench bench = new GitBench(opts);
    try {
      bench.run();
    } finally {
      bench.vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private void run() throws Exception {
    work = Files.createTempDirectory("bw-git-bench-");
    Map<String, String> env = new HashMap<>(Map.of("BRANCHWORK_LOG_LEVEL", "WARN"));
    if (store.equals("pg")) {
      env.put("BRANCHWORK_STORE", "pg");
      env.put("BRANCHWORK_PG_URL", pgUrl);
      env.put("BRANCHWORK_PG_SCHEMA", schema);
    }
    long started = System.currentTimeMillis();
    try (ServerProcess s = ServerProcess.start(jar, work.resolve("server"), "2g", env, work.resolve("server.log"))) {
      port = s.port;
      Http http = new Http(port);
      http.post("/api/users", null, new JsonObject().put("username", "load").put("password", "load-password"), 201);
      token = http.post("/api/sessions", null, new JsonObject().put("username", "load")
          .put("password", "load-password"), 200).getString("token");
      http.post("/api/projects", token, new JsonObject().put("id", "git" + mb), 201);
      LoadRunner.log("making a " + mb + " MB repository");
      Path repo = LoadRunner.makeRepo(work.resolve("repo"), mb);
      LoadRunner.run(repo, "git", "push", "-q", "--force", url(), "data:main");
      clones();
      pushes(repo);
    } finally {
      if (store.equals("pg")) {
        pgLong("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
      FileTrees.deleteQuietly(work);
    }
    write(started);
  }

  private String url() {
    return "http://load:" + token + "@127.0.0.1:" + port + "/git/git" + mb + ".git";
  }

  /** Clones over HTTP and with {@code --no-local} from the same repository's path, in turns. */
  private void clones() throws Exception {
    Path mirror = work.resolve("mirror");
    LoadRunner.run(work, "git", "clone", "-q", "--bare", url(), mirror.toString());
    Result http = new Result("git", "clone " + mb + "MB over HTTP");
    Result local = new Result("git", "git clone --no-local " + mb + "MB");
    for (int i = -1; i < clones; i++) {
      // Round -1 warms both (JIT, page cache) and is not counted.
      long localNs = timed(work, "git", "clone", "-q", "--no-local", mirror.toString(), work.resolve("l" + i).toString());
      long httpNs = timed(work, "git", "clone", "-q", url(), work.resolve("h" + i).toString());
      if (i >= 0) {
        local.record(localNs);
        http.record(httpNs);
      }
      FileTrees.deleteQuietly(work.resolve("l" + i));
      FileTrees.deleteQuietly(work.resolve("h" + i));
    }
    http.extra.put("ratio_p50_to_no_local", Math.round(http.p(50) / local.p(50) * 100) / 100.0);
    results.add(http);
    results.add(local);
    LoadRunner.log(String.format("clone p50 %.0f ms over HTTP, %.0f ms --no-local: %.2fx", http.p(50) / 1000,
        local.p(50) / 1000, http.p(50) / local.p(50)));
  }

  /** Pushes of one new 4 KiB file, to a branch nobody has open, then to main open in a workspace. */
  private void pushes(Path repo) throws Exception {
    Path clone = work.resolve("pusher");
    LoadRunner.run(work, "git", "clone", "-q", url(), clone.toString());
    LoadRunner.run(clone, "git", "push", "-q", "origin", "main:closed");
    pushRow(clone, "closed", "push 4KiB to a closed branch of " + mb + "MB");
    WebSocketClient client = vertx.createWebSocketClient();
    WsConn ws = WsConn.connect(client, port, token).await(30, TimeUnit.SECONDS);
    ws.ok(new JsonObject().put("op", "open").put("project", "git" + mb).put("branch", "main"))
        .await(120, TimeUnit.SECONDS);
    pushRow(clone, "main", "push 4KiB to the open branch of " + mb + "MB");
    client.close().await(10, TimeUnit.SECONDS);
  }

  private void pushRow(Path clone, String branch, String name) throws Exception {
    LoadRunner.run(clone, "git", "checkout", "-q", "-B", branch, "origin/" + branch);
    Result r = new Result("git", name);
    List<Long> grew = new ArrayList<>();
    List<Long> wal = new ArrayList<>();
    byte[] change = new byte[4096];
    for (int i = -1; i < pushes; i++) {
      ThreadLocalRandom.current().nextBytes(change);
      Files.write(clone.resolve("change-" + branch + "-" + i + ".bin"), change);
      LoadRunner.run(clone, "git", "add", ".");
      LoadRunner.run(clone, "git", "-c", "user.name=load", "-c", "user.email=load@example.invalid", "commit", "-q",
          "-m", "change " + i);
      long packsBefore = packBytes();
      long walBefore = walBytes();
      long ns = timed(clone, "git", "push", "-q", "origin", branch);
      if (i >= 0) {
        r.record(ns);
        grew.add(packBytes() - packsBefore);
        wal.add(walBytes() - walBefore);
      }
    }
    if (store.equals("pg")) {
      r.extra.put("store_pack_bytes_per_push", new JsonArray(grew)).put("store_wal_bytes_per_push", new JsonArray(wal))
          .put("project_pack_bytes", packBytes());
    }
    results.add(r);
    LoadRunner.log(String.format("%s: p50 %.0f ms%s", name, r.p(50) / 1000,
        store.equals("pg") ? ", packs grew " + grew + " bytes, WAL " + wal + " bytes" : ""));
  }

  private static long timed(Path dir, String... cmd) throws Exception {
    long t0 = System.nanoTime();
    LoadRunner.run(dir, cmd);
    return System.nanoTime() - t0;
  }

  private long packBytes() throws Exception {
    return store.equals("pg") ? pgLong("SELECT COALESCE(SUM(bytes), 0)::bigint FROM " + schema + ".packs WHERE project_id = 'git"
        + mb + "'") : -1;
  }

  private long walBytes() throws Exception {
    return store.equals("pg") ? pgLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint") : -1;
  }

  private long pgLong(String sql) throws Exception {
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
    try {
      var rows = pool.query(sql).execute().await(60, TimeUnit.SECONDS);
      return rows.size() == 0 || !rows.iterator().hasNext() ? 0 : rows.iterator().next().getLong(0);
    } finally {
      pool.close();
    }
  }

  private void write(long started) throws Exception {
    Result.write(out, results, new JsonObject().put("started", started).put("store", store).put("mb", mb));
  }
}
