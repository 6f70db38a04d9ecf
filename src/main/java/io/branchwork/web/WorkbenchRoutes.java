package io.branchwork.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Serves the workbench page at {@code /} and its assets at {@code /assets/<name>-<hash>.<ext>}
 * from memory ({@link Workbench}). The page is revalidated on every visit (it names the current
 * assets); an asset's name changes with its content, so it is cached for a year. Every answer
 * carries a Content-Security-Policy that lets the page load only its own scripts and talk only to
 * its own origin: file names and content from users are shown as text, never as markup, and this
 * is the second fence should a bug ever let one through.
 */
public final class WorkbenchRoutes {

  /**
   * Scripts and connections from this origin only ({@code 'self'} covers {@code ws:}/{@code wss:}
   * to it); inline styles because the editor component writes its theme into a style element.
   */
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
      + " connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none';"
      + " frame-ancestors 'none'";

  private final Workbench workbench;

  public WorkbenchRoutes(Workbench workbench) {
    this.workbench = workbench;
  }

  public void mount(Router router) {
    router.route(HttpMethod.GET, "/").handler(ctx -> send(ctx, workbench.index(), "no-cache"));
    router.route(HttpMethod.HEAD, "/").handler(ctx -> send(ctx, workbench.index(), "no-cache"));
    router.routeWithRegex("/assets/[A-Za-z0-9._-]{1,120}").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(this::asset);
  }

  private void asset(RoutingContext ctx) {
    Workbench.Asset a = workbench.asset(ctx.normalizedPath().substring(1));
    if (a == null) {
      ctx.next(); // falls through to the router's 404 (JSON, like every other miss)
      return;
    }
    send(ctx, a, "public, max-age=31536000, immutable");
  }

  private static void send(RoutingContext ctx, Workbench.Asset a, String cacheControl) {
    HttpServerResponse res = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, a.contentType())
        .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl)
        .putHeader(HttpHeaders.ETAG, a.etag())
        .putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Content-Security-Policy", CSP);
    if (a.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      res.setStatusCode(304).end();
      return;
    }
    String accepts = ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING);
    boolean gzip = accepts != null && accepts.contains("gzip");
    if (gzip) {
      res.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip");
    }
    if (ctx.request().method() == HttpMethod.HEAD) {
      res.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString((gzip ? a.gzip() : a.raw()).length())).end();
    } else {
      res.end(gzip ? a.gzip() : a.raw());
    }
  }
}
