package io.branchwork.api;

import static io.branchwork.http.HttpSupport.body;
import static io.branchwork.http.HttpSupport.principal;
import static io.branchwork.http.HttpSupport.respond;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.hooks.Hooks;
import io.branchwork.http.HttpSupport;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** A project's webhooks and their deliveries (owners only; see {@link Hooks}). */
final class HookRoutes {

  private static final String BASE = "/api/projects/:id/hooks";

  private final Hooks hooks;

  HookRoutes(Hooks hooks) {
    this.hooks = hooks;
  }

  void mount(Router router, BodyHandler json, Handler<RoutingContext> authenticated) {
    router.post(BASE).handler(json).handler(authenticated).handler(ctx ->
        respond(ctx, hooks.create(project(ctx), principal(ctx), body(ctx)), h -> HttpSupport.json(ctx, 201, h)));
    router.get(BASE).handler(authenticated).handler(ctx ->
        respond(ctx, hooks.list(project(ctx), principal(ctx)), list -> HttpSupport.json(ctx, 200, list)));
    router.get(BASE + "/:hook").handler(authenticated).handler(ctx ->
        respond(ctx, hooks.get(project(ctx), principal(ctx), ctx.pathParam("hook")), h -> HttpSupport.json(ctx, 200, h)));
    router.delete(BASE + "/:hook").handler(authenticated).handler(ctx ->
        respond(ctx, hooks.delete(project(ctx), principal(ctx), ctx.pathParam("hook")), v -> HttpSupport.noContent(ctx)));
    router.get(BASE + "/:hook/deliveries").handler(authenticated).handler(ctx -> {
      String raw = ctx.queryParams().get("limit");
      int limit = 50;
      if (raw != null) {
        try {
          limit = Math.max(1, Integer.parseInt(raw));
        } catch (NumberFormatException e) {
          throw BranchworkException.badRequest("'limit' must be a number");
        }
      }
      respond(ctx, hooks.deliveries(project(ctx), principal(ctx), ctx.pathParam("hook"), limit),
          list -> HttpSupport.json(ctx, 200, list));
    });
    router.post(BASE + "/:hook/deliveries/:delivery/redeliver").handler(authenticated).handler(ctx ->
        respond(ctx, hooks.redeliver(project(ctx), principal(ctx), ctx.pathParam("hook"), ctx.pathParam("delivery")),
            v -> HttpSupport.json(ctx, 202, new JsonObject())));
  }

  private static String project(RoutingContext ctx) {
    return Identifiers.requireProjectId(ctx.pathParam("id"));
  }
}
