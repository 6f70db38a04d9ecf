package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The workspace's mailbox: ops run one at a time in arrival order, the next one starting only
 * when the previous one has answered. Bounded: past {@code limit} waiting ops, new ones fail
 * {@code overloaded}. A task may stand for several ops that arrived one after another (see
 * {@link #joinTail}); each counts against the limit. Used from the workspace's event loop only,
 * so it needs no locking.
 */
final class OpQueue {

  private static final class Pending {
    final Supplier<Future<Object>> task;
    final Promise<Object> promise;
    /** The ops this task stands for: 1, or more for a group that others joined. */
    int ops = 1;

    Pending(Supplier<Future<Object>> task, Promise<Object> promise) {
      this.task = task;
      this.promise = promise;
    }
  }

  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private final int limit;
  /** Ops waiting, counted one by one (a group's too): what the limit bounds. */
  private int waitingOps;
  private boolean running;
  private boolean closed;
  private Promise<Void> drained;

  OpQueue(int limit) {
    this.limit = limit;
  }

  <T> Future<T> submit(Supplier<Future<T>> task) {
    if (closed) {
      return Future.failedFuture(new BranchworkException(ErrorCode.NO_WORKSPACE, "the workspace is closing"));
    }
    if (waitingOps >= limit) {
      return Future.failedFuture(BranchworkException.overloaded(
          "the workspace has " + limit + " ops waiting"));
    }
    return enqueue(task);
  }

  /**
   * Lets one more op join the task at the mailbox's tail, a group of ops of one kind that run as
   * one (see {@code Dispatcher}): true when that task is still waiting, nothing was queued behind
   * it (so arrival order holds), and {@code joins} takes the op. False: the caller submits it.
   */
  boolean joinTail(Predicate<Object> joins) {
    Pending tail = waiting.peekLast();
    if (closed || waitingOps >= limit || tail == null || !joins.test(tail.task)) {
      return false;
    }
    tail.ops++;
    waitingOps++;
    return true;
  }

  /**
   * Queues the second turn of an op already accepted (see {@code BesideOp}): past the limit, since
   * the op counted when it came; refused once the workspace closes.
   */
  <T> Future<T> submitContinuation(Supplier<Future<T>> task) {
    if (closed) {
      return Future.failedFuture(new BranchworkException(ErrorCode.NO_WORKSPACE, "the workspace is closing"));
    }
    return enqueue(task);
  }

  /**
   * Queues the workspace's own work (a durability round) behind what is accepted: past the limit
   * and after {@link #close}, since ops already answered wait for it.
   */
  <T> Future<T> submitInternal(Supplier<Future<T>> task) {
    return enqueue(task);
  }

  @SuppressWarnings("unchecked")
  private <T> Future<T> enqueue(Supplier<Future<T>> task) {
    Promise<Object> p = Promise.promise();
    waiting.add(new Pending((Supplier<Future<Object>>) (Supplier<?>) task, p));
    waitingOps++;
    runNext();
    return (Future<T>) p.future();
  }

  /** Refuses new ops; answers when the op in progress and all queued work (rounds too) have finished. */
  Future<Void> close() {
    closed = true;
    if (drained == null) {
      drained = Promise.promise();
    }
    runNext();
    return drained.future();
  }

  private void runNext() {
    if (running) {
      return;
    }
    if (waiting.isEmpty()) {
      if (drained != null) {
        drained.tryComplete();
      }
      return;
    }
    Pending next = waiting.poll();
    waitingOps -= next.ops;
    running = true;
    Future<Object> f;
    try {
      f = next.task.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      running = false;
      next.promise.handle(ar);
      runNext();
    });
  }
}
