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
 * The JavaScript client library ({@code clients/js}) against a live node, in Node.js: its own
 * tests ({@code node --test}) drive ops, errors, events, a dropped connection during a burst of
 * keyed writes (each applied once), {@code since} replay and {@code resync}. Maven installs its
 * one dependency (npm ci) before the tests run.
 */
@Timeout(180)
class ClientLibraryTest {

  private static final Path LIB = Path.of("clients/js");

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies the JavaScript client library's own tests pass against a live node (ops, events, reconnect with keys, since replay, resync, a rename followed)")
  void libraryTestsPassAgainstALiveNode() throws Exception {
    assertTrue(Files.isDirectory(LIB.resolve("node_modules")),
        "the client library's dependency is not installed: run 'npm ci --prefix clients/js' (mvn verify does it)");
    try (TestNode node = TestNode.start(dir, new JsonObject().put("workspace", new JsonObject().put("eventBuffer", 8)))) {
      String alice = node.login("alice");
      String bob = node.login("bob");
      ProcessBuilder pb = new ProcessBuilder("node", "--experimental-websocket", "--no-warnings", "--test",
          "--test-reporter=spec", "test/").directory(LIB.toFile()).redirectErrorStream(true);
      for (String p : new String[] {"basic", "burst", "since", "resync", "solo", "rename"}) {
        String id = "js-" + p;
        node.createProject(alice, id);
        node.http.postJson("/api/projects/" + id + "/members", alice,
            new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
        pb.environment().put("PROJECT_" + p.toUpperCase(java.util.Locale.ROOT), id);
      }
      pb.environment().put("PORT", String.valueOf(node.node.port()));
      pb.environment().put("TOKEN_A", alice);
      pb.environment().put("TOKEN_B", bob);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "node --test did not finish: " + out);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("pass 7"), out);
    }
  }
}
