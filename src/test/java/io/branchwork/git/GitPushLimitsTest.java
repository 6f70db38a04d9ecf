package io.branchwork.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.ForkedNode;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a push may cost: one past {@code limits.maxPushBytes} is refused with git's own message and
 * changes nothing; a 200 MB push into an open workspace streams through a node whose heap is far
 * smaller than the push (a node that held the pack in memory would die of it).
 */
class GitPushLimitsTest {

  @TempDir
  Path dir;

  private static Path randomFiles(Path repo, int files, int bytesEach, long seed) throws Exception {
    Random random = new Random(seed);
    byte[] buf = new byte[bytesEach];
    for (int i = 0; i < files; i++) {
      random.nextBytes(buf);
      Files.write(repo.resolve("noise-" + i + ".bin"), buf);
    }
    return repo;
  }

  private static String git(Path repo, String... args) {
    String[] cmd = new String[args.length + 7];
    System.arraycopy(new String[] {"git", "-c", "user.name=Test", "-c", "user.email=t@example.invalid", "-c",
        "core.bigFileThreshold=1m"}, 0, cmd, 0, 7);
    System.arraycopy(args, 0, cmd, 7, args.length);
    return Cli.run(repo, cmd).trim();
  }

  @Test
  @Timeout(120)
  @DisplayName("Verifies that a push larger than limits.maxPushBytes is refused with a message naming the limit, and the branch stays where it was")
  void pushPastTheLimit() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), new JsonObject()
        .put("limits", new JsonObject().put("maxPushBytes", 256 * 1024)))) {
      String token = node.login("lena");
      WorkspaceKey key = node.openNewProject(token, "plimit", "h");
      node.writeText(key, "lena", "a.txt", "alpha\n");
      String before = node.ws(key, "lena", "commit", new JsonObject().put("message", "first")).getString("commit");
      String url = "http://lena:" + token + "@127.0.0.1:" + node.node.port() + "/git/plimit.git";
      Path clone = dir.resolve("clone");
      Cli.run(dir, "git", "clone", "-q", url, clone.toString());
      randomFiles(clone, 2, 1024 * 1024, 1);
      git(clone, "add", "-A");
      git(clone, "commit", "-q", "-m", "two MiB of noise");

      Cli.Result r = Cli.exec(clone, "git", "push", "origin", "main");
      assertNotEquals(0, r.exit(), r.out());
      assertTrue(r.out().contains("exceeds the limit of 262,144 bytes") || r.out().contains("exceeds the limit of 262144 bytes"),
          r.out());
      assertEquals(before, node.ws(key, "lena", "log", new JsonObject().put("limit", 1)).getJsonArray("commits")
          .getJsonObject(0).getString("commit"));

      // A push within the limit still goes through on the same node.
      git(clone, "reset", "-q", "--hard", "HEAD~1");
      Files.writeString(clone.resolve("b.txt"), "small\n");
      git(clone, "add", "b.txt");
      git(clone, "commit", "-q", "-m", "small");
      Cli.Result ok = Cli.exec(clone, "git", "push", "origin", "main");
      assertEquals(0, ok.exit(), ok.out());
    }
  }

  @Test
  @Timeout(600)
  @DisplayName("Verifies that a 200 MB push into an open workspace goes through a node with a 200 MiB heap, and the workspace serves the pushed files")
  void bigPushWithABoundedHeap() throws Exception {
    Vertx client = Vertx.vertx();
    try (ForkedNode node = new ForkedNode(dir, "200m", new JsonObject()
        .put("bus", new JsonObject().put("requestTimeoutMs", 120_000))).start(0)) {
      String token = node.http.register("bea");
      node.http.postJson("/api/projects", token, new JsonObject().put("id", "pbig")).expect(201);
      String url = "http://bea:" + token + "@127.0.0.1:" + node.port + "/git/pbig.git";
      Path clone = dir.resolve("big");
      Cli.run(dir, "git", "clone", "-q", url, clone.toString());
      randomFiles(clone, 20, 10 * 1024 * 1024, 2);
      Files.writeString(clone.resolve("readme.txt"), "two hundred megabytes of noise\n");
      git(clone, "add", "-A");
      git(clone, "commit", "-q", "-m", "200 MB of noise");
      String pushed = git(clone, "rev-parse", "HEAD");

      try (WsClient ws = WsClient.connect(client, node.port, token)) {
        ws.ok("open", "project", "pbig", "branch", "main");
        Cli.Result r = Cli.exec(clone, "git", "-c", "core.bigFileThreshold=1m", "push", "origin", "main");
        assertEquals(0, r.exit(), r.out());
        assertTrue(node.alive(), "the node survived the push; log: " + node.log());
        assertEquals(pushed, ws.event("committed").getString("commit"));
        assertEquals(pushed, ws.ok("log", "limit", 1).getJsonArray("commits").getJsonObject(0).getString("commit"));
        assertEquals(git(clone, "rev-parse", "HEAD:readme.txt"), ws.ok("read", "path", "readme.txt").getString("blob"));
        String listing = ws.ok("list").encode();
        assertTrue(listing.contains("\"noise-19.bin\"") && listing.contains("10485760"), listing);
        assertTrue(ws.ok("status").getBoolean("clean"));
      }
      assertEquals(pushed, Cli.run(dir, "git", "ls-remote", url, "refs/heads/main").split("\\s")[0]);
      assertFalse(Files.readString(node.log()).contains("OutOfMemoryError"), "log: " + node.log());
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }
}
