package io.branchwork.collab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.BridgeClient;
import io.branchwork.support.Cli;
import io.branchwork.support.SockJsBridge;
import io.branchwork.support.TcpBridgeClient;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live documents over {@code /ws} and the TCP bridge: the workspace as the authority of
 * {@code @codemirror/collab} for a file of the working copy. Accepted updates are the file
 * ({@code read}, {@code commit}); an update made on an old version is refused for a rebase; any
 * other change to the file reaches the joined sessions as a whole-text update; hostile updates
 * change nothing; cursors come and go with their sessions.
 */
@Timeout(180)
class LiveDocumentsTest {

  @TempDir
  static Path dir;
  static TestNode node;
  static String alice;
  static String bob;
  static String carol;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir, new JsonObject()
        .put("bridge", new JsonObject().put("tcp", new JsonObject().put("port", TestNode.freePort())))
        .put("collab", new JsonObject().put("maxDocsPerWorkspace", 3).put("historyUpdates", 4)
            .put("maxDocBytes", 4096).put("pushesPerSecond", 20)));
    alice = node.login("alice");
    bob = node.login("bob");
    carol = node.login("carol");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A project of alice's with bob as writer and carol as reader, {@code files} written, opened by the clients. */
  private static void project(String id, String... files) {
    node.createProject(alice, id);
    node.http.postJson("/api/projects/" + id + "/members", alice,
        new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
    node.http.postJson("/api/projects/" + id + "/members", alice,
        new JsonObject().put("username", "carol").put("role", "reader")).expect(204);
    try (WsClient a = open(alice, id)) {
      for (int i = 0; i < files.length; i += 2) {
        a.ok("write", "path", files[i], "content", files[i + 1].getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static WsClient open(String token, String project) {
    WsClient c = WsClient.connect(node.vertx, node.node.port(), token);
    c.ok("open", "project", project, "branch", "main");
    return c;
  }

  private static JsonArray insert(int at, int length, String text) {
    JsonArray changes = new JsonArray();
    if (at > 0) {
      changes.add(at);
    }
    JsonArray ins = new JsonArray().add(0);
    for (String line : text.split("\n", -1)) {
      ins.add(line);
    }
    changes.add(ins);
    if (length - at > 0) {
      changes.add(length - at);
    }
    return changes;
  }

  private static JsonArray updates(String clientID, JsonArray changes) {
    return new JsonArray().add(new JsonObject().put("clientID", clientID).put("changes", changes));
  }

  private static String read(WsClient c, String path) {
    return new String(c.ok("read", "path", path).getBinary("content"), StandardCharsets.UTF_8);
  }

  private static JsonObject docEvent(WsClient c, String name) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject e = c.events().poll(100, TimeUnit.MILLISECONDS);
      if (e != null && name.equals(e.getString("event"))) {
        return e;
      }
    }
    throw new AssertionError("no " + name + " event");
  }

  @Test
  @DisplayName("Verifies that an accepted update is the file (read, commit), reaches the other joined session as doc.update, and that a push on an old version is refused until pulled")
  void updatesAreTheFile() throws Exception {
    project("live-basic", "doc.txt", "héllo 😀 world\n");
    try (WsClient a = open(alice, "live-basic"); WsClient b = open(bob, "live-basic")) {
      JsonObject ja = a.ok("doc.join", "path", "doc.txt");
      assertEquals(0L, ja.getLong("version"));
      assertEquals("héllo 😀 world\n", ja.getString("text"));
      assertEquals("\n", ja.getString("lineSeparator"));
      JsonObject jb = b.ok("doc.join", "path", "doc.txt");
      assertEquals(1, jb.getJsonArray("peers").size(), jb.encode());
      int len = ja.getString("text").length();
      // After the emoji (UTF-16 position 8 = "héllo " 6 + 2 code units).
      JsonObject pushed = a.ok("doc.push", "path", "doc.txt", "version", 0, "updates",
          updates("ca", insert(8, len, "!")));
      assertEquals(true, pushed.getBoolean("accepted"));
      assertEquals(1L, pushed.getLong("version"));
      JsonObject seen = docEvent(b, "doc.update");
      assertEquals("doc.txt", seen.getString("path"));
      assertEquals(1L, seen.getLong("version"));
      assertEquals("ca", seen.getJsonArray("updates").getJsonObject(0).getString("clientID"));
      assertEquals("alice", seen.getJsonArray("updates").getJsonObject(0).getString("by"));
      assertEquals("héllo 😀! world\n", read(b, "doc.txt"));

      // Bob typed on version 0 too: refused, he pulls, rebases (his insert moves by one) and pushes again.
      JsonObject refused = b.ok("doc.push", "path", "doc.txt", "version", 0, "updates",
          updates("cb", insert(0, len, ">")));
      assertEquals(false, refused.getBoolean("accepted"));
      assertEquals(1L, refused.getLong("version"));
      JsonObject pulled = b.ok("doc.pull", "path", "doc.txt", "version", 0);
      assertEquals(1, pulled.getJsonArray("updates").size());
      assertTrue(b.ok("doc.push", "path", "doc.txt", "version", 1, "updates",
          updates("cb", insert(0, len + 1, ">"))).getBoolean("accepted"));
      assertEquals(">héllo 😀! world\n", read(a, "doc.txt"));
      a.ok("commit", "message", "typed together");
      assertEquals("", a.ok("diff").getString("patch"), "the commit holds what was typed");
      // The history keeps 4 updates: a pull from before them resyncs with the whole text.
      long v = 2;
      for (int i = 0; i < 5; i++) {
        assertTrue(a.ok("doc.push", "path", "doc.txt", "version", v, "updates",
            updates("ca", insert(0, len + 2 + i, "x"))).getBoolean("accepted"));
        v++;
      }
      JsonObject resync = b.ok("doc.pull", "path", "doc.txt", "version", 1);
      assertEquals(true, resync.getBoolean("resync"));
      assertEquals("xxxxx>héllo 😀! world\n", resync.getString("text"));
      assertEquals(v, resync.getLong("version"));
    }
  }

  @Test
  @DisplayName("Verifies that a CRLF file stays CRLF: joined with lineSeparator \\r\\n, a line break counts one position, and the file gets \\r\\n")
  void crlfFilesKeepTheirLineEnds() throws Exception {
    project("live-crlf", "w.txt", "one\r\ntwo\r\n");
    try (WsClient a = open(alice, "live-crlf")) {
      JsonObject j = a.ok("doc.join", "path", "w.txt");
      assertEquals("\r\n", j.getString("lineSeparator"));
      assertEquals("one\ntwo\n", j.getString("text"));
      a.ok("doc.push", "path", "w.txt", "version", 0, "updates", updates("c", insert(4, 8, "mid\n")));
      assertEquals("one\r\nmid\r\ntwo\r\n", read(a, "w.txt"));
    }
  }

  @Test
  @DisplayName("Verifies that hostile updates get bad_request, too_large, forbidden, rate_limited or overloaded and change nothing")
  void hostileUpdatesChangeNothing() throws Exception {
    project("live-hostile", "t.txt", "ab😀cd\n", "bin.dat", "a\u0000b", "mixed.txt", "a\r\nb\n", "x1.txt", "1",
        "x2.txt", "2", "x3.txt", "3");
    try (WsClient a = open(alice, "live-hostile"); WsClient c = open(carol, "live-hostile")) {
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c", insert(0, 7, "x")));
      a.ok("doc.join", "path", "t.txt");
      int len = 7;
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c", insert(0, len + 3, "x")));
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c", insert(0, len - 1, "x")));
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates",
          updates("c", new JsonArray().add(len + 1).add(new JsonArray().add(0).add("x"))));
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 5, "updates", updates("c", insert(0, len, "x")));
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates",
          new JsonArray().add(new JsonObject().put("clientID", "c").put("changes", "delete everything")));
      // Position 3 is inside the emoji's surrogate pair.
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c", insert(3, len, "x")));
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c",
          new JsonArray().add(new JsonArray().add(0).add("a\nb")).add(len)));
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", new JsonArray());
      // Two updates, the second bad: neither is applied.
      a.fails("bad_request", "doc.push", "path", "t.txt", "version", 0, "updates", new JsonArray()
          .add(new JsonObject().put("clientID", "c").put("changes", insert(0, len, "ok")))
          .add(new JsonObject().put("clientID", "c").put("changes", insert(0, len, "bad"))));
      a.fails("too_large", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c", insert(0, len, "z".repeat(5000))));
      c.ok("doc.join", "path", "t.txt");
      c.fails("forbidden", "doc.push", "path", "t.txt", "version", 0, "updates", updates("c", insert(0, len, "x")));
      assertEquals("ab😀cd\n", read(a, "t.txt"), "nothing hostile was applied");
      assertEquals(0L, a.ok("doc.pull", "path", "t.txt", "version", 0).getLong("version"));

      a.fails("bad_request", "doc.join", "path", "bin.dat");
      a.fails("bad_request", "doc.join", "path", "mixed.txt");
      a.fails("bad_request", "doc.join", "path", "../t.txt");
      a.fails("bad_request", "doc.join", "path", ".git/config");
      a.fails("not_found", "doc.join", "path", "missing.txt");
      a.ok("doc.join", "path", "x1.txt");
      a.ok("doc.join", "path", "x2.txt");
      a.fails("overloaded", "doc.join", "path", "x3.txt");
      a.ok("doc.leave", "path", "x2.txt");
      a.ok("doc.join", "path", "x3.txt");
      a.fails("bad_request", "doc.presence", "path", "t.txt", "clientID", "c", "selection", new JsonObject()
          .put("ranges", new JsonArray().add(new JsonObject().put("anchor", -1).put("head", 0))));

      // A flood: past collab.pushesPerSecond (20, bursts of 40) alice is refused; bob is not.
      int limited = 0;
      for (int i = 0; i < 60 && limited == 0; i++) {
        JsonObject r = a.call("doc.pull", "path", "t.txt", "version", 0);
        JsonObject p = a.call("doc.push", "path", "t.txt", "version", 99, "updates", updates("c", insert(0, len, "x")));
        if (!p.getBoolean("ok") && "rate_limited".equals(p.getJsonObject("error").getString("code"))) {
          limited++;
        }
        assertTrue(r.getBoolean("ok"));
      }
      assertEquals(1, limited, "a flood of pushes is rate_limited");
      try (WsClient b = open(bob, "live-hostile")) {
        b.ok("doc.join", "path", "t.txt");
        assertTrue(b.ok("doc.push", "path", "t.txt", "version", 0, "updates", updates("b", insert(0, len, "b")))
            .getBoolean("accepted"), "another user is not limited");
      }
    }
  }

  @Test
  @DisplayName("Verifies that a write, a delete and a git push into a joined file reach the joined session as a doc.update replacing the text, and non-joined sessions still get changed")
  void otherChangesReplaceTheText() throws Exception {
    project("live-other", "f.txt", "first\n", "g.txt", "gone soon\n");
    try (WsClient a = open(alice, "live-other"); WsClient b = open(bob, "live-other");
        WsClient c = open(carol, "live-other")) {
      a.ok("doc.join", "path", "f.txt");
      a.ok("doc.join", "path", "g.txt");
      b.ok("write", "path", "f.txt", "content", "second\n".getBytes(StandardCharsets.UTF_8));
      JsonObject replaced = docEvent(a, "doc.update");
      assertEquals("f.txt", replaced.getString("path"));
      assertEquals(1L, replaced.getLong("version"));
      JsonObject u = replaced.getJsonArray("updates").getJsonObject(0);
      assertEquals("bob", u.getString("by"));
      // Only what differs: "first" becomes "second", the line break at the end is kept.
      assertEquals(new JsonArray().add(new JsonArray().add(5).add("second")).add(1), u.getJsonArray("changes"));
      assertEquals("f.txt", docEvent(c, "changed").getString("path"), "a session that did not join gets changed");
      // The next push is made on the replaced text.
      assertTrue(a.ok("doc.push", "path", "f.txt", "version", 1, "updates", updates("a", insert(0, 7, "2nd: ")))
          .getBoolean("accepted"));
      assertEquals("2nd: second\n", read(b, "f.txt"));

      b.ok("delete", "path", "g.txt");
      JsonObject deleted = docEvent(a, "doc.update");
      assertEquals("g.txt", deleted.getString("path"));
      assertEquals(true, deleted.getBoolean("deleted"));

      // A git push from a clone.
      a.ok("commit", "message", "before the push");
      Path clone = dir.resolve("clone-live");
      Cli.run(dir, "git", "clone", "-q", "http://bob:" + bob + "@127.0.0.1:" + node.node.port() + "/git/live-other.git",
          clone.toString());
      Files.writeString(clone.resolve("f.txt"), "pushed\ntext\n");
      Cli.run(clone, "git", "-c", "user.name=bob", "-c", "user.email=bob@example.com", "commit", "-qam", "from git");
      Cli.run(clone, "git", "push", "-q", "origin", "HEAD:main");
      JsonObject pushed = docEvent(a, "doc.update");
      assertEquals("f.txt", pushed.getString("path"));
      assertEquals(3L, pushed.getLong("version"));
      assertEquals("pushed\ntext\n", a.ok("doc.pull", "path", "f.txt", "version", 2).getJsonArray("updates").size() == 1
          ? read(a, "f.txt") : "no update");
    }
  }

  @Test
  @DisplayName("Verifies that cursors reach the other joined sessions, that a later joiner sees them, and that a disconnect clears them (selection nil)")
  void presenceComesAndGoes() throws Exception {
    project("live-presence", "p.txt", "0123456789\n");
    try (WsClient a = open(alice, "live-presence"); WsClient b = open(bob, "live-presence")) {
      a.ok("doc.join", "path", "p.txt");
      b.ok("doc.join", "path", "p.txt");
      b.ok("doc.presence", "path", "p.txt", "clientID", "bob-1", "selection", new JsonObject()
          .put("ranges", new JsonArray().add(new JsonObject().put("anchor", 2).put("head", 5))).put("main", 0));
      JsonObject seen = docEvent(a, "doc.presence");
      assertEquals("bob", seen.getString("user"));
      assertEquals("bob-1", seen.getString("clientID"));
      assertEquals(5L, seen.getJsonObject("selection").getJsonArray("ranges").getJsonObject(0).getLong("head"));
      try (WsClient c = open(carol, "live-presence")) {
        JsonArray peers = c.ok("doc.join", "path", "p.txt").getJsonArray("peers");
        assertEquals(2, peers.size());
        assertTrue(peers.stream().anyMatch(p -> ((JsonObject) p).getJsonObject("selection") != null), peers.encode());
      }
      assertNull(docEvent(a, "doc.presence").getValue("selection"), "carol left: her cursor goes");
      b.close();
      JsonObject gone = docEvent(a, "doc.presence");
      assertEquals("bob", gone.getString("user"));
      assertTrue(gone.containsKey("selection") && gone.getValue("selection") == null, gone.encode());
      // Alone on it: a write elsewhere does not come as a doc event, only a change to the joined file.
      a.ok("write", "path", "other.txt", "content", "x".getBytes(StandardCharsets.UTF_8));
      assertFalse(a.events().stream().anyMatch(e -> e.getString("event").startsWith("doc.")), a.events().toString());
    }
  }

  @Test
  @DisplayName("Verifies live documents through the TCP and SockJS bridges: join, push, pull, the doc.update on the event address")
  void throughTheBridges() throws Exception {
    project("live-bridge", "b.txt", "bridge\n");
    io.vertx.core.http.WebSocketClient wsClient = node.vertx.createWebSocketClient();
    try (WsClient a = open(alice, "live-bridge"); TcpBridgeClient tcp = new TcpBridgeClient(node.node.tcpBridgePort());
        SockJsBridge sockjs = new SockJsBridge(wsClient, node.node.port())) {
      a.ok("doc.join", "path", "b.txt");
      int length = 7;
      for (BridgeClient t : new BridgeClient[] {tcp, sockjs}) {
        String name = t == tcp ? "tcp" : "sockjs";
        t.send("allocator", bob, new JsonObject().put("op", "register").put("project", "live-bridge")
            .put("branch", "main").put("holder", "tab"));
        JsonObject join = t.send("workspace.live-bridge.main", bob, new JsonObject().put("op", "doc.join").put("path", "b.txt"));
        long version = join.getJsonObject("body").getLong("version");
        JsonObject push = t.send("workspace.live-bridge.main", bob, new JsonObject().put("op", "doc.push")
            .put("path", "b.txt").put("version", version).put("updates", updates(name, insert(0, length, name + " "))));
        assertEquals(true, push.getJsonObject("body").getBoolean("accepted"), push.encode());
        length += name.length() + 1;
        assertEquals(name, docEvent(a, "doc.update").getJsonArray("updates").getJsonObject(0).getString("clientID"));
        JsonObject pull = t.send("workspace.live-bridge.main", bob, new JsonObject().put("op", "doc.pull")
            .put("path", "b.txt").put("version", version));
        assertEquals(1, pull.getJsonObject("body").getJsonArray("updates").size(), pull.encode());
      }
      assertEquals("sockjs tcp bridge\n", read(a, "b.txt"));
    } finally {
      wsClient.close();
    }
  }
}
