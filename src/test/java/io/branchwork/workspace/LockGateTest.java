package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.WorkspaceOp;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The lock, driven directly: who it blocks, when parked ops come back, and that waiting is bounded. */
class LockGateTest {

  private Vertx vertx;
  private LockGate gate;
  private final Map<String, Op> ops = new HashMap<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    gate = new LockGate(vertx, new WorkspaceEvents(vertx.eventBus(), new WorkspaceKey("p", "main"), 0), 300, 2);
    gate.register(ops, gate::holderGone);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject run(String op, String holder, JsonObject args) throws Exception {
    return ops.get(op).run(new Request(WorkspaceOp.of(op), args, holder.toLowerCase(), holder)).await(5, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Verifies that the lock blocks other holders only, and that unlock brings parked ops back in arrival order")
  void blocksOthersAndResumesInOrder() throws Exception {
    run(WorkspaceOps.LOCK, "A", new JsonObject().put("ttlMs", 60_000));
    assertFalse(gate.blocks("A"));
    assertTrue(gate.blocks("B"));
    StringBuilder order = new StringBuilder();
    gate.park(2, () -> order.append("2"), Promise.promise());
    gate.park(1, () -> order.append("1"), Promise.promise());
    assertEquals("", order.toString());
    run(WorkspaceOps.UNLOCK, "A", new JsonObject());
    assertEquals("12", order.toString());
    assertFalse(gate.blocks("B"));
  }

  @Test
  @DisplayName("Verifies that a parked op fails 'locked' after workspace.opTimeoutMs, and that waiting is bounded")
  void timesOutAndIsBounded() throws Exception {
    run(WorkspaceOps.LOCK, "A", new JsonObject().put("ttlMs", 60_000));
    Promise<JsonObject> waiting = Promise.promise();
    gate.park(1, () -> { }, waiting);
    gate.park(2, () -> { }, Promise.promise());
    Promise<JsonObject> third = Promise.promise();
    gate.park(3, () -> { }, third);
    assertEquals(ErrorCode.OVERLOADED, ((BranchworkException) third.future().cause()).code());
    Await.until("the wait to time out", 5_000, () -> waiting.future().isComplete());
    assertEquals(ErrorCode.LOCKED, ((BranchworkException) waiting.future().cause()).code());
  }

  @Test
  @DisplayName("Verifies that the holder going away releases the lock, and that close answers parked ops 'no_workspace'")
  void holderGoneAndClose() throws Exception {
    run(WorkspaceOps.LOCK, "A", new JsonObject().put("ttlMs", 60_000));
    AtomicInteger resumed = new AtomicInteger();
    gate.park(1, resumed::incrementAndGet, Promise.promise());
    gate.holderGone("someone else");
    assertEquals(0, resumed.get());
    gate.holderGone("A");
    assertEquals(1, resumed.get());

    run(WorkspaceOps.LOCK, "B", new JsonObject().put("ttlMs", 60_000));
    Promise<JsonObject> parked = Promise.promise();
    gate.park(2, () -> { }, parked);
    gate.close();
    assertEquals(ErrorCode.NO_WORKSPACE, ((BranchworkException) parked.future().cause()).code());
  }
}
