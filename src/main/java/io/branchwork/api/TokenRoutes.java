package io.branchwork.api;

import static io.branchwork.http.HttpSupport.body;
import static io.branchwork.http.HttpSupport.principal;
import static io.branchwork.http.HttpSupport.respond;

import io.branchwork.auth.AccessTokens;
import io.branchwork.core.Args;
import io.branchwork.http.HttpSupport;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /api/tokens}: the signed-in user's personal access tokens. {@code POST} makes one
 * ({@code {"name","scope","expiresInDays"}}) and answers it with the secret {@code token}, shown
 * this once; {@code GET} lists them without it; {@code DELETE /api/tokens/<id>} revokes one.
 */
final class TokenRoutes {

  /** A made token lasts this long unless the request says otherwise. */
  static final long DEFAULT_DAYS = 30;

  private final AccessTokens tokens;

  TokenRoutes(AccessTokens tokens) {
    this.tokens = tokens;
  }

  void mount(Router router, BodyHandler json, Handler<RoutingContext> authenticated) {
    router.post("/api/tokens").handler(json).handler(authenticated).handler(this::create);
    router.get("/api/tokens").handler(authenticated).handler(this::list);
    router.delete("/api/tokens/:id").handler(authenticated).handler(this::revoke);
  }

  private void create(RoutingContext ctx) {
    var b = body(ctx);
    long days = Args.optLong(b, "expiresInDays", DEFAULT_DAYS, 1, Long.MAX_VALUE);
    respond(ctx, tokens.create(principal(ctx), Args.string(b, "name"), Args.string(b, "scope"), days),
        made -> HttpSupport.json(ctx, 201, AccessTokens.toJson(made.row()).put("token", made.token())));
  }

  private void list(RoutingContext ctx) {
    respond(ctx, tokens.list(principal(ctx)), rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(t -> out.add(AccessTokens.toJson(t)));
      HttpSupport.json(ctx, 200, out);
    });
  }

  private void revoke(RoutingContext ctx) {
    respond(ctx, tokens.revoke(principal(ctx), ctx.pathParam("id")), v -> HttpSupport.noContent(ctx));
  }
}
