package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client-visible lock: one holder at a time. While it is held, the other sessions'
 * mutating ops are parked here in arrival order (not in the mailbox, so reads keep flowing) and
 * go back to the mailbox when the lock is released, expires, or its holder goes away. A parked
 * op that waits past {@code workspace.opTimeoutMs} fails {@code locked}; past
 * {@code workspace.queueLimit} parked ops, new ones fail {@code overloaded}.
 */
final class LockGate {

  static final long DEFAULT_TTL_MS = 30_000;
  static final long MAX_TTL_MS = 3_600_000;

  private record Waiter(Runnable resume, Promise<JsonObject> reply, long timer) {}

  private final Vertx vertx;
  private final WorkspaceEvents events;
  private final long opTimeoutMs;
  private final int limit;
  private final TreeMap<Long, Waiter> waiting = new TreeMap<>();
  private String holder;
  private String user;
  private long expiresAt;
  private long expiryTimer = -1;

  LockGate(Vertx vertx, WorkspaceEvents events, long opTimeoutMs, int limit) {
    this.vertx = vertx;
    this.events = events;
    this.opTimeoutMs = opTimeoutMs;
    this.limit = limit;
  }

  /** {@code gone}: what a released holder gives up (this gate's lock among it, through {@link #holderGone}). */
  void register(Map<String, Op> ops, java.util.function.Consumer<String> gone) {
    ops.put(WorkspaceOps.LOCK, this::lock);
    ops.put(WorkspaceOps.UNLOCK, this::unlock);
    ops.put(WorkspaceOps.HOLDER_RELEASED, r -> {
      gone.accept(r.holder());
      return Future.succeededFuture(new JsonObject());
    });
  }

  /** Whether a mutating op from {@code origin} must wait. */
  boolean blocks(String origin) {
    return holder != null && !holder.equals(origin);
  }

  /** Parks an op (number {@code seq} in arrival order) until the lock is gone. */
  void park(long seq, Runnable resume, Promise<JsonObject> reply) {
    if (waiting.size() >= limit) {
      reply.tryFail(BranchworkException.overloaded(limit + " ops are already waiting for the lock"));
      return;
    }
    long timer = vertx.setTimer(opTimeoutMs, id -> {
      if (waiting.remove(seq) != null) {
        reply.tryFail(new BranchworkException(ErrorCode.LOCKED,
            "waited " + opTimeoutMs + " ms for the lock held by " + user));
      }
    });
    waiting.put(seq, new Waiter(resume, reply, timer));
  }

  private Future<JsonObject> lock(Request r) {
    String origin = requireOrigin(r);
    long ttl = Args.optLong(r.args(), "ttlMs", DEFAULT_TTL_MS, 1, MAX_TTL_MS);
    holder = origin;
    user = r.user();
    expiresAt = System.currentTimeMillis() + ttl;
    vertx.cancelTimer(expiryTimer);
    expiryTimer = vertx.setTimer(ttl, id -> release());
    events.publish(Events.LOCKED, new JsonObject().put("by", user).put("expiresAt", expiresAt), r);
    return Future.succeededFuture(new JsonObject().put("expiresAt", expiresAt));
  }

  private Future<JsonObject> unlock(Request r) {
    String origin = requireOrigin(r);
    if (holder == null) {
      return Future.succeededFuture(new JsonObject());
    }
    if (!holder.equals(origin)) {
      return Future.failedFuture(BranchworkException.conflict("the lock is held by " + user));
    }
    release();
    return Future.succeededFuture(new JsonObject());
  }

  /** The holder disconnected or deregistered: its lock goes with it. */
  void holderGone(String gone) {
    if (gone != null && gone.equals(holder)) {
      release();
    }
  }

  private void release() {
    if (holder == null) {
      return;
    }
    holder = null;
    user = null;
    vertx.cancelTimer(expiryTimer);
    events.publish(Events.UNLOCKED, new JsonObject(), null);
    // Back to the mailbox in arrival order; each op checks the lock again when its turn comes.
    List<Waiter> resumed = new ArrayList<>(waiting.values());
    waiting.clear();
    for (Waiter w : resumed) {
      vertx.cancelTimer(w.timer());
      w.resume().run();
    }
  }

  /** The workspace is closing: ops still waiting for the lock are answered now, not never. */
  void close() {
    vertx.cancelTimer(expiryTimer);
    for (Waiter w : waiting.values()) {
      vertx.cancelTimer(w.timer());
      w.reply().tryFail(new BranchworkException(ErrorCode.NO_WORKSPACE, "the workspace closed"));
    }
    waiting.clear();
  }

  private static String requireOrigin(Request r) {
    if (r.holder() == null || r.holder().isEmpty()) {
      throw BranchworkException.badRequest("'holder' is required to lock");
    }
    return r.holder();
  }
}
