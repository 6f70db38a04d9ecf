package io.branchwork.workspace.snapshot;

import io.branchwork.config.Config;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Store;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.files.TreeGuard;
import io.branchwork.workspace.files.WorkspacePaths;
import io.branchwork.workspace.git.GitOps;
import io.branchwork.workspace.git.Repos;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;

/**
 * Moves working copies between disk and the store: load, save, export, import and the first
 * snapshot of a new project. Tar work runs in {@code executeBlocking}; archives pass through
 * temporary files, so no archive is ever held in memory whole.
 */
public final class SnapshotService {

  /** Where an archive's working copy was unpacked, and which commit it is on. */
  private record Unpacked(Path dir, Path workTree, String head) {}

  /** A loaded branch: its snapshot and how many bytes its files took once unpacked. */
  public record Loaded(SnapshotMeta meta, long bytes) {}

  private final Vertx vertx;
  /** The limits and settings a snapshot service works within. */
  public record Settings(long maxBytes, long maxEntries, int gzipLevel, String emailDomain) {
    public static Settings of(Config config) {
      return new Settings(config.maxSnapshotBytes, config.maxSnapshotEntries, config.gzipLevel, config.emailDomain);
    }
  }

  private final Store store;
  private final BranchworkMetrics metrics;
  private final Path tmpRoot;
  private final Settings settings;
  private final SnapshotUnpacker unpacker;

  public SnapshotService(Vertx vertx, Store store, BranchworkMetrics metrics, Path tmpRoot, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.metrics = metrics;
    this.tmpRoot = tmpRoot;
    this.settings = settings;
    this.unpacker = new SnapshotUnpacker(settings.maxBytes(), settings.maxEntries());
  }

  /**
   * Unpacks the branch's latest snapshot into {@code dir} (which must not exist) and checks the
   * working copy as an import is checked, so a snapshot from before a rule was added cannot
   * smuggle in what the rule refuses.
   */
  public Future<Loaded> loadInto(WorkspaceKey key, Path dir) {
    long start = System.nanoTime();
    return store.latestSnapshot(key.project(), key.branch()).compose(meta -> {
      if (meta.isEmpty()) {
        return Future.failedFuture(BranchworkException.notFound("no branch " + key.branch()
            + " in project " + key.project()));
      }
      return withTempFile(archive -> store.readSnapshot(meta.get(), archive)
          .compose(v -> vertx.executeBlocking(() -> {
            long bytes = unpacker.unpack(archive, dir);
            TreeGuard.verifyWorkTree(dir.toRealPath());
            return bytes;
          }, false)))
          .map(bytes -> {
            metrics.loaded(System.nanoTime() - start);
            return new Loaded(meta.get(), bytes);
          });
    });
  }

  /**
   * Packs {@code workTree} and stores it as the branch's next version, provided the latest
   * version is still {@code expectedVersion}.
   */
  public Future<SnapshotMeta> save(WorkspaceKey key, Path workTree, String head, long expectedVersion) {
    long start = System.nanoTime();
    return withTempFile(archive -> vertx.executeBlocking(
            () -> pack(workTree, archive), false)
        .compose(bytes -> store.writeSnapshot(key.project(), key.branch(), head, archive,
            expectedVersion)))
        .onSuccess(meta -> metrics.saved(meta.bytes(), System.nanoTime() - start));
  }

  private long pack(Path workTree, Path archive) throws IOException {
    return SnapshotPacker.pack(workTree, archive, settings.gzipLevel(), settings.maxBytes(), settings.maxEntries());
  }

  /** The latest snapshot in a temporary file that the caller deletes. */
  public Future<Path> export(WorkspaceKey key) {
    return store.latestSnapshot(key.project(), key.branch()).compose(meta -> {
      if (meta.isEmpty()) {
        return Future.failedFuture(BranchworkException.notFound("no snapshot of branch " + key.branch()));
      }
      return vertx.executeBlocking(this::newTempFile, false).compose(file ->
          store.readSnapshot(meta.get(), file)
              .map(file)
              .onFailure(e -> deleteQuietly(file)));
    });
  }

  /**
   * Imports an uploaded tar.gz of a working copy as the first version of {@code key}'s branch.
   * The archive is unpacked with every safety check, must hold a repository whose HEAD is on
   * that branch, and is packed again, so what is stored is always Branchwork's own archive.
   */
  public Future<SnapshotMeta> importArchive(WorkspaceKey key, Path upload) {
    return vertx.executeBlocking(() -> unpackForImport(upload, key.branch()), false)
        .compose(u -> withTempFile(archive -> vertx.executeBlocking(
                () -> pack(u.workTree(), archive), false)
            .compose(bytes -> store.writeSnapshot(key.project(), key.branch(), u.head(),
                archive, 0L)))
            .eventually(() -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(u.dir());
              return null;
            }, false)));
  }

  /** Creates the repository of a new project: branch {@code main}, one empty commit. */
  public Future<SnapshotMeta> createInitial(String project, String branch, String user) {
    WorkspaceKey key = new WorkspaceKey(project, branch);
    return vertx.executeBlocking(() -> {
      Path dir = Files.createTempDirectory(tmpRoot, "new-");
      try {
        String head = Repos.createWithEmptyCommit(dir, branch,
            Repos.ident(user, settings.emailDomain()));
        return new Unpacked(dir, dir, head);
      } catch (Exception e) {
        FileTrees.deleteQuietly(dir);
        throw e;
      }
    }, false).compose(u -> save(key, u.workTree(), u.head(), 0L)
        .eventually(() -> vertx.executeBlocking(() -> {
          FileTrees.deleteQuietly(u.dir());
          return null;
        }, false)));
  }

  private Unpacked unpackForImport(Path upload, String branch) throws IOException {
    Path dir = tmpRoot.resolve("import-" + java.util.UUID.randomUUID());
    unpacker.unpack(upload, dir);
    try {
      Path workTree = findWorkTree(dir);
      TreeGuard.verifyWorkTree(workTree);
      try (Repository repo = Repos.open(workTree)) {
        String current = Repos.currentBranch(repo);
        if (!branch.equals(current)) {
          throw BranchworkException.badRequest("the archive's HEAD is "
              + (current == null ? "detached" : "on branch " + current) + ", not on " + branch);
        }
        String head = Repos.head(repo);
        if (head == null) {
          throw BranchworkException.badRequest("branch " + branch + " has no commit in the archive");
        }
        probe(repo);
        return new Unpacked(dir, workTree, head);
      }
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteQuietly(dir);
      throw e;
    }
  }

  /**
   * Does once what every open of the workspace will do (read the index, walk HEAD's tree against
   * the files, refresh the index), so an archive git cannot work with is refused at the door
   * instead of accepted and then failing every open.
   */
  private static void probe(Repository repo) {
    try {
      org.eclipse.jgit.api.Git.wrap(repo).status().call();
      new GitOps(repo).refreshIndex();
    } catch (BranchworkException e) {
      throw e;
    } catch (Exception e) {
      throw BranchworkException.badRequest("git cannot work with the archive's repository: "
          + WorkspacePaths.printable(String.valueOf(e.getMessage())));
    }
  }

  /** The working copy is the archive's root, or its only top-level directory (as {@code tar czf x.tgz repo/} makes). */
  private static Path findWorkTree(Path dir) throws IOException {
    if (Files.isDirectory(dir.resolve(Constants.DOT_GIT), LinkOption.NOFOLLOW_LINKS)) {
      return dir;
    }
    List<Path> top;
    try (Stream<Path> s = Files.list(dir)) {
      top = s.toList();
    }
    if (top.size() == 1 && Files.isDirectory(top.get(0), LinkOption.NOFOLLOW_LINKS)
        && Files.isDirectory(top.get(0).resolve(Constants.DOT_GIT), LinkOption.NOFOLLOW_LINKS)) {
      return top.get(0);
    }
    throw BranchworkException.badRequest("the archive holds no working copy with a .git directory");
  }

  private <T> Future<T> withTempFile(java.util.function.Function<Path, Future<T>> use) {
    return vertx.executeBlocking(this::newTempFile, false)
        .compose(file -> use.apply(file).eventually(() -> vertx.executeBlocking(() -> {
          deleteQuietly(file);
          return null;
        }, false)));
  }

  private Path newTempFile() throws IOException {
    return Files.createTempFile(tmpRoot, "snap-", ".tar.gz");
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(SnapshotService.class).warn("could not delete {}", file, e);
    }
  }
}
