package io.branchwork.hooks;

import io.branchwork.auth.AuthService;
import io.branchwork.auth.Principal;
import io.branchwork.auth.Tokens;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.HookEvents;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.Delivery;
import io.branchwork.store.Records.Hook;
import io.branchwork.store.Records.HookAttempt;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A project's webhooks, for its owners: create (URL and events checked at the door, the target
 * resolved and checked once now as well as at every delivery), list, delete, the deliveries with
 * their attempts, and redelivery. The secret is shown once, when generated, and never listed.
 */
public final class Hooks {

  private static final Logger LOG = LoggerFactory.getLogger(Hooks.class);

  private static final int MAX_SECRET = 256;
  private static final int MAX_LIST = 200;

  private final Store store;
  private final AuthService auth;
  private final HookSettings settings;
  /** The sender's pool for lookups (shared by name): a name that resolves slowly holds none of the shared pool. */
  private final WorkerExecutor resolver;

  public Hooks(Vertx vertx, Store store, AuthService auth, HookSettings settings) {
    this.resolver = vertx.createSharedWorkerExecutor(HookPost.RESOLVER_POOL, HookPost.RESOLVER_THREADS);
    this.store = store;
    this.auth = auth;
    this.settings = settings;
  }

  /** {@code {"url","events":[...],"secret"?}}; answers the hook, with {@code secret} when it was generated. */
  public Future<JsonObject> create(String project, Principal who, JsonObject body) {
    String url = body.getValue("url") instanceof String s ? s : null;
    TargetGuard.Target target = TargetGuard.parse(url);
    List<String> events = events(body.getValue("events"));
    Object rawSecret = body.getValue("secret");
    if (rawSecret != null && !(rawSecret instanceof String s && !s.isEmpty() && s.length() <= MAX_SECRET)) {
      throw BranchworkException.badRequest("'secret' must be a string of 1 to " + MAX_SECRET + " characters");
    }
    String secret = rawSecret == null ? Tokens.newToken() : (String) rawSecret;
    Hook hook = new Hook(UUID.randomUUID().toString().replace("-", "").substring(0, 20), project, url, events,
        who.username(), System.currentTimeMillis());
    return auth.requireRole(project, who, Role.OWNER)
        .compose(r -> resolver.executeBlocking(() -> {
          try {
            return TargetGuard.require(target.host(), settings.allowPrivateTargets());
          } catch (BranchworkException e) {
            // Refused at the door, as any other bad field of the request.
            throw e.code() == ErrorCode.FORBIDDEN ? BranchworkException.badRequest(e.getMessage()) : e;
          }
        }, false))
        .compose(a -> store.hooks().createHook(hook, secret, settings.maxPerProject()))
        .onSuccess(v -> LOG.info("hook {} of project {} created by {}: {} for {}", hook.id(), project, who.username(),
            url, events))
        .map(v -> {
          JsonObject out = toJson(hook);
          if (rawSecret == null) {
            out.put("secret", secret);
          }
          return out;
        });
  }

  private static List<String> events(Object raw) {
    if (!(raw instanceof JsonArray a) || a.isEmpty() || a.size() > HookEvents.ALL.size() * 2) {
      throw BranchworkException.badRequest("'events' must list some of " + HookEvents.ALL);
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String s) || !HookEvents.ALL.contains(s)) {
        throw BranchworkException.badRequest("'events' must list some of " + HookEvents.ALL);
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  public Future<JsonArray> list(String project, Principal who) {
    return auth.requireRole(project, who, Role.OWNER).compose(r -> store.hooks().listHooks(project)).map(hooks -> {
      JsonArray out = new JsonArray();
      hooks.forEach(h -> out.add(toJson(h)));
      return out;
    });
  }

  public Future<JsonObject> get(String project, Principal who, String id) {
    return auth.requireRole(project, who, Role.OWNER).compose(r -> store.hooks().findHook(project, id))
        .compose(h -> h.isEmpty() ? Future.failedFuture(BranchworkException.notFound("no such hook"))
            : Future.succeededFuture(toJson(h.get())));
  }

  public Future<Void> delete(String project, Principal who, String id) {
    return auth.requireRole(project, who, Role.OWNER).compose(r -> store.hooks().deleteHook(project, id))
        .compose(gone -> gone ? Future.<Void>succeededFuture()
            : Future.failedFuture(BranchworkException.notFound("no such hook")))
        .onSuccess(v -> LOG.info("hook {} of project {} deleted by {}", id, project, who.username()));
  }

  public Future<JsonArray> deliveries(String project, Principal who, String id, int limit) {
    return auth.requireRole(project, who, Role.OWNER)
        .compose(r -> store.hooks().listDeliveries(project, id, Math.min(limit, MAX_LIST)))
        .map(list -> {
          JsonArray out = new JsonArray();
          list.forEach(d -> out.add(toJson(d)));
          return out;
        });
  }

  /** Sends an ended delivery again, under the same delivery id, retried for {@code hooks.retryHours} from now. */
  public Future<Void> redeliver(String project, Principal who, String hookId, String deliveryId) {
    long now = System.currentTimeMillis();
    return auth.requireRole(project, who, Role.OWNER)
        .compose(r -> store.hooks().redeliver(project, hookId, deliveryId, now, now + Math.max(settings.retryMs(), 1)));
  }

  static JsonObject toJson(Hook h) {
    return new JsonObject().put("id", h.id()).put("url", h.url()).put("events", new JsonArray(new ArrayList<>(h.events())))
        .put("createdBy", h.createdBy()).put("createdAt", h.createdAt());
  }

  static JsonObject toJson(Delivery d) {
    JsonArray attempts = new JsonArray();
    for (HookAttempt a : d.tries()) {
      attempts.add(new JsonObject().put("n", a.n()).put("at", a.at()).put("durationMs", a.durationMs())
          .put("status", a.status() == 0 ? null : a.status()).put("error", a.error()).put("answer", a.answer()));
    }
    return new JsonObject().put("id", d.id()).put("event", d.event()).put("status", d.status())
        .put("attempts", attempts).put("createdAt", d.createdAt())
        .put("nextAt", "pending".equals(d.status()) ? d.nextAt() : null);
  }
}
