package io.branchwork.render;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's renderer, shared by its workspaces: content-addressed ({@link RenderJob#key}), so the
 * same inputs render once per node and come from the {@link RenderCache} after; sandboxed
 * ({@link Sandbox}); on a pool of {@code render.threads} of its own, so renders never take the
 * heavy-op or worker pools; bounded per user ({@code render.perUser}) and per node (waiting
 * renders), and in time from the request on ({@code render.timeoutMs}), past which the process
 * tree is killed. Two requests for one key while it renders share the one process.
 *
 * <p>At start it checks in the background that openscad runs in the sandbox (one log line says
 * which renderer, or what to install); until then renders wait for the check, and without a
 * renderer they answer {@code unsupported}, the rest of the server unaffected.
 */
public final class RenderService {

  private static final Logger LOG = LoggerFactory.getLogger(RenderService.class);
  static final String POOL = "branchwork-render";

  private final Vertx vertx;
  private final RenderSettings settings;
  private final RenderCache cache;
  private final WorkerExecutor pool;
  private final Future<Sandbox.Probed> probed;
  private final ConcurrentHashMap<String, Future<Rendered>> inFlight = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final Set<Process> running = ConcurrentHashMap.newKeySet();

  private RenderService(Vertx vertx, RenderSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.cache = new RenderCache(settings.cacheDir(), settings.cacheBytes());
    // Longer than a render may take, so a render's wait is never reported as a blocked thread.
    this.pool = vertx.createSharedWorkerExecutor(POOL, settings.threads(), settings.timeoutMs() + 30_000,
        TimeUnit.MILLISECONDS);
    this.probed = probe();
  }

  /** The renderer of a node; its check runs in the background. */
  public static RenderService start(Vertx vertx, RenderSettings settings) {
    return new RenderService(vertx, settings);
  }

  private Future<Sandbox.Probed> probe() {
    long t0 = System.nanoTime();
    Path scratch = settings.tmpRoot().resolve("render-probe-" + UUID.randomUUID());
    return vertx.executeBlocking(() -> {
      try {
        cache.load();
        return Sandbox.probe(settings, scratch);
      } finally {
        FileTrees.deleteRecursively(scratch);
      }
    }, false).<Sandbox.Probed>transform(ar -> {
      if (ar.succeeded()) {
        LOG.info("render: {} ({} ms)", ar.result().identity(), (System.nanoTime() - t0) / 1_000_000);
        return Future.succeededFuture(ar.result());
      }
      BranchworkException off = ar.cause() instanceof BranchworkException b ? b
          : BranchworkException.unsupported("render is off: " + ar.cause());
      LOG.warn("{}", off.getMessage());
      return Future.failedFuture(off);
    });
  }

  /** Completes once the start-up check is done, with the renderer's identity, or fails {@code unsupported}. */
  public Future<String> ready() {
    return onCaller(probed.map(Sandbox.Probed::identity));
  }

  /**
   * Renders {@code job}, or answers it from the cache. A model that does not render answers
   * {@code key} null with diagnostics; past a bound the answer is {@code too_large}, past a cap
   * {@code overloaded}, without a renderer {@code unsupported}.
   */
  public Future<Rendered> render(RenderJob job) {
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(settings.timeoutMs());
    return onCaller(probed.compose(p -> vertx.executeBlocking(() -> {
      String key = job.key(p.identity());
      return new Lookup(key, cache.get(key, job.project()));
    }, false).compose(l -> l.hit() != null
        ? Future.succeededFuture(l.hit().cachedIn((System.nanoTime() - t0) / 1_000_000))
        : start(job, l.key(), p.sandbox(), deadline))));
  }

  /**
   * {@code f}, completing on the caller's context: the work runs on other threads and contexts,
   * but a workspace goes on with the answer on its own event loop.
   */
  private <T> Future<T> onCaller(Future<T> f) {
    Context caller = vertx.getOrCreateContext();
    Promise<T> out = Promise.promise();
    f.onComplete(ar -> caller.runOnContext(v -> out.handle(ar)));
    return out.future();
  }

  private record Lookup(String key, Rendered hit) {}

  private Future<Rendered> start(RenderJob job, String key, Sandbox sandbox, long deadline) {
    Future<Rendered> same = inFlight.get(key);
    if (same != null) {
      return same;
    }
    if (perUser.merge(job.user(), 1, Integer::sum) > settings.perUser()) {
      release(job.user());
      return Future.failedFuture(BranchworkException.overloaded("you have " + settings.perUser()
          + " renders running or waiting (render.perUser); wait for one to finish"));
    }
    if (pending.incrementAndGet() > settings.maxPending()) {
      pending.decrementAndGet();
      release(job.user());
      return Future.failedFuture(BranchworkException.overloaded("this node has " + settings.maxPending()
          + " renders running or waiting; try again"));
    }
    Promise<Rendered> mine = Promise.promise();
    Future<Rendered> raced = inFlight.putIfAbsent(key, mine.future());
    if (raced != null) {
      pending.decrementAndGet();
      release(job.user());
      return raced;
    }
    long t0 = System.nanoTime();
    pool.executeBlocking(() -> new RenderRun(settings, sandbox, cache, running).run(job, key, deadline), false)
        .onComplete(ar -> {
          inFlight.remove(key);
          pending.decrementAndGet();
          release(job.user());
          LOG.debug("render {} of {}/{} by {}: {} in {} ms", key, job.project(), job.entry(), job.user(),
              ar.succeeded() ? (ar.result().ok() ? ar.result().bytes() + " bytes" : "no mesh") : ar.cause().toString(),
              (System.nanoTime() - t0) / 1_000_000);
          mine.handle(ar);
        });
    return mine.future();
  }

  private void release(String user) {
    perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
  }

  /** The mesh file {@code key}.{@code format} when {@code project} may download it, else null. */
  public Path mesh(String project, String key, String format) {
    return RenderCache.KEY.matcher(key).matches() ? cache.file(key, format, project) : null;
  }

  /** Stops the renders still running (their process trees) and the pool. */
  public void close() {
    running.forEach(p -> {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
    pool.close();
  }
}
