package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.SockJsBridge;
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

/** The SockJS bridge, driven through SockJS's raw WebSocket transport with the bridge's JSON frames. */
@Timeout(120)
class BridgeTest {

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
    node = TestNode.start(dir);
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

  private static SockJsBridge bridge() throws Exception {
    return new SockJsBridge(wsClient, node.node.port());
  }

  /** The bridge refuses with an "err" frame: "rejected" by our checks, "access_denied" by its address list. */
  private static void assertDenied(JsonObject reply) {
    assertEquals("err", reply.getString("type"), reply::encode);
    String body = reply.getString("body");
    assertTrue("rejected".equals(body) || "access_denied".equals(body), reply::encode);
  }

  private static JsonObject op(String op) {
    return new JsonObject().put("op", op).put("project", "br").put("branch", "main");
  }

  @Test
  @DisplayName("A reader registers through the bridge and reads the workspace; a write is refused for the reader role")
  void permittedAndRefused() throws Exception {
    try (SockJsBridge b = bridge()) {
      JsonObject reg = b.send("allocator", reader, op("register").put("holder", "tab-1"));
      assertEquals("rec", reg.getString("type"), reg::encode);
      assertEquals("workspace.br.main", reg.getJsonObject("body").getString("address"));
      JsonObject list = b.send("workspace.br.main", reader, new JsonObject().put("op", "list"));
      assertEquals("rec", list.getString("type"), list::encode);
      JsonObject write = b.send("workspace.br.main", reader, new JsonObject().put("op", "write").put("path", "x")
          .put("content", "eA=="));
      assertDenied(write);
    }
  }

  @Test
  @DisplayName("No token, a dead token, a stranger, an internal op or an unlisted address: access_denied")
  void tokenAndAddressChecks() throws Exception {
    try (SockJsBridge b = bridge()) {
      assertDenied(b.send("allocator", null, op("register").put("holder", "h")));
      assertDenied(b.send("allocator", "dead", op("register").put("holder", "h")));
      assertDenied(b.send("allocator", outsider, op("register").put("holder", "h")));
      assertDenied(b.send("allocator", owner, op("kill")));
      assertDenied(b.send("workspace.br.main", owner,
          new JsonObject().put("op", "session.join")));
      assertDenied(b.send("branchwork.token.revoked", owner, new JsonObject()));
      // the node-local allocator address the bridge itself forwards to is not for clients
      assertDenied(b.send("branchwork.allocator.local", owner, op("register").put("holder", "h")));
    }
  }

  @Test
  @DisplayName("The server sets 'user' itself: a forged user is overwritten")
  void userIsSetByServer() throws Exception {
    try (SockJsBridge b = bridge()) {
      b.send("allocator", owner, op("register").put("holder", "h"));
      JsonObject w = b.send("workspace.br.main", owner, new JsonObject().put("op", "write").put("path", "who.txt")
          .put("content", "aGk=").put("user", "mallory"));
      assertEquals("rec", w.getString("type"), w::encode);
      var log = node.ws(KEY, "olga", "read", new JsonObject().put("path", "who.txt"));
      assertEquals("hi", new String(log.getBinary("content"), StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("Events reach a subscriber that may read the project; a stranger may not subscribe")
  void eventDelivery() throws Exception {
    try (SockJsBridge sub = bridge(); SockJsBridge stranger = bridge(); SockJsBridge writer = bridge()) {
      sub.register("events.workspace.br.main", reader);
      stranger.register("events.workspace.br.main", outsider);
      JsonObject denied = stranger.next();
      assertEquals("err", denied.getString("type"));
      writer.send("allocator", owner, op("register").put("holder", "w"));
      // the registration is confirmed by the first event arriving; write until it does
      Await.until("an event at the subscriber", 10_000, () -> {
        try {
          writer.send("workspace.br.main", owner, new JsonObject().put("op", "write").put("path", "e.txt").put("content", "ZQ=="));
          JsonObject m = sub.in.poll(200, TimeUnit.MILLISECONDS);
          return m != null && "rec".equals(m.getString("type"))
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
    SockJsBridge b = bridge();
    b.send("allocator", reader, op("register").put("holder", "one"));
    b.send("allocator", reader, op("register").put("holder", "two"));
    assertEquals(before + 2, node.holders(KEY));
    b.close();
    Await.until("references dropped", 10_000, () -> node.holders(KEY) == before);
  }

  @Test
  @DisplayName("Logout closes the SockJS sockets that used the token, and their references are dropped")
  void logoutClosesSockets() throws Exception {
    String token = node.http.postJson("/api/sessions", null,
        new JsonObject().put("username", "rita").put("password", "password-rita")).expect(200).json().getString("token");
    int before = node.holders(KEY);
    SockJsBridge b = bridge();
    io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
    b.ws.closeHandler(v -> closed.tryComplete());
    b.send("allocator", token, op("register").put("holder", "tab"));
    assertEquals(before + 1, node.holders(KEY));
    node.http.delete("/api/sessions", token).expect(204);
    closed.future().await(10, TimeUnit.SECONDS);
    Await.until("references dropped", 10_000, () -> node.holders(KEY) == before);
  }
}
