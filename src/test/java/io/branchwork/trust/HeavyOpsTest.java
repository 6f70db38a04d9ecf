package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
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
 * Issue 11: "one client must not be able to starve a shared pool". More compiles than the shared
 * worker pool has threads (20), each running to its time bound, must leave file and git ops of
 * other workspaces answering. compile.timeoutMs is 2.5 s here and the output limit is lifted, so
 * each compile really runs that long (the defaults would make the test take a minute).
 */
@Timeout(180)
class HeavyOpsTest {

  static final int COMPILES = 21;

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"), new JsonObject().put("compile", new JsonObject()
        .put("timeoutMs", 2500).put("maxOutputBytes", Integer.MAX_VALUE / 4)));
    token = node.login("heavy");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WorkspaceKey open(String project) {
    return node.openNewProject(token, project, "h");
  }

  private static void write(WorkspaceKey key, String path, String content) {
    node.writeText(key, "heavy", path, content);
  }

  @Test
  @DisplayName("21 compiles running to compile.timeoutMs at once leave another workspace's status answering at once")
  void compilesDoNotStarveTheWorkerPool() throws Exception {
    List<WorkspaceKey> keys = new ArrayList<>();
    for (int i = 0; i < COMPILES; i++) {
      WorkspaceKey key = open("c" + i);
      write(key, "main.scad", "include <mid.scad>\n".repeat(1000));
      write(key, "mid.scad", "include <low.scad>\n".repeat(1000));
      write(key, "low.scad", "include <leaf.scad>\n".repeat(1000));
      write(key, "leaf.scad", "\n");
      keys.add(key);
    }
    WorkspaceKey quiet = open("quiet");
    List<Future<JsonObject>> compiles = new ArrayList<>();
    for (WorkspaceKey key : keys) {
      compiles.add(Bus.request(node.vertx, key.address(), new JsonObject().put("op", "compile")
          .put("entry", "main.scad").put("user", "heavy"), 60_000));
    }
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      node.ws(quiet, "heavy", "status", new JsonObject());
      long took = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(took < 1000, "status took " + took + " ms while the compiles ran");
    }
    for (Future<JsonObject> f : compiles) {
      Throwable failure = f.toCompletionStage().toCompletableFuture().handle((r, e) -> e).get(60, TimeUnit.SECONDS);
      assertTrue(failure != null && failure.getMessage().contains("compile.timeoutMs"), String.valueOf(failure));
    }
    assertEquals(0, node.ws(quiet, "heavy", "status", new JsonObject()).getJsonArray("changes").size());
  }
}
