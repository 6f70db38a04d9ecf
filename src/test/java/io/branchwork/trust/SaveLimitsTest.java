package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 15: what cannot be loaded must not be saved. The limit is shrunk to 96 KiB here
 * (the default, 2 GiB, would take minutes of writes); the rule is the same at any size.
 */
@Timeout(120)
class SaveLimitsTest {

  static final long LIMIT = 96 * 1024;

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"), new JsonObject().put("limits",
        new JsonObject().put("maxSnapshotBytes", LIMIT)));
    token = node.login("sam");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static byte[] noise(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static WorkspaceKey open(String project) {
    return node.openNewProject(token, project, "h-" + project);
  }

  private static JsonObject write(WorkspaceKey key, String path, byte[] content) {
    return node.ws(key, "sam", "write", new JsonObject().put("path", path).put("content", content));
  }

  @Test
  @DisplayName("A write that would take the working copy past limits.maxSnapshotBytes is too_large and names the limit")
  void writePastTheLimit() {
    WorkspaceKey key = open("w");
    write(key, "a.bin", noise(40_000, 1));
    write(key, "a.bin", noise(40_000, 2)); // replacing counts the difference only
    BranchworkException e = assertThrows(BranchworkException.class, () -> write(key, "b.bin", noise(70_000, 3)));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(e.getMessage().contains("limits.maxSnapshotBytes"), e.getMessage());
    node.ws(key, "sam", "delete", new JsonObject().put("path", "a.bin"));
    write(key, "b.bin", noise(70_000, 3)); // room again after the delete
  }

  @Test
  @DisplayName("History beyond the checkout limit is stored and loads: the limit is on what a load checks out, and every acknowledged state loads again")
  void historyPastTheLimitStillLoads() {
    WorkspaceKey key = open("s");
    write(key, "one.bin", noise(35_000, 4));
    node.ws(key, "sam", "commit", new JsonObject().put("message", "one"));
    node.ws(key, "sam", "delete", new JsonObject().put("path", "one.bin"));
    write(key, "two.bin", noise(35_000, 5));
    node.ws(key, "sam", "commit", new JsonObject().put("message", "two"));
    write(key, "three.bin", noise(35_000, 6));
    // 105,000 bytes of objects in the repository, 70,000 checked out: under the 96 KiB limit
    node.allocator("kill", key, null);
    Await.until("evicted", 10_000, () -> node.holders(key) == 0);
    node.allocator("register", key, "again");
    assertEquals(35_000, node.ws(key, "sam", "read", new JsonObject().put("path", "two.bin")).getBinary("content").length);
    assertEquals(35_000, node.ws(key, "sam", "read", new JsonObject().put("path", "three.bin")).getBinary("content").length);
    BranchworkException e = assertThrows(BranchworkException.class, () -> write(key, "four.bin", noise(35_000, 7)));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
  }

  @Test
  @DisplayName("Every saved version loads again after eviction")
  void savedLoads() {
    WorkspaceKey key = open("l");
    byte[] content = noise(30_000, 6);
    write(key, "f.bin", content);
    node.ws(key, "sam", "save", new JsonObject());
    node.allocator("kill", key, null);
    Await.until("evicted", 10_000, () -> node.holders(key) == 0);
    node.allocator("register", key, "again");
    assertArrayEquals(content, node.ws(key, "sam", "read", new JsonObject().put("path", "f.bin")).getBinary("content"));
  }
}
