package io.branchwork.workspace.snapshot;

import io.branchwork.config.Config;
import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Store;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.files.TreeGuard;
import io.branchwork.workspace.files.WorkspacePaths;
import io.branchwork.workspace.git.GitBranches;
import io.branchwork.workspace.git.GitOps;
import io.branchwork.workspace.git.Repos;
import io.branchwork.workspace.repo.PackFiles;
import io.branchwork.workspace.repo.Refs;
import io.branchwork.workspace.repo.RepoLoader;
import io.branchwork.workspace.repo.WipTree;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Working copies in and out of the project's repository in the store, as tar.gz archives: export
 * (built on demand from the store), import of any working copy, the first commit of a new project,
 * and the upgrade of schema version 1's snapshots. Tar and git work runs in
 * {@code executeBlocking}; archives and packs pass through temporary files, never memory whole.
 */
public final class SnapshotService {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);
  /** Marks a branch that holds only the project's initial empty commit, which an import may replace. */
  static final String INITIAL_PREFIX = "refs/branchwork/initial/";

  /** Where an archive's working copy was unpacked, the commit HEAD is on and its branch (null: detached). */
  private record Unpacked(Path dir, Path workTree, String head, String branch) {}

  /** What an import made: the branch and head, the other branches and tags it brought, and those it left out. */
  public record Imported(String branch, String head, List<String> added, List<String> skipped) {}

  /** A pack of a working copy's history and work in progress, ready for the store. */
  private record Staged(PackInfo pack, Path file, String head, String wip, Map<String, String> refs) {}

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

  public SnapshotService(Vertx vertx, Store store, Path tmpRoot, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.tmpRoot = tmpRoot;
    this.settings = settings;
    this.unpacker = new SnapshotUnpacker(settings.maxBytes(), settings.maxEntries());
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
          .compose(state -> blocking(() -> stage(u.workTree(), true)).compose(staged -> {
            List<RefUpdate> updates = new ArrayList<>();
            List<String> added = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            String existing = state.refs().get(Refs.head(target));
            String initial = state.refs().get(INITIAL_PREFIX + target);
            if (existing != null && !(existing.equals(initial) && !state.refs().containsKey(Refs.wip(target)))) {
              return Future.<Imported>failedFuture(BranchworkException.conflict("branch " + target + " already has data"));
            }
            updates.add(new RefUpdate(Refs.head(target), existing, staged.head()));
            if (initial != null) {
              updates.add(new RefUpdate(INITIAL_PREFIX + target, initial, null));
            }
            if (staged.wip() != null) {
              updates.add(new RefUpdate(Refs.wip(target), null, staged.wip()));
            }
            staged.refs().forEach((name, id) -> {
              String shortName = Repository.shortenRefName(name);
              if (name.equals(Refs.head(u.branch() == null ? "" : u.branch())) || name.equals(Refs.head(target))) {
                return;
              }
              if (state.refs().containsKey(name)) {
                skipped.add(shortName);
              } else {
                updates.add(new RefUpdate(name, null, id));
                added.add(shortName);
              }
            });
            return store.updateRepo(project, staged.pack(), staged.pack() == null ? null : staged.file(), updates)
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
        return new Unpacked(dir, dir, null, branch);
      } catch (Exception e) {
        FileTrees.deleteQuietly(dir);
        throw e;
      }
    }).compose(u -> blocking(() -> stage(u.workTree(), false))
        .compose(staged -> store.updateRepo(project, staged.pack(), staged.file(), List.of(
                new RefUpdate(Refs.head(branch), null, staged.head()),
                new RefUpdate(INITIAL_PREFIX + branch, null, staged.head())))
            .map(staged.head())
            .eventually(() -> blocking(() -> Files.deleteIfExists(staged.file()))))
        .eventually(() -> blocking(() -> {
          FileTrees.deleteQuietly(u.dir());
          return null;
        })));
  }

  /**
   * Turns a schema-version-1 snapshot into the project's repository: its branch's head and its
   * uncommitted files as work in progress. A branch already moved (a crash after the refs were
   * written and before the old rows were dropped) is only dropped.
   */
  public Future<Void> upgrade(SnapshotMeta legacy) {
    long t0 = System.nanoTime();
    return blocking(() -> Files.createTempFile(tmpRoot, "legacy-", ".tar.gz")).compose(archive ->
        store.readSnapshot(legacy, archive)
            .compose(v -> blocking(() -> {
              Path dir = tmpRoot.resolve("legacy-" + java.util.UUID.randomUUID());
              unpacker.unpack(archive, dir);
              return dir;
            }))
            .compose(dir -> blocking(() -> stage(dir, false))
                .compose(staged -> {
                  List<RefUpdate> updates = new ArrayList<>();
                  updates.add(new RefUpdate(Refs.head(legacy.branch()), null, staged.head()));
                  if (staged.wip() != null) {
                    updates.add(new RefUpdate(Refs.wip(legacy.branch()), null, staged.wip()));
                  }
                  return store.updateRepo(legacy.project(), staged.pack(), staged.pack() == null ? null : staged.file(),
                          updates)
                      .recover(e -> Failures.normalize(e).code() == ErrorCode.CONFLICT ? Future.succeededFuture()
                          : Future.failedFuture(e))
                      .eventually(() -> blocking(() -> Files.deleteIfExists(staged.file())));
                })
                .eventually(() -> blocking(() -> {
                  FileTrees.deleteQuietly(dir);
                  return null;
                })))
            .eventually(() -> blocking(() -> Files.deleteIfExists(archive))))
        .compose(v -> store.dropLegacy(legacy.project(), legacy.branch()))
        .onSuccess(v -> LOG.info("upgraded the snapshot of {}/{} (version {}) to the project repository in {} ms",
            legacy.project(), legacy.branch(), legacy.version(), (System.nanoTime() - t0) / 1_000_000));
  }

  /**
   * Packs a working copy's HEAD, its uncommitted files (as a work-in-progress commit) and, with
   * {@code allRefs}, its branches and tags. A pack from outside is then parsed once more with
   * every object checked as {@code git fsck --strict} would, so the store never accepts what a
   * load or a clone would refuse.
   */
  private Staged stage(Path workTree, boolean allRefs) throws Exception {
    try (Repository repo = Repos.open(workTree)) {
      probe(repo);
      ObjectId head = repo.resolve(Constants.HEAD);
      if (head == null) {
        throw BranchworkException.badRequest("the archive's HEAD has no commit");
      }
      ObjectId wip = WipTree.fresh(repo).capture(head);
      Map<String, String> refs = new LinkedHashMap<>();
      Set<ObjectId> wants = new LinkedHashSet<>();
      wants.add(head);
      if (wip != null) {
        wants.add(wip);
      }
      if (allRefs) {
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
          refs.put(r.getName(), r.getObjectId().name());
          wants.add(r.getObjectId());
        }
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_TAGS)) {
          refs.put(r.getName(), r.getObjectId().name());
          wants.add(r.getObjectId());
        }
      }
      new GitBranches(repo).requireCheckoutFits(wip != null ? wip : head, settings.maxBytes(), settings.maxEntries());
      Path file = Files.createTempFile(tmpRoot, "pack-", ".pack");
      PackInfo pack = PackFiles.write(repo, wants, List.of(), file);
      verify(file);
      return new Staged(pack, file, head.name(), wip == null ? null : wip.name(), refs);
    }
  }

  private void verify(Path pack) throws Exception {
    Path scratch = Files.createTempDirectory(tmpRoot, "verify-");
    try (Repository bare = Repos.initBare(scratch)) {
      PackFiles.install(bare, pack, new ObjectChecker(), "the archive");
    } finally {
      FileTrees.deleteQuietly(scratch);
    }
  }

  private Unpacked unpackForImport(Path upload) throws IOException {
    Path dir = tmpRoot.resolve("import-" + java.util.UUID.randomUUID());
    unpacker.unpack(upload, dir);
    try {
      Path workTree = findWorkTree(dir);
      TreeGuard.verifyWorkTree(workTree);
      try (Repository repo = Repos.open(workTree)) {
        String head = Repos.head(repo);
        if (head == null) {
          throw BranchworkException.badRequest("the archive's HEAD has no commit");
        }
        return new Unpacked(dir, workTree, head, Repos.currentBranch(repo));
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

  private <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}
