package io.branchwork.api;

import io.vertx.core.json.JsonArray;
import static io.branchwork.http.HttpSupport.respond;
import static io.branchwork.http.HttpSupport.principal;
import static io.branchwork.http.HttpSupport.user;

import io.branchwork.auth.AuthService;
import io.branchwork.contract.Role;
import io.branchwork.core.Identifiers;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.http.HttpSupport;
import io.branchwork.http.Uploads;
import io.branchwork.store.Store;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Import of a working copy and download of a branch's last saved snapshot, both streamed via files. */
final class SnapshotRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotRoutes.class);

  private final Vertx vertx;
  private final AuthService auth;
  private final Store store;
  private final Path tmpRoot;
  private final long maxUploadBytes;
  private final SnapshotService snapshots;

  SnapshotRoutes(Vertx vertx, AuthService auth, Store store, Path tmpRoot, long maxUploadBytes,
      SnapshotService snapshots) {
    this.vertx = vertx;
    this.auth = auth;
    this.store = store;
    this.tmpRoot = tmpRoot;
    this.maxUploadBytes = maxUploadBytes;
    this.snapshots = snapshots;
  }

  void mount(Router router, Handler<RoutingContext> authenticated) {
    // The body is streamed to disk here, so the request must not flow before the handler takes it.
    router.post("/api/projects/:id/import").handler(ctx -> {
      ctx.request().pause();
      ctx.next();
    }).handler(authenticated).handler(this::importArchive);
    router.getWithRegex("/api/projects/([^/]+)/branches/(.+)/snapshot").handler(authenticated)
        .handler(this::download);
  }

  private void importArchive(RoutingContext ctx) {
    String project = Identifiers.requireProjectId(ctx.pathParam("id"));
    String asked = ctx.queryParams().get("branch");
    String branch = asked == null ? null : Identifiers.requireBranch(asked);
    long t0 = System.nanoTime();
    Future<JsonObject> f = auth.requireRole(project, principal(ctx), Role.OWNER)
        .compose(r -> receive(ctx.request()))
        .compose(upload -> snapshots.importArchive(project, branch, upload)
            .eventually(() -> vertx.fileSystem().delete(upload.toString())))
        .map(imported -> {
          LOG.info("imported {}/{} at {} in {} ms", project, imported.branch(), imported.head(),
              (System.nanoTime() - t0) / 1_000_000);
          return new JsonObject().put("project", project).put("branch", imported.branch())
              .put("head", imported.head()).put("branches", new JsonArray(imported.added()))
              .put("skipped", new JsonArray(imported.skipped()));
        });
    respond(ctx, f, body -> HttpSupport.json(ctx, 201, body));
  }

  /** Streams the request body into a temporary file, refusing more than the snapshot limit. */
  private Future<Path> receive(HttpServerRequest req) {
    return Uploads.spool(vertx, req, tmpRoot, maxUploadBytes, Uploads.OverLimit.FAIL, "the archive")
        .map(Uploads.Spooled::file);
  }

  private void download(RoutingContext ctx) {
    String project = Identifiers.requireProjectId(HttpSupport.decodeSegment(ctx.pathParam("param0")));
    String branch = Identifiers.requireBranch(HttpSupport.decodeSegment(ctx.pathParam("param1")));
    WorkspaceKey key = new WorkspaceKey(project, branch);
    Future<Path> f = auth.requireRole(project, principal(ctx), Role.READER)
        .compose(r -> snapshots.export(key));
    respond(ctx, f, file -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/gzip")
        .putHeader("Content-Disposition", "attachment; filename=\"" + project + ".tar.gz\"")
        .sendFile(file.toString())
        .onComplete(ar -> vertx.fileSystem().delete(file.toString())));
  }
}
