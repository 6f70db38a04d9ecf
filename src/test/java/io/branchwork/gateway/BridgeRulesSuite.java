package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.BridgeClient;
import io.branchwork.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules every event-bus bridge keeps ({@code BridgeRules}), run against each bridge by a
 * subclass: {@link SockJsBridgeTest} (SockJS's raw WebSocket transport) and {@link TcpBridgeTest}
 * (the TCP frame format on a plain socket).
 */
@Timeout(120)
abstract class BridgeRulesSuite {

  @TempDir
  static Path dir;

  static TestNode node;
  static Vertx clientVertx;
  /** Held for the whole class: Vert.x closes a client, and its sockets, once it is garbage collected. */
  static io.vertx.core.http.WebSocketClient wsClient;
  static String owner;
  static String reader;
  static String outsider;
  static final WorkspaceKey KEY = new WorkspaceKey("br", "main");

  @BeforeAll
  static void start() {
    node = TestNode.start(dir, new JsonObject().put("bridge", new JsonObject().put("tcp",
        new JsonObject().put("port", TestNode.freePort()))));
    clientVertx = Vertx.vertx();
    wsClient = clientVertx.createWebSocketClient();
    owner = node.login("olga");
    reader = node.login("rita");
    outsider = node.login("otto");
    node.createProject(owner, "br");
    node.http.postJson("/api/projects/br/members", owner, new JsonObject().put("username", "rita").put("role", "reader")).expect(204);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    clientVertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A new client of the bridge under test. */
  abstract BridgeClient bridge() throws Exception;

  private static void assertDenied(BridgeClient b, JsonObject reply) {
    assertTrue(b.isDenied(reply), reply::encode);
  }

  private static JsonObject op(String op) {
    return new JsonObject().put("op", op).put("project", "br").put("branch", "main");
  }

  @Test
  @DisplayName("A reader registers through the bridge and reads the workspace; a write is refused for the reader role")
  void permittedAndRefused() throws Exception {
    try (BridgeClient b = bridge()) {
      JsonObject reg = b.send("allocator", reader, op("register").put("holder", "tab-1"));
      assertTrue(b.isMessage(reg), reg::encode);
      assertEquals("workspace.br.main", reg.getJsonObject("body").getString("address"));
      JsonObject list = b.send("workspace.br.main", reader, new JsonObject().put("op", "list"));
      assertTrue(b.isMessage(list), list::encode);
      JsonObject write = b.send("workspace.br.main", reader, new JsonObject().put("op", "write").put("path", "x")
          .put("content", "eA=="));
      assertDenied(b, write);
    }
  }

  @Test
  @DisplayName("No token, a dead token, a stranger, an internal op or an unlisted address: refused")
  void tokenAndAddressChecks() throws Exception {
    try (BridgeClient b = bridge()) {
      assertDenied(b, b.send("allocator", null, op("register").put("holder", "h")));
      assertDenied(b, b.send("allocator", "dead", op("register").put("holder", "h")));
      assertDenied(b, b.send("allocator", outsider, op("register").put("holder", "h")));
      assertDenied(b, b.send("allocator", owner, op("kill")));
      assertDenied(b, b.send("workspace.br.main", owner,
          new JsonObject().put("op", "session.join")));
      // The internal op a git push moves an open branch with is not a client's either.
      assertDenied(b, b.send("workspace.br.main", owner, new JsonObject().put("op", "git.receive")
          .put("old", "0".repeat(40)).put("new", "0".repeat(40))));
      assertDenied(b, b.send("branchwork.token.revoked", owner, new JsonObject()));
      // the node-local allocator address the bridge itself forwards to is not for clients
      assertDenied(b, b.send("branchwork.allocator.local", owner, op("register").put("holder", "h")));
    }
  }

  @Test
  @DisplayName("The server sets 'user' itself: a forged user is overwritten")
  void userIsSetByServer() throws Exception {
    try (BridgeClient b = bridge()) {
      b.send("allocator", owner, op("register").put("holder", "h"));
      JsonObject w = b.send("workspace.br.main", owner, new JsonObject().put("op", "write").put("path", "who.txt")
          .put("content", "aGk=").put("user", "mallory"));
      assertTrue(b.isMessage(w), w::encode);
      var log = node.ws(KEY, "olga", "read", new JsonObject().put("path", "who.txt"));
      assertEquals("hi", new String(log.getBinary("content"), StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("Events reach a subscriber that may read the project; a stranger may not subscribe")
  void eventDelivery() throws Exception {
    try (BridgeClient sub = bridge(); BridgeClient stranger = bridge(); BridgeClient writer = bridge()) {
      sub.register("events.workspace.br.main", reader);
      stranger.register("events.workspace.br.main", outsider);
      JsonObject denied = stranger.next();
      assertTrue(stranger.isDenied(denied), denied::encode);
      writer.send("allocator", owner, op("register").put("holder", "w"));
      // the registration is confirmed by the first event arriving; write until it does
      Await.until("an event at the subscriber", 10_000, () -> {
        try {
          writer.send("workspace.br.main", owner, new JsonObject().put("op", "write").put("path", "e.txt").put("content", "ZQ=="));
          JsonObject m = sub.in().poll(200, TimeUnit.MILLISECONDS);
          return m != null && sub.isMessage(m)
              && "changed".equals(m.getJsonObject("body").getString("event"))
              && "olga".equals(m.getJsonObject("body").getString("by"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Test
  @DisplayName("References a socket took with register are dropped when the socket closes")
  void closeDropsReferences() throws Exception {
    int before = node.holders(KEY);
    BridgeClient b = bridge();
    b.send("allocator", reader, op("register").put("holder", "one"));
    b.send("allocator", reader, op("register").put("holder", "two"));
    assertEquals(before + 2, node.holders(KEY));
    b.close();
    Await.until("references dropped", 10_000, () -> node.holders(KEY) == before);
  }

  @Test
  @DisplayName("Logout closes the sockets that used the token, and their references are dropped")
  void logoutClosesSockets() throws Exception {
    String token = node.http.signIn("rita");
    int before = node.holders(KEY);
    BridgeClient b = bridge();
    b.send("allocator", token, op("register").put("holder", "tab"));
    assertEquals(before + 1, node.holders(KEY));
    node.http.delete("/api/sessions", token).expect(204);
    b.closed().await(10, TimeUnit.SECONDS);
    Await.until("references dropped", 10_000, () -> node.holders(KEY) == before);
  }
}
