package io.branchwork.hooks;

import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Records.DueDelivery;
import io.branchwork.store.Records.HookAttempt;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox: one per node. It claims due deliveries from the store with a lease (so in a
 * cluster each is sent by one node at a time, and the deliveries of a node that died are sent by
 * the others once its leases run out), posts each, and records the attempt with what comes next:
 * delivered, a retry after an exponential backoff with jitter, or failed once
 * {@code hooks.retryHours} have passed. It wakes when this node's store queued deliveries, when a
 * retry falls due and every {@code hooks.pollMs}. An attempt itself (the target checked again,
 * the request, the answer) is {@link HookPost}'s. At most {@code hooks.concurrency} attempts run
 * at once, {@code hooks.perHook} of them to one hook.
 */
public final class HookSender extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HookSender.class);
  private static final long PURGE_EVERY_MS = 3_600_000;
  /** How long a delivery given back for its hook's share waits before it is taken again. */
  private static final long DEFER_MS = 500;

  private final Store store;
  private final HookSettings settings;
  private final BranchworkMetrics metrics;
  private final String owner;
  private HookPost post;
  private int inFlight;
  /** Attempts running per hook: one hook may hold {@code hooks.perHook} of the node's slots, no more. */
  private final Map<String, Integer> perHook = new HashMap<>();
  private boolean claiming;
  private boolean again;
  private boolean closed;
  private long claims;

  public HookSender(Store store, HookSettings settings, BranchworkMetrics metrics, String nodeTag) {
    this.store = store;
    this.settings = settings;
    this.metrics = metrics;
    this.owner = nodeTag + "/" + UUID.randomUUID();
  }

  @Override
  public Future<?> start() {
    post = new HookPost(vertx, settings);
    store.onOutbox(() -> context.runOnContext(v -> wake()));
    vertx.setPeriodic(settings.pollMs(), id -> wake());
    vertx.setPeriodic(1000, PURGE_EVERY_MS, id -> purge());
    wake();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    // Deliveries in flight keep their leases: once those run out, this node (restarted) or another sends them.
    closed = true;
    return post.close();
  }

  /** Claims as many due deliveries as there are free slots, unless a claim is running (then once more after it). */
  private void wake() {
    if (closed) {
      return;
    }
    int free = settings.concurrency() - inFlight;
    if (claiming || free <= 0) {
      again = true;
      return;
    }
    claiming = true;
    again = false;
    long now = System.currentTimeMillis();
    String claim = owner + "#" + (++claims);
    // Hooks with their share in flight are passed over: their deliveries wait in the store, untouched.
    List<String> busy = perHook.entrySet().stream().filter(e -> e.getValue() >= settings.perHook())
        .map(Map.Entry::getKey).toList();
    store.hooks().claimDeliveries(claim, now, now + lease(), free, busy).onComplete(ar -> {
      claiming = false;
      if (ar.failed()) {
        LOG.warn("could not claim webhook deliveries: {}", ar.cause().getMessage());
        return;
      }
      List<DueDelivery> due = ar.result();
      for (DueDelivery d : due) {
        if (perHook.getOrDefault(d.hookId(), 0) >= settings.perHook()) {
          // More of one hook than its share in one claim: the rest given back untried, taken again shortly.
          store.hooks().deferDelivery(d.id(), claim, System.currentTimeMillis() + DEFER_MS);
        } else {
          send(d, claim);
        }
      }
      if (again || due.size() == free) {
        wake();
      }
    });
  }

  /**
   * Long enough for an attempt (resolve, then at most {@code hooks.timeoutMs}) and its record;
   * after it another node may send the delivery again (at least once: a receiver may see a
   * delivery id twice, never none).
   */
  private long lease() {
    return 2 * settings.timeoutMs() + 5_000;
  }

  private void send(DueDelivery d, String claim) {
    inFlight++;
    perHook.merge(d.hookId(), 1, Integer::sum);
    long t0 = System.nanoTime();
    post.attempt(d)
        .compose(o -> finish(d, claim, o, t0))
        .onComplete(ar -> {
          inFlight--;
          perHook.computeIfPresent(d.hookId(), (k, n) -> n == 1 ? null : n - 1);
          if (ar.failed()) {
            LOG.warn("could not record an attempt of webhook delivery {}: {}", d.id(), ar.cause().getMessage());
          }
          if (again) {
            wake();
          }
        });
  }

  /** Records the attempt and decides what comes next: delivered, a retry after the backoff, or failed. */
  private Future<Void> finish(DueDelivery d, String claim, HookPost.Outcome o, long t0) {
    long now = System.currentTimeMillis();
    int n = d.attempts() + 1;
    long took = System.nanoTime() - t0;
    metrics.hookAttempt(o.result(), n > 1, took);
    String status;
    long next = now;
    if ("ok".equals(o.result())) {
      status = "delivered";
    } else {
      long wait = settings.backoff(n);
      wait = wait - wait / 4 + ThreadLocalRandom.current().nextLong(wait / 2 + 1); // jitter: receivers back up together
      long deadline = d.deadline() > 0 ? d.deadline() : d.createdAt() + settings.retryMs();
      if (now + wait > deadline) {
        status = "failed";
      } else {
        status = "pending";
        next = now + wait;
      }
    }
    HookAttempt attempt = new HookAttempt(n, now, took / 1_000_000, o.status(), o.error(), o.answer());
    String ended = status;
    long retryAt = next;
    return store.hooks().finishDelivery(d.id(), claim, attempt, status, next).map(recorded -> {
      if (!recorded) {
        LOG.warn("webhook delivery {} was taken over while attempt {} ran (its lease ran out)", d.id(), n);
      } else if (ended.equals("pending")) {
        LOG.debug("webhook delivery {} to {} failed (attempt {}: {}), retried in {} ms", d.id(), d.hookId(), n,
            o.error() != null ? o.error() : o.status(), retryAt - now);
        if (retryAt - now < settings.pollMs()) {
          vertx.setTimer(Math.max(1, retryAt - now), id -> wake());
        }
      } else {
        metrics.hookDelivery(ended);
        if (ended.equals("failed")) {
          LOG.info("webhook delivery {} of project {} to hook {} failed after {} attempts: {}", d.id(), d.project(),
              d.hookId(), n, o.error() != null ? o.error() : "HTTP " + o.status());
        } else {
          LOG.debug("webhook delivery {} to hook {} delivered in {} ms (attempt {})", d.id(), d.hookId(),
              took / 1_000_000, n);
        }
      }
      return null;
    });
  }

  private void purge() {
    store.hooks().purgeDeliveries(System.currentTimeMillis() - settings.keepMs())
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("dropped {} ended webhook deliveries older than hooks.keepDays", n);
          }
        })
        .onFailure(e -> LOG.warn("could not drop old webhook deliveries: {}", e.getMessage()));
  }
}
