package io.branchwork.auth;

import io.branchwork.config.Config;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The team's OpenID Connect provider ({@code auth.oidc.*}), through {@code vertx-auth-oauth2}:
 * discovery at start, the provider's JWKS, the authorization URL and the code exchange of the
 * page's sign-in (PKCE). A bearer JWT is verified by a provider instance built from the discovered
 * settings without the userinfo and introspection endpoints, so a token that fails JWT validation
 * is refused instead of being handed to the provider (which would vouch for a live token issued
 * to any other client). Whatever the library accepted, the claims are checked again here: the
 * issuer, the audience, {@code exp} and {@code nbf} with the skew, and the user-name claim. The
 * algorithm comes from the provider's keys: the header's {@code alg} must be an asymmetric one
 * those keys can have ({@code none} and {@code HS*} are refused before anything is verified). A
 * token whose key id the cached JWKS lacks refetches it, at most once per
 * {@code auth.oidc.jwksRefreshMs}.
 */
public final class Oidc {

  private static final Logger LOG = LoggerFactory.getLogger(Oidc.class);
  /** A JWT longer than this is refused before it is decoded. */
  static final int MAX_JWT = 16384;
  private static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
      "ES256", "ES384", "ES512", "EdDSA");

  private final OAuth2Auth flow;
  private final OAuth2Auth bearer;
  private final String issuer;
  private final String clientId;
  private final String audience;
  private final String usernameClaim;
  private final String name;
  private final long skewSeconds;
  private final long refreshMs;
  private final long timeoutMs;
  private long lastRefresh;
  private Future<Void> refreshing;

  private Oidc(Config c, OAuth2Auth flow, OAuth2Auth bearer, String issuer) {
    this.flow = flow;
    this.bearer = bearer;
    this.issuer = issuer;
    this.clientId = c.oidcClientId;
    this.audience = c.oidcAudience.isEmpty() ? c.oidcClientId : c.oidcAudience;
    this.usernameClaim = c.oidcUsernameClaim;
    this.name = c.oidcName.isEmpty() ? URI.create(issuer).getHost() : c.oidcName;
    this.skewSeconds = c.oidcSkewSeconds;
    this.refreshMs = c.oidcJwksRefreshMs;
    this.timeoutMs = c.oidcTimeoutMs;
    this.lastRefresh = System.currentTimeMillis();
  }

  /** Discovers the provider and loads its keys; {@code null} when no provider is configured. */
  public static Future<Oidc> start(Vertx vertx, Config c) {
    if (c.oidcIssuer.isEmpty()) {
      return Future.succeededFuture(null);
    }
    long t0 = System.nanoTime();
    String issuer = c.oidcIssuer.endsWith("/") ? c.oidcIssuer.substring(0, c.oidcIssuer.length() - 1) : c.oidcIssuer;
    OAuth2Options options = new OAuth2Options().setSite(issuer).setClientId(c.oidcClientId)
        .setValidateIssuer(true)
        .setHttpClientOptions(new HttpClientOptions().setConnectTimeout((int) c.oidcTimeoutMs)
            .setIdleTimeout((int) Math.max(1, c.oidcTimeoutMs / 1000)))
        .setJWTOptions(new JWTOptions().setIssuer(issuer).setLeeway((int) c.oidcSkewSeconds));
    if (!c.oidcClientSecret.isEmpty()) {
      options.setClientSecret(c.oidcClientSecret);
    }
    // discover() fills the options in (endpoints, jwks_uri) and builds the provider for the page's flow.
    return OpenIDConnectAuth.discover(vertx, options)
        .timeout(c.oidcTimeoutMs, TimeUnit.MILLISECONDS)
        .compose(flow -> {
          OAuth2Auth bearer = OAuth2Auth.create(vertx, new OAuth2Options(options).setUserInfoPath(null)
              .setIntrospectionPath(null));
          return bearer.jWKSet().timeout(c.oidcTimeoutMs, TimeUnit.MILLISECONDS)
              .map(v -> new Oidc(c, flow, bearer, issuer));
        })
        .onSuccess(o -> LOG.info("identity provider {} discovered in {} ms", issuer, (System.nanoTime() - t0) / 1_000_000))
        .recover(e -> Future.failedFuture(new IllegalStateException("the identity provider at auth.oidc.issuer ("
            + issuer + ") could not be discovered: " + e.getMessage(), e)));
  }

  /** What the page's button names. */
  public String name() {
    return name;
  }

  public String issuer() {
    return issuer;
  }

  /** Whether {@code token} has the shape of a JWT (three base64url parts), so it is not one of Branchwork's tokens. */
  public static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.chars().filter(ch -> ch == '.').count() == 2;
  }

  /** The claims of a bearer JWT issued for Branchwork ({@code auth.oidc.audience}); {@code unauthenticated} otherwise. */
  public Future<JsonObject> verifyBearer(String jwt) {
    return verify(jwt, audience);
  }

  /** The claims of a JWT that names {@code aud}, from the provider's keys; {@code unauthenticated} otherwise. */
  private Future<JsonObject> verify(String jwt, String aud) {
    try {
      requireAsymmetric(jwt);
    } catch (BranchworkException e) {
      return Future.failedFuture(e);
    }
    return library(jwt)
        .recover(e -> {
          Future<Void> refetched = e instanceof NoSuchKeyIdException ? refreshKeys() : null;
          return refetched == null ? Future.failedFuture(e) : refetched.compose(v -> library(jwt));
        })
        .transform(ar -> ar.succeeded() ? checkClaims(ar.result(), aud)
            : Future.failedFuture(BranchworkException.unauthenticated("the provider's token is not valid: "
                + ar.cause().getMessage())));
  }

  /** The library's verdict; what it throws (as it does for {@code "exp": null}) is a refusal too. */
  private Future<User> library(String jwt) {
    try {
      return bearer.authenticate(new TokenCredentials(jwt));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The JWKS refetch running now (started here unless one ran in the last
   * {@code auth.oidc.jwksRefreshMs}), or null when none may run.
   */
  private synchronized Future<Void> refreshKeys() {
    long now = System.currentTimeMillis();
    if (refreshing != null && !refreshing.isComplete()) {
      return refreshing;
    }
    if (now - lastRefresh < refreshMs) {
      return null;
    }
    lastRefresh = now;
    refreshing = bearer.jWKSet().timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(v -> LOG.info("identity provider keys refetched: a token named a key id they did not have"))
        .onFailure(e -> LOG.warn("identity provider keys could not be refetched: {}", e.getMessage()));
    return refreshing;
  }

  /** The header's {@code alg} must be one the provider's public keys can have. */
  private static void requireAsymmetric(String jwt) {
    if (jwt.length() > MAX_JWT) {
      throw BranchworkException.unauthenticated("the token is too long");
    }
    JsonObject header;
    try {
      header = new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))),
          StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw BranchworkException.unauthenticated("the token is not a JWT");
    }
    if (!(header.getValue("alg") instanceof String alg) || !ALGORITHMS.contains(alg)) {
      throw BranchworkException.unauthenticated("the token's algorithm is not accepted: only the provider's"
          + " public-key signatures are");
    }
  }

  /** Checks what must hold whichever way the library accepted the token. */
  private Future<JsonObject> checkClaims(User user, String aud) {
    JsonObject claims = user.attributes().getJsonObject("accessToken");
    if (claims == null) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token was not verified as a JWT"));
    }
    long now = System.currentTimeMillis() / 1000;
    if (!issuer.equals(claims.getString("iss"))) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token is from another issuer"));
    }
    Object a = claims.getValue("aud");
    boolean forUs = a instanceof String s ? s.equals(aud) : a instanceof JsonArray arr && arr.contains(aud);
    if (!forUs) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token is not for " + aud));
    }
    if (!(claims.getValue("exp") instanceof Number exp) || exp.longValue() + skewSeconds < now) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token has expired"));
    }
    if (claims.getValue("nbf") instanceof Number nbf && nbf.longValue() - skewSeconds > now) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token is not valid yet"));
    }
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty() || sub.length() > 255) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token names no subject"));
    }
    if (!(claims.getValue(usernameClaim) instanceof String username) || !Identifiers.isUsername(username)) {
      return Future.failedFuture(BranchworkException.unauthenticated("the token's " + usernameClaim
          + " claim is not a Branchwork user name ([A-Za-z0-9_.-]{1,64})"));
    }
    return Future.succeededFuture(claims);
  }

  /** The user name a verified token speaks for. */
  public String username(JsonObject claims) {
    return claims.getString(usernameClaim);
  }

  /** Starts what {@link #marker} stores: no password hash ever does, so no password matches it. */
  static final String MARKER_PREFIX = "oidc:";

  /** What marks a user provisioned from this provider's subject (stored where a password hash would be). */
  String marker(JsonObject claims) {
    return MARKER_PREFIX + issuer + "#" + claims.getString("sub");
  }

  /** The provider's authorization URL for the page's sign-in: authorization code with PKCE (S256). */
  public String authorizeUrl(String redirectUri, String state, String challenge) {
    return flow.authorizeURL(new OAuth2AuthorizationURL().setRedirectUri(redirectUri).setState(state)
        .setCodeChallenge(challenge).setCodeChallengeMethod("S256")
        .setScopes(List.of("openid", "profile", "email")));
  }

  /** Exchanges the page's code (with its PKCE verifier) and answers the verified claims of the ID token. */
  public Future<JsonObject> exchange(String code, String verifier, String redirectUri) {
    return flow.authenticate(new Oauth2Credentials().setFlow(OAuth2FlowType.AUTH_CODE).setCode(code)
            .setCodeVerifier(verifier).setRedirectUri(redirectUri))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(BranchworkException.unauthenticated("the provider refused the sign-in: "
            + e.getMessage())))
        .compose(user -> {
          String idToken = user.principal().getString("id_token");
          return idToken == null
              ? Future.failedFuture(BranchworkException.unauthenticated("the provider sent no ID token"))
              : verify(idToken, clientId);
        });
  }

  public void close() {
    flow.close();
    bearer.close();
  }
}
