package io.branchwork.load;

import io.branchwork.core.FileTrees;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code merge}, {@code revert} and {@code compare} against the server jar, over loopback, on
 * repositories of {@code --files} files (default 1,000 and 10,000): {@code --branches} branches
 * each change one file of their own while main changes another, and each is merged into main,
 * against {@code git merge --no-edit} of the same branches in a local clone of the same
 * repository (the stock client, on the same machine, in the same run). The first merge of each
 * side warms up and is not counted. Revert undoes each merged change; compare shows main against
 * each branch; both should cost the same at 1k and 10k files (O(the change)).
 *
 * <p>{@code load-tests/merge-bench.sh [--files 1000,10000] [--branches 6] [--out DIR]}
 */
public final class MergeBench {

  private final Vertx vertx = Vertx.vertx();
  private final List<Result> results = new ArrayList<>();
  private final List<Integer> sizes = new ArrayList<>();
  private final int branches;
  private final Path jar;
  private final Path out;
  private Path work;
  private String token;
  private int port;

  private MergeBench(Map<String, String> opts) {
    for (String s : opts.getOrDefault("--files", "1000,10000").split(",")) {
      sizes.add(Integer.parseInt(s.trim()));
    }
    branches = Integer.parseInt(opts.getOrDefault("--branches", "6"));
    jar = Path.of(opts.getOrDefault("--jar", "target/branchwork.jar"));
    out = Path.of(opts.getOrDefault("--out", "load-tests/results/merge"));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = LoadRunner.options(args);
    MergeBench bench = new MergeBench(opts);
    try {
      bench.run();
    } finally {
      bench.vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private void run() throws Exception {
    work = Files.createTempDirectory("bw-merge-bench-");
    long started = System.currentTimeMillis();
    try (ServerProcess s = ServerProcess.start(jar, work.resolve("server"), "2g",
        Map.of("BRANCHWORK_LOG_LEVEL", "WARN"), work.resolve("server.log"))) {
      port = s.port;
      Http http = new Http(port);
      http.post("/api/users", null, new JsonObject().put("username", "load").put("password", "load-password"), 201);
      token = http.post("/api/sessions", null, new JsonObject().put("username", "load")
          .put("password", "load-password"), 200).getString("token");
      for (int files : sizes) {
        String project = "merge" + files;
        http.post("/api/projects", token, new JsonObject().put("id", project), 201);
        Path repo = makeRepo(work.resolve("repo" + files), files);
        LoadRunner.run(repo, "git", "push", "-q", "--force", url(project), "--all");
        measure(project, repo, files);
      }
    } finally {
      FileTrees.deleteQuietly(work);
    }
    write(started);
  }

  private String url(String project) {
    return "http://load:" + token + "@127.0.0.1:" + port + "/git/" + project + ".git";
  }

  /**
   * {@code files} files of a few lines in directories of 100, committed on main; then branches
   * b0..bN-1 from there each changing file i, and main changing the last file.
   */
  private Path makeRepo(Path repo, int files) throws Exception {
    Files.createDirectories(repo);
    LoadRunner.run(repo, "git", "init", "-q", "-b", "main");
    for (int i = 0; i < files; i++) {
      Path f = repo.resolve("d" + (i / 100)).resolve("f" + i + ".scad");
      Files.createDirectories(f.getParent());
      Files.writeString(f, "// file " + i + "\ncube(" + i + ");\n");
    }
    LoadRunner.run(repo, "git", "add", "-A");
    commit(repo, "base");
    for (int b = 0; b < branches; b++) {
      LoadRunner.run(repo, "git", "checkout", "-q", "-b", "b" + b, "main");
      Files.writeString(repo.resolve("d0/f" + b + ".scad"), "// file " + b + ", changed on b" + b + "\ncube(1);\n");
      commit(repo, "b" + b + " changes f" + b);
    }
    LoadRunner.run(repo, "git", "checkout", "-q", "main");
    Files.writeString(repo.resolve("d" + ((files - 1) / 100) + "/f" + (files - 1) + ".scad"), "// changed on main\n");
    commit(repo, "main changes the last file");
    return repo;
  }

  private static void commit(Path repo, String message) throws Exception {
    LoadRunner.run(repo, "git", "-c", "user.name=load", "-c", "user.email=load@x", "commit", "-q", "-a", "-m", message);
  }

  private void measure(String project, Path repo, int files) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    WsConn ws = WsConn.connect(client, port, token).await(30, TimeUnit.SECONDS);
    ws.ok(new JsonObject().put("op", "open").put("project", project).put("branch", "main")).await(300, TimeUnit.SECONDS);
    Result server = new Result("merge", "merge into main, " + files + " files");
    Result compare = new Result("merge", "compare main to a branch, " + files + " files");
    Result dry = new Result("merge", "merge dryRun, " + files + " files");
    List<String> picked = new ArrayList<>();
    for (int b = 0; b < branches; b++) {
      long t0 = System.nanoTime();
      ws.ok(new JsonObject().put("op", "compare").put("from", "main").put("to", "b" + b)).await(60, TimeUnit.SECONDS);
      long td = System.nanoTime();
      ws.ok(new JsonObject().put("op", "merge").put("from", "b" + b).put("dryRun", true)).await(60, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      JsonObject merged = ws.ok(new JsonObject().put("op", "merge").put("from", "b" + b)).await(60, TimeUnit.SECONDS);
      long t2 = System.nanoTime();
      if (!"merged".equals(merged.getString("result"))) {
        throw new IllegalStateException("b" + b + ": " + merged.encode());
      }
      if (b > 0) {
        compare.record(td - t0);
        dry.record(t1 - td);
        server.record(t2 - t1);
      }
      picked.add(LoadRunner.capture(repo, "git", "rev-parse", "b" + b).trim());
    }
    Result revert = new Result("merge", "revert a merged change, " + files + " files");
    for (int b = 0; b < branches; b++) {
      long t0 = System.nanoTime();
      ws.ok(new JsonObject().put("op", "revert").put("commit", picked.get(b))).await(60, TimeUnit.SECONDS);
      if (b > 0) {
        revert.record(System.nanoTime() - t0);
      }
    }
    client.close().await(10, TimeUnit.SECONDS);

    Path clone = work.resolve("clone" + files);
    LoadRunner.run(work, "git", "clone", "-q", "--no-local", repo.toString(), clone.toString());
    for (int b = 0; b < branches; b++) {
      LoadRunner.run(clone, "git", "branch", "-q", "b" + b, "origin/b" + b);
    }
    Result git = new Result("merge", "git merge --no-edit in a local clone, " + files + " files");
    for (int b = 0; b < branches; b++) {
      long t0 = System.nanoTime();
      LoadRunner.run(clone, "git", "-c", "user.name=load", "-c", "user.email=load@x", "merge", "-q", "--no-edit", "b" + b);
      if (b > 0) {
        git.record(System.nanoTime() - t0);
      }
    }
    server.extra.put("ratio_p50_to_git_merge", Math.round(server.p(50) / git.p(50) * 100) / 100.0);
    results.add(server);
    results.add(git);
    results.add(revert);
    results.add(compare);
    results.add(dry);
    LoadRunner.log(String.format("%d files: merge p50 %.1f ms, git merge %.1f ms (%.2fx); dry run %.1f ms; revert %.1f ms;"
        + " compare %.1f ms", files, server.p(50) / 1000, git.p(50) / 1000, server.p(50) / git.p(50), dry.p(50) / 1000,
        revert.p(50) / 1000, compare.p(50) / 1000));
  }

  private void write(long started) throws Exception {
    Result.write(out, results, new JsonObject().put("started", started).put("branches", branches));
  }
}
