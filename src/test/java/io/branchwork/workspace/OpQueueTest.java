package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The workspace's mailbox, driven directly with promises the test completes. */
class OpQueueTest {

  @Test
  @DisplayName("Verifies that ops run one at a time in arrival order, the next only after the previous answered")
  void oneAtATimeInOrder() {
    OpQueue q = new OpQueue(10);
    List<String> started = new ArrayList<>();
    Promise<String> first = Promise.promise();
    Future<String> a = q.submit(() -> {
      started.add("a");
      return first.future();
    });
    Future<String> b = q.submit(() -> {
      started.add("b");
      return Future.succeededFuture("b");
    });
    assertEquals(List.of("a"), started, "b started while a was running");
    first.complete("a");
    assertEquals(List.of("a", "b"), started);
    assertEquals("a", a.result());
    assertEquals("b", b.result());
  }

  @Test
  @DisplayName("Verifies that past the limit of waiting ops a new one fails 'overloaded'")
  void bounded() {
    OpQueue q = new OpQueue(2);
    Promise<Object> blocker = Promise.promise();
    q.submit(blocker::future);
    q.submit(() -> Future.succeededFuture());
    q.submit(() -> Future.succeededFuture());
    Future<Object> refused = q.submit(() -> Future.succeededFuture());
    assertTrue(refused.failed());
    assertEquals(ErrorCode.OVERLOADED, ((BranchworkException) refused.cause()).code());
  }

  @Test
  @DisplayName("Verifies that ops joining a waiting group count one by one against the limit: a flood of writes is still refused 'overloaded'")
  void groupMembersCountAgainstTheLimit() {
    OpQueue q = new OpQueue(2);
    Promise<Object> blocker = Promise.promise();
    q.submit(blocker::future);
    Supplier<Future<Object>> group = () -> Future.succeededFuture();
    q.submit(group);
    assertTrue(q.joinTail(task -> task == group), "room for a second op");
    assertFalse(q.joinTail(task -> task == group), "the limit reached: no more joins");
    Future<Object> refused = q.submit(() -> Future.succeededFuture());
    assertTrue(refused.failed());
    assertEquals(ErrorCode.OVERLOADED, ((BranchworkException) refused.cause()).code());
    blocker.complete();
    assertTrue(q.submit(() -> Future.succeededFuture()).succeeded(), "once the group ran, there is room again");
  }

  @Test
  @DisplayName("Verifies that close waits for the ops already accepted and then refuses new ones 'no_workspace'")
  void closeDrains() {
    OpQueue q = new OpQueue(10);
    Promise<Object> running = Promise.promise();
    Future<Object> accepted = q.submit(running::future);
    Future<Void> closed = q.close();
    assertTrue(!closed.isComplete(), "closed before the running op answered");
    Future<Object> late = q.submit(() -> Future.succeededFuture());
    assertEquals(ErrorCode.NO_WORKSPACE, ((BranchworkException) late.cause()).code());
    running.complete("done");
    assertTrue(accepted.succeeded());
    assertTrue(closed.succeeded());
  }

  @Test
  @DisplayName("Verifies that an op that throws fails alone and the queue moves on")
  void throwingOpDoesNotStall() {
    OpQueue q = new OpQueue(10);
    Future<Object> bad = q.submit(() -> {
      throw new IllegalStateException("boom");
    });
    Future<Object> good = q.submit(() -> Future.succeededFuture("ok"));
    assertTrue(bad.failed());
    assertEquals("ok", good.result());
  }
}
