package io.branchwork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.WorkspaceSession;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class RestartTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Save, restart the server, reopen: the files, users and projects are all there")
  void dataSurvivesRestart() {
    WorkspaceKey key = new WorkspaceKey("durable", "main");
    try (TestNode first = TestNode.start(dir)) {
      first.createProject(first.login("alice"), "durable");
      first.allocator("register", key, "h1");
      first.ws(key, "alice", "write", new JsonObject().put("path", "src/model.scad")
          .put("content", "sphere(2);".getBytes(StandardCharsets.UTF_8)));
      assertEquals(1L, first.ws(key, "alice", "save", new JsonObject()).getLong("version"), "the first checkpoint");
    }
    try (TestNode second = TestNode.start(dir)) {
      String token = second.http.postJson("/api/sessions", null,
          new JsonObject().put("username", "alice").put("password", "password-alice")).expect(200).json().getString("token");
      assertEquals("durable", second.http.get("/api/projects", token).expect(200).array().getJsonObject(0).getString("id"));
      second.allocator("register", key, "h1");
      JsonObject read = second.ws(key, "alice", "read", new JsonObject().put("path", "src/model.scad"));
      assertEquals("sphere(2);", new String(read.getBinary("content"), StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("A clean shutdown saves unsaved changes")
  void shutdownSaves() {
    WorkspaceKey key = new WorkspaceKey("shut", "main");
    try (TestNode first = TestNode.start(dir)) {
      first.createProject(first.login("bob"), "shut");
      first.allocator("register", key, "h1");
      first.ws(key, "bob", "write", new JsonObject().put("path", "unsaved.txt")
          .put("content", "still here".getBytes(StandardCharsets.UTF_8)));
    }
    try (TestNode second = TestNode.start(dir)) {
      second.allocator("register", key, "h1");
      assertEquals("still here", new String(second.ws(key, "bob", "read", new JsonObject().put("path", "unsaved.txt"))
          .getBinary("content"), StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("A node that starts wipes the session rows and stale working copies its tag left behind")
  void startWipesGhosts() throws Exception {
    try (TestNode first = TestNode.start(dir)) {
      first.node.services().store().putWorkspaceSession(new WorkspaceSession("ghost", "main", "test-node", 3, 0)).await();
      first.node.services().store().putWorkspaceSession(new WorkspaceSession("other", "main", "other-node", 1, 0)).await();
    }
    Files.createDirectories(dir.resolve("workspaces/ws-stale/wc"));
    try (TestNode second = TestNode.start(dir)) {
      var rows = second.node.services().store().listWorkspaceSessions().await();
      assertEquals(1, rows.size());
      assertEquals("other-node", rows.get(0).serverTag());
      assertTrue(Files.notExists(dir.resolve("workspaces/ws-stale")));
    }
  }

  @Test
  @DisplayName("A start that cannot bind its port fails, and releases the store so a retry can open it")
  void failedStartReleasesEverything() {
    try (TestNode first = TestNode.start(dir.resolve("one"))) {
      JsonObject samePort = new JsonObject().put("http", new JsonObject().put("port", first.node.port()));
      org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> TestNode.start(dir.resolve("two"), samePort));
      try (TestNode retry = TestNode.start(dir.resolve("two"))) {
        retry.login("zed");
      }
    }
  }
}
