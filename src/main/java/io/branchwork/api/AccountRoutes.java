package io.branchwork.api;

import static io.branchwork.http.HttpSupport.body;
import static io.branchwork.http.HttpSupport.respond;

import io.branchwork.auth.AuthService;
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

  AccountRoutes(AuthService auth, boolean openRegistration) {
    this.auth = auth;
    this.openRegistration = openRegistration;
  }

  void mount(Router router, BodyHandler json) {
    router.post("/api/users").handler(json).handler(this::register);
    router.post("/api/sessions").handler(json).handler(this::login);
    router.delete("/api/sessions").handler(this::logout);
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
