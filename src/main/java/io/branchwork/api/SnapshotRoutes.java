package io.branchwork.api;

import static io.branchwork.api.ApiSupport.respond;
import static io.branchwork.api.ApiSupport.user;

import io.branchwork.auth.AuthService;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Store;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
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
    Future<JsonObject> f = auth.requireRole(project, user(ctx), Role.OWNER)
        .compose(r -> receive(ctx.request()))
        .compose(upload -> snapshots.importArchive(project, branch, upload)
            .eventually(() -> vertx.fileSystem().delete(upload.toString())))
        .map(imported -> {
          LOG.info("imported {}/{} at {} in {} ms", project, imported.branch(), imported.head(),
              (System.nanoTime() - t0) / 1_000_000);
          return new JsonObject().put("project", project).put("branch", imported.branch())
              .put("head", imported.head()).put("branches", new io.vertx.core.json.JsonArray(imported.added()))
              .put("skipped", new io.vertx.core.json.JsonArray(imported.skipped()));
        });
    respond(ctx, f, body -> ApiSupport.json(ctx, 201, body));
  }

  /** Streams the request body into a temporary file, refusing more than the snapshot limit. */
  private Future<Path> receive(HttpServerRequest req) {
    long max = maxUploadBytes;
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared) > max) {
          return Future.failedFuture(BranchworkException.tooLarge("the archive is larger than " + max + " bytes"));
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(BranchworkException.badRequest("bad Content-Length"));
      }
    }
    return vertx.executeBlocking(() -> Files.createTempFile(tmpRoot, "upload-", ".tar.gz"), false)
        .compose(path -> vertx.fileSystem().open(path.toString(), new OpenOptions().setWrite(true))
            .compose(file -> copy(req, file, max))
            .map(path)
            .onFailure(e -> vertx.fileSystem().delete(path.toString())));
  }

  private Future<Void> copy(HttpServerRequest req, AsyncFile file, long max) {
    Promise<Void> done = Promise.promise();
    long[] received = {0};
    req.handler(buf -> {
      received[0] += buf.length();
      if (received[0] > max) {
        req.handler(null);
        done.tryFail(BranchworkException.tooLarge("the archive is larger than " + max + " bytes"));
        return;
      }
      file.write(buf);
      if (file.writeQueueFull()) {
        req.pause();
        file.drainHandler(v -> req.resume());
      }
    });
    req.exceptionHandler(done::tryFail);
    req.endHandler(v -> done.tryComplete());
    req.resume();
    return done.future().eventually(file::close);
  }

  private void download(RoutingContext ctx) {
    String project = Identifiers.requireProjectId(ApiSupport.decodeSegment(ctx.pathParam("param0")));
    String branch = Identifiers.requireBranch(ApiSupport.decodeSegment(ctx.pathParam("param1")));
    WorkspaceKey key = new WorkspaceKey(project, branch);
    Future<Path> f = auth.requireRole(project, user(ctx), Role.READER)
        .compose(r -> snapshots.export(key));
    respond(ctx, f, file -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/gzip")
        .putHeader("Content-Disposition", "attachment; filename=\"" + project + ".tar.gz\"")
        .sendFile(file.toString())
        .onComplete(ar -> vertx.fileSystem().delete(file.toString())));
  }
}
