package io.branchwork.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A pack damaged in the store is an error naming the project and pack, never content. */
@Timeout(120)
class CorruptStoreTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies that a pack whose bytes were damaged in the store fails the open with internal, naming the project and the pack")
  void damagedPackIsNotServed() {
    try (Pg.TestSchema schema = new Pg.TestSchema(); TestNode node = TestNode.start(dir, schema.nodeConfig())) {
      WorkspaceKey key = node.openNewProject(node.login("dora"), "dented", "h");
      node.writeText(key, "dora", "a.txt", "a".repeat(5000));
      node.allocator("kill", key, null);
      Await.until("evicted", 10_000, () -> node.holders(key) == 0);
      String pack = schema.sql("SELECT pack_id FROM $schema.packs WHERE project_id = 'dented' ORDER BY bytes DESC LIMIT 1")
          .iterator().next().getString(0);
      // one byte in the middle of the pack's data flipped, as a bad disk or a bad copy would
      schema.sql("UPDATE $schema.pack_chunks SET data = set_byte(data, length(data) / 2,"
          + " (get_byte(data, length(data) / 2) + 1) % 256) WHERE project_id = 'dented' AND pack_id = '" + pack + "'");
      BranchworkException e = assertThrows(BranchworkException.class, () -> node.allocator("register", key, "again"));
      assertEquals(ErrorCode.INTERNAL, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("dented") && e.getMessage().contains(pack), e.getMessage());
      assertEquals(0, node.holders(key), "nothing was opened");
    }
  }
}
