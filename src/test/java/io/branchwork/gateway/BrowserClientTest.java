package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

  private static final Path JS = Path.of("src/test/js");
  private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies the client library in headless Chromium: live events, a dropped connection during keyed writes (each applied once), resume without a gap")
  void clientLibraryInChromium() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM), "Chromium is needed at " + CHROMIUM
        + ": apt-get install chromium (.ci/run installs it), or set CHROMIUM");
    assertTrue(Files.isDirectory(JS.resolve("node_modules/playwright-core")),
        "playwright-core is not installed: run 'npm ci --prefix src/test/js' (mvn verify does it)");
    try (TestNode node = TestNode.start(dir)) {
      String alice = node.login("alice");
      String bob = node.login("bob");
      node.createProject(alice, "browser");
      node.http.postJson("/api/projects/browser/members", alice,
          new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
      ProcessBuilder pb = new ProcessBuilder("node", "--experimental-websocket", "--no-warnings", "browser-client.mjs")
          .directory(JS.toFile()).redirectErrorStream(true);
      pb.environment().put("PORT", String.valueOf(node.node.port()));
      pb.environment().put("TOKEN_A", alice);
      pb.environment().put("TOKEN_B", bob);
      pb.environment().put("PROJECT", "browser");
      pb.environment().put("CHROMIUM", CHROMIUM.toString());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the browser run did not finish: " + out);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("ok"), out);
    }
  }
}
