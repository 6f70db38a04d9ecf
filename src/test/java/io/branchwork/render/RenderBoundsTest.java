package io.branchwork.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model is a program written by any user: a render past its time or memory is killed with its
 * process tree ({@code too_large}), one user has at most {@code render.perUser} renders going, a
 * long render never holds up the workspace's other ops, and a node without openscad or without a
 * sandbox answers {@code unsupported} and serves everything else.
 */
@Timeout(180)
class RenderBoundsTest {

  /** Runs for hours: 10^10 iterations that keep nothing (a range has fewer than a million elements). */
  static final String FOREVER = "x = [for (a = [0:1:99999]) for (b = [0:1:99999]) if (a * b == -1) a];\ncube(1);\n";

  @TempDir
  Path dir;

  private static JsonObject args(String entry) {
    return new JsonObject().put("entry", entry);
  }

  private static boolean openscadRunning() {
    return ProcessHandle.current().descendants()
        .anyMatch(p -> p.info().commandLine().orElse("").contains("openscad"));
  }

  @Test
  @DisplayName("A render past render.timeoutMs or render.memoryBytes is too_large and its processes are gone; a recursion is a diagnostic")
  void killedPastBounds() {
    JsonObject conf = new JsonObject().put("render", new JsonObject().put("timeoutMs", 2000)
        .put("memoryBytes", 256L << 20));
    try (TestNode node = TestNode.start(dir.resolve("a"), conf)) {
      WorkspaceKey key = node.openNewProject(node.login("alice"), "bounds", "h");
      node.writeText(key, "alice", "forever.scad", FOREVER);
      long t0 = System.nanoTime();
      BranchworkException slow = assertThrows(BranchworkException.class,
          () -> node.ws(key, "alice", "render", args("forever.scad")));
      assertEquals(ErrorCode.TOO_LARGE, slow.code(), slow::toString);
      assertTrue(slow.getMessage().contains("render.timeoutMs"), slow::getMessage);
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "answered once the bound passed");
      Await.until("the render's processes are killed", 10000, () -> !openscadRunning());

      node.writeText(key, "alice", "huge.scad", "sphere(10, $fn = 100000);\n");
      assertEquals(ErrorCode.TOO_LARGE, assertThrows(BranchworkException.class,
          () -> node.ws(key, "alice", "render", args("huge.scad"))).code());
      Await.until("the render's processes are killed", 10000, () -> !openscadRunning());

      // and the node renders on
      node.writeText(key, "alice", "ok.scad", "cube(3);\n");
      assertNotNull(node.ws(key, "alice", "render", args("ok.scad")).getString("key"));
    }
  }

  @Test
  @DisplayName("While a long render runs, the workspace's other ops answer at once; one user has at most render.perUser renders going")
  void besideAndCapped() throws Exception {
    JsonObject conf = new JsonObject().put("render", new JsonObject().put("timeoutMs", 6000).put("perUser", 1));
    try (TestNode node = TestNode.start(dir.resolve("b"), conf)) {
      String alice = node.login("alice");
      node.login("bob");
      WorkspaceKey key = node.openNewProject(alice, "beside", "h");
      node.http.postJson("/api/projects/beside/members", alice,
          new JsonObject().put("username", "bob").put("role", "writer")).expect(204);
      node.writeText(key, "alice", "forever.scad", FOREVER);
      node.writeText(key, "alice", "small.scad", "cube(2);\n");
      Future<Message<JsonObject>> running = node.vertx.eventBus().request(key.address(),
          args("forever.scad").put("op", "render").put("user", "alice"), new DeliveryOptions().setSendTimeout(30_000));
      Await.until("the long render started", 10000, RenderBoundsTest::openscadRunning);

      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        node.ws(key, "bob", "status", new JsonObject());
        node.ws(key, "bob", "write", new JsonObject().put("path", "n" + i + ".txt").put("content", new byte[] {1}));
        node.ws(key, "bob", "read", new JsonObject().put("path", "n" + i + ".txt"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1000, "status, write and read took " + ms + " ms beside a render");
      }
      assertFalse(running.isComplete(), "the long render is still running");
      // alice has one render going: a second is refused; bob's renders meanwhile
      assertEquals(ErrorCode.OVERLOADED, assertThrows(BranchworkException.class,
          () -> node.ws(key, "alice", "render", args("small.scad"))).code());
      assertNotNull(node.ws(key, "bob", "render", args("small.scad")).getString("key"));
      assertFalse(running.isComplete(), "the long render is still running");

      Throwable killed = running.transform(ar -> Future.succeededFuture(ar.cause()))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(ErrorCode.TOO_LARGE, Failures.normalize(killed).code());
      Await.until("the render's processes are killed", 10000, () -> !openscadRunning());
    }
  }

  @Test
  @DisplayName("Without openscad, or without bubblewrap, render is unsupported (saying what to install) and everything else works")
  void unsupported() {
    JsonObject noOpenscad = new JsonObject().put("render", new JsonObject().put("openscad", "/nonexistent/openscad"));
    try (TestNode node = TestNode.start(dir.resolve("c"), noOpenscad)) {
      WorkspaceKey key = node.openNewProject(node.login("alice"), "none", "h");
      node.writeText(key, "alice", "m.scad", "cube(1);\n");
      BranchworkException e = assertThrows(BranchworkException.class,
          () -> node.ws(key, "alice", "render", args("m.scad")));
      assertEquals(ErrorCode.UNSUPPORTED, e.code());
      assertTrue(e.getMessage().contains("openscad"), e::getMessage);
      assertTrue(node.ws(key, "alice", "compile", args("m.scad")).getBoolean("ok"));
      assertEquals('c', node.ws(key, "alice", "read", new JsonObject().put("path", "m.scad")).getBinary("content")[0]);
    }
    JsonObject noSandbox = new JsonObject().put("render", new JsonObject().put("bwrap", "/nonexistent/bwrap"));
    try (TestNode node = TestNode.start(dir.resolve("d"), noSandbox)) {
      WorkspaceKey key = node.openNewProject(node.login("alice"), "nobox", "h");
      node.writeText(key, "alice", "m.scad", "cube(1);\n");
      BranchworkException e = assertThrows(BranchworkException.class,
          () -> node.ws(key, "alice", "render", args("m.scad")));
      assertEquals(ErrorCode.UNSUPPORTED, e.code());
      assertTrue(e.getMessage().contains("bubblewrap") && e.getMessage().contains("render.sandbox=none"), e::getMessage);
      assertTrue(node.ws(key, "alice", "compile", args("m.scad")).getBoolean("ok"));
    }
  }
}
