package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients nobody here wrote, unchanged: {@code @msgpack/msgpack} over Node's WebSocket against
 * {@code /ws}, and {@code @vertx/eventbus-bridge-client.js} against {@code /eventbus}. Maven
 * installs them into {@code src/test/js/node_modules} (npm ci) before the tests run.
 */
@Timeout(120)
class StockClientsTest {

  private static final Path JS = Path.of("src/test/js");

  @TempDir
  static Path dir;

  static TestNode node;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    assertTrue(Files.isDirectory(JS.resolve("node_modules")),
        "the stock clients are not installed: run 'npm ci --prefix src/test/js' (mvn verify does it)");
    node = TestNode.start(dir);
    alice = node.login("alice");
    bob = node.login("bob");
    node.createProject(alice, "stock");
    node.http.postJson("/api/projects/stock/members", alice, new JsonObject().put("username", "bob").put("role", "writer"))
        .expect(204);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String node(Map<String, String> env, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(args).directory(JS.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("PORT", String.valueOf(node.node.port()));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("Node.js is needed for these tests: install nodejs (20+) and npm", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  @DisplayName("@msgpack/msgpack with a plain WebSocket: auth, open, binary write, push to the other client, read back")
  void msgpackOverPlainWebSocket() throws Exception {
    String out = node(Map.of("TOKEN_A", alice, "TOKEN_B", bob, "PROJECT", "stock"),
        List.of("node", "--experimental-websocket", "--no-warnings", "ws-msgpack.mjs").toArray(String[]::new));
    assertTrue(out.contains("ok"), out);
  }

  @Test
  @DisplayName("The stock Vert.x event bus client: refused without a token, register, subscribe and get the push")
  void vertxEventBusClient() throws Exception {
    String out = node(Map.of("TOKEN", alice, "PROJECT", "stock"), "node", "eventbus-bridge.cjs");
    assertTrue(out.contains("ok"), out);
  }
}
