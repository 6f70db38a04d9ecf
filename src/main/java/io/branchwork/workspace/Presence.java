package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Who is on a workspace: the gateway sessions that joined it, by holder id, with their user.
 * The workspace answers {@code who} from this, its own view, and pushes {@code joined} and
 * {@code left} as sessions come and go.
 */
final class Presence {

  private final Map<String, String> userByHolder = new HashMap<>();
  private final WorkspaceEvents events;
  private final Supplier<String> head;
  private final Consumer<String> onLeave;

  Presence(WorkspaceEvents events, Supplier<String> head,
      Consumer<String> onLeave) {
    this.events = events;
    this.head = head;
    this.onLeave = onLeave;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.SESSION_JOIN, this::join);
    ops.put(WorkspaceOps.SESSION_LEAVE, this::leave);
    ops.put(WorkspaceOps.WHO, this::who);
  }

  /**
   * Answers the head and the last event's {@code seq} the session starts from, so {@code open}
   * needs no second round trip; with {@code since}, also the events published after it, or
   * {@code resync} when they are no longer all kept.
   */
  private Future<JsonObject> join(Request r) {
    String holder = requireHolder(r);
    long since = Args.optLong(r.args(), Events.FIELD_SINCE, -1, 0, Long.MAX_VALUE);
    if (userByHolder.put(holder, r.user()) == null) {
      events.publish(Events.JOINED, new JsonObject().put("user", r.user()), r);
    }
    JsonObject answer = new JsonObject().put("head", head.get()).put(Events.FIELD_SEQ, events.seq());
    if (since >= 0) {
      List<JsonObject> missed = events.since(since);
      if (missed == null) {
        answer.put(Events.FIELD_RESYNC, true);
      } else {
        answer.put(Events.FIELD_EVENTS, new JsonArray(missed));
      }
    }
    return Future.succeededFuture(answer);
  }

  private Future<JsonObject> leave(Request r) {
    String holder = requireHolder(r);
    onLeave.accept(holder);
    String user = userByHolder.remove(holder);
    if (user != null) {
      events.publish(Events.LEFT, new JsonObject().put("user", user), r);
    }
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> who(Request r) {
    Map<String, Integer> sessions = new TreeMap<>();
    userByHolder.values().forEach(u -> sessions.merge(u, 1, Integer::sum));
    JsonArray users = new JsonArray();
    sessions.forEach((u, n) -> users.add(new JsonObject().put("user", u).put("sessions", n)));
    return Future.succeededFuture(new JsonObject().put("users", users));
  }

  private static String requireHolder(Request r) {
    if (r.holder() == null || r.holder().isEmpty()) {
      throw BranchworkException.badRequest("'holder' is required");
    }
    return r.holder();
  }
}
