package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.branchwork.workspace.repo.Compactor;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every durable round adds a small pack; the project's small packs are merged, and nothing is lost. */
@Timeout(120)
class RepoCompactionTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies that many small rounds are compacted into few packs and the branch still opens with every write")
  void roundsAreCompacted() {
    try (TestNode node = TestNode.start(dir)) {
      WorkspaceKey key = node.openNewProject(node.login("carl"), "packs", "h");
      int writes = Compactor.THRESHOLD * 2 + 3;
      for (int i = 0; i < writes; i++) {
        node.writeText(key, "carl", "f" + i + ".txt", "content " + i);
      }
      Await.until("the small packs to be merged", 30_000, () ->
          node.node.services().store().repoState("packs").await().packs().size() < Compactor.THRESHOLD);
      node.allocator("kill", key, null);
      Await.until("evicted", 10_000, () -> node.holders(key) == 0);
      node.allocator("register", key, "again");
      for (int i = 0; i < writes; i++) {
        assertEquals("content " + i, new String(node.ws(key, "carl", "read", new JsonObject().put("path", "f" + i + ".txt"))
            .getBinary("content"), StandardCharsets.UTF_8));
      }
      assertTrue(node.node.services().store().repoState("packs").await().packs().size() < Compactor.THRESHOLD);
    }
  }
}
