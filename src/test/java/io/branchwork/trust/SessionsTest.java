package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.SockJsBridge;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, "roles and lifetimes": re-auth, locks and subscriptions that outlive their socket or token, caps. */
@Timeout(180)
class SessionsTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static Vertx clientVertx;
  static WebSocketClient wsClient;
  static String olive;
  static String bob;
  static String carol;
  static final WorkspaceKey KEY = new WorkspaceKey("team", "main");

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    clientVertx = Vertx.vertx();
    wsClient = clientVertx.createWebSocketClient();
    olive = node.login("olive");
    bob = node.login("bob");
    carol = node.login("carol");
    node.createProject(olive, "team");
    member("bob", "writer");
    member("carol", "reader");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    clientVertx.close().await(10, TimeUnit.SECONDS);
  }

  private static void member(String user, String role) {
    node.http.postJson("/api/projects/team/members", olive, new JsonObject().put("username", user).put("role", role))
        .expect(204);
  }

  private static SockJsBridge bridge(TestNode n) throws Exception {
    return new SockJsBridge(wsClient, n.node.port());
  }

  private static JsonObject reg(WorkspaceKey key, String holder) {
    return new JsonObject().put("op", "register").put("project", key.project()).put("branch", key.branch())
        .put("holder", holder);
  }

  @Test
  @DisplayName("A second auth as another user is forbidden; the session keeps its user, and writes stay bob's")
  void reauthAsAnotherUser() {
    try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), null)) {
      ws.ok("auth", "token", bob);
      ws.ok("open", "project", "team", "branch", "main");
      ws.fails("forbidden", "auth", "token", carol);
      ws.ok("write", "path", "bob.txt", "content", "mine".getBytes(StandardCharsets.UTF_8));
      String commit = ws.ok("commit", "message", "by bob").getString("commit");
      JsonObject last = ws.ok("log", "limit", 1L).getJsonArray("commits").getJsonObject(0);
      assertEquals(commit, last.getString("commit"));
      assertEquals("bob", last.getString("author"));
      // the same user may refresh the token
      String fresh = node.http.postJson("/api/sessions", null,
          new JsonObject().put("username", "bob").put("password", "password-bob")).expect(200).json().getString("token");
      assertEquals("bob", ws.ok("auth", "token", fresh).getString("user"));
    }
  }

  @Test
  @DisplayName("SockJS over plain HTTP (xhr_send) works, and a body past limits.maxFrameBytes is 413, not buffered or internal")
  void sockJsHttpTransport() throws Exception {
    // HTTP/1.1, as browsers speak SockJS's HTTP transports
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + node.node.port() + "/eventbus/000/" + java.util.UUID.randomUUID();
    java.util.function.BiFunction<String, byte[], java.net.http.HttpResponse<String>> post = (path, body) -> {
      java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
          .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build();
      try {
        try {
          return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException closedUnderUs) {
          // A kept-alive connection the server closed as the client reused it: what a browser
          // retries by itself. Once, on a fresh connection.
          return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertEquals("o", post.apply("/xhr", new byte[0]).body().trim());
    byte[] ping = "[\"{\\\"type\\\":\\\"ping\\\"}\"]".getBytes(StandardCharsets.UTF_8);
    assertEquals(204, post.apply("/xhr_send", ping).statusCode());
    byte[] huge = new byte[node.node.services().config().maxFrameBytes + 1024];
    java.util.Arrays.fill(huge, (byte) 'a');
    assertEquals(413, post.apply("/xhr_send", huge).statusCode());
  }

  @Test
  @DisplayName("A SockJS socket that closes while its message is being checked gives everything back: no slot, hold or reference leaks")
  void sockJsCloseDuringCheck() throws Exception {
    String quick = node.login("quick");
    node.createProject(quick, "qk");
    WorkspaceKey key = new WorkspaceKey("qk", "main");
    for (int i = 0; i < 20; i++) {
      SockJsBridge b = bridge(node);
      b.ws.writeTextMessage(new JsonObject().put("type", "send").put("address", "allocator")
          .put("headers", new JsonObject().put("token", quick)).put("body", reg(key, "t" + i))
          .put("replyAddress", "r").encode());
      b.close();
    }
    var quotas = node.node.services().quotas();
    Await.until("slots and references given back", 10_000, () -> quotas.connections("quick") == 0
        && quotas.workspaces("quick") == 0 && node.holders(key) == 0);
  }

  @Test
  @DisplayName("A SockJS socket is one user's: a message with another user's token is refused")
  void sockJsSocketIsOneUsers() throws Exception {
    try (SockJsBridge b = bridge(node)) {
      assertEquals("rec", b.send("allocator", bob, reg(KEY, "mine")).getString("type"));
      assertEquals("err", b.send("allocator", carol, reg(KEY, "borrowed")).getString("type"));
      assertEquals("err", b.send(KEY.address(), carol, new JsonObject().put("op", "unlock")).getString("type"));
      assertEquals("rec", b.send(KEY.address(), bob, new JsonObject().put("op", "status")).getString("type"));
    }
  }

  @Test
  @DisplayName("A lock taken through a SockJS socket ends when the socket closes; other writers do not wait")
  void sockJsLockEndsWithSocket() throws Exception {
    try (WsClient other = WsClient.connect(node.vertx, node.node.port(), olive)) {
      other.ok("open", "project", "team", "branch", "main");
      SockJsBridge b = bridge(node);
      assertEquals("rec", b.send("allocator", bob, reg(KEY, "tab")).getString("type"));
      JsonObject locked = b.send(KEY.address(), bob, new JsonObject().put("op", "lock").put("ttlMs", 600_000L));
      assertEquals("rec", locked.getString("type"), locked::encode);
      other.event("locked");
      b.close();
      other.event("unlocked");
      long t0 = System.nanoTime();
      other.ok("write", "path", "after-lock.txt", "content", "free".getBytes(StandardCharsets.UTF_8));
      assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000);
    }
  }

  @Test
  @DisplayName("A SockJS frame whose headers is not an object is answered with an error, not left hanging")
  void malformedHeaders() throws Exception {
    try (SockJsBridge b = bridge(node)) {
      for (Object headers : new Object[] {"token", 42, new io.vertx.core.json.JsonArray().add(bob)}) {
        JsonObject reply = b.sendFrame(new JsonObject().put("type", "send").put("address", "allocator")
            .put("headers", headers).put("body", reg(KEY, "h")).put("replyAddress", "r"));
        assertEquals("err", reply.getString("type"), reply::encode);
      }
      JsonObject reply = b.sendFrame(new JsonObject().put("type", "send").put("address", 7)
          .put("headers", new JsonObject().put("token", bob)).put("body", reg(KEY, "h")).put("replyAddress", "r"));
      assertEquals("err", reply.getString("type"), reply::encode);
      assertEquals("rec", b.send("allocator", bob, reg(KEY, "h")).getString("type"));
    }
  }

  @Test
  @DisplayName("One SockJS socket may hold limits.maxReferencesPerSocket references; the next is refused")
  void referencesPerSocket() throws Exception {
    int max = node.node.services().config().maxReferencesPerSocket;
    int before = node.holders(KEY);
    try (SockJsBridge b = bridge(node)) {
      for (int i = 0; i < max; i++) {
        assertEquals("rec", b.send("allocator", carol, reg(KEY, "tab-" + i)).getString("type"));
      }
      assertEquals("err", b.send("allocator", carol, reg(KEY, "one-too-many")).getString("type"));
      assertEquals(before + max, node.holders(KEY));
    }
    Await.until("references dropped", 10_000, () -> node.holders(KEY) == before);
  }

  @Test
  @DisplayName("One user may hold limits.maxWorkspacesPerUser workspaces open; the next open is refused")
  void workspacesPerUser() throws Exception {
    String hoarder = node.login("hoarder");
    int max = node.node.services().config().maxWorkspacesPerUser;
    for (int i = 0; i <= max; i++) {
      node.createProject(hoarder, "h" + i);
    }
    try (SockJsBridge b = bridge(node)) {
      for (int i = 0; i < max; i++) {
        assertEquals("rec", b.send("allocator", hoarder, reg(new WorkspaceKey("h" + i, "main"), "t")).getString("type"));
      }
      assertEquals("err", b.send("allocator", hoarder, reg(new WorkspaceKey("h" + max, "main"), "t")).getString("type"));
      // the /ws door counts against the same cap
      try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), hoarder)) {
        ws.fails("overloaded", "open", "project", "h" + max, "branch", "main");
        ws.ok("open", "project", "h0", "branch", "main"); // one already held counts once
      }
      // letting one go makes room
      assertEquals("rec", b.send("allocator", hoarder, reg(new WorkspaceKey("h0", "main"), "t")
          .put("op", "deregister")).getString("type"));
      assertEquals("rec", b.send("allocator", hoarder, reg(new WorkspaceKey("h" + max, "main"), "t")).getString("type"));
    }
  }

  @Test
  @DisplayName("One user may have limits.maxConnectionsPerUser connections; the next is closed with 1013")
  void connectionsPerUser() {
    String many = node.login("many");
    int max = node.node.services().config().maxConnectionsPerUser;
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < max; i++) {
        WsClient c = WsClient.connect(node.vertx, node.node.port(), many);
        c.ok("ping");
        open.add(c);
      }
      WsClient extra = WsClient.connect(node.vertx, node.node.port(), many);
      assertEquals(1013, extra.awaitClose());
      WsClient viaAuth = WsClient.connect(node.vertx, node.node.port(), null);
      viaAuth.fails("overloaded", "auth", "token", many);
      viaAuth.close();
      open.remove(0).close();
      Await.until("a slot is free again", 10_000, () -> {
        WsClient c = WsClient.connect(node.vertx, node.node.port(), null);
        boolean ok = c.call("auth", "token", many).getBoolean("ok");
        open.add(c);
        return ok;
      });
    } finally {
      open.forEach(WsClient::close);
    }
  }

  @Test
  @DisplayName("Token expiry ends a SockJS subscription: no event after it, and the socket is closed; /metrics can ask for a token")
  void sockJsExpiry(@TempDir Path other) throws Exception {
    try (TestNode n = TestNode.start(other.resolve("data"), new JsonObject()
        .put("auth", new JsonObject().put("tokenTtlMs", 2000))
        .put("metrics", new JsonObject().put("token", "scrape-secret")))) {
      String owner = n.login("owner");
      WorkspaceKey key = new WorkspaceKey("exp", "main");
      n.createProject(owner, "exp");
      long expiresAt = n.http.postJson("/api/sessions", null, new JsonObject().put("username", "owner")
          .put("password", "password-owner")).expect(200).json().getLong("expiresAt");
      String shortLived = n.http.postJson("/api/sessions", null, new JsonObject().put("username", "owner")
          .put("password", "password-owner")).expect(200).json().getString("token");
      n.allocator("register", key, "writer");
      SockJsBridge sub = bridge(n);
      sub.register(key.eventAddress(), shortLived);
      Await.until("subscribed", 10_000, () -> {
        n.ws(key, "owner", "write", new JsonObject().put("path", "e.txt").put("content", "x".getBytes()));
        try {
          JsonObject m = sub.in.poll(100, TimeUnit.MILLISECONDS);
          return m != null && "rec".equals(m.getString("type"));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Await.until("the token expired", 10_000, () -> System.currentTimeMillis() > expiresAt + 100);
      sub.in.clear();
      n.ws(key, "owner", "write", new JsonObject().put("path", "late.txt").put("content", "y".getBytes()));
      sub.closed.future().await(5, TimeUnit.SECONDS);
      assertTrue(sub.in.stream().noneMatch(m -> "rec".equals(m.getString("type"))), sub.in::toString);

      assertEquals("unauthenticated", n.http.get("/metrics", null).expect(401).code());
      assertEquals("unauthenticated", n.http.get("/metrics", "wrong").expect(401).code());
      assertTrue(n.http.get("/metrics", "scrape-secret").expect(200).text().contains("jvm_"));
    }
  }
}
