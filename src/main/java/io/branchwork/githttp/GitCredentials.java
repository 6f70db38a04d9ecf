package io.branchwork.githttp;

import io.branchwork.auth.AuthService;
import io.branchwork.auth.Principal;
import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Who a git request is from: HTTP Basic with the user's name and a token as the password (what
 * {@code git} sends from a credential helper or a URL), or {@code Authorization: Bearer}. No or
 * bad credentials fail {@code unauthenticated}, which the door answers with 401 and a Basic
 * challenge so that {@code git} asks its credential helper.
 */
final class GitCredentials {

  private GitCredentials() {}

  static Future<Principal> user(AuthService auth, HttpServerRequest req) {
    String header = req.getHeader(HttpHeaders.AUTHORIZATION);
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
      return auth.authenticate(decoded.substring(colon + 1)).compose(who -> who.username().equals(name)
          ? Future.succeededFuture(who)
          : Future.failedFuture(BranchworkException.unauthenticated("the token is not this user's")));
    }
    return Future.failedFuture(BranchworkException.unauthenticated("Basic or Bearer credentials are required"));
  }
}
