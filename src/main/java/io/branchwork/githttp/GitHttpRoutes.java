package io.branchwork.githttp;

import io.branchwork.client.AllocatorClient;
import io.branchwork.config.Config;
import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Identifiers;
import io.branchwork.http.HttpSupport;
import io.branchwork.http.Uploads;
import io.branchwork.services.Services;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Git smart HTTP at {@code /git/<project>.git} (the suffix optional), as the stock client speaks
 * it: {@code info/refs}, {@code git-upload-pack} (clone and fetch, protocol v0 and v2) and
 * {@code git-receive-pack} (push, {@link PushReceiver}), each served by JGit on the git pool
 * ({@code git.threads}) against the project's repository as the store holds it
 * ({@link Exchanges}). Credentials: {@link GitCredentials}. A reader may clone and fetch, a writer
 * push ({@link PushPolicy} for what needs the owner); a project the user is not a member of looks
 * absent (404). Bodies: a fetch's negotiation is small and bounded; a push streams to a file, at
 * most {@code limits.maxPushBytes} of pack.
 */
public final class GitHttpRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(GitHttpRoutes.class);
  private static final String UPLOAD_PACK = "git-upload-pack";
  private static final String RECEIVE_PACK = "git-receive-pack";
  /** The negotiation a fetch sends (wants and haves): small, however big the repository. */
  private static final long MAX_REQUEST_BYTES = 8L * 1024 * 1024;
  /** A push's commands before its pack: room for thousands of refs. */
  private static final long COMMAND_BYTES = 1024 * 1024;
  /** A gzip body may inflate this many times its limit before it is refused. */
  private static final int MAX_INFLATION = 8;

  private final Vertx vertx;
  private final Services services;
  private final Config config;
  private final AllocatorClient allocator;
  private final Exchanges exchanges;

  public GitHttpRoutes(Vertx vertx, Services services, ProjectMirrors mirrors) {
    this.vertx = vertx;
    this.services = services;
    this.config = services.config();
    this.allocator = new AllocatorClient(vertx, config.requestTimeoutMs);
    // A clone or push of a big project may take minutes: only past that is a thread reported stuck.
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("branchwork-git", config.gitThreads, 10, TimeUnit.MINUTES);
    this.exchanges = new Exchanges(vertx, mirrors, pool, services.tmpRoot());
  }

  public void mount(Router router) {
    router.getWithRegex("/git/([^/]+)/info/refs").handler(this::infoRefs);
    router.postWithRegex("/git/([^/]+)/git-upload-pack")
        .handler(BodyHandler.create(false).setBodyLimit(MAX_REQUEST_BYTES)).handler(this::uploadPack);
    // A push is streamed to disk: the body must not flow before the handler takes it.
    router.postWithRegex("/git/([^/]+)/git-receive-pack").handler(ctx -> {
      ctx.request().pause();
      receivePack(ctx);
    });
  }

  private void infoRefs(RoutingContext ctx) {
    String service = ctx.request().getParam("service");
    if (UPLOAD_PACK.equals(service)) {
      String[] protocol = protocol(ctx);
      serve(ctx, Role.READER, "application/x-git-upload-pack-advertisement", user -> (mirror, scratch, out) -> {
        UploadPack up = uploadPack(mirror, protocol);
        up.sendAdvertisedRefs(new PacketLineOutRefAdvertiser(new PacketLineOut(out)), UPLOAD_PACK);
      });
    } else if (RECEIVE_PACK.equals(service)) {
      serve(ctx, Role.WRITER, "application/x-git-receive-pack-advertisement", user -> (mirror, scratch, out) -> {
        PushReceiver.advertise(PushReceiver.receivePack(mirror.repo(), mirror, config.maxPushBytes), out);
      });
    } else {
      gitError(ctx, 403, "only git-upload-pack and git-receive-pack are served here (the smart protocol)");
    }
  }

  private void uploadPack(RoutingContext ctx) {
    String[] protocol = protocol(ctx);
    byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    boolean gzip = gzip(ctx);
    serve(ctx, Role.READER, "application/x-git-upload-pack-result", user -> (mirror, scratch, out) -> {
      InputStream in = new ByteArrayInputStream(body);
      if (gzip) {
        // A small gzip body may inflate to gigabytes of "have" lines: bounded like a plain one.
        in = new CappedInputStream(new GZIPInputStream(in), MAX_REQUEST_BYTES * MAX_INFLATION);
      }
      uploadPack(mirror, protocol).uploadWithExceptionPropagation(in, out, null);
    });
  }

  /** An upload pack over the mirror that advertises the store's refs of this request. */
  private static UploadPack uploadPack(ProjectMirrors.Lease mirror, String[] protocol) {
    UploadPack up = new UploadPack(mirror.repo());
    up.setAdvertisedRefs(mirror.advertised());
    up.setBiDirectionalPipe(false);
    up.setTimeout(60);
    up.setExtraParameters(Arrays.asList(protocol));
    return up;
  }

  /**
   * A push: credentials and role first (the body waits, paused), then the body is spooled to a
   * file (a body past the limit is cut there: the pack parser then reports it too large, which
   * git shows), then received against the store's repository.
   */
  private void receivePack(RoutingContext ctx) {
    long t0 = System.nanoTime();
    boolean gzip = gzip(ctx);
    String project = project(ctx);
    if (project == null) {
      return;
    }
    Future<Path> answered = GitCredentials.user(services.auth(), ctx.request())
        .compose(who -> services.auth().requireRole(project, who, Role.WRITER)
            .compose(role -> Uploads.spool(vertx, ctx.request(), services.tmpRoot(),
                    config.maxPushBytes + COMMAND_BYTES, Uploads.OverLimit.CUT, "the push")
                .compose(body -> receive(new Push(project, who.username(), role, gzip, t0), body))));
    send(ctx, answered, "application/x-git-receive-pack-result");
  }

  /** Who pushes to which project, and how the body came. */
  private record Push(String project, String user, Role role, boolean gzip, long t0) {}

  /** Runs the spooled push through {@link PushReceiver}; logs what became of each ref. */
  private Future<Path> receive(Push push, Uploads.Spooled body) {
    String[] outcome = {"nothing received"};
    return exchanges.run(push.project(), (mirror, scratch, out) -> {
      try (InputStream raw = Files.newInputStream(body.file())) {
        InputStream in = push.gzip()
            ? new CappedInputStream(new GZIPInputStream(raw), config.maxPushBytes + COMMAND_BYTES) : raw;
        PushPolicy policy = new PushPolicy(push.role(), config.maxSnapshotBytes, config.maxSnapshotEntries,
            services.tmpRoot());
        PushApply apply = new PushApply(vertx, services.store(), allocator, push.project(), push.user(),
            config.requestTimeoutMs);
        outcome[0] = new PushReceiver(services.store(), push.project(), policy, apply, services.tmpRoot(),
            config.requestTimeoutMs).receive(mirror, scratch, config.maxPushBytes, in, out);
      }
    }).eventually(() -> vertx.fileSystem().delete(body.file().toString()))
        .onSuccess(file -> LOG.info("push to {} by {} ({} bytes{}) in {} ms: {}", push.project(), push.user(),
            body.bytes(), body.cut() ? ", past the limit" : "", (System.nanoTime() - push.t0()) / 1_000_000,
            outcome[0]));
  }

  private void serve(RoutingContext ctx, Role needed, String contentType,
      Function<String, Exchanges.Work> work) {
    String project = project(ctx);
    if (project == null) {
      return;
    }
    Future<Path> answered = GitCredentials.user(services.auth(), ctx.request())
        .compose(who -> services.auth().requireRole(project, who, needed)
            .compose(role -> exchanges.run(project, work.apply(who.username()))));
    send(ctx, answered, contentType);
  }

  private void send(RoutingContext ctx, Future<Path> answered, String contentType) {
    answered.onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
        return;
      }
      Path file = ar.result();
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType)
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .sendFile(file.toString())
          .onComplete(sent -> exchanges.discard(file.getParent()));
    });
  }

  /** The project the path names, or null once a 404 was sent. */
  private static String project(RoutingContext ctx) {
    String segment = ctx.pathParam("param0");
    String id = segment.endsWith(".git") ? segment.substring(0, segment.length() - 4) : segment;
    if (!Identifiers.isProjectId(id)) {
      gitError(ctx, 404, "repository not found");
      return null;
    }
    return id;
  }

  private static boolean gzip(RoutingContext ctx) {
    return "gzip".equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING));
  }

  /** {@code Git-Protocol: version=2} and the like, as git sends them over HTTP. */
  private static String[] protocol(RoutingContext ctx) {
    String header = ctx.request().getHeader("Git-Protocol");
    return header == null || header.isBlank() ? new String[0] : header.split(":");
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    if (!ctx.request().isEnded()) {
      // A refused push's body was never read: the connection cannot carry another request.
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
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
    HttpSupport.error(ctx, cause);
  }

  /** A plain-text error, which git shows to its user. */
  private static void gitError(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(message + "\n");
  }
}
