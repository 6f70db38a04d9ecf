package io.branchwork.githttp;

import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.repo.RepoLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Repository;

/**
 * Runs git's side of one smart HTTP request against the project's repository as the store holds
 * it, materialized into a scratch bare repository (every acknowledged change of every live
 * workspace is in the store), on the git pool. The answer goes to a file in the scratch
 * directory, so no pack is ever held in memory whole; the door sends it and then deletes the
 * directory ({@link #discard}).
 */
final class Exchanges {

  /** Git's side of one request: reads what it needs, writes the answer to {@code out}. Blocking. */
  @FunctionalInterface
  interface Work {
    void run(Repository repo, OutputStream out) throws Exception;
  }

  private final Vertx vertx;
  private final RepoLoader loader;
  private final WorkerExecutor pool;
  private final Path tmpRoot;

  Exchanges(Vertx vertx, RepoLoader loader, WorkerExecutor pool, Path tmpRoot) {
    this.vertx = vertx;
    this.loader = loader;
    this.pool = pool;
    this.tmpRoot = tmpRoot;
  }

  /** Answers the file that holds the answer; an {@link IOException} of {@code work} is {@code bad_request}. */
  Future<Path> run(String project, Work work) {
    return vertx.executeBlocking(() -> Files.createTempDirectory(tmpRoot, "git-http-"), false)
        .compose(dir -> loader.loadBare(project, dir.resolve("repo.git"))
            .compose(repo -> pool.executeBlocking(() -> {
              Path file = dir.resolve("answer");
              try (repo; OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                work.run(repo, out);
              } catch (IOException e) {
                // What the client sent is not the protocol (or inflates past its bound).
                throw BranchworkException.badRequest("git: " + e.getMessage());
              }
              return file;
            }, false))
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
