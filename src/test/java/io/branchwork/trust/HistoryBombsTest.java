package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.Tars;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, time and disk bombs hidden in an imported repository's history: a commit whose tree
 * names one highly compressed blob many times, and a long history walked with a path filter.
 * log.timeoutMs is 50 ms here so that a history git makes in a second is already "long".
 */
@Timeout(120)
class HistoryBombsTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"), new JsonObject().put("log", new JsonObject().put("timeoutMs", 50)));
    token = node.login("hist");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WorkspaceKey importRepo(String project, Path repo) throws java.io.IOException {
    node.createProject(token, project);
    node.http.postRaw("/api/projects/" + project + "/import?branch=imp", token, Tars.create().tree(repo).gzip(),
        "application/gzip").expect(201);
    WorkspaceKey key = new WorkspaceKey(project, "imp");
    node.allocator("register", key, "h");
    return key;
  }

  @Test
  @DisplayName("branch.create from a commit naming a 64 MiB zero blob 40 times is too_large before a byte is checked out")
  void checkoutBomb() throws Exception {
    Path r = Tars.repo(dir.resolve("bomb"), "imp");
    Path zeros = dir.resolve("zeros.bin");
    try (var out = Files.newOutputStream(zeros)) {
      byte[] mib = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        out.write(mib);
      }
    }
    String blob = Cli.run(r, "git", "hash-object", "-w", zeros.toString()).trim();
    for (int i = 0; i < 40; i++) {
      Cli.run(r, "git", "update-index", "--add", "--cacheinfo", "100644," + blob + ",bomb/" + i + ".bin");
    }
    Cli.run(r, "git", "commit", "-q", "-m", "2.5 GiB when checked out");
    String bombCommit = Cli.run(r, "git", "rev-parse", "HEAD").trim();
    Cli.run(r, "git", "rm", "-q", "-r", "--cached", "bomb");
    Cli.run(r, "git", "commit", "-q", "-m", "gone again");
    WorkspaceKey key = importRepo("bomb", r);

    BranchworkException e = assertThrows(BranchworkException.class, () -> node.ws(key, "hist", "branch.create",
        new JsonObject().put("name", "boom").put("from", bombCommit)));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(e.getMessage().contains("limits.maxSnapshotBytes"), e.getMessage());
    try (Stream<Path> tmp = Files.list(node.dataDir.resolve("tmp"))) {
      assertEquals(0, tmp.count(), "a checkout was started in data/tmp");
    }
    assertFalse(node.ws(key, "hist", "branches", new JsonObject()).encode().contains("boom"));
  }

  @Test
  @DisplayName("log with a path filter over a long history stops at log.timeoutMs and says it was truncated")
  void longHistory() throws Exception {
    Path r = Tars.repo(dir.resolve("long"), "imp");
    StringBuilder stream = new StringBuilder();
    String parent = Cli.run(r, "git", "rev-parse", "HEAD").trim();
    for (int i = 0; i < 20_000; i++) {
      stream.append("commit refs/heads/imp\ncommitter T <t@x> ").append(1_700_000_000 + i).append(" +0000\n")
          .append("data 2\nc\n").append(i == 0 ? "from " + parent + "\n" : "")
          .append("M 644 inline n.txt\ndata ").append(String.valueOf(i).length()).append('\n').append(i).append('\n');
    }
    Path fi = Files.writeString(dir.resolve("fast-import.txt"), stream, StandardCharsets.UTF_8);
    Cli.run(r, "sh", "-c", "git fast-import --quiet < " + fi);
    Cli.run(r, "git", "reset", "-q", "--hard");
    WorkspaceKey key = importRepo("long", r);

    long t0 = System.nanoTime();
    JsonObject log = node.ws(key, "hist", "log", new JsonObject().put("path", "main.scad").put("limit", 10));
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(log.getBoolean("truncated"), log::encode);
    assertTrue(took < 5000, "log took " + took + " ms");
    // without a path the first commits come at once, complete
    JsonObject recent = node.ws(key, "hist", "log", new JsonObject().put("limit", 3));
    assertEquals(3, recent.getJsonArray("commits").size());
  }
}
