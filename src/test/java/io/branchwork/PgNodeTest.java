package io.branchwork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.WorkspaceSession;
import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A whole node on the PostgreSQL store. */
@Timeout(120)
class PgNodeTest {

  @TempDir
  Path dir;

  private Pg.TestSchema schema;

  @BeforeEach
  void setUp() {
    schema = new Pg.TestSchema();
  }

  @AfterEach
  void tearDown() {
    schema.close();
  }

  private JsonObject pg() {
    return schema.nodeConfig();
  }

  @Test
  @DisplayName("Save on PostgreSQL, restart on a new data dir, reopen: files, users and projects are there")
  void persistsInPostgres() {
    WorkspaceKey key = new WorkspaceKey("pgp", "main");
    try (TestNode first = TestNode.start(dir.resolve("a"), pg())) {
      first.createProject(first.login("alice"), "pgp");
      first.allocator("register", key, "h");
      first.ws(key, "alice", "write", new JsonObject().put("path", "in/pg.txt")
          .put("content", "stored in postgres".getBytes(StandardCharsets.UTF_8)));
      first.ws(key, "alice", "save", new JsonObject());
    }
    // Nothing on local disk is reused: the second node has a data dir of its own.
    try (TestNode second = TestNode.start(dir.resolve("b"), pg())) {
      second.http.postJson("/api/sessions", null,
          new JsonObject().put("username", "alice").put("password", "password-alice")).expect(200);
      second.allocator("register", key, "h");
      assertEquals("stored in postgres", new String(second.ws(key, "alice", "read",
          new JsonObject().put("path", "in/pg.txt")).getBinary("content"), StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("A node that restarts with its server tag wipes the session rows its crashed predecessor left")
  void restartWipesGhosts() {
    try (TestNode first = TestNode.start(dir.resolve("a"), pg())) {
      var store = first.node.services().store();
      // what a node killed with -9 leaves behind, as written through by its allocator
      store.putWorkspaceSession(new WorkspaceSession("ghost", "main", "test-node", 2, 0)).await();
      store.addHolder("ghost", "main", "ws-1", "test-node").await();
      store.putWorkspaceSession(new WorkspaceSession("alive", "main", "other-node", 1, 0)).await();
    }
    try (TestNode second = TestNode.start(dir.resolve("b"), pg())) {
      var rows = second.node.services().store().listWorkspaceSessions().await();
      assertEquals(1, rows.size(), rows::toString);
      assertEquals("other-node", rows.get(0).serverTag());
    }
  }

  @Test
  @DisplayName("PostgreSQL down at start: the node does not start, and the error says where it looked")
  void downAtStart() {
    JsonObject bad = pg().put("pg", new JsonObject().put("url", "postgresql://postgres@127.0.0.1:1/test"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestNode.start(dir.resolve("c"), bad));
    Throwable root = e.getCause();
    assertTrue(String.valueOf(root.getMessage()).contains("cannot use PostgreSQL at 127.0.0.1:1/test"),
        String.valueOf(root));
  }
}
