package io.branchwork.workspace.snapshot;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.gitstore.PackFiles;
import io.branchwork.gitstore.Repos;
import io.branchwork.gitstore.WipTree;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.workspace.git.GitOps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;

/**
 * Turns a working copy on disk (an import, a new project, an old snapshot) into what the store
 * takes: one pack of its history and its uncommitted files, and the refs that name them.
 * Blocking.
 */
final class Stager {

  /** A pack of a working copy's history and work in progress, ready for the store. */
  record Staged(PackInfo pack, Path file, String head, String wip, Map<String, String> refs) {}

  private final Path tmpRoot;
  private final long maxBytes;
  private final long maxEntries;

  Stager(Path tmpRoot, long maxBytes, long maxEntries) {
    this.tmpRoot = tmpRoot;
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /**
   * Packs a working copy's HEAD, its uncommitted files (as a work-in-progress commit) and, with
   * {@code allRefs}, its branches and tags. A pack from outside is then parsed once more with
   * every object checked as {@code git fsck --strict} would, so the store never accepts what a
   * load or a clone would refuse.
   */
  Staged stage(Path workTree, boolean allRefs) throws Exception {
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
      new GitBranches(repo).requireCheckoutFits(wip != null ? wip : head, maxBytes, maxEntries);
      Path file = Files.createTempFile(tmpRoot, "pack-", ".pack");
      PackInfo pack = PackFiles.write(repo, wants, List.of(), file);
      verify(file, pack.bytes());
      return new Staged(pack, file, head.name(), wip == null ? null : wip.name(), refs);
    }
  }

  private void verify(Path pack, long packBytes) throws Exception {
    Path scratch = Files.createTempDirectory(tmpRoot, "verify-");
    try (Repository bare = Repos.initBare(scratch)) {
      PackFiles.install(bare, pack, packBytes, new ObjectChecker(), "the archive");
    } finally {
      FileTrees.deleteQuietly(scratch);
    }
  }

  /**
   * Does once what every open of the workspace will do (read the index, walk HEAD's tree against
   * the files, refresh the index), so an archive git cannot work with is refused at the door
   * instead of accepted and then failing every open.
   */
  private static void probe(Repository repo) {
    try {
      Git.wrap(repo).status().call();
      new GitOps(repo).refreshIndex();
    } catch (BranchworkException e) {
      throw e;
    } catch (Exception e) {
      throw BranchworkException.badRequest("git cannot work with the archive's repository: "
          + WorkspacePaths.printable(String.valueOf(e.getMessage())));
    }
  }

}
