package io.branchwork.workspace;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * An op whose long part runs beside the workspace's mailbox, so that it never holds up the ops
 * behind it (ops with {@code BESIDE} in the op table). In its turn, in arrival order and past the
 * lock gate, it only takes what its work starts from ({@link #begin}: HEAD, the revisions it
 * names); the work then runs with the mailbox moving on ({@link Work#run}), reading commits, not
 * the working tree; what it changes, it applies in a second turn ({@link Finish#apply}), which
 * first checks that what the work started from still holds, and loses cleanly otherwise.
 */
@FunctionalInterface
interface BesideOp {

  /** In the op's turn: what the work starts from. */
  Future<Work> begin(Request request);

  /** The long part, beside the mailbox. */
  @FunctionalInterface
  interface Work {
    Future<Finish> run();
  }

  /** What the work found: the answer as it is, or a change to apply in a second turn. */
  interface Finish {

    /** In a second turn: the change applied, or refused because the state moved meanwhile. */
    Future<JsonObject> apply();

    /** Whether the answer needs no second turn (a read, a conflict, nothing to do). */
    default boolean immediate() {
      return false;
    }

    /** A finish that answers {@code answer} at once. */
    static Finish answer(JsonObject answer) {
      return new Finish() {
        @Override
        public Future<JsonObject> apply() {
          return Future.succeededFuture(answer);
        }

        @Override
        public boolean immediate() {
          return true;
        }
      };
    }
  }
}
