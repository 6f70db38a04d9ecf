package io.branchwork.api;

import static io.branchwork.http.HttpSupport.body;
import static io.branchwork.http.HttpSupport.respond;

import io.branchwork.auth.AuthService;
import io.branchwork.auth.Oidc;
import io.branchwork.contract.ErrorCode;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.http.HttpSupport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** {@code /api/users} and {@code /api/sessions}, and the bearer check every other route uses. */
final class AccountRoutes {

  private final AuthService auth;
  private final boolean openRegistration;
  private final boolean local;

  AccountRoutes(AuthService auth, boolean openRegistration, boolean local) {
    this.auth = auth;
    this.openRegistration = openRegistration;
    this.local = local;
  }

  void mount(Router router, BodyHandler json) {
    router.post("/api/users").handler(json).handler(this::register);
    router.post("/api/sessions").handler(json).handler(this::login);
    router.delete("/api/sessions").handler(this::logout);
    router.get("/api/auth").handler(this::methods);
    router.post("/api/auth/oidc/authorize").handler(json).handler(this::authorize);
    router.post("/api/auth/oidc/token").handler(json).handler(this::signInWithProvider);
  }

  /** How one signs in here: the page shows the password form, the provider's button, or both. */
  private void methods(RoutingContext ctx) {
    Oidc oidc = auth.oidc();
    HttpSupport.json(ctx, 200, new JsonObject().put("local", local).put("registration", local && openRegistration)
        .put("provider", oidc == null ? null : new JsonObject().put("name", oidc.name())));
  }

  /**
   * The provider's authorization URL for the page's PKCE flow: the page keeps the verifier and
   * the state, and sends only the S256 challenge.
   */
  private void authorize(RoutingContext ctx) {
    Oidc oidc = requireProvider();
    JsonObject b = body(ctx);
    String redirect = bounded(b, "redirectUri", 2048);
    if (!redirect.startsWith("http://") && !redirect.startsWith("https://")) {
      throw BranchworkException.badRequest("'redirectUri' must be an http(s) URL");
    }
    String challenge = bounded(b, "challenge", 128);
    if (!challenge.matches("[A-Za-z0-9_-]{43,128}")) {
      throw BranchworkException.badRequest("'challenge' must be a base64url S256 code challenge");
    }
    HttpSupport.json(ctx, 200, new JsonObject().put("url",
        oidc.authorizeUrl(redirect, bounded(b, "state", 256), challenge)));
  }

  private void signInWithProvider(RoutingContext ctx) {
    requireProvider();
    JsonObject b = body(ctx);
    respond(ctx, auth.signInWithProvider(bounded(b, "code", 4096), bounded(b, "verifier", 128),
            bounded(b, "redirectUri", 2048), HttpSupport.clientAddress(ctx)),
        login -> HttpSupport.json(ctx, 200, new JsonObject().put("token", login.token())
            .put("expiresAt", login.expiresAt()).put("username", login.username())));
  }

  private Oidc requireProvider() {
    if (auth.oidc() == null) {
      throw BranchworkException.notFound("no identity provider is configured (auth.oidc.issuer)");
    }
    return auth.oidc();
  }

  private static String bounded(JsonObject b, String field, int max) {
    String s = Args.string(b, field);
    if (s.isEmpty() || s.length() > max) {
      throw BranchworkException.badRequest("'" + field + "' must have 1 to " + max + " characters");
    }
    return s;
  }

  /** A route handler that lets only requests with a live bearer token through. */
  void authenticate(RoutingContext ctx) {
    auth.authenticate(HttpSupport.bearer(ctx)).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(HttpSupport.USER, ar.result());
        ctx.next();
      } else {
        HttpSupport.error(ctx, ar.cause());
      }
    });
  }

  private void register(RoutingContext ctx) {
    if (!openRegistration) {
      HttpSupport.error(ctx, new BranchworkException(ErrorCode.FORBIDDEN, "registration is closed"));
      return;
    }
    JsonObject b = body(ctx);
    String username = Args.string(b, "username");
    respond(ctx, auth.register(username, Args.string(b, "password"), HttpSupport.clientAddress(ctx)),
        v -> HttpSupport.json(ctx, 201, new JsonObject().put("username", username)));
  }

  private void login(RoutingContext ctx) {
    JsonObject b = body(ctx);
    respond(ctx, auth.login(Args.string(b, "username"), Args.string(b, "password"), HttpSupport.clientAddress(ctx)),
        login -> HttpSupport.json(ctx, 200,
            new JsonObject().put("token", login.token()).put("expiresAt", login.expiresAt())));
  }

  private void logout(RoutingContext ctx) {
    String token = HttpSupport.bearer(ctx);
    Future<Void> f = auth.authenticate(token).compose(who -> auth.logout(token));
    respond(ctx, f, v -> HttpSupport.noContent(ctx));
  }
}
