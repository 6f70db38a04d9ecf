package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
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

/**
 * Resumable sessions on {@code /ws}: every workspace event carries {@code seq}, one more than the
 * event before it; {@code open} with {@code since} gets the events it missed, or {@code resync}
 * when the workspace no longer has them all (here it keeps 8); a request repeated with the same
 * idempotency {@code key} gets the first answer and is not applied again.
 */
@Timeout(120)
class ResumableSessionsTest {

  @TempDir
  static Path dir;
  static TestNode node;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir, new JsonObject().put("workspace", new JsonObject().put("eventBuffer", 8)));
    alice = node.login("alice");
    bob = node.login("bob");
    for (String p : new String[] {"seq", "resume", "resync", "keys"}) {
      node.createProject(alice, p);
      node.http.postJson("/api/projects/" + p + "/members", alice,
          new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WsClient client(String token) {
    return WsClient.connect(node.vertx, node.node.port(), token);
  }

  private static void write(WsClient c, String path, String text) {
    c.ok("write", "path", path, "content", text.getBytes(StandardCharsets.UTF_8));
  }

  /** The next {@code n} events, in arrival order. */
  private static List<JsonObject> events(WsClient c, int n) throws InterruptedException {
    List<JsonObject> out = new ArrayList<>();
    while (out.size() < n) {
      JsonObject e = c.events().poll(10, TimeUnit.SECONDS);
      assertTrue(e != null, "only " + out.size() + " of " + n + " events came: " + out);
      out.add(e);
    }
    return out;
  }

  /**
   * Alice ({@code a}) opens {@code project}; bob opens it and leaves; alice then writes {@code writes}
   * files named {@code prefix<i>.txt}. Answers the last seq bob saw.
   */
  private static long bobAwayWhile(WsClient a, String project, int writes, String prefix) {
    a.ok("open", "project", project, "branch", "main");
    long last;
    try (WsClient b = client(bob)) {
      last = b.ok("open", "project", project, "branch", "main").getLong("seq");
    }
    for (int i = 0; i < writes; i++) {
      write(a, prefix + i + ".txt", "while bob was away " + i);
    }
    return last;
  }

  @Test
  @DisplayName("Verifies that every event a session receives carries seq, one more than the one before, starting after the seq its open answered, and that a change's answer names the seq of the event it caused")
  void eventsAreNumberedWithoutGaps() throws Exception {
    try (WsClient b = client(bob); WsClient a = client(alice)) {
      long opened = b.ok("open", "project", "seq", "branch", "main").getLong("seq");
      a.ok("open", "project", "seq", "branch", "main");
      List<Long> answered = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        answered.add(a.ok("write", "path", "f" + i + ".txt", "content", ("v" + i).getBytes(StandardCharsets.UTF_8))
            .getLong("seq"));
      }
      List<JsonObject> seen = events(b, 6); // alice joined, then five changes
      for (int i = 0; i < 5; i++) {
        assertEquals(seen.get(i + 1).getLong("seq"), answered.get(i),
            "a change's answer names the seq of the event it caused (its session is not sent it)");
      }
      assertEquals("joined", seen.get(0).getString("event"));
      for (int i = 0; i < seen.size(); i++) {
        assertEquals(opened + 1 + i, seen.get(i).getLong("seq"), seen::toString);
        assertFalse(seen.get(i).containsKey("origin"), "the origin stays inside the server");
      }
    }
  }

  @Test
  @DisplayName("Verifies that open with since answers exactly the events missed while away, in order, and that live events go on from there")
  void resumeReplaysWhatWasMissed() throws Exception {
    try (WsClient a = client(alice)) {
      long last = bobAwayWhile(a, "resume", 3, "missed-");
      try (WsClient b = client(bob)) {
        JsonObject opened = b.ok("open", "project", "resume", "branch", "main", "since", last);
        assertNull(opened.getValue("resync"), opened::encode);
        JsonArray missed = opened.getJsonArray("events");
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < missed.size(); i++) {
          JsonObject e = missed.getJsonObject(i);
          assertEquals(last + 1 + i, e.getLong("seq"), missed::encode);
          if ("changed".equals(e.getString("event"))) {
            changed.add(e.getString("path"));
          }
        }
        assertEquals(List.of("missed-0.txt", "missed-1.txt", "missed-2.txt"), changed);
        assertEquals(opened.getLong("seq"), missed.getJsonObject(missed.size() - 1).getLong("seq") + 1,
            "the answer's seq is the session's own joined event, which it is not sent");
        write(a, "live.txt", "after the resume");
        JsonObject live = b.event("changed");
        assertEquals("live.txt", live.getString("path"));
        assertEquals(opened.getLong("seq") + 1, live.getLong("seq"));
      }
    }
  }

  @Test
  @DisplayName("Verifies that open with since answers resync when more events were missed than the workspace keeps, or since is no number it gave out")
  void resyncWhenTheBufferIsExceeded() {
    try (WsClient a = client(alice)) {
      long last = bobAwayWhile(a, "resync", 12, "many-");
      try (WsClient b = client(bob)) {
        JsonObject opened = b.ok("open", "project", "resync", "branch", "main", "since", last);
        assertEquals(Boolean.TRUE, opened.getBoolean("resync"), opened::encode);
        assertNull(opened.getValue("events"));
        JsonObject future = b.ok("open", "project", "resync", "branch", "main", "since", opened.getLong("seq") + 1000);
        assertEquals(Boolean.TRUE, future.getBoolean("resync"), future::encode);
        b.fails("bad_request", "open", "project", "resync", "branch", "main", "since", "yesterday");
        b.fails("bad_request", "open", "project", "resync", "branch", "main", "since", -1);
      }
    }
  }

  @Test
  @DisplayName("Verifies idempotency keys: a repeated write and commit get the first answer and are applied once, also when the repeat arrives while the first still runs; a key reused for another op is refused")
  void repeatedRequestsApplyOnce() throws Exception {
    WorkspaceKey key = new WorkspaceKey("keys", "main");
    try (WsClient a = client(alice)) {
      a.ok("open", "project", "keys", "branch", "main");
      JsonObject first = a.ok("write", "path", "k.txt", "content", "one".getBytes(StandardCharsets.UTF_8), "key", "w-1");
      JsonObject again = a.ok("write", "path", "k.txt", "content", "two".getBytes(StandardCharsets.UTF_8), "key", "w-1");
      assertEquals(first.getString("blob"), again.getString("blob"));
      assertEquals("one", new String(a.ok("read", "path", "k.txt").getBinary("content"), StandardCharsets.UTF_8));

      int before = a.ok("log").getJsonArray("commits").size();
      JsonObject request = new JsonObject().put("op", "commit").put("message", "once").put("key", "c-1")
          .put("user", "alice");
      // Both leave before either is answered: the second waits for the first's answer.
      Future<JsonObject> one = Bus.request(node.vertx, key.address(), request.copy(), 30_000);
      Future<JsonObject> two = Bus.request(node.vertx, key.address(), request.copy(), 30_000);
      String commit = one.await(30, TimeUnit.SECONDS).getString("commit");
      assertEquals(commit, two.await(30, TimeUnit.SECONDS).getString("commit"));
      assertEquals(commit, a.ok("commit", "message", "once", "key", "c-1").getString("commit"));
      assertEquals(before + 1, a.ok("log").getJsonArray("commits").size(), "one commit for three requests");

      a.fails("bad_request", "save", "key", "c-1");
      // A key must be a short string: anything else is refused before the op runs.
      a.fails("bad_request", "write", "path", "k.txt", "content", "x".getBytes(StandardCharsets.UTF_8), "key", 42);
      a.fails("bad_request", "write", "path", "k.txt", "content", "x".getBytes(StandardCharsets.UTF_8), "key", "");
      a.fails("bad_request", "write", "path", "k.txt", "content", "x".getBytes(StandardCharsets.UTF_8),
          "key", "k".repeat(201));
      assertEquals("one", new String(a.ok("read", "path", "k.txt").getBinary("content"), StandardCharsets.UTF_8));
      // Keys are the user's own: bob's c-1 is another request.
      try (WsClient b = client(bob)) {
        b.ok("open", "project", "keys", "branch", "main");
        write(b, "b.txt", "bob");
        assertFalse(commit.equals(b.ok("commit", "message", "bob's", "key", "c-1").getString("commit")));
      }
    }
  }
}
