package io.branchwork.auth;

import io.branchwork.config.Config;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/** Users, logins, tokens and roles, on top of the store. Shared by the HTTP API and the gateways. */
public final class AuthService {

  /** A successful login: the token, shown to the client once, and when it expires (epoch ms). */
  public record Login(String token, long expiresAt) {}

  private static final int MAX_PASSWORD_LENGTH = 1024;

  private final Vertx vertx;
  private final Store store;
  private final Config config;
  private final PasswordHasher hasher;
  /**
   * Password hashing has a pool of its own: it is slow on purpose, so on the shared worker pool a
   * burst of logins (even failed ones, from anyone) would starve every workspace's git and disk work.
   */
  private final WorkerExecutor hashPool;
  private final AtomicInteger pendingHashes = new AtomicInteger();
  private final LoginThrottle throttle;
  /** Verified against for unknown users, so a login takes as long whether or not the name exists. */
  private volatile String dummyHash;

  public AuthService(Vertx vertx, Store store, Config config) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    this.hasher = new PasswordHasher(config.passwordIterations);
    this.hashPool = vertx.createSharedWorkerExecutor("branchwork-password-hash", config.hashThreads);
    this.throttle = new LoginThrottle(config.loginFailuresPerUser, config.loginFailuresPerAddress,
        config.loginFailureWindowMs);
  }

  /** Runs {@code work} on the hashing pool, or fails {@code overloaded} when too much is waiting for it. */
  private <T> Future<T> hashing(Callable<T> work) {
    if (pendingHashes.incrementAndGet() > config.maxPendingHashes) {
      pendingHashes.decrementAndGet();
      return Future.failedFuture(BranchworkException.overloaded("too many logins are being checked; try again"));
    }
    return hashPool.executeBlocking(work, false).onComplete(ar -> pendingHashes.decrementAndGet());
  }

  private String dummyHash() {
    String d = dummyHash;
    if (d == null) {
      d = hasher.hash(Tokens.newToken());
      dummyHash = d;
    }
    return d;
  }

  /**
   * Creates a user. Registrations count per client {@code address} (null when unknown) against
   * {@code auth.loginFailuresPerAddress} in the login window: past it, {@code rate_limited}.
   */
  public Future<Void> register(String username, String password, String address) {
    if (!Identifiers.isUsername(username)) {
      return Future.failedFuture(BranchworkException.badRequest("username must match [A-Za-z0-9_.-]{1,64}"));
    }
    if (password == null || password.length() < config.minPasswordLength
        || password.length() > MAX_PASSWORD_LENGTH) {
      return Future.failedFuture(BranchworkException.badRequest("password must have "
          + config.minPasswordLength + " to " + MAX_PASSWORD_LENGTH + " characters"));
    }
    try {
      throttle.registration(address, System.currentTimeMillis());
    } catch (BranchworkException e) {
      return Future.failedFuture(e);
    }
    return hashing(() -> hasher.hash(password))
        .compose(hash -> store.createUser(username, hash));
  }

  /**
   * Checks a password and issues a token. Failures are counted per user name and per client
   * {@code address} (null when unknown); past {@code auth.loginFailuresPerUser} or
   * {@code auth.loginFailuresPerAddress} in {@code auth.loginFailureWindowMs} the answer is
   * {@code rate_limited} without checking anything.
   */
  public Future<Login> login(String username, String password, String address) {
    if (username == null || password == null) {
      return Future.failedFuture(BranchworkException.badRequest("username and password are required"));
    }
    if (!Identifiers.isUsername(username) || password.length() > MAX_PASSWORD_LENGTH) {
      // no such user can exist: answered at once, and not counted against anyone
      return Future.failedFuture(BranchworkException.unauthenticated("wrong username or password"));
    }
    try {
      throttle.check(username, address, System.currentTimeMillis());
    } catch (BranchworkException e) {
      return Future.failedFuture(e);
    }
    return store.findUser(username)
        .compose(user -> hashing(() -> {
          if (user.isEmpty()) {
            hasher.verify(password, dummyHash()); // the same work as for a real user, for the same time
            return false;
          }
          return hasher.verify(password, user.get().passwordHash());
        }))
        .compose(ok -> {
          if (!ok) {
            throttle.failed(username, address, System.currentTimeMillis());
            return Future.failedFuture(BranchworkException.unauthenticated("wrong username or password"));
          }
          throttle.succeeded(username);
          String token = Tokens.newToken();
          long expiresAt = System.currentTimeMillis() + config.tokenTtlMs;
          return store.createToken(Tokens.hash(token), username, expiresAt)
              .map(v -> new Login(token, expiresAt));
        });
  }

  /** Who a live token speaks for; {@code unauthenticated} for a missing, dead or expired one. */
  public Future<Principal> authenticate(String token) {
    if (token == null || token.isEmpty() || token.length() > 256) {
      return Future.failedFuture(BranchworkException.unauthenticated("a bearer token is required"));
    }
    return store.findToken(Tokens.hash(token)).compose(t -> {
      if (t.isEmpty() || t.get().expiresAt() <= System.currentTimeMillis()) {
        return Future.failedFuture(BranchworkException.unauthenticated("the token is not valid"));
      }
      Scope scope = t.get().scope() == null ? Scope.SESSION : Scope.ofAccessToken(t.get().scope());
      if (scope == null) {
        return Future.failedFuture(BranchworkException.unauthenticated("the token is not valid"));
      }
      return Future.succeededFuture(new Principal(t.get().username(), scope, t.get().expiresAt()));
    });
  }

  /** Kills a token everywhere: deleted from the store, and announced to open connections. */
  public Future<Void> logout(String token) {
    String hash = Tokens.hash(token);
    return store.deleteToken(hash).onSuccess(v ->
        vertx.eventBus().publish(Addresses.TOKEN_REVOKED, new JsonObject().put("tokenHash", hash)));
  }

  /**
   * Succeeds with the role {@code who} acts with on {@code project} (the user's role, capped by
   * the token's scope) when it allows {@code needed}; {@code not_found}/{@code forbidden} otherwise.
   */
  public Future<Role> requireRole(String project, Principal who, Role needed) {
    return store.role(project, who.username()).compose(role -> {
      if (role.isEmpty()) {
        // Not a member: the project's existence is not revealed.
        return Future.failedFuture(BranchworkException.notFound("no such project"));
      }
      Role acting = who.scope().cap(role.get());
      if (!acting.allows(needed)) {
        return Future.failedFuture(BranchworkException.forbidden(acting == role.get()
            ? "this needs the " + needed.wire() + " role on " + project
            : "this token is read-only; " + needed.wire() + " needs a token with the write scope"));
      }
      return Future.succeededFuture(acting);
    });
  }
}
