package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.branchwork.contract.WorkspaceOp;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Ops that run beside the mailbox (BESIDE in the op table), driven through the Dispatcher
 * directly: their work never holds up the ops behind them, and their second turn comes after
 * the ops that arrived while they worked.
 */
class BesideOpsTest {

  private Vertx vertx;
  private Dispatcher dispatcher;
  private final Map<String, BesideOp> besides = new HashMap<>();
  private final List<String> order = new CopyOnWriteArrayList<>();
  private long seq;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    OpQueue queue = new OpQueue(100);
    LockGate gate = new LockGate(vertx, new WorkspaceEvents(vertx.eventBus(), new WorkspaceKey("p", "main"), 0), 300, 100);
    dispatcher = new Dispatcher(queue, gate, null, Map.of(), besides);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Accepts an op on the event loop, as the workspace does; answers its reply. */
  private Future<JsonObject> accept(WorkspaceOp spec, Op op) throws Exception {
    Promise<JsonObject> reply = Promise.promise();
    vertx.runOnContext(v -> dispatcher.accept(new Request(spec, new JsonObject(), "u", "h"), op, ++seq, reply));
    return reply.future();
  }

  private Op plain(String name) {
    return r -> {
      order.add(name);
      return Future.succeededFuture(new JsonObject().put("op", name));
    };
  }

  @Test
  @DisplayName("Verifies that a beside op's work does not hold up the ops behind it, and that its second turn comes after them")
  void workRunsBeside() throws Exception {
    Promise<BesideOp.Finish> work = Promise.promise();
    besides.put(WorkspaceOp.COMPARE.wire(), r -> {
      order.add("begin");
      return Future.succeededFuture(() -> work.future());
    });
    Future<JsonObject> slow = accept(WorkspaceOp.COMPARE, null);
    Future<JsonObject> who = accept(WorkspaceOp.WHO, plain("who"));
    assertEquals("who", who.await(5, TimeUnit.SECONDS).getString("op"), "answered while the beside work runs");
    assertFalse(slow.isComplete());
    work.complete(() -> {
      order.add("apply");
      return Future.succeededFuture(new JsonObject().put("op", "compare"));
    });
    assertEquals("compare", slow.await(5, TimeUnit.SECONDS).getString("op"));
    Future<JsonObject> after = accept(WorkspaceOp.STATUS, plain("status"));
    after.await(5, TimeUnit.SECONDS);
    assertEquals(List.of("begin", "who", "apply", "status"), order);
  }

  @Test
  @DisplayName("Verifies that a failed begin or work answers the failure and the mailbox goes on")
  void failuresAnswer() throws Exception {
    besides.put(WorkspaceOp.COMPARE.wire(), r -> Future.succeededFuture(
        () -> Future.failedFuture(new IllegalStateException("no"))));
    Future<JsonObject> failed = accept(WorkspaceOp.COMPARE, null);
    Exception e = assertThrows(Exception.class, () -> failed.await(5, TimeUnit.SECONDS));
    assertEquals("no", e.getMessage());
    assertEquals("who", accept(WorkspaceOp.WHO, plain("who")).await(5, TimeUnit.SECONDS).getString("op"));
  }
}
