package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Browser;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JavaScript client library in real headless Chromium (Debian's {@code chromium}, driven by
 * {@code playwright-core}) against a live node, with a second client in Node.js: events both ways,
 * a connection dropped during a burst of keyed writes (each applied once), a resume that replays
 * what was missed without a gap; a page error or a console error fails it.
 */
@Timeout(180)
class BrowserClientTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies the client library in headless Chromium: live events, a dropped connection during keyed writes (each applied once), resume without a gap")
  void clientLibraryInChromium() throws Exception {
    try (TestNode node = TestNode.start(dir)) {
      String alice = node.login("alice");
      String bob = node.login("bob");
      node.createProject(alice, "browser");
      node.http.postJson("/api/projects/browser/members", alice,
          new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
      String out = Browser.run("browser-client.mjs", Map.of("PORT", String.valueOf(node.node.port()),
          "TOKEN_A", alice, "TOKEN_B", bob, "PROJECT", "browser"), 120);
      assertTrue(out.contains("ok"), out);
    }
  }
}
