package io.branchwork.workspace;

import io.branchwork.hooks.HookPayloads;
import io.branchwork.store.Records.HookEvent;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The webhook event of an op that moves the open branch ({@code commit}, {@code merge},
 * {@code revert}, {@code cherry-pick}), built in the op's blocking part while
 * the commits are at hand, and handed to {@link Workspace#announce} with the move.
 */
final class HookNotes {

  private HookNotes() {}

  /** {@code type} for the branch moving from {@code before} (null: no commit yet) to {@code after}. Blocking. */
  static HookEvent moved(Workspace ws, String type, String user, String before, ObjectId after, JsonObject extra)
      throws IOException {
    ObjectId from = before == null ? null : ObjectId.fromString(before);
    JsonObject fields = HookPayloads.moved(ws.key().branch(), from, after, HookPayloads.commits(ws.repo(), from, after));
    extra.forEach(e -> fields.put(e.getKey(), e.getValue()));
    return HookPayloads.event(type, ws.key().project(), user, fields);
  }
}
