package io.branchwork.auth;

import io.branchwork.contract.Addresses;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.AccessToken;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Personal access tokens: named, with an expiry and a scope, for git and scripts. The token is
 * shown once, when it is made; the store keeps its SHA-256 only, like a session token's, so one
 * lookup serves both at every door. Only a signed-in session manages them.
 */
public final class AccessTokens {

  /** What a made token looks like: a prefix a person (or a secret scanner) recognises. */
  public static final String PREFIX = "bwp_";
  /** Most access tokens one user may have at once (expired ones count until the start-up purge). */
  public static final int MAX_PER_USER = 100;
  private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N} ._:@()-]{1,64}");

  /** A token just made: its row, and the secret shown this once. */
  public record Created(AccessToken row, String token) {}

  private final Vertx vertx;
  private final Store store;
  private final long maxDays;

  public AccessTokens(Vertx vertx, Store store, long maxDays) {
    this.vertx = vertx;
    this.store = store;
    this.maxDays = maxDays;
  }

  /** Makes a token for {@code who}: {@code scope} {@code read} or {@code write}, valid {@code days} days. */
  public Future<Created> create(Principal who, String name, String scope, long days) {
    requireSession(who);
    String trimmed = name == null ? "" : name.strip();
    if (!NAME.matcher(trimmed).matches()) {
      throw BranchworkException.badRequest("a token's name has 1 to 64 letters, digits, spaces or . _ : @ ( ) -");
    }
    if (Scope.ofAccessToken(scope) == null) {
      throw BranchworkException.badRequest("a token's scope is read or write");
    }
    if (days < 1 || days > maxDays) {
      throw BranchworkException.badRequest("a token lasts 1 to " + maxDays + " days (auth.accessTokenMaxDays)");
    }
    long now = System.currentTimeMillis();
    String token = PREFIX + Tokens.newToken();
    AccessToken row = new AccessToken(Tokens.newToken().substring(0, 12), trimmed, scope,
        now + TimeUnit.DAYS.toMillis(days), now);
    return store.listAccessTokens(who.username()).compose(existing -> {
      if (existing.size() >= MAX_PER_USER) {
        return Future.failedFuture(BranchworkException.conflict("you have " + existing.size()
            + " access tokens, the most there may be; revoke one first"));
      }
      if (existing.stream().anyMatch(t -> t.name().equals(trimmed))) {
        return Future.failedFuture(BranchworkException.conflict("you have a token named " + trimmed + " already"));
      }
      return store.createAccessToken(Tokens.hash(token), who.username(), row).map(v -> new Created(row, token));
    });
  }

  public Future<List<AccessToken>> list(Principal who) {
    requireSession(who);
    return store.listAccessTokens(who.username());
  }

  /** Revokes one of the user's tokens: gone from the store, and every connection it opened closes. */
  public Future<Void> revoke(Principal who, String id) {
    requireSession(who);
    return store.deleteAccessToken(who.username(), id).compose(hash -> {
      if (hash.isEmpty()) {
        return Future.failedFuture(BranchworkException.notFound("you have no token " + id));
      }
      vertx.eventBus().publish(Addresses.TOKEN_REVOKED, new JsonObject().put("tokenHash", hash.get()));
      return Future.succeededFuture();
    });
  }

  private static void requireSession(Principal who) {
    if (who.scope() != Scope.SESSION) {
      throw BranchworkException.forbidden("access tokens are managed from a signed-in session, not with a token");
    }
  }

  /** A row as the API lists it. */
  public static JsonObject toJson(AccessToken t) {
    return new JsonObject().put("id", t.id()).put("name", t.name()).put("scope", t.scope())
        .put("expiresAt", t.expiresAt()).put("createdAt", t.createdAt());
  }
}
