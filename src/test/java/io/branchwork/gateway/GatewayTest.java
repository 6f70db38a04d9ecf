package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class GatewayTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String alice;
  static String bob;
  static String carol;
  static final WorkspaceKey KEY = new WorkspaceKey("gw", "main");

  @BeforeAll
  static void start() {
    node = TestNode.start(dir, new JsonObject()
        .put("auth", new JsonObject().put("timeoutMs", 500))
        .put("limits", new JsonObject().put("maxFrameBytes", 64 * 1024))
        .put("ws", new JsonObject().put("maxInFlight", 4)));
    alice = node.login("alice");
    bob = node.login("bob");
    carol = node.login("carol");
    node.createProject(alice, "gw");
    node.http.postJson("/api/projects/gw/members", alice, new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
    node.http.postJson("/api/projects/gw/members", alice, new JsonObject().put("username", "carol").put("role", "reader")).expect(204);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WsClient client(String token) {
    WsClient c = WsClient.connect(node.vertx, node.node.port(), null);
    c.ok("auth", "token", token);
    return c;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("Auth by first frame answers the user; any other op before auth is unauthenticated; a bad token too")
  void authByFrame() {
    try (WsClient c = WsClient.connect(node.vertx, node.node.port(), null)) {
      c.fails("unauthenticated", "ping");
      c.fails("unauthenticated", "auth", "token", "not-a-token");
      assertEquals("alice", c.ok("auth", "token", alice).getString("user"));
      c.ok("ping");
    }
  }

  @Test
  @DisplayName("Auth by the upgrade's Authorization header; a dead token there closes the connection with 1008")
  void authByHeader() throws Exception {
    try (WsClient c = WsClient.connect(node.vertx, node.node.port(), alice)) {
      c.ok("ping");
    }
    assertEquals(1008, WsClient.connect(node.vertx, node.node.port(), "dead-token").awaitClose());
  }

  @Test
  @DisplayName("No auth within auth.timeoutMs closes with 1008; a text frame closes with 1003; an oversize frame with 1009")
  void closeCodes() {
    assertEquals(1008, WsClient.connect(node.vertx, node.node.port(), null).awaitClose());
    WsClient text = client(alice);
    text.sendText("{\"id\":1,\"op\":\"ping\"}");
    assertEquals(1003, text.awaitClose());
    WsClient big = client(alice);
    big.sendRaw(WsClient.pack(Map.of("id", 1, "op", "ping", "junk", new byte[128 * 1024])));
    assertEquals(1009, big.awaitClose());
  }

  @Test
  @DisplayName("Undecodable, non-map and id-less frames get a bad_request with no id, and the connection stays up")
  void badFrames() {
    try (WsClient c = client(alice)) {
      c.sendRaw(Buffer.buffer(new byte[] {(byte) 0xc1, 0x00, 0x17}));
      assertEquals("bad_request", c.anonymousReply().getJsonObject("error").getString("code"));
      c.sendRaw(WsClient.pack(List.of(1, 2, 3)));
      assertEquals("bad_request", c.anonymousReply().getJsonObject("error").getString("code"));
      c.sendRaw(WsClient.pack(Map.of("op", "ping")));
      assertEquals("bad_request", c.anonymousReply().getJsonObject("error").getString("code"));
      c.sendRaw(WsClient.pack(Map.of("id", -3, "op", "ping")));
      assertEquals("bad_request", c.anonymousReply().getJsonObject("error").getString("code"));
      c.fails("bad_request", "frobnicate");
      c.fails("bad_request", "session.join");
      c.fails("no_workspace", "list");
      c.fails("bad_request", "open", "project", "gw", "branch", "bad..branch");
      c.ok("ping");
    }
  }

  @Test
  @DisplayName("Open, write and read binary content; the others on the workspace get the push, the sender does not")
  void pushToOthers() {
    try (WsClient a = client(alice); WsClient b = client(bob)) {
      JsonObject opened = b.ok("open", "project", "gw", "branch", "main");
      assertEquals("workspace.gw.main", opened.getString("address"));
      assertEquals(40, opened.getString("head").length());
      a.ok("open", "project", "gw", "branch", "main");
      assertEquals("alice", b.event("joined").getString("user"));

      byte[] content = new byte[300];
      for (int i = 0; i < content.length; i++) {
        content[i] = (byte) i;
      }
      String blob = a.ok("write", "path", "bin/data.bin", "content", content).getString("blob");
      JsonObject changed = b.event("changed");
      assertEquals("bin/data.bin", changed.getString("path"));
      assertEquals(blob, changed.getString("blob"));
      assertEquals("alice", changed.getString("by"));
      assertTrue(!changed.containsKey("origin"));
      assertArrayEquals(content, b.ok("read", "path", "bin/data.bin").getBinary("content"));

      // the sender's own push would have arrived before its next reply: none did
      a.ok("ping");
      assertTrue(a.events().stream().noneMatch(e -> "changed".equals(e.getString("event"))), a.events()::toString);

      JsonArray users = b.ok("who").getJsonArray("users");
      assertEquals(new JsonArray().add(new JsonObject().put("user", "alice").put("sessions", 1))
          .add(new JsonObject().put("user", "bob").put("sessions", 1)), users);
      a.close();
      assertEquals("alice", b.event("left").getString("user"));
    }
  }

  @Test
  @DisplayName("Roles are checked before anything reaches the workspace, and a role change applies to open sessions")
  void roles() throws Exception {
    String dave = node.login("dave");
    try (WsClient c = client(carol); WsClient d = client(dave)) {
      d.fails("not_found", "open", "project", "gw", "branch", "main");
      c.ok("open", "project", "gw", "branch", "main");
      c.ok("list");
      c.fails("forbidden", "write", "path", "x.txt", "content", utf8("x"));
      c.fails("forbidden", "save");
      c.fails("forbidden", "branch.delete", "name", "other");
      node.http.postJson("/api/projects/gw/members", alice, new JsonObject().put("username", "carol").put("role", "writer")).expect(204);
      Await.until("carol may write", 10_000, () -> c.call("write", "path", "carol.txt", "content", utf8("c")).getBoolean("ok"));
      node.http.postJson("/api/projects/gw/members", alice, new JsonObject().put("username", "carol").put("role", "reader")).expect(204);
      Await.until("carol may no longer write", 10_000,
          () -> !c.call("write", "path", "carol.txt", "content", utf8("c")).getBoolean("ok"));
    }
  }

  @Test
  @DisplayName("A disconnect gives back the workspace reference; open switches from the workspace open before")
  void disconnectReleases() {
    int before = node.holders(KEY);
    WsClient c = client(bob);
    c.ok("open", "project", "gw", "branch", "main");
    assertEquals(before + 1, node.holders(KEY));
    c.ok("close");
    assertEquals(before, node.holders(KEY));
    c.ok("open", "project", "gw", "branch", "main");
    assertEquals(before + 1, node.holders(KEY));
    c.close();
    Await.until("reference released", 10_000, () -> node.holders(KEY) == before);
  }

  @Test
  @DisplayName("Logout kills the token on open connections too: they close with 1008")
  void logoutClosesConnections() {
    String token = node.http.signIn("bob");
    WsClient c = client(token);
    c.ok("open", "project", "gw", "branch", "main");
    node.http.delete("/api/sessions", token).expect(204);
    assertEquals(1008, c.awaitClose());
  }

  @Test
  @DisplayName("More requests in flight than ws.maxInFlight are overloaded")
  void inFlightLimit() {
    try (WsClient c = client(alice)) {
      c.ok("open", "project", "gw", "branch", "main");
      byte[] big = new byte[32 * 1024];
      long first = c.nextId();
      for (int i = 0; i < 12; i++) {
        c.sendRaw(WsClient.pack(Map.of("id", first + i, "op", "write", "path", "f" + i + ".bin", "content", big)));
      }
      int overloaded = 0;
      for (int i = 0; i < 12; i++) {
        JsonObject r = c.reply(first + i);
        if (!r.getBoolean("ok")) {
          assertEquals("overloaded", r.getJsonObject("error").getString("code"));
          overloaded++;
        }
      }
      assertTrue(overloaded > 0, "no request was refused");
    }
  }

  @Test
  @DisplayName("branch.rename moves every session on the workspace: they get 'renamed' and 'closing {renamed, branch}', the gateway reopens the new name, and they keep working")
  void renameMovesSessions() {
    node.createProject(alice, "gwr");
    node.http.postJson("/api/projects/gwr/members", alice, new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
    try (WsClient a = client(alice); WsClient b = client(bob)) {
      a.ok("open", "project", "gwr", "branch", "main");
      b.ok("open", "project", "gwr", "branch", "main");
      b.fails("forbidden", "branch.rename", "to", "nope");
      assertEquals("trunk", a.ok("branch.rename", "to", "trunk").getString("name"));
      assertEquals("trunk", b.event("renamed").getString("branch"));
      JsonObject closing = b.event("closing");
      assertEquals("renamed", closing.getString("reason"));
      assertEquals("trunk", closing.getString("branch"));
      b.ok("write", "path", "after.txt", "content", utf8("after the rename"));
      assertEquals("after.txt", a.event("changed").getString("path"));
      WorkspaceKey trunk = new WorkspaceKey("gwr", "trunk");
      assertEquals(2, node.holders(trunk));
      b.ok("close");
      assertEquals(1, node.holders(trunk));
    }
  }

  @Test
  @DisplayName("A disconnect drops the session's lock, and the write waiting for it goes through")
  void disconnectDropsLock() {
    try (WsClient b = client(bob)) {
      WsClient a = client(alice);
      a.ok("open", "project", "gw", "branch", "main");
      b.ok("open", "project", "gw", "branch", "main");
      a.ok("lock", "ttlMs", 60_000);
      assertEquals("alice", b.event("locked").getString("by"));
      long id = b.nextId();
      b.sendRaw(WsClient.pack(Map.of("id", id, "op", "write", "path", "waits.txt", "content", utf8("w"))));
      b.ok("list");
      a.close();
      assertEquals(Boolean.TRUE, b.reply(id).getBoolean("ok"));
      b.event("unlocked");
    }
  }
}
