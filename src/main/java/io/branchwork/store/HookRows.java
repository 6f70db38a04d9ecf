package io.branchwork.store;

import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.Delivery;
import io.branchwork.store.Records.DueDelivery;
import io.branchwork.store.Records.Hook;
import io.branchwork.store.Records.HookAttempt;
import io.branchwork.store.Records.HookEvent;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Webhooks and their outbox. A delivery row is written in the transaction of the change that
 * causes it ({@link #enqueue}), so a change the store acknowledged always has its deliveries, and
 * a change rolled back has none. Senders claim due rows with a lease: the claim is one
 * {@code UPDATE} whose condition re-checks the lease on the row it changes, so two nodes claiming
 * at once never both get a row; a sender that dies leaves a lease that simply runs out.
 */
final class HookRows implements HookStore {

  static final String PENDING = "pending";
  static final String DELIVERED = "delivered";
  static final String FAILED = "failed";

  // Parameters in a SELECT list are cast: PostgreSQL must know their types when it prepares.
  private static final String ENQUEUE = "INSERT INTO hook_deliveries(delivery_id, hook_id, event, body, created_at,"
      + " deadline, status, attempts, next_at) SELECT CAST(? AS VARCHAR(40)) || '-' || hook_id, hook_id,"
      + " CAST(? AS VARCHAR(16)), CAST(? AS VARCHAR(1048576)), CAST(? AS BIGINT), 0, '" + PENDING + "', 0,"
      + " CAST(? AS BIGINT) FROM hooks WHERE project_id = ? AND events LIKE ?";

  private final SqlEngine engine;

  HookRows(SqlEngine engine) {
    this.engine = engine;
  }

  /** Inside a change's transaction: one delivery per hook of {@code project} subscribed to each event. */
  static Future<Integer> enqueue(SqlTx tx, String project, List<HookEvent> events, long now) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (HookEvent e : events) {
      chain = chain.compose(n -> tx.update(ENQUEUE, e.id(), e.type(), e.body(), now, now, project,
          "%," + e.type() + ",%").map(m -> n + m));
    }
    return chain;
  }

  @Override
  public Future<Void> createHook(Hook hook, String secret, int maxPerProject) {
    return engine.tx(tx -> tx.one("SELECT COUNT(*) FROM hooks WHERE project_id = ?", r -> r.int64(0), hook.project())
        .compose(n -> n.orElse(0L) >= maxPerProject
            ? Future.failedFuture(BranchworkException.conflict("a project has at most " + maxPerProject + " hooks"))
            : tx.update("INSERT INTO hooks(hook_id, project_id, url, events, secret, created_by, created_at)"
                + " VALUES (?,?,?,?,?,?,?)", hook.id(), hook.project(), hook.url(),
                "," + String.join(",", hook.events()) + ",", secret, hook.createdBy(), hook.createdAt()))
        .<Void>mapEmpty())
        .recover(e -> Future.failedFuture(engine.is(e, SqlEngine.Violation.FOREIGN_KEY)
            ? BranchworkException.notFound("no such project") : e));
  }

  @Override
  public Future<List<Hook>> listHooks(String project) {
    return engine.auto(tx -> tx.query("SELECT hook_id, project_id, url, events, created_by, created_at FROM hooks"
        + " WHERE project_id = ? ORDER BY created_at, hook_id", HookRows::hook, project));
  }

  @Override
  public Future<Optional<Hook>> findHook(String project, String id) {
    return engine.auto(tx -> tx.one("SELECT hook_id, project_id, url, events, created_by, created_at FROM hooks"
        + " WHERE project_id = ? AND hook_id = ?", HookRows::hook, project, id));
  }

  private static Hook hook(SqlRow r) {
    String events = r.string(3);
    List<String> list = Arrays.stream(events.split(",")).filter(s -> !s.isEmpty()).toList();
    return new Hook(r.string(0), r.string(1), r.string(2), list, r.string(4), r.int64(5));
  }

  @Override
  public Future<Boolean> deleteHook(String project, String id) {
    return engine.auto(tx -> tx.update("DELETE FROM hooks WHERE project_id = ? AND hook_id = ?", project, id))
        .map(n -> n > 0);
  }

  /**
   * Claims up to {@code limit} due deliveries for {@code owner} (unique per claim) until
   * {@code leaseUntil}, none of the hooks in {@code skip} (those with their share in flight).
   */
  @Override
  public Future<List<DueDelivery>> claimDeliveries(String owner, long now, long leaseUntil, int limit,
      Collection<String> skip) {
    List<Object> args = new ArrayList<>(List.of(owner, leaseUntil, PENDING, now, now));
    args.addAll(skip);
    args.addAll(List.of(limit, PENDING, now));
    String skipping = skip.isEmpty() ? ""
        : " AND hook_id NOT IN (" + String.join(",", Collections.nCopies(skip.size(), "?")) + ")";
    return engine.tx(tx -> tx.update("UPDATE hook_deliveries SET lease_owner = ?, lease_until = ? WHERE delivery_id IN"
            + " (SELECT delivery_id FROM hook_deliveries WHERE status = ? AND next_at <= ?"
            + " AND (lease_until IS NULL OR lease_until < ?)" + skipping + " ORDER BY next_at LIMIT ?)"
            + " AND status = ? AND (lease_until IS NULL OR lease_until < ?)", args.toArray())
        .compose(n -> n == 0 ? Future.succeededFuture(List.of())
            : tx.query("SELECT d.delivery_id, d.hook_id, h.project_id, d.event, d.body, h.url, h.secret, d.attempts,"
                + " d.created_at, d.deadline FROM hook_deliveries d JOIN hooks h ON h.hook_id = d.hook_id"
                + " WHERE d.lease_owner = ?", r -> new DueDelivery(r.string(0), r.string(1), r.string(2), r.string(3),
                    r.string(4), r.string(5), r.string(6), r.int32(7), r.int64(8), r.int64(9)), owner)));
  }

  /**
   * Records an attempt of a delivery this sender holds ({@code owner}) and what comes next:
   * {@code status} with the next try at {@code nextAt}. False when the lease was lost meanwhile
   * (another node holds the delivery now): nothing is recorded.
   */
  @Override
  public Future<Boolean> finishDelivery(String id, String owner, HookAttempt a, String status, long nextAt) {
    return engine.tx(tx -> tx.update("UPDATE hook_deliveries SET status = ?, attempts = ?, next_at = ?,"
            + " lease_owner = NULL, lease_until = NULL WHERE delivery_id = ? AND lease_owner = ?",
            status, a.n(), nextAt, id, owner)
        .compose(n -> n == 0 ? Future.succeededFuture(false)
            : tx.update("INSERT INTO hook_attempts(delivery_id, n, at, duration_ms, status_code, error, answer)"
                + " VALUES (?,?,?,?,?,?,?)", id, a.n(), a.at(), a.durationMs(), a.status(), a.error(), a.answer())
                .map(true)));
  }

  /** Gives a claimed delivery back untried, due again at {@code nextAt}; false when the lease was lost. */
  @Override
  public Future<Boolean> deferDelivery(String id, String owner, long nextAt) {
    return engine.auto(tx -> tx.update("UPDATE hook_deliveries SET next_at = ?, lease_owner = NULL, lease_until = NULL"
        + " WHERE delivery_id = ? AND lease_owner = ?", nextAt, id, owner)).map(n -> n > 0);
  }

  /** The hook's newest deliveries with their attempts; {@code not_found} when the hook is not the project's. */
  @Override
  public Future<List<Delivery>> listDeliveries(String project, String hookId, int limit) {
    return engine.tx(tx -> tx.one("SELECT 1 FROM hooks WHERE project_id = ? AND hook_id = ?", r -> true, project, hookId)
        .compose(found -> found.isEmpty() ? Future.failedFuture(BranchworkException.notFound("no such hook"))
            : tx.query("SELECT delivery_id, event, status, attempts, created_at, next_at FROM hook_deliveries"
                + " WHERE hook_id = ? ORDER BY created_at DESC, delivery_id LIMIT ?",
                r -> new Delivery(r.string(0), r.string(1), r.string(2), r.int32(3), r.int64(4), r.int64(5),
                    new ArrayList<>()), hookId, limit))
        .compose(list -> {
          if (list.isEmpty()) {
            return Future.succeededFuture(list);
          }
          Map<String, Delivery> byId = new HashMap<>();
          list.forEach(d -> byId.put(d.id(), d));
          String marks = String.join(",", Collections.nCopies(list.size(), "?"));
          return tx.query("SELECT delivery_id, n, at, duration_ms, status_code, error, answer FROM hook_attempts"
                  + " WHERE delivery_id IN (" + marks + ") ORDER BY delivery_id, n",
                  r -> Map.entry(r.string(0), new HookAttempt(r.int32(1), r.int64(2), r.int64(3), r.int32(4),
                      r.string(5), r.string(6))), list.stream().map(Delivery::id).toArray())
              .map(attempts -> {
                attempts.forEach(e -> byId.get(e.getKey()).tries().add(e.getValue()));
                return list;
              });
        }));
  }

  /**
   * Queues a delivery that ended (delivered or failed) once more, now, retried until
   * {@code deadline}; {@code not_found} when it is not the hook's, {@code conflict} while pending.
   */
  @Override
  public Future<Void> redeliver(String project, String hookId, String id, long now, long deadline) {
    return engine.tx(tx -> tx.one("SELECT d.status FROM hook_deliveries d JOIN hooks h ON h.hook_id = d.hook_id"
            + " WHERE h.project_id = ? AND d.hook_id = ? AND d.delivery_id = ?", r -> r.string(0), project, hookId, id)
        .compose(status -> status.isEmpty() ? Future.failedFuture(BranchworkException.notFound("no such delivery"))
            : PENDING.equals(status.get())
                ? Future.failedFuture(BranchworkException.conflict("the delivery is still being tried"))
                : tx.update("UPDATE hook_deliveries SET status = ?, next_at = ?, deadline = ? WHERE delivery_id = ?",
                    PENDING, now, deadline, id))
        .mapEmpty());
  }

  /** Drops ended deliveries created before {@code before}; answers how many. */
  @Override
  public Future<Integer> purgeDeliveries(long before) {
    return engine.auto(tx -> tx.update("DELETE FROM hook_deliveries WHERE status <> ? AND created_at < ?",
        PENDING, before));
  }
}
