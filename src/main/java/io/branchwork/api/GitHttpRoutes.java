package io.branchwork.api;

import io.branchwork.auth.AuthService;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.store.Store;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.repo.RepoLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * Git smart HTTP, read side: {@code git clone} and {@code git fetch} of a project at
 * {@code /git/<project>.git} (the suffix optional), protocol v0 and v2, as the stock client
 * speaks them. Each request serves the project's repository as the store holds it (every
 * acknowledged change of every live workspace is there), materialized into a scratch bare
 * repository and answered through a temporary file, so no pack is held in memory whole.
 * Credentials: HTTP Basic with the user's name and a token as the password, or a bearer token;
 * none or a bad one is 401 with a Basic challenge, so {@code git} asks its credential helper. A
 * reader may clone and fetch; a project the user is not a member of looks absent. Pushes
 * ({@code git-receive-pack}) are not served yet: 403.
 */
final class GitHttpRoutes {

  static final String PREFIX = "/git/";
  private static final String UPLOAD_PACK = "git-upload-pack";
  /** The negotiation a fetch sends (wants and haves): small, however big the repository. */
  private static final long MAX_REQUEST_BYTES = 8L * 1024 * 1024;

  private final Vertx vertx;
  private final AuthService auth;
  private final RepoLoader loader;
  private final Path tmpRoot;

  GitHttpRoutes(Vertx vertx, AuthService auth, Store store, Path tmpRoot, long maxBytes, long maxEntries) {
    this.vertx = vertx;
    this.auth = auth;
    this.loader = new RepoLoader(vertx, store, maxBytes, maxEntries);
    this.tmpRoot = tmpRoot;
  }

  void mount(Router router) {
    router.getWithRegex("/git/([^/]+)/info/refs").handler(this::infoRefs);
    router.postWithRegex("/git/([^/]+)/git-upload-pack")
        .handler(BodyHandler.create(false).setBodyLimit(MAX_REQUEST_BYTES)).handler(this::uploadPack);
    router.postWithRegex("/git/([^/]+)/git-receive-pack").handler(ctx -> gitError(ctx, 403,
        "pushing to Branchwork over HTTP is not supported yet"));
  }

  private void infoRefs(RoutingContext ctx) {
    if (!UPLOAD_PACK.equals(ctx.request().getParam("service"))) {
      gitError(ctx, 403, "only git-upload-pack (clone, fetch) is served here");
      return;
    }
    String[] protocol = protocol(ctx);
    serve(ctx, "application/x-git-upload-pack-advertisement", (up, out) -> {
      up.setExtraParameters(Arrays.asList(protocol));
      up.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(new PacketLineOut(out)), UPLOAD_PACK);
    });
  }

  private void uploadPack(RoutingContext ctx) {
    String[] protocol = protocol(ctx);
    byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    boolean gzip = "gzip".equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING));
    serve(ctx, "application/x-git-upload-pack-result", (up, out) -> {
      up.setExtraParameters(Arrays.asList(protocol));
      InputStream in = new ByteArrayInputStream(body);
      if (gzip) {
        // A small gzip body may inflate to gigabytes of "have" lines: bounded like a plain one.
        in = capped(new GZIPInputStream(in), MAX_REQUEST_BYTES * 8);
      }
      up.uploadWithExceptionPropagation(in, out, null);
    });
  }

  /** {@code in}, failing once more than {@code max} bytes were read from it. */
  private static InputStream capped(InputStream in, long max) {
    return new java.io.FilterInputStream(in) {
      private long read;

      @Override
      public int read() throws java.io.IOException {
        int b = super.read();
        count(b < 0 ? 0 : 1);
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        int n = super.read(b, off, len);
        count(Math.max(n, 0));
        return n;
      }

      private void count(int n) throws java.io.IOException {
        read += n;
        if (read > max) {
          throw new java.io.IOException("the request inflates past " + max + " bytes");
        }
      }
    };
  }

  /** {@code Git-Protocol: version=2} and the like, as git sends them over HTTP. */
  private static String[] protocol(RoutingContext ctx) {
    String header = ctx.request().getHeader("Git-Protocol");
    return header == null || header.isBlank() ? new String[0] : header.split(":");
  }

  @FunctionalInterface
  private interface Exchange {
    void run(UploadPack up, OutputStream out) throws Exception;
  }

  private void serve(RoutingContext ctx, String contentType, Exchange exchange) {
    String project;
    try {
      project = projectOf(ctx.pathParam("param0"));
    } catch (BranchworkException e) {
      gitError(ctx, 404, "repository not found");
      return;
    }
    Future<Path> answered = user(ctx)
        .compose(user -> auth.requireRole(project, user, Role.READER))
        .compose(role -> vertx.executeBlocking(() -> Files.createTempDirectory(tmpRoot, "git-http-"), false))
        .compose(dir -> loader.loadBare(project, dir.resolve("repo.git"))
            .compose(repo -> vertx.executeBlocking(() -> {
              Path file = dir.resolve("answer");
              try (repo; OutputStream out = Files.newOutputStream(file)) {
                UploadPack up = new UploadPack(repo);
                up.setBiDirectionalPipe(false);
                up.setTimeout(60);
                try {
                  exchange.run(up, out);
                } catch (java.io.IOException e) {
                  // What the client sent is not the protocol (or inflates past its bound).
                  throw BranchworkException.badRequest("git: " + e.getMessage());
                }
              }
              return file;
            }, false))
            .onFailure(e -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(dir);
              return null;
            }, false)));
    answered.onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
        return;
      }
      Path file = ar.result();
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType)
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .sendFile(file.toString())
          .onComplete(sent -> vertx.executeBlocking(() -> {
            FileTrees.deleteQuietly(file.getParent());
            return null;
          }, false));
    });
  }

  /** The user of HTTP Basic (name, token as password) or a bearer token; 401 with a challenge otherwise. */
  private Future<String> user(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null) {
      return Future.failedFuture(BranchworkException.unauthenticated("credentials are required"));
    }
    if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.authenticate(header.substring(7).trim());
    }
    if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(BranchworkException.unauthenticated("malformed Basic credentials"));
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return Future.failedFuture(BranchworkException.unauthenticated("malformed Basic credentials"));
      }
      String name = decoded.substring(0, colon);
      return auth.authenticate(decoded.substring(colon + 1)).compose(user -> user.equals(name)
          ? Future.succeededFuture(user)
          : Future.failedFuture(BranchworkException.unauthenticated("the token is not this user's")));
    }
    return Future.failedFuture(BranchworkException.unauthenticated("Basic or Bearer credentials are required"));
  }

  private static String projectOf(String segment) {
    String id = segment.endsWith(".git") ? segment.substring(0, segment.length() - 4) : segment;
    return Identifiers.requireProjectId(id);
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    if (cause instanceof BranchworkException e) {
      switch (e.code()) {
        case UNAUTHENTICATED -> {
          ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"Branchwork\"");
          gitError(ctx, 401, e.getMessage());
          return;
        }
        case NOT_FOUND -> {
          gitError(ctx, 404, "repository not found");
          return;
        }
        case FORBIDDEN -> {
          gitError(ctx, 403, e.getMessage());
          return;
        }
        case BAD_REQUEST -> {
          gitError(ctx, 400, e.getMessage());
          return;
        }
        default -> { }
      }
    }
    ApiSupport.error(ctx, cause);
  }

  /** A plain-text error, which git shows to its user. */
  private static void gitError(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(message + "\n");
  }
}
