package io.branchwork.workspace.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * A three-way merge of two commits in memory, as git merges them, with no working tree: JGit's
 * merger writes into an in-core index, whose stage-0 entries are what merged cleanly and whose
 * stages 1 to 3 are the conflicts. Conflicts come back as data (kind, the three blobs, the text
 * with markers); resolutions for every one of them complete the tree. Blocking.
 */
public final class ThreeWay {

  /** How a path conflicts. */
  public enum Kind {
    CONTENT("content"), ADD_ADD("add-add"), MODIFY_DELETE("modify-delete"), DELETE_MODIFY("delete-modify"),
    BINARY("binary");

    public final String wire;

    Kind(String wire) {
      this.wire = wire;
    }
  }

  /** One conflict: blob ids of base, ours and theirs (null where absent), and the text with markers. */
  public record Conflict(String path, Kind kind, String base, String ours, String theirs, String text) {}

  /** How the user settles one conflict: its content, a side, or deleting the path. */
  public sealed interface Resolution {
    record Content(byte[] bytes) implements Resolution {}

    record Take(boolean ours) implements Resolution {}

    record Delete() implements Resolution {}
  }

  /**
   * The merge: its tree when clean, or the conflicts ({@code tree} null while any is unresolved),
   * and the paths it changes against ours (conflicting ones included).
   */
  public record Result(ObjectId tree, List<Conflict> conflicts, List<String> changed) {
    public boolean clean() {
      return tree != null;
    }
  }

  private ThreeWay() {}

  /**
   * Merges {@code theirs} into {@code ours} (commits) from {@code base} (a tree or commit; null:
   * their merge base, as {@code git merge} finds it) and settles the conflicts that
   * {@code resolutions} covers. {@code names} label the conflict markers (ours, theirs). Files
   * over {@code maxTextBytes} merge as binary, so a huge file cannot make the merge slow.
   *
   * <p>The trees are merged from the top down and only where they differ: a directory that only
   * one side changed is taken whole, one both changed only in subdirectories is descended into,
   * and the first directory where both changed files is merged by JGit's merger, in memory. So a
   * merge costs O(the change), not O(the repository), and its result is JGit's. Histories with
   * more than one merge base (criss-cross) are merged whole by JGit's recursive merger.
   */
  public static Result merge(Repository repo, ObjectInserter ins, ObjectId base, ObjectId ours, ObjectId theirs,
      String[] names, Map<String, Resolution> resolutions, int maxTextBytes) throws IOException {
    Config config = new Config(repo.getConfig());
    config.setInt("core", null, "bigfilethreshold", maxTextBytes);
    ObjectId oursTree;
    ObjectId theirsTree;
    ObjectId baseTree;
    try (RevWalk walk = new RevWalk(repo)) {
      oursTree = walk.parseTree(ours);
      theirsTree = walk.parseTree(theirs);
      if (base != null) {
        baseTree = walk.parseTree(base);
      } else {
        List<ObjectId> bases = mergeBases(walk, ours, theirs);
        if (bases.size() > 1) {
          return whole(repo, ins, config, ours, theirs, names, resolutions, maxTextBytes);
        }
        baseTree = bases.isEmpty() ? emptyTree(ins) : walk.parseTree(bases.get(0));
      }
    }
    Merge m = new Merge(repo, ins, config, names, maxTextBytes, resolutions);
    ObjectId tree = m.trees("", baseTree, oursTree, theirsTree);
    MergeIndex.requireNoStrayResolutions(resolutions, m.conflicts);
    if (m.conflicts.isEmpty() || m.unresolved == 0) {
      return new Result(tree, List.of(), changed(repo, ours, tree));
    }
    TreeSet<String> changed = new TreeSet<>(changed(repo, ours, tree));
    m.conflicts.forEach(c -> changed.add(c.path()));
    return new Result(null, m.conflicts, List.copyOf(changed));
  }

  private static List<ObjectId> mergeBases(RevWalk walk, ObjectId ours, ObjectId theirs) throws IOException {
    walk.setRevFilter(RevFilter.MERGE_BASE);
    walk.markStart(walk.parseCommit(ours));
    walk.markStart(walk.parseCommit(theirs));
    List<ObjectId> bases = new ArrayList<>();
    for (RevCommit c = walk.next(); c != null; c = walk.next()) {
      bases.add(c.copy());
    }
    walk.reset();
    walk.setRevFilter(RevFilter.ALL);
    return bases;
  }

  private static ObjectId emptyTree(ObjectInserter ins) throws IOException {
    ObjectId id = ins.insert(Constants.OBJ_TREE, new byte[0]);
    ins.flush();
    return id;
  }

  /** JGit's recursive merger over the whole trees (criss-cross histories). */
  static Result whole(Repository repo, ObjectInserter ins, Config config, ObjectId ours, ObjectId theirs,
      String[] names, Map<String, Resolution> resolutions, int maxTextBytes) throws IOException {
    ResolveMerger merger = (ResolveMerger) MergeStrategy.RECURSIVE.newMerger(ins, config);
    DirCache index = DirCache.newInCore();
    merger.setDirCache(index);
    merger.setCommitNames(new String[] {"base", names[0], names[1]});
    if (merger.merge(ours, theirs)) {
      MergeIndex.requireNoStrayResolutions(resolutions, List.of());
      ObjectId tree = merger.getResultTreeId();
      return new Result(tree, List.of(), changed(repo, ours, tree));
    }
    List<Conflict> conflicts = MergeIndex.conflicts(repo, index, merger.getMergeResults(), names, maxTextBytes, "");
    MergeIndex.requireNoStrayResolutions(resolutions, conflicts);
    if (resolutions.keySet().containsAll(conflicts.stream().map(Conflict::path).toList())) {
      ObjectId tree = MergeIndex.resolve(index, ins, resolutions);
      return new Result(tree, List.of(), changed(repo, ours, tree));
    }
    TreeSet<String> changed = new TreeSet<>(changed(repo, ours, MergeIndex.resolve(index, ins, Map.of())));
    conflicts.forEach(c -> changed.add(c.path()));
    return new Result(null, conflicts, List.copyOf(changed));
  }

  /** One entry of a tree: its mode and object. */
  private record Entry(FileMode mode, ObjectId id) {
    boolean tree() {
      return mode == FileMode.TREE;
    }
  }

  /** The top-down merge of three trees; conflicts gather here, with their full paths. */
  private static final class Merge {
    private final Repository repo;
    private final ObjectInserter ins;
    private final Config config;
    private final String[] names;
    private final int maxTextBytes;
    private final Map<String, Resolution> resolutions;
    final List<Conflict> conflicts = new ArrayList<>();
    int unresolved;

    Merge(Repository repo, ObjectInserter ins, Config config, String[] names, int maxTextBytes,
        Map<String, Resolution> resolutions) {
      this.repo = repo;
      this.ins = ins;
      this.config = config;
      this.names = names;
      this.maxTextBytes = maxTextBytes;
      this.resolutions = resolutions;
    }

    /** The merged tree of a directory ({@code prefix} "" or ending in '/'); unresolved conflicts left out. */
    ObjectId trees(String prefix, ObjectId base, ObjectId ours, ObjectId theirs) throws IOException {
      if (ours.equals(theirs) || base.equals(theirs)) {
        return ours;
      }
      if (base.equals(ours)) {
        return theirs;
      }
      Map<String, Entry> b = entries(base);
      Map<String, Entry> o = entries(ours);
      Map<String, Entry> t = entries(theirs);
      TreeSet<String> all = new TreeSet<>(b.keySet());
      all.addAll(o.keySet());
      all.addAll(t.keySet());
      for (String name : all) {
        Entry be = b.get(name);
        Entry oe = o.get(name);
        Entry te = t.get(name);
        boolean both = !Objects.equals(oe, te) && !Objects.equals(be, oe) && !Objects.equals(be, te);
        if (both && !(oe != null && oe.tree() && te != null && te.tree() && (be == null || be.tree()))) {
          // Both changed files here: JGit's merger takes this directory.
          return jgit(prefix, base, ours, theirs);
        }
      }
      List<Map.Entry<String, Entry>> out = new ArrayList<>();
      for (String name : all) {
        Entry be = b.get(name);
        Entry oe = o.get(name);
        Entry te = t.get(name);
        Entry kept;
        if (Objects.equals(oe, te) || Objects.equals(be, te)) {
          kept = oe;
        } else if (Objects.equals(be, oe)) {
          kept = te;
        } else {
          ObjectId sub = trees(prefix + name + "/", be == null ? emptyTree(ins) : be.id(), oe.id(), te.id());
          kept = new Entry(FileMode.TREE, sub);
        }
        if (kept != null) {
          out.add(Map.entry(name, kept));
        }
      }
      out.sort((x, y) -> gitOrder(x.getKey(), x.getValue().tree(), y.getKey(), y.getValue().tree()));
      TreeFormatter f = new TreeFormatter();
      for (Map.Entry<String, Entry> e : out) {
        f.append(e.getKey(), e.getValue().mode(), e.getValue().id());
      }
      return ins.insert(f);
    }

    private Map<String, Entry> entries(ObjectId tree) throws IOException {
      Map<String, Entry> out = new HashMap<>();
      try (TreeWalk tw = new TreeWalk(repo)) {
        tw.addTree(tree);
        while (tw.next()) {
          out.put(tw.getNameString(), new Entry(tw.getFileMode(0), tw.getObjectId(0)));
        }
      }
      return out;
    }

    /** JGit's merger on one directory's three trees, in memory; its conflicts and resolutions under {@code prefix}. */
    private ObjectId jgit(String prefix, ObjectId base, ObjectId ours, ObjectId theirs) throws IOException {
      ResolveMerger merger = (ResolveMerger) MergeStrategy.RESOLVE.newMerger(ins, config);
      DirCache index = DirCache.newInCore();
      merger.setDirCache(index);
      merger.setCommitNames(new String[] {"base", names[0], names[1]});
      merger.setBase(base);
      if (merger.merge(ours, theirs)) {
        return merger.getResultTreeId();
      }
      List<Conflict> found = MergeIndex.conflicts(repo, index, merger.getMergeResults(), names, maxTextBytes, prefix);
      conflicts.addAll(found);
      Map<String, Resolution> here = new HashMap<>();
      for (Conflict c : found) {
        Resolution r = resolutions.get(c.path());
        if (r == null) {
          unresolved++;
        } else {
          here.put(c.path().substring(prefix.length()), r);
        }
      }
      return MergeIndex.resolve(index, ins, here);
    }
  }

  /** Git's order of tree entries: by name, a tree's name read as if it ended in '/'. */
  private static int gitOrder(String a, boolean aTree, String b, boolean bTree) {
    byte[] x = (aTree ? a + "/" : a).getBytes(StandardCharsets.UTF_8);
    byte[] y = (bTree ? b + "/" : b).getBytes(StandardCharsets.UTF_8);
    return Arrays.compareUnsigned(x, y);
  }

  /** The paths where {@code tree} differs from the tree of commit {@code ours}. */
  private static List<String> changed(Repository repo, ObjectId ours, ObjectId tree) throws IOException {
    List<String> out = new ArrayList<>();
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(walk.parseCommit(ours).getTree());
      tw.addTree(tree);
      tw.setRecursive(true);
      tw.setFilter(TreeFilter.ANY_DIFF);
      while (tw.next()) {
        out.add(tw.getPathString());
      }
    }
    return out;
  }
}
