package io.branchwork.workspace.git;

import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.git.ThreeWay.Conflict;
import io.branchwork.workspace.git.ThreeWay.Kind;
import io.branchwork.workspace.git.ThreeWay.Resolution;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.Sequence;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.merge.MergeFormatter;
import org.eclipse.jgit.merge.MergeResult;

/**
 * The in-core index a JGit merge leaves: stage 0 is what merged cleanly, stages 1 to 3 the
 * conflicts. Here they are read out as data, and written back as a tree once resolved.
 */
final class MergeIndex {

  /** Conflicts listed with text at most; beyond it, the rest carry no text. */
  static final int MAX_TEXT_CONFLICTS = 100;

  private MergeIndex() {}

  static void requireNoStrayResolutions(Map<String, Resolution> resolutions, List<Conflict> conflicts) {
    for (String path : resolutions.keySet()) {
      if (conflicts.stream().noneMatch(c -> c.path().equals(path))) {
        throw BranchworkException.badRequest("'resolutions' names " + path + ", which is not in conflict");
      }
    }
  }

  static List<Conflict> conflicts(Repository repo, DirCache index,
      Map<String, MergeResult<? extends Sequence>> results, String[] names, int maxTextBytes, String prefix)
      throws IOException {
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
        out.add(new Conflict(prefix + s.getKey(), binary && kind == Kind.CONTENT ? Kind.BINARY : kind, name(st[1]),
            name(st[2]), name(st[3]), text));
      }
    }
    return out;
  }

  /** Whether a side is binary, or too big to show as text (then it is not read at all). */
  static boolean binary(ObjectReader reader, ObjectId[] stages, int maxTextBytes) throws IOException {
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

  static String name(ObjectId id) {
    return id == null ? null : id.name();
  }

  /** The merged index with every conflict settled as resolved (unresolved ones left out), written as a tree. */
  static ObjectId resolve(DirCache index, ObjectInserter ins, Map<String, Resolution> resolutions)
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
      // Keyed by the path in the directory the index is of.
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
