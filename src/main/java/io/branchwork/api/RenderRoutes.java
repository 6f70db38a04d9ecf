package io.branchwork.api;

import static io.branchwork.http.HttpSupport.principal;
import static io.branchwork.http.HttpSupport.respond;

import io.branchwork.auth.AuthService;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.http.HttpSupport;
import io.branchwork.render.RenderService;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /api/projects/<p>/renders/<key>.<format>}: a rendered mesh, to a reader of a project
 * it was rendered for. Content-addressed, so browsers may keep it for good.
 */
final class RenderRoutes {

  private static final Pattern FILE = Pattern.compile("([0-9a-f]{64})\\.(stl|off|3mf|amf)");
  private static final Map<String, String> TYPES = Map.of("stl", "model/stl", "off", "text/plain; charset=us-ascii",
      "3mf", "model/3mf", "amf", "application/x-amf");

  private final AuthService auth;
  private final RenderService renders;

  RenderRoutes(AuthService auth, RenderService renders) {
    this.auth = auth;
    this.renders = renders;
  }

  void mount(Router router, Handler<RoutingContext> authenticated) {
    router.get("/api/projects/:id/renders/:file").handler(authenticated).handler(this::mesh);
  }

  private void mesh(RoutingContext ctx) {
    String project = Identifiers.requireProjectId(ctx.pathParam("id"));
    Matcher m = FILE.matcher(ctx.pathParam("file"));
    Future<Path> f = auth.requireRole(project, principal(ctx), Role.READER).map(r -> {
      Path file = m.matches() ? renders.mesh(project, m.group(1), m.group(2)) : null;
      if (file == null) {
        throw BranchworkException.notFound("no such render in project " + project);
      }
      return file;
    });
    respond(ctx, f, file -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, TYPES.get(m.group(2)))
        .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=31536000, immutable")
        .putHeader(HttpHeaders.ETAG, "\"" + m.group(1) + "\"")
        .putHeader("Content-Disposition", "attachment; filename=\"model-" + m.group(1).substring(0, 12) + "."
            + m.group(2) + "\"")
        .sendFile(file.toString())
        .onFailure(e -> {
          // evicted between the check and the send: the client renders again
          if (!ctx.response().headWritten()) {
            HttpSupport.error(ctx, BranchworkException.notFound("the render was evicted; render again"));
          }
        }));
  }
}
