package io.branchwork.hooks;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.HookEvents;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.store.Records.DueDelivery;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
import java.util.HexFormat;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One attempt of a delivery, as untrusted input demands: the URL parsed and every address of its
 * host checked ({@link TargetGuard}) on a small pool of its own (a lookup may hang for the
 * resolver's timeout), the body signed there too, the request sent to the address that was
 * checked, no redirect followed, the whole attempt bounded by {@code hooks.timeoutMs}, and the
 * answer read up to {@link #MAX_READ} bytes of which {@link #MAX_KEPT} are kept. Never fails:
 * every way it can go wrong is an {@link Outcome}.
 */
final class HookPost {

  static final int MAX_KEPT = 4096;
  static final int MAX_READ = 65536;
  private static final int MAX_ERROR = 500;
  static final String RESOLVER_POOL = "branchwork-hooks-resolve";
  static final int RESOLVER_THREADS = 4;

  private final Vertx vertx;
  private final HookSettings settings;
  private final HttpClientAgent client;
  private final WorkerExecutor resolver;

  HookPost(Vertx vertx, HookSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMs()))
            .setIdleTimeout(60).setKeepAlive(true).setMaxRedirects(0),
        new PoolOptions().setHttp1MaxSize(Math.min(settings.perHook(), 16)));
    this.resolver = vertx.createSharedWorkerExecutor(RESOLVER_POOL, RESOLVER_THREADS);
  }

  Future<Outcome> attempt(DueDelivery d) {
    return resolver.executeBlocking(() -> {
          TargetGuard.Target t = TargetGuard.parse(d.url());
          return new Prepared(t, TargetGuard.require(t.host(), settings.allowPrivateTargets()), sign(d));
        }, false)
        .compose(p -> post(d, p))
        .recover(e -> {
          BranchworkException b = Failures.normalize(e);
          boolean refused = b.code() == ErrorCode.FORBIDDEN;
          return Future.succeededFuture(new Outcome(0, cut(e.getMessage() == null ? e.toString() : e.getMessage()),
              null, refused ? "refused" : "network_error"));
        });
  }

  Future<Void> close() {
    return client.close().eventually(() -> resolver.close());
  }

  private record Prepared(TargetGuard.Target target, InetAddress address, String signature) {}

  /** What one attempt came to: the HTTP status (0: none), the failure, the answer's start, the metric's result. */
  record Outcome(int status, String error, String answer, String result) {}

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
}
