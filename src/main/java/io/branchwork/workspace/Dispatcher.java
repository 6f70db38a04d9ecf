package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOp;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs each accepted op in its turn of the workspace's {@link OpQueue} and answers it, as the op's
 * line of {@link WorkspaceOp} says, so that no handler waits for the store on its own: a change of
 * a session that does not hold the lock is parked in the {@link LockGate}; an op that needs
 * everything stored first starts after a {@link Persister} round; a durable change is answered
 * once its round has stored it; a settled read once the changes before it are acknowledged (see
 * {@code ReadView}). Ops with a {@link GroupOp} (writes) that wait in a
 * row run as one group, in one turn, each still answered for itself.
 */
final class Dispatcher {

  /** The most ops one group runs: bounds a group's blocking task and the memory its ops hold. */
  static final int MAX_GROUP = 64;

  private final OpQueue queue;
  private final LockGate lock;
  private final Persister persister;
  /** The ops that run in groups when several wait in a row (filled by the handlers). */
  private final Map<String, GroupOp> groups;
  /** The ops whose long part runs beside the mailbox (filled by the handlers). */
  private final Map<String, BesideOp> besides;

  Dispatcher(OpQueue queue, LockGate lock, Persister persister, Map<String, GroupOp> groups,
      Map<String, BesideOp> besides) {
    this.queue = queue;
    this.lock = lock;
    this.persister = persister;
    this.groups = groups;
    this.besides = besides;
  }

  private record Accepted(Request r, Op op, long seq, Promise<JsonObject> reply) {}

  /**
   * Ops of a groupable kind that wait in a row at the mailbox's tail: one task, run as one when its
   * turn comes. An op joins only while the group is the last thing queued, so the mailbox's order
   * is the arrival order exactly as without groups.
   */
  private final class Group implements Supplier<Future<Object>> {
    final String op;
    final List<Accepted> members = new ArrayList<>();

    Group(String op) {
      this.op = op;
    }

    /** Adds {@code a} if it is of this group's kind and the group has room. */
    boolean take(Accepted a) {
      if (!a.r().op().equals(op) || members.size() >= MAX_GROUP) {
        return false;
      }
      members.add(a);
      return true;
    }

    @Override
    public Future<Object> get() {
      List<Accepted> runnable = new ArrayList<>(members.size());
      for (Accepted a : members) {
        if (mayRun(a)) {
          runnable.add(a);
        }
      }
      if (runnable.isEmpty()) {
        return Future.succeededFuture();
      }
      List<Future<JsonObject>> done;
      try {
        done = groups.get(op).run(runnable.stream().map(Accepted::r).toList());
      } catch (RuntimeException e) {
        done = runnable.stream().map(a -> Future.<JsonObject>failedFuture(e)).toList();
      }
      for (int i = 0; i < runnable.size(); i++) {
        Accepted a = runnable.get(i);
        done.get(i).onComplete(ar -> answer(a.r(), ar.failed() ? null : ar.result(), ar.cause(), a.reply()));
      }
      return Future.join(done).transform(ar -> Future.succeededFuture());
    }
  }

  /**
   * Puts an op in the mailbox. When its turn comes a mutating op of a session that does not
   * hold the lock is parked in the gate instead (the mailbox moves on), and comes back here
   * when the lock is gone, keeping its place by arrival number.
   */
  void accept(Request r, Op op, long seq, Promise<JsonObject> reply) {
    if (r.spec().has(WorkspaceOp.Trait.IMMEDIATE)) {
      attempt(() -> op.run(r)).onComplete(reply);
      return;
    }
    Accepted a = new Accepted(r, op, seq, reply);
    BesideOp beside = besides.get(r.op());
    if (beside != null) {
      acceptBeside(a, beside);
      return;
    }
    if (groups.containsKey(r.op())) {
      if (queue.joinTail(task -> task instanceof Group g && g.take(a))) {
        return;
      }
      Group g = new Group(r.op());
      g.take(a);
      queue.<Object>submit(g).onFailure(reply::tryFail);
      return;
    }
    queue.<Object>submit(() -> {
      if (!mayRun(a)) {
        return Future.succeededFuture();
      }
      Future<JsonObject> done = run(r, op);
      done.onComplete(ar -> answer(r, ar.failed() ? null : ar.result(), ar.cause(), reply));
      // The mailbox moves on once the op has run; its answer may still wait (see answer).
      return done.transform(ar -> Future.succeededFuture());
    }).onFailure(reply::tryFail);
  }

  /**
   * An op whose long part runs beside the mailbox: its turn takes what the work starts from, the
   * mailbox then moves on while the work runs, and a change is applied in a second turn (after
   * the ops that came meanwhile, which is what it checks against). Answered as any other op.
   */
  private void acceptBeside(Accepted a, BesideOp op) {
    Request r = a.r();
    queue.<Object>submit(() -> {
      if (!mayRun(a)) {
        return Future.succeededFuture();
      }
      Future<BesideOp.Work> begun = attempt(() -> op.begin(r));
      begun.compose(BesideOp.Work::run).onComplete(ar -> {
        if (ar.failed()) {
          answer(r, null, ar.cause(), a.reply());
        } else if (ar.result().immediate()) {
          ar.result().apply().onComplete(done -> answer(r, done.result(), done.cause(), a.reply()));
        } else {
          queue.<Object>submitContinuation(() -> {
            Future<JsonObject> applied = attempt(ar.result()::apply);
            applied.onComplete(done -> answer(r, done.result(), done.cause(), a.reply()));
            return applied.transform(x -> Future.succeededFuture());
          }).onFailure(a.reply()::tryFail);
        }
      });
      // The mailbox moves on once the op has taken what it starts from.
      return begun.transform(x -> Future.succeededFuture());
    }).onFailure(a.reply()::tryFail);
  }

  /**
   * Whether the op may run now: a mutating op of a session that does not hold the lock is parked
   * in the gate instead, and comes back through {@link #accept} when the lock is gone.
   */
  private boolean mayRun(Accepted a) {
    if (a.r().spec().waitsForLock() && lock.blocks(a.r().holder())) {
      lock.park(a.seq(), () -> accept(a.r(), a.op(), a.seq(), a.reply()), a.reply());
      return false;
    }
    return true;
  }

  private Future<JsonObject> run(Request r, Op op) {
    if (r.spec().has(WorkspaceOp.Trait.SETTLED_FIRST)) {
      // A round now, inside this turn: one queued behind the running op would wait for it forever.
      return persister.flush().compose(v -> attempt(() -> op.run(r)));
    }
    return attempt(() -> op.run(r));
  }

  /** A handler's future, or its failure when it throws instead of answering one. */
  private static <T> Future<T> attempt(Supplier<Future<T>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static boolean refused(JsonObject result) {
    return result != null && Boolean.FALSE.equals(result.getValue("accepted"));
  }

  private void answer(Request r, JsonObject result, Throwable failure, Promise<JsonObject> reply) {
    if (failure != null) {
      reply.tryFail(failure);
    } else if (r.spec().has(WorkspaceOp.Trait.DURABLE) && refused(result)) {
      // A refused doc.push changed nothing: no round for it. It waits, as a settled read does,
      // for the rounds in flight, whose events (the updates that beat it) then reach its session
      // before this answer, so the client rebases without pulling.
      persister.afterDurable(() -> reply.tryComplete(result));
    } else if (r.spec().has(WorkspaceOp.Trait.DURABLE)) {
      // The mailbox has moved on; the answer waits for the round that stores this change.
      persister.durable().onComplete(d -> {
        if (d.succeeded()) {
          reply.tryComplete(result);
        } else {
          reply.tryFail(d.cause());
        }
      });
    } else if (r.spec().has(WorkspaceOp.Trait.SETTLED_READ) && !persister.fenced()) {
      // Never shows a change before it is acknowledged: waits for the round of any change the
      // mailbox ran before it (at once when nothing is in flight), as the read view does. A
      // fenced workspace answers at once: nothing of it will be acknowledged, and it closes soon.
      persister.afterDurable(() -> reply.tryComplete(result));
    } else {
      reply.tryComplete(result);
    }
  }
}
