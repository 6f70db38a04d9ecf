package io.branchwork.api;

import io.branchwork.auth.AccessTokens;
import io.branchwork.hooks.HookSettings;
import io.branchwork.hooks.Hooks;
import io.branchwork.services.Services;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The REST API on a router: accounts and sessions, access tokens, projects and members, webhooks,
 * snapshots and imports, rendered meshes, {@code /health} and {@code /metrics}. The route classes stay inside
 * this package; the launcher mounts them all through here.
 */
public final class Api {

  private Api() {}

  public static void mount(Router router, Vertx vertx, Services services) {
    BodyHandler json = BodyHandler.create(false).setBodyLimit(services.config().maxJsonBodyBytes);
    SnapshotService snapshots = new SnapshotService(vertx, services.store(), services.tmpRoot(),
        SnapshotService.Settings.of(services.config()));
    AccountRoutes accounts = new AccountRoutes(services.auth(), services.config().openRegistration,
        services.config().authLocal);
    accounts.mount(router, json);
    new TokenRoutes(new AccessTokens(vertx, services.store(), services.config().accessTokenMaxDays))
        .mount(router, json, accounts::authenticate);
    new ProjectRoutes(services.store(), services.auth(), snapshots).mount(router, json, accounts::authenticate);
    new HookRoutes(new Hooks(vertx, services.store(), services.auth(), HookSettings.of(services.config())))
        .mount(router, json, accounts::authenticate);
    new SnapshotRoutes(vertx, services.auth(), services.store(), services.tmpRoot(), services.config().maxSnapshotBytes,
        snapshots).mount(router, accounts::authenticate);
    new RenderRoutes(services.auth(), services.render()).mount(router, accounts::authenticate);
    new OpsRoutes(vertx, services.store(), services.ownership(), services.metrics(), services.config().nodeTag,
        services.config().metricsToken).mount(router);
  }
}
