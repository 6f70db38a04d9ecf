package io.branchwork.http;

import io.branchwork.auth.Principal;
import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.RateLimited;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * What every HTTP route of the node shares (the API, git over HTTP, the pages): JSON in and out,
 * the contract's error body, the bearer token and who it speaks for.
 */
public final class HttpSupport {

  public static final String USER = "branchwork.user";

  private HttpSupport() {}

  public static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Json.encode(body));
  }

  public static void noContent(RoutingContext ctx) {
    ctx.response().setStatusCode(204).end();
  }

  /** The contract's error body for any failure; nothing but the contract's message leaks. */
  public static void error(RoutingContext ctx, Throwable t) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    BranchworkException be = Failures.normalize(t);
    if (be instanceof RateLimited rl) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(rl.retryAfterSeconds()));
    }
    json(ctx, be.code().status(), Failures.toJson(be));
  }

  /** Failure handler for the router: also covers what Vert.x Web itself refuses. */
  public static void failureHandler(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure == null || failure instanceof HttpException) {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      ErrorCode code = switch (status) {
        case 413 -> ErrorCode.TOO_LARGE;
        case 400 -> ErrorCode.BAD_REQUEST;
        case 401 -> ErrorCode.UNAUTHENTICATED;
        case 403 -> ErrorCode.FORBIDDEN;
        case 404 -> ErrorCode.NOT_FOUND;
        default -> null;
      };
      if (code != null) {
        error(ctx, new BranchworkException(code, "request refused (" + status + ")"));
        return;
      }
      if (status == 405) {
        // The contract has no code of its own for this; the status keeps what HTTP says.
        json(ctx, 405, Failures.toJson(BranchworkException.badRequest("method not allowed")));
        return;
      }
    }
    error(ctx, failure == null ? new IllegalStateException("status " + ctx.statusCode()) : failure);
  }

  /** The JSON object body, or {@code bad_request}. */
  public static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject o = ctx.body().asJsonObject();
      if (o == null) {
        throw BranchworkException.badRequest("a JSON object body is required");
      }
      return o;
    } catch (DecodeException | ClassCastException e) {
      throw BranchworkException.badRequest("the body is not a JSON object");
    }
  }

  public static String bearer(RoutingContext ctx) {
    String h = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return h.substring(7).trim();
  }

  /** The client's address (the TCP peer; a proxy's headers are not trusted), or null. */
  public static String clientAddress(RoutingContext ctx) {
    var remote = ctx.request().remoteAddress();
    return remote == null ? null : remote.hostAddress();
  }

  /** Who the request's token speaks for (set by the bearer check). */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(USER);
  }

  public static String user(RoutingContext ctx) {
    return principal(ctx).username();
  }

  /** Ends the request with {@code f}'s outcome: {@code onSuccess} writes the answer. */
  public static <T> void respond(RoutingContext ctx, Future<T> f, Consumer<T> onSuccess) {
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        onSuccess.accept(ar.result());
      } else {
        error(ctx, ar.cause());
      }
    });
  }

  /** Percent-decodes one path segment (where '+' is a plus, not a space). */
  public static String decodeSegment(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw BranchworkException.badRequest("bad percent-encoding in the path");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw BranchworkException.badRequest("bad percent-encoding in the path");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
