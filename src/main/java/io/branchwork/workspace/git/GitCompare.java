package io.branchwork.workspace.git;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.patch.FileHeader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;

/**
 * What {@code to} brings over {@code from}, as a review shows it: the commits of {@code to} that
 * {@code from} lacks, and {@code to} against their merge base, file by file (additions and
 * deletions) and as one patch, all within diff's bounds. The work is O(the change): only the
 * trees that differ are walked, and only the files that differ are diffed. Blocking.
 */
public final class GitCompare {

  /** A file the comparison shows: how it changed and its line counts (0 and 0 for binary). */
  public record FileStat(String path, String change, int additions, int deletions, boolean binary) {}

  /** The comparison; {@code truncated} when the commit list or the patch was cut. */
  public record Comparison(List<GitResults.CommitInfo> commits, List<FileStat> files, String patch, boolean truncated) {}

  /** Most commits listed. */
  public static final int MAX_COMMITS = 250;
  /** Most files listed. */
  public static final int MAX_FILES = 5_000;

  private GitCompare() {}

  public static Comparison compare(Repository repo, ObjectId from, ObjectId to, List<String> paths,
      BoundedDiff bounds) throws IOException {
    long deadline = System.nanoTime() + bounds.timeoutMs() * 1_000_000;
    List<GitResults.CommitInfo> commits = new ArrayList<>();
    boolean truncated = false;
    ObjectId baseTree;
    ObjectId toTree;
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit f = walk.parseCommit(from);
      RevCommit t = walk.parseCommit(to);
      toTree = t.getTree();
      walk.setRevFilter(RevFilter.MERGE_BASE);
      walk.markStart(f);
      walk.markStart(t);
      RevCommit base = walk.next();
      baseTree = base == null ? null : base.getTree();
      walk.reset();
      walk.setRevFilter(RevFilter.ALL);
      walk.markStart(walk.parseCommit(to));
      walk.markUninteresting(walk.parseCommit(from));
      for (RevCommit c : walk) {
        if (commits.size() >= MAX_COMMITS || System.nanoTime() - deadline > 0) {
          truncated = true;
          break;
        }
        List<String> parents = new ArrayList<>();
        for (RevCommit p : c.getParents()) {
          parents.add(p.name());
        }
        commits.add(new GitResults.CommitInfo(c.name(), parents, c.getFullMessage(), c.getAuthorIdent().getName(),
            c.getCommitTime()));
      }
    }
    List<FileStat> files = new ArrayList<>();
    BoundedDiff.Patch patch = new BoundedDiff.Patch(bounds.maxPatchBytes());
    boolean patchCut = false;
    try (ObjectReader reader = repo.newObjectReader();
         DiffFormatter counter = formatter(repo, OutputStream.nullOutputStream(), bounds, deadline, paths);
         DiffFormatter printer = formatter(repo, patch, bounds, deadline, paths)) {
      var a = baseTree == null ? new EmptyTreeIterator() : new CanonicalTreeParser(null, reader, baseTree);
      List<DiffEntry> entries = counter.scan(a, new CanonicalTreeParser(null, reader, toTree));
      for (DiffEntry e : entries) {
        if (files.size() >= MAX_FILES) {
          truncated = true;
          break;
        }
        int add = 0;
        int del = 0;
        var header = counter.toFileHeader(e);
        boolean binary = header.getPatchType() != FileHeader.PatchType.UNIFIED;
        for (Edit edit : header.toEditList()) {
          add += edit.getLengthB();
          del += edit.getLengthA();
        }
        String path = e.getChangeType() == DiffEntry.ChangeType.DELETE ? e.getOldPath() : e.getNewPath();
        String change = switch (e.getChangeType()) {
          case ADD -> "added";
          case DELETE -> "deleted";
          default -> "modified";
        };
        files.add(new FileStat(path, change, add, del, binary));
        if (!patchCut) {
          try {
            printer.format(e);
            printer.flush();
          } catch (BoundedDiff.Full full) {
            patchCut = true;
          }
        }
      }
    } catch (BoundedDiff.TooSlow e) {
      throw bounds.tooSlow();
    }
    String text = patchCut ? patch.text() + bounds.truncationNote() : patch.text();
    return new Comparison(commits, files, text, truncated || patchCut);
  }

  private static DiffFormatter formatter(Repository repo, OutputStream out, BoundedDiff bounds, long deadline,
      List<String> paths) {
    DiffFormatter df = bounds.formatter(repo, out, deadline);
    if (paths != null && !paths.isEmpty()) {
      df.setPathFilter(PathFilterGroup.createFromStrings(paths));
    }
    return df;
  }
}
