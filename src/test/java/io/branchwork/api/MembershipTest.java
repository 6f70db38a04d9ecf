package io.branchwork.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Http;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Sharing a project: with an unknown name it says so; with a user, their open pages learn it at once. */
@Timeout(60)
class MembershipTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies that sharing with a name nobody registered is not_found saying so, and a share reaches the other user's connections as a projects event")
  void shareLive() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"))) {
      String owner = node.login("olga");
      String other = node.login("pete");
      node.createProject(owner, "shared");
      Http.Response unknown = node.http.postJson("/api/projects/shared/members", owner,
          new JsonObject().put("username", "nobody").put("role", "reader"));
      assertEquals(404, unknown.status());
      assertTrue(unknown.json().getString("message").contains("there is no user named nobody"), unknown.text());
      try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), other)) {
        ws.ok("ping");
        node.http.postJson("/api/projects/shared/members", owner,
            new JsonObject().put("username", "pete").put("role", "writer")).expect(204);
        JsonObject e = ws.event("projects");
        assertEquals("shared", e.getString("project"));
        assertEquals("shared", node.http.get("/api/projects", other).array().getJsonObject(0).getString("id"));
      }
    }
  }
}
