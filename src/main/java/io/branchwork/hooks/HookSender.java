package io.branchwork.hooks;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.HookEvents;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Records.DueDelivery;
import io.branchwork.store.Records.HookAttempt;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox: one per node. It claims due deliveries from the store with a lease (so in a
 * cluster each is sent by one node at a time, and the deliveries of a node that died are sent by
 * the others once its leases run out), posts each, and records the attempt with what comes next:
 * delivered, a retry after an exponential backoff with jitter, or failed once
 * {@code hooks.retryHours} have passed. It wakes when this node's store queued deliveries, when a
 * retry falls due and every {@code hooks.pollMs}. Every target is resolved and checked
 * ({@link TargetGuard}) on a small pool of its own at each attempt, and the request goes to the
 * address checked; redirects are never followed; each attempt is bounded in time, and the answer
 * is read up to {@link #MAX_READ} bytes, of which {@link #MAX_KEPT} are kept.
 */
public final class HookSender extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HookSender.class);
  static final int MAX_KEPT = 4096;
  static final int MAX_READ = 65536;
  private static final int MAX_ERROR = 500;
  private static final long PURGE_EVERY_MS = 3_600_000;
  /** How long a delivery given back for its hook's share waits before it is taken again. */
  private static final long DEFER_MS = 500;
  static final String RESOLVER_POOL = "branchwork-hooks-resolve";
  static final int RESOLVER_THREADS = 4;

  private final Store store;
  private final HookSettings settings;
  private final BranchworkMetrics metrics;
  private final String owner;
  private HttpClientAgent client;
  private WorkerExecutor resolver;
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
    client = vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMs()))
            .setIdleTimeout(60).setKeepAlive(true).setMaxRedirects(0),
        new PoolOptions().setHttp1MaxSize(Math.min(settings.concurrency(), 16)));
    // Lookups may hang for the resolver's own timeout: on a pool of their own they never hold the shared one.
    resolver = vertx.createSharedWorkerExecutor(RESOLVER_POOL, RESOLVER_THREADS);
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
    return client.close().eventually(() -> resolver.close());
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
    store.claimDeliveries(claim, now, now + lease(), free, busy).onComplete(ar -> {
      claiming = false;
      if (ar.failed()) {
        LOG.warn("could not claim webhook deliveries: {}", ar.cause().getMessage());
        return;
      }
      List<DueDelivery> due = ar.result();
      for (DueDelivery d : due) {
        if (perHook.getOrDefault(d.hookId(), 0) >= settings.perHook()) {
          // More of one hook than its share in one claim: the rest given back untried, taken again shortly.
          store.deferDelivery(d.id(), claim, System.currentTimeMillis() + DEFER_MS);
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

  private record Prepared(TargetGuard.Target target, InetAddress address, String signature) {}

  private record Outcome(int status, String error, String answer, String result) {}

  private void send(DueDelivery d, String claim) {
    inFlight++;
    perHook.merge(d.hookId(), 1, Integer::sum);
    long t0 = System.nanoTime();
    resolver.executeBlocking(() -> {
          TargetGuard.Target t = TargetGuard.parse(d.url());
          return new Prepared(t, TargetGuard.require(t.host(), settings.allowPrivateTargets()), sign(d));
        }, false)
        .compose(p -> post(d, p))
        .recover(e -> {
          BranchworkException b = Failures.normalize(e);
          boolean refused = b.code() == ErrorCode.FORBIDDEN;
          return Future.succeededFuture(new Outcome(0, cut(e.getMessage() == null ? e.toString() : e.getMessage()),
              null, refused ? "refused" : "network_error"));
        })
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

  /** {@code sha256=<hex HMAC-SHA256 of the body with the hook's secret>}. Runs on the resolver's pool. */
  static String sign(DueDelivery d) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(d.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(d.body().getBytes(StandardCharsets.UTF_8)));
  }

  private Future<Outcome> post(DueDelivery d, Prepared p) {
    TargetGuard.Target t = p.target();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(t.host()).setPort(t.port())
        .setSsl(t.https()).setURI(t.pathAndQuery())
        // The address checked, not a second lookup's: a name cannot point elsewhere in between.
        .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(p.address(), t.port())))
        .setFollowRedirects(false).setConnectTimeout(settings.timeoutMs()).setIdleTimeout(settings.timeoutMs())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(HttpHeaders.USER_AGENT, "Branchwork-Hooks")
        .putHeader(HookEvents.HEADER_EVENT, d.event())
        .putHeader(HookEvents.HEADER_DELIVERY, d.id())
        .putHeader(HookEvents.HEADER_SIGNATURE, p.signature());
    Promise<Outcome> outcome = Promise.promise();
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        outcome.tryFail(ar.cause());
        return;
      }
      var request = ar.result();
      long timer = vertx.setTimer(settings.timeoutMs(), id -> {
        request.reset(0, new TimeoutException());
        outcome.tryFail(new TimeoutException("no answer within hooks.timeoutMs (" + settings.timeoutMs() + " ms)"));
      });
      request.send(Buffer.buffer(d.body()))
          .onFailure(e -> outcome.tryFail(e))
          .onSuccess(resp -> read(resp, outcome));
      outcome.future().onComplete(x -> vertx.cancelTimer(timer));
    });
    return outcome.future();
  }

  /** Reads at most {@link #MAX_READ} bytes of the answer, keeping the first {@link #MAX_KEPT}; then closes it. */
  private static void read(HttpClientResponse resp, Promise<Outcome> outcome) {
    Buffer kept = Buffer.buffer();
    long[] total = {0};
    int status = resp.statusCode();
    String result = status / 100 == 2 ? "ok" : "http_error";
    resp.handler(buf -> {
      if (kept.length() < MAX_KEPT) {
        kept.appendBuffer(buf, 0, Math.min(buf.length(), MAX_KEPT - kept.length()));
      }
      total[0] += buf.length();
      if (total[0] > MAX_READ) {
        resp.request().reset();
        outcome.tryComplete(new Outcome(status, null, text(kept), result));
      }
    });
    resp.endHandler(v -> outcome.tryComplete(new Outcome(status, null, text(kept), result)));
    resp.exceptionHandler(e -> outcome.tryComplete(new Outcome(status, cut(String.valueOf(e.getMessage())),
        text(kept), result)));
  }

  /** The answer's start as text a database column takes (no NUL, malformed bytes replaced). */
  private static String text(Buffer b) {
    return b.length() == 0 ? null : new String(b.getBytes(), StandardCharsets.UTF_8).replace("\u0000", "");
  }

  private static String cut(String s) {
    s = s.replace("\u0000", "");
    return s.length() > MAX_ERROR ? s.substring(0, MAX_ERROR) : s;
  }

  /** Records the attempt and decides what comes next: delivered, a retry after the backoff, or failed. */
  private Future<Void> finish(DueDelivery d, String claim, Outcome o, long t0) {
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
    return store.finishDelivery(d.id(), claim, attempt, status, next).map(recorded -> {
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
    store.purgeDeliveries(System.currentTimeMillis() - settings.keepMs())
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("dropped {} ended webhook deliveries older than hooks.keepDays", n);
          }
        })
        .onFailure(e -> LOG.warn("could not drop old webhook deliveries: {}", e.getMessage()));
  }
}
