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
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Users, logins, tokens and roles, on top of the store. Shared by the HTTP API and the gateways. */
public final class AuthService {

  /** A successful login: the token, shown to the client once, when it expires (epoch ms), and whose it is. */
  public record Login(String token, long expiresAt, String username) {}

  private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
  private static final int MAX_PASSWORD_LENGTH = 1024;
  private static final int MAX_PROVISIONED_CACHE = 10_000;

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
  /** The identity provider; null when none is configured. */
  private final Oidc oidc;
  /** User names known to belong to a provider's subject (their marker): most requests need no store read. */
  private final Map<String, String> provisioned = new ConcurrentHashMap<>();

  public AuthService(Vertx vertx, Store store, Config config) {
    this(vertx, store, config, null);
  }

  public AuthService(Vertx vertx, Store store, Config config, Oidc oidc) {
    this.oidc = oidc;
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
    if (!config.authLocal) {
      return Future.failedFuture(localOff());
    }
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
    if (!config.authLocal) {
      return Future.failedFuture(localOff());
    }
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
              .map(v -> new Login(token, expiresAt, username));
        });
  }

  private BranchworkException localOff() {
    return BranchworkException.forbidden("signing in with a Branchwork password is off (auth.local=false)"
        + (oidc == null ? "" : "; sign in with " + oidc.name()));
  }

  /** The identity provider, or null when none is configured. */
  public Oidc oidc() {
    return oidc;
  }

  /**
   * Who a live token speaks for; {@code unauthenticated} for a missing, dead or expired one. A
   * JWT (with a provider configured) is the provider's: verified by {@link Oidc}, and its user
   * provisioned on first use.
   */
  public Future<Principal> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(BranchworkException.unauthenticated("a bearer token is required"));
    }
    if (oidc != null && Oidc.looksLikeJwt(token)) {
      return oidc.verifyBearer(token).compose(claims -> provision(claims)
          .map(username -> new Principal(username, Scope.SESSION, claims.getLong("exp") * 1000)));
    }
    if (token.length() > 256) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token is not valid"));
    }
    Future<Principal> found = store.findToken(Tokens.hash(token)).compose(t -> {
      if (t.isEmpty() || t.get().expiresAt() <= System.currentTimeMillis()) {
        return Future.failedFuture(BranchworkException.unauthenticated("the token is not valid"));
      }
      Scope scope = t.get().scope() == null ? Scope.SESSION : Scope.ofAccessToken(t.get().scope());
      if (scope == null) {
        return Future.failedFuture(BranchworkException.unauthenticated("the token is not valid"));
      }
      return Future.succeededFuture(new Principal(t.get().username(), scope, t.get().expiresAt()));
    });
    if (config.authLocal) {
      return found;
    }
    // Local users are off: only the tokens of users the provider provisioned still speak for anyone.
    return found.compose(who -> store.findUser(who.username()).compose(u -> u.isPresent()
        && u.get().passwordHash().startsWith(Oidc.MARKER_PREFIX) ? Future.succeededFuture(who)
        : Future.failedFuture(BranchworkException.unauthenticated("local users are off (auth.local=false)"))));
  }

  /**
   * The Branchwork user of a verified provider token: created on first sign-in, with the
   * provider's subject as its marker. A name a local user (or another subject) holds is refused,
   * never merged: taking over an account must not be one claim away.
   */
  private Future<String> provision(JsonObject claims) {
    String username = oidc.username(claims);
    String marker = oidc.marker(claims);
    if (marker.equals(provisioned.get(username))) {
      return Future.succeededFuture(username);
    }
    return store.findUser(username).compose(found -> {
      if (found.isPresent()) {
        return found.get().passwordHash().equals(marker) ? Future.succeededFuture(username)
            : Future.failedFuture(taken(username));
      }
      return store.createUser(username, marker)
          .onSuccess(v -> LOG.info("provisioned user {} from the identity provider {}", username, oidc.issuer()))
          .map(username)
          // Two first requests at once: the other one created it; it must be this subject's.
          .recover(e -> store.findUser(username).compose(u -> u.isPresent() && u.get().passwordHash().equals(marker)
              ? Future.succeededFuture(username) : Future.failedFuture(taken(username))));
    }).onSuccess(u -> {
      if (provisioned.size() > MAX_PROVISIONED_CACHE) {
        provisioned.clear();
      }
      provisioned.put(username, marker);
    });
  }

  private static BranchworkException taken(String username) {
    return BranchworkException.forbidden("the user name " + username + " belongs to another account; the"
        + " provider's sign-in is refused rather than merged into it");
  }

  /**
   * The page's sign-in with the provider: the code exchanged, the user provisioned, a session
   * token issued. Counted per client {@code address} against {@code auth.loginFailuresPerAddress}
   * in the login window (each one is a request to the provider).
   */
  public Future<Login> signInWithProvider(String code, String verifier, String redirectUri, String address) {
    if (oidc == null) {
      return Future.failedFuture(BranchworkException.notFound("no identity provider is configured"));
    }
    try {
      throttle.providerSignIn(address, System.currentTimeMillis());
    } catch (BranchworkException e) {
      return Future.failedFuture(e);
    }
    return oidc.exchange(code, verifier, redirectUri)
        .compose(this::provision)
        .compose(username -> {
          String token = Tokens.newToken();
          long expiresAt = System.currentTimeMillis() + config.tokenTtlMs;
          return store.createToken(Tokens.hash(token), username, expiresAt).map(v -> new Login(token, expiresAt, username));
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
