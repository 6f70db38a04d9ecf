package io.branchwork.workspace.snapshot;

import io.branchwork.config.Config;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.core.Identifiers;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.gitstore.RepoLoader;
import io.branchwork.gitstore.Repos;
import io.branchwork.gitstore.TreeGuard;
import io.branchwork.store.Content;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Working copies in and out of the project's repository in the store, as tar.gz archives: export
 * (built on demand from the store), import of any working copy, and the first commit of a new
 * project. Tar and git work runs in
 * {@code executeBlocking}; archives and packs pass through temporary files, never memory whole.
 */
public final class SnapshotService {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);

  /** Where an archive's working copy was unpacked, and the branch its HEAD is on (null: detached). */
  private record Unpacked(Path dir, Path workTree, String branch) {}

  /** What an import made: the branch and head, the other branches and tags it brought, and those it left out. */
  public record Imported(String branch, String head, List<String> added, List<String> skipped) {}


  /** The limits and settings a snapshot service works within. */
  public record Settings(long maxBytes, long maxEntries, int gzipLevel, String emailDomain) {
    public static Settings of(Config config) {
      return new Settings(config.maxSnapshotBytes, config.maxSnapshotEntries, config.gzipLevel, config.emailDomain);
    }
  }

  private final Vertx vertx;
  private final Store store;
  private final Path tmpRoot;
  private final Settings settings;
  private final SnapshotUnpacker unpacker;
  private final Stager stager;

  public SnapshotService(Vertx vertx, Store store, Path tmpRoot, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.tmpRoot = tmpRoot;
    this.settings = settings;
    this.unpacker = new SnapshotUnpacker(settings.maxBytes(), settings.maxEntries());
    this.stager = new Stager(tmpRoot, settings.maxBytes(), settings.maxEntries());
  }

  /**
   * The branch as the store holds it (head, and the uncommitted work over it) in a temporary
   * tar.gz that the caller deletes: a working copy with {@code .git} that {@code tar -xzf} unpacks.
   */
  public Future<Path> export(WorkspaceKey key) {
    return blocking(() -> Files.createTempDirectory(tmpRoot, "export-")).compose(dir ->
        new RepoLoader(vertx, store, settings.maxBytes(), settings.maxEntries()).load(key, dir.resolve("wc"))
            .compose(loaded -> blocking(() -> {
              Path wc = loaded.checkout().repo().getWorkTree().toPath();
              loaded.checkout().repo().close();
              Path archive = Files.createTempFile(tmpRoot, "snap-", ".tar.gz");
              try {
                SnapshotPacker.pack(wc, archive, settings.gzipLevel(), Long.MAX_VALUE, Long.MAX_VALUE);
              } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(archive);
                throw e;
              }
              return archive;
            }))
            .eventually(() -> blocking(() -> {
              FileTrees.deleteQuietly(dir);
              return null;
            })));
  }

  /**
   * Imports an uploaded tar.gz of a working copy into the project: its HEAD (on any branch, or
   * detached) becomes {@code branch} (by default the archive's own branch, or {@code main}) with
   * its uncommitted files as work in progress; its other branches and tags come along where the
   * project has no such name, and are listed as skipped where it has. {@code branch} must not
   * exist yet, or hold only the project's initial empty commit, which the import replaces.
   */
  public Future<Imported> importArchive(String project, String branch, Path upload) {
    return blocking(() -> unpackForImport(upload)).compose(u -> {
      String target = branch != null ? branch : u.branch() != null ? u.branch() : "main";
      return store.repoState(project)
          .compose(state -> blocking(() -> stager.stage(u.workTree(), true)).compose(staged -> {
            List<RefUpdate> updates = new ArrayList<>();
            List<String> added = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            String existing = state.refs().get(Refs.head(target));
            String initial = state.refs().get(Refs.initial(target));
            if (existing != null && !(existing.equals(initial) && !state.refs().containsKey(Refs.wip(target)))) {
              return Future.<Imported>failedFuture(BranchworkException.conflict("branch " + target + " already has data"));
            }
            updates.add(new RefUpdate(Refs.head(target), existing, staged.head()));
            if (initial != null) {
              updates.add(new RefUpdate(Refs.initial(target), initial, null));
            }
            if (staged.wip() != null) {
              updates.add(new RefUpdate(Refs.wip(target), null, staged.wip()));
            }
            staged.refs().forEach((name, id) -> {
              String shortName = Repository.shortenRefName(name);
              if (name.equals(Refs.head(u.branch() == null ? "" : u.branch())) || name.equals(Refs.head(target))) {
                return;
              }
              if (state.refs().containsKey(name) || !Identifiers.isBranch(shortName)) {
                // taken in the project, or a name the contract could never open
                skipped.add(shortName);
              } else {
                updates.add(new RefUpdate(name, null, id));
                added.add(shortName);
              }
            });
            return store.updateRepo(project, staged.pack(), staged.pack() == null ? null : Content.file(staged.file()), updates)
                .map(v -> new Imported(target, staged.head(), added, skipped))
                .eventually(() -> blocking(() -> Files.deleteIfExists(staged.file())));
          }))
          .eventually(() -> blocking(() -> {
            FileTrees.deleteQuietly(u.dir());
            return null;
          }));
    });
  }

  /** Creates the repository of a new project: {@code branch} with one empty commit, which an import may replace. */
  public Future<String> createInitial(String project, String branch, String user) {
    return blocking(() -> {
      Path dir = Files.createTempDirectory(tmpRoot, "new-");
      try {
        Repos.createWithEmptyCommit(dir, branch, Repos.ident(user, settings.emailDomain()));
        return new Unpacked(dir, dir, branch);
      } catch (Exception e) {
        FileTrees.deleteQuietly(dir);
        throw e;
      }
    }).compose(u -> blocking(() -> stager.stage(u.workTree(), false))
        .compose(staged -> store.updateRepo(project, staged.pack(), Content.file(staged.file()), List.of(
                new RefUpdate(Refs.head(branch), null, staged.head()),
                new RefUpdate(Refs.initial(branch), null, staged.head())))
            .map(staged.head())
            .eventually(() -> blocking(() -> Files.deleteIfExists(staged.file()))))
        .eventually(() -> blocking(() -> {
          FileTrees.deleteQuietly(u.dir());
          return null;
        })));
  }

  private Unpacked unpackForImport(Path upload) throws IOException {
    Path dir = tmpRoot.resolve("import-" + UUID.randomUUID());
    unpacker.unpack(upload, dir);
    try {
      Path workTree = findWorkTree(dir);
      TreeGuard.verifyWorkTree(workTree);
      // A HEAD without a commit is refused when the working copy is staged.
      try (Repository repo = Repos.open(workTree)) {
        return new Unpacked(dir, workTree, Repos.currentBranch(repo));
      }
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteQuietly(dir);
      throw e;
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

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}
