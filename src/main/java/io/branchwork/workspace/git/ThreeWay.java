package io.branchwork.workspace.git;

import io.branchwork.core.BranchworkException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.Sequence;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.merge.MergeFormatter;
import org.eclipse.jgit.merge.MergeResult;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevWalk;
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

  /** Conflicts listed with text at most; beyond it, the rest carry no text. */
  static final int MAX_TEXT_CONFLICTS = 100;

  private ThreeWay() {}

  /**
   * Merges {@code theirs} into {@code ours} from {@code base} (null: git's merge base, found as
   * {@code git merge} finds it, recursively) and settles the conflicts that {@code resolutions}
   * covers. {@code names} label the conflict markers (ours, theirs). Files over
   * {@code maxTextBytes} merge as binary, so a huge file cannot make the merge slow.
   */
  public static Result merge(Repository repo, ObjectInserter ins, ObjectId base, ObjectId ours, ObjectId theirs,
      String[] names, Map<String, Resolution> resolutions, int maxTextBytes) throws IOException {
    Config config = new Config(repo.getConfig());
    config.setInt("core", null, "bigfilethreshold", maxTextBytes);
    ResolveMerger merger = (ResolveMerger) (base == null ? MergeStrategy.RECURSIVE : MergeStrategy.RESOLVE)
        .newMerger(ins, config);
    DirCache index = DirCache.newInCore();
    merger.setDirCache(index);
    merger.setCommitNames(new String[] {"base", names[0], names[1]});
    if (base != null) {
      merger.setBase(base);
    }
    if (merger.merge(ours, theirs)) {
      requireNoStrayResolutions(resolutions, List.of());
      ObjectId tree = merger.getResultTreeId();
      return new Result(tree, List.of(), changed(repo, ours, tree));
    }
    List<Conflict> conflicts = conflicts(repo, index, merger.getMergeResults(), names, maxTextBytes);
    requireNoStrayResolutions(resolutions, conflicts);
    if (resolutions.keySet().containsAll(conflicts.stream().map(Conflict::path).toList())) {
      ObjectId tree = resolve(index, ins, resolutions);
      return new Result(tree, List.of(), changed(repo, ours, tree));
    }
    TreeSet<String> changed = new TreeSet<>(changed(repo, ours, resolve(index, ins, Map.of())));
    conflicts.forEach(c -> changed.add(c.path()));
    return new Result(null, conflicts, List.copyOf(changed));
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

  private static void requireNoStrayResolutions(Map<String, Resolution> resolutions, List<Conflict> conflicts) {
    for (String path : resolutions.keySet()) {
      if (conflicts.stream().noneMatch(c -> c.path().equals(path))) {
        throw BranchworkException.badRequest("'resolutions' names " + path + ", which is not in conflict");
      }
    }
  }

  private static List<Conflict> conflicts(Repository repo, DirCache index,
      Map<String, MergeResult<? extends Sequence>> results, String[] names, int maxTextBytes) throws IOException {
    Map<String, ObjectId[]> stages = new TreeMap<>();
    for (int i = 0; i < index.getEntryCount(); i++) {
      DirCacheEntry e = index.getEntry(i);
      if (e.getStage() != DirCacheEntry.STAGE_0) {
        stages.computeIfAbsent(e.getPathString(), k -> new ObjectId[4])[e.getStage()] = e.getObjectId();
      }
    }
    List<Conflict> out = new ArrayList<>();
    try (ObjectReader reader = repo.newObjectReader()) {
      for (Map.Entry<String, ObjectId[]> s : stages.entrySet()) {
        ObjectId[] st = s.getValue();
        Kind kind = st[1] == null ? Kind.ADD_ADD : st[2] == null ? Kind.DELETE_MODIFY
            : st[3] == null ? Kind.MODIFY_DELETE : Kind.CONTENT;
        MergeResult<? extends Sequence> merged = results.get(s.getKey());
        boolean binary = merged == null || binary(reader, st, maxTextBytes);
        String text = null;
        if (!binary && out.size() < MAX_TEXT_CONFLICTS) {
          ByteArrayOutputStream buf = new ByteArrayOutputStream();
          @SuppressWarnings("unchecked")
          MergeResult<RawText> asText = (MergeResult<RawText>) merged;
          new MergeFormatter().formatMerge(buf, asText, "base", names[0], names[1], StandardCharsets.UTF_8);
          text = buf.toString(StandardCharsets.UTF_8);
        }
        out.add(new Conflict(s.getKey(), binary && kind == Kind.CONTENT ? Kind.BINARY : kind, name(st[1]),
            name(st[2]), name(st[3]), text));
      }
    }
    return out;
  }

  /** Whether a side is binary, or too big to show as text (then it is not read at all). */
  private static boolean binary(ObjectReader reader, ObjectId[] stages, int maxTextBytes) throws IOException {
    for (ObjectId id : stages) {
      if (id == null) {
        continue;
      }
      var blob = reader.open(id, Constants.OBJ_BLOB);
      if (blob.getSize() > maxTextBytes || RawText.isBinary(blob.getCachedBytes(maxTextBytes))) {
        return true;
      }
    }
    return false;
  }

  private static String name(ObjectId id) {
    return id == null ? null : id.name();
  }

  /** The merged index with every conflict settled as resolved (unresolved ones left out), written as a tree. */
  private static ObjectId resolve(DirCache index, ObjectInserter ins, Map<String, Resolution> resolutions)
      throws IOException {
    DirCache out = DirCache.newInCore();
    DirCacheBuilder b = out.builder();
    Map<String, DirCacheEntry[]> conflicted = new TreeMap<>();
    for (int i = 0; i < index.getEntryCount(); i++) {
      DirCacheEntry e = index.getEntry(i);
      if (e.getStage() == DirCacheEntry.STAGE_0) {
        b.add(e);
      } else {
        conflicted.computeIfAbsent(e.getPathString(), k -> new DirCacheEntry[4])[e.getStage()] = e;
      }
    }
    for (Map.Entry<String, DirCacheEntry[]> c : conflicted.entrySet()) {
      DirCacheEntry[] st = c.getValue();
      Resolution r = resolutions.get(c.getKey());
      DirCacheEntry kept = null;
      if (r instanceof Resolution.Content content) {
        kept = new DirCacheEntry(c.getKey());
        DirCacheEntry like = st[2] != null ? st[2] : st[3];
        kept.setFileMode(like != null && like.getFileMode() == FileMode.EXECUTABLE_FILE
            ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
        kept.setObjectId(ins.insert(Constants.OBJ_BLOB, content.bytes()));
      } else if (r instanceof Resolution.Take take) {
        DirCacheEntry side = take.ours() ? st[2] : st[3];
        if (side != null) {
          kept = new DirCacheEntry(c.getKey());
          kept.setFileMode(side.getFileMode());
          kept.setObjectId(side.getObjectId());
        }
      }
      if (kept != null) {
        b.add(kept);
      }
    }
    b.finish();
    return out.writeTree(ins);
  }
}
