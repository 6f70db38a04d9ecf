package io.branchwork.githttp;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs git's side of one smart HTTP request against the project's repository as the store holds
 * it (every acknowledged change of every live workspace is there): the node's mirror of its
 * objects ({@link ProjectMirrors}) with the store's refs of this moment, on the git pool. The
 * answer goes to a file in the scratch directory, so no pack is ever held in memory whole; the
 * door sends it and then deletes the directory ({@link #discard}).
 */
final class Exchanges {

  /**
   * Git's side of one request: reads what it needs from the project's mirror (scratch files go
   * to {@code scratch}), writes the answer to {@code out}. Blocking.
   */
  @FunctionalInterface
  interface Work {
    void run(ProjectMirrors.Lease mirror, Path scratch, OutputStream out) throws Exception;
  }

  private final Vertx vertx;
  private final ProjectMirrors mirrors;
  private final WorkerExecutor pool;
  private final Path tmpRoot;

  Exchanges(Vertx vertx, ProjectMirrors mirrors, WorkerExecutor pool, Path tmpRoot) {
    this.vertx = vertx;
    this.mirrors = mirrors;
    this.pool = pool;
    this.tmpRoot = tmpRoot;
  }

  /** Answers the file that holds the answer; an {@link IOException} of {@code work} is {@code bad_request}. */
  Future<Path> run(String project, Work work) {
    return vertx.executeBlocking(() -> Files.createTempDirectory(tmpRoot, "git-http-"), false)
        .compose(dir -> mirrors.acquire(project)
            .compose(lease -> pool.executeBlocking(() -> {
              Path file = dir.resolve("answer");
              try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                work.run(lease, dir, out);
              } catch (IOException e) {
                // What the client sent is not the protocol (or inflates past its bound).
                throw BranchworkException.badRequest("git: " + e.getMessage());
              }
              return file;
            }, false).andThen(ar -> lease.release().run()))
            .onFailure(e -> discard(dir)));
  }

  /** Deletes a scratch directory (the answer file's parent) off the event loop. */
  void discard(Path dir) {
    vertx.executeBlocking(() -> {
      FileTrees.deleteQuietly(dir);
      return null;
    }, false);
  }
}
