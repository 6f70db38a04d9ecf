package io.branchwork.workspace;

import io.branchwork.contract.ClientOps;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.WorkspaceOp;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Idempotency keys of mutating requests: a request that carries {@code key} and repeats one of
 * the same user seen within {@code workspace.idempotencyTtlMs} gets the first request's answer
 * (waiting for it if it is still running) and is not applied again, so a client may retry a
 * {@code commit}, {@code save}, {@code write} with {@code base} or a branch op after a lost
 * reply. Only answers that a retry would get again are kept: a success or a refusal of the
 * request itself; a failure that may pass (timeout, overload, a lock held, a store outage) is
 * forgotten, so the retry runs. At most {@code workspace.idempotencyKeys} are kept, the oldest
 * dropped first. Per workspace, in memory: a workspace loaded anew (after eviction or on another
 * node) has forgotten them. Used from the workspace's event loop only.
 */
final class Idempotency {

  private static final int MAX_KEY_CHARS = 200;
  /** Failures that are the request's own answer: a retry of the same request gets them again. */
  private static final Set<ErrorCode> FINAL = Set.of(ErrorCode.BAD_REQUEST, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT,
      ErrorCode.NOTHING_TO_COMMIT, ErrorCode.FORBIDDEN, ErrorCode.TOO_LARGE);

  private record Entry(String op, Future<JsonObject> answer, long expiresAt) {}

  private final long ttlMs;
  private final int max;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  Idempotency(long ttlMs, int max) {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  /**
   * The answer of the first request with {@code r}'s key, or null when {@code r} is to run (it
   * has no key, is not mutating, or is the first). {@code answer} is {@code r}'s own answer, kept
   * for the repeats when {@code r} is the first.
   */
  Future<JsonObject> repeat(Request r, Future<JsonObject> answer) {
    Object value = r.args().getValue(ClientOps.FIELD_KEY);
    if (value == null || !WorkspaceOp.mutates(r.op())) {
      return null;
    }
    if (!(value instanceof String key) || key.isEmpty() || key.length() > MAX_KEY_CHARS) {
      return Future.failedFuture(BranchworkException.badRequest("'key' must be a string of 1 to " + MAX_KEY_CHARS
          + " characters"));
    }
    long now = System.currentTimeMillis();
    expire(now);
    String id = r.user() + '\u0000' + key;
    Entry first = entries.get(id);
    if (first != null) {
      return first.op().equals(r.op()) ? first.answer()
          : Future.failedFuture(BranchworkException.badRequest("key '" + key + "' was used for " + first.op()));
    }
    if (entries.size() >= max) {
      Iterator<String> oldest = entries.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    Entry mine = new Entry(r.op(), answer, now + ttlMs);
    entries.put(id, mine);
    answer.onFailure(e -> {
      if (!FINAL.contains(Failures.normalize(e).code())) {
        entries.remove(id, mine); // may pass on a retry: the retry runs
      }
    });
    return null;
  }

  private void expire(long now) {
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      if (it.next().expiresAt() > now) {
        return; // in insertion order, so the rest expire later
      }
      it.remove();
    }
  }
}
