package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Runs each accepted op in its turn of the workspace's {@link OpQueue} and answers it: a mutating
 * op of a session that does not hold the lock is parked in the {@link LockGate}; a change is
 * answered once its {@link Persister} round has stored it; a read or list once the changes before
 * it are acknowledged (see {@code ReadView}).
 */
final class Dispatcher {

  /** The ops whose answer waits until their change is in the store. */
  private static final Set<String> DURABLE = Set.of(WorkspaceOps.WRITE, WorkspaceOps.DELETE, WorkspaceOps.MOVE,
      WorkspaceOps.COMMIT);
  /** The reads whose answer waits until the changes before them are acknowledged (see {@code ReadView}). */
  private static final Set<String> SETTLED_READS = Set.of(WorkspaceOps.READ, WorkspaceOps.LIST);

  private final OpQueue queue;
  private final LockGate lock;
  private final Persister persister;

  Dispatcher(OpQueue queue, LockGate lock, Persister persister) {
    this.queue = queue;
    this.lock = lock;
    this.persister = persister;
  }

  /**
   * Puts an op in the mailbox. When its turn comes a mutating op of a session that does not
   * hold the lock is parked in the gate instead (the mailbox moves on), and comes back here
   * when the lock is gone, keeping its place by arrival number.
   */
  void accept(Request r, Op op, long seq, Promise<JsonObject> reply) {
    queue.<Object>submit(() -> {
      if (WorkspaceOps.MUTATING.contains(r.op()) && lock.blocks(r.holder())) {
        lock.park(seq, () -> accept(r, op, seq, reply), reply);
        return Future.succeededFuture();
      }
      Future<JsonObject> done = run(r, op);
      done.onComplete(ar -> answer(r, ar.failed() ? null : ar.result(), ar.cause(), reply));
      // The mailbox moves on once the op has run; its answer may still wait (see answer).
      return done.transform(ar -> Future.succeededFuture());
    }).onFailure(reply::tryFail);
  }

  private static Future<JsonObject> run(Request r, Op op) {
    try {
      return op.run(r);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void answer(Request r, JsonObject result, Throwable failure, Promise<JsonObject> reply) {
    if (failure != null) {
      reply.tryFail(failure);
    } else if (DURABLE.contains(r.op())) {
      // The mailbox has moved on; the answer waits for the round that stores this change.
      persister.durable().onComplete(d -> {
        if (d.succeeded()) {
          reply.tryComplete(result);
        } else {
          reply.tryFail(d.cause());
        }
      });
    } else if (SETTLED_READS.contains(r.op()) && !persister.fenced()) {
      // Never shows a change before it is acknowledged: waits for the round of any change the
      // mailbox ran before it (at once when nothing is in flight), as the read view does. A
      // fenced workspace answers at once: nothing of it will be acknowledged, and it closes soon.
      persister.afterDurable(() -> reply.tryComplete(result));
    } else {
      reply.tryComplete(result);
    }
  }
}
