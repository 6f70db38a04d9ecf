package io.branchwork.gitstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The working tree as git objects, kept up to date path by path: the work-in-progress commit
 * that makes uncommitted edits durable, the way {@code git stash create} records them. It holds
 * an in-memory index of the whole tree; each capture re-hashes only the paths the ops touched,
 * and the index's cached subtrees make writing the tree cost the depth of the change, not the
 * size of the tree. Blocking; used by one op at a time.
 */
public final class WipTree {

  private static final PersonIdent WHO = new PersonIdent("Branchwork", "wip@branchwork.invalid");

  private final Repository repo;
  private final Path workTree;
  private final DirCache index;
  private final Set<String> touched = new TreeSet<>();
  /**
   * Touched paths whose content a write just stored as a blob (id and length): the capture takes
   * them as they are, without reading and hashing the file again. Any other change of a path
   * (a delete, a move, a checkout) touches it without one and drops it.
   */
  private final Map<String, DirCacheEntry> written = new HashMap<>();
  /** The last capture: its tree, the head it was on, and the commit made for them. */
  private ObjectId lastTree;
  private ObjectId lastHead;
  private ObjectId lastCommit;

  /** Starts from {@code index}: the working tree as it was checked out (entries with their stat data). */
  public WipTree(Repository repo, DirCache index) {
    this.repo = repo;
    this.workTree = repo.getWorkTree().toPath();
    this.index = index;
  }

  /** A tracker that has seen nothing yet: its first capture hashes the whole working tree. */
  public static WipTree fresh(Repository repo) throws IOException {
    WipTree t = new WipTree(repo, DirCache.newInCore());
    try (Stream<Path> top = Files.list(t.workTree)) {
      top.map(p -> p.getFileName().toString()).filter(n -> !n.equals(Constants.DOT_GIT)).forEach(t::touch);
    }
    return t;
  }

  /** An op changed {@code path} (a file, a directory, or something now gone). */
  public synchronized void touch(String path) {
    touched.add(path);
    String under = path + "/";
    written.keySet().removeIf(k -> k.equals(path) || k.startsWith(under));
  }

  /**
   * A write made {@code path} a regular file of {@code length} bytes whose blob {@code blob} is in
   * the repository already. Every change of the working tree goes through the workspace's ordered
   * queue and touches its paths, so until the next touch of {@code path} the file is that blob.
   */
  public synchronized void touchWritten(String path, ObjectId blob, long length) {
    touched.add(path);
    DirCacheEntry e = new DirCacheEntry(path);
    e.setFileMode(FileMode.REGULAR_FILE);
    e.setObjectId(blob);
    e.setLength(length);
    written.put(path, e);
  }

  /**
   * Brings the tree up to date with the touched paths and answers the work-in-progress commit on
   * top of {@code head}, or null when the working tree is exactly {@code head}'s tree.
   */
  public ObjectId capture(ObjectId head) throws IOException {
    List<String> paths;
    Map<String, DirCacheEntry> known;
    synchronized (this) {
      paths = new ArrayList<>(touched);
      known = new HashMap<>(written);
      touched.clear();
      written.clear();
    }
    try {
      return capture(head, paths, known);
    } catch (IOException | RuntimeException e) {
      // The paths go back to the touched set: otherwise the retry of the failed round would store
      // a tree without their changes, which no capture would look at again until an op touched
      // them anew. What an op did to one of them meanwhile wins over what this capture took.
      synchronized (this) {
        for (String p : paths) {
          if (touched.add(p) && known.containsKey(p)) {
            written.put(p, known.get(p));
          }
        }
      }
      throw e;
    }
  }

  private ObjectId capture(ObjectId head, List<String> paths, Map<String, DirCacheEntry> known)
      throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter(); RevWalk walk = new RevWalk(repo)) {
      if (!paths.isEmpty()) {
        // Every path is first removed (as a file and as a directory), then what is on disk now at
        // or under it is added back; the editor applies edits in path order, removals first.
        DirCacheEditor editor = index.editor();
        TreeMap<String, Path> present = new TreeMap<>();
        for (String p : paths) {
          editor.add(new DirCacheEditor.DeleteTree(p));
          editor.add(new DirCacheEditor.DeletePath(p));
          if (known.containsKey(p)) {
            continue;
          }
          for (Path file : filesUnder(workTree.resolve(p))) {
            present.put(workTree.relativize(file).toString().replace('\\', '/'), file);
          }
        }
        for (var e : present.entrySet()) {
          if (!known.containsKey(e.getKey())) {
            editor.add(entry(ins, e.getKey(), e.getValue()));
          }
        }
        for (DirCacheEntry e : known.values()) {
          editor.add(new DirCacheEditor.PathEdit(e) {
            @Override
            public void apply(DirCacheEntry ent) {
              ent.setFileMode(e.getFileMode());
              ent.setObjectId(e.getObjectId());
              ent.setLength(e.getLength());
            }
          });
        }
        editor.finish();
      }
      ObjectId tree = index.writeTree(ins);
      RevCommit headCommit = head == null ? null : walk.parseCommit(head);
      if (headCommit != null && headCommit.getTree().equals(tree)) {
        ins.flush();
        return null;
      }
      if (tree.equals(lastTree) && Objects.equals(head, lastHead)) {
        // Nothing moved since the last capture: the same commit, not a new one with a new date.
        return lastCommit;
      }
      CommitBuilder wip = new CommitBuilder();
      wip.setTreeId(tree);
      if (head != null) {
        wip.setParentId(head);
      }
      PersonIdent now = new PersonIdent(WHO, Instant.now());
      wip.setAuthor(now);
      wip.setCommitter(now);
      wip.setMessage("work in progress\n");
      ObjectId id = ins.insert(wip);
      ins.flush();
      lastTree = tree;
      lastHead = head;
      lastCommit = id;
      return id;
    }
  }

  /** The regular files and links at or under {@code p}, without following links; none when it is gone. */
  private static List<Path> filesUnder(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return List.of(p);
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(f -> !Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
    }
  }

  private static DirCacheEditor.PathEdit entry(ObjectInserter ins, String path, Path file) throws IOException {
    boolean link = Files.isSymbolicLink(file);
    ObjectId blob;
    long length;
    if (link) {
      byte[] target = Constants.encode(Files.readSymbolicLink(file).toString());
      blob = ins.insert(Constants.OBJ_BLOB, target);
      length = target.length;
    } else {
      length = Files.size(file);
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        blob = ins.insert(Constants.OBJ_BLOB, length, in);
      }
    }
    FileMode mode = link ? FileMode.SYMLINK : Files.isExecutable(file) ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE;
    Instant modified = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
    return IndexEdits.set(path, mode, blob, length, modified);
  }
}
