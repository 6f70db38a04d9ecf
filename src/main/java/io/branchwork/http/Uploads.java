package io.branchwork.http;

import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams a request body into a temporary file with flow control (the request is paused while
 * the file's write queue is full), so an upload of any size costs a buffer of heap, never the
 * body. The request must have been paused before any asynchronous step ran (credentials).
 */
public final class Uploads {

  /**
   * What was spooled: the file, the body's length, and whether it went past the limit (the file
   * then holds its first bytes only).
   */
  public record Spooled(Path file, long bytes, boolean cut) {}

  /** What to do with a body that goes past the limit. */
  public enum OverLimit {
    /** Fail at once with {@code too_large}; the rest of the body is not read. */
    FAIL,
    /**
     * Keep what fits, read and drop the rest (so the client reads the answer), and say so; a
     * body more than twice the limit fails as {@link #FAIL} does, so nobody streams forever.
     */
    CUT
  }

  private Uploads() {}

  /** Spools {@code req}'s body into a new file under {@code tmpRoot}; at most {@code max} bytes go to disk. */
  public static Future<Spooled> spool(Vertx vertx, HttpServerRequest req, Path tmpRoot, long max, OverLimit over,
      String what) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && over == OverLimit.FAIL) {
      try {
        if (Long.parseLong(declared) > max) {
          return Future.failedFuture(BranchworkException.tooLarge(what + " is larger than " + max + " bytes"));
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(BranchworkException.badRequest("bad Content-Length"));
      }
    }
    return vertx.executeBlocking(() -> Files.createTempFile(tmpRoot, "upload-", ".body"), false)
        .compose(path -> vertx.fileSystem().open(path.toString(), new OpenOptions().setWrite(true))
            .compose(file -> copy(req, file, max, over, what))
            .map(bytes -> new Spooled(path, bytes, bytes > max))
            .onFailure(e -> vertx.fileSystem().delete(path.toString())));
  }

  private static Future<Long> copy(HttpServerRequest req, AsyncFile file, long max, OverLimit over, String what) {
    Promise<Long> done = Promise.promise();
    long[] received = {0};
    req.handler(buf -> {
      long before = received[0];
      received[0] += buf.length();
      if (received[0] <= max) {
        file.write(buf);
        if (file.writeQueueFull()) {
          req.pause();
          file.drainHandler(v -> req.resume());
        }
        return;
      }
      if (over == OverLimit.FAIL || received[0] - max > max) {
        req.handler(null);
        done.tryFail(BranchworkException.tooLarge(what + " is larger than " + max + " bytes"));
      } else if (before < max) {
        file.write(buf.slice(0, (int) (max - before)));
      }
    });
    req.exceptionHandler(done::tryFail);
    req.endHandler(v -> done.tryComplete(received[0]));
    req.resume();
    return done.future().eventually(file::close);
  }
}
