package io.branchwork.workspace.files;

import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.WorkspacePaths;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectInserter;

/**
 * The files of one working copy, addressed by contract paths (already checked by
 * {@link WorkspacePaths}). Never follows a symbolic link and never touches {@code .git}.
 * Blocking: the workspace calls it from {@code executeBlocking}, one op at a time.
 */
public final class WorkingCopy {

  /** One entry of a listing. */
  public record Entry(String path, boolean dir, long size) {}

  /** A file's content and blob id. */
  public record Content(byte[] bytes, String blob) {}

  /** Gives written content its blob id: hashing only, or (a workspace) storing the blob as well. */
  @FunctionalInterface
  public interface Blobs {
    String id(byte[] content) throws IOException;
  }

  private final Path root;
  private final int maxFileBytes;
  private final long maxTreeBytes;
  /** Bytes of regular files as the load counted them, kept up by writes, deletes and pushes (not .git). */
  private final AtomicLong treeBytes;
  private final Blobs blobs;

  public WorkingCopy(Path root, int maxFileBytes) {
    this(root, maxFileBytes, Long.MAX_VALUE, 0, WorkingCopy::blobId);
  }

  /**
   * A copy whose files may not grow past {@code maxTreeBytes}, holding {@code treeBytes} now;
   * {@code blobs} names (and may store) what {@link #write} writes.
   */
  public WorkingCopy(Path root, int maxFileBytes, long maxTreeBytes, long treeBytes, Blobs blobs) {
    this.root = root;
    this.maxFileBytes = maxFileBytes;
    this.maxTreeBytes = maxTreeBytes;
    this.treeBytes = new AtomicLong(treeBytes);
    this.blobs = blobs;
  }

  /** The largest file {@link #read} and {@link #write} handle. */
  public int maxFileBytes() {
    return maxFileBytes;
  }

  public Path root() {
    return root;
  }

  /** Bytes of regular files in the copy, as counted since the load. */
  public long bytesUsed() {
    return treeBytes.get();
  }

  /** Something other than this class's own ops (a push checked out) changed the files by {@code delta} bytes. */
  public void changedBy(long delta) {
    treeBytes.addAndGet(delta);
  }

  /** The git blob id of {@code bytes}, as {@code git hash-object} prints it. */
  public static String blobId(byte[] bytes) {
    try (ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
      return f.idFor(Constants.OBJ_BLOB, bytes).name();
    }
  }

  public List<Entry> list(String dir, boolean recursive) throws IOException {
    Path start = resolve(dir);
    if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS)) {
      throw Files.exists(start, LinkOption.NOFOLLOW_LINKS)
          ? BranchworkException.badRequest("not a directory: " + dir)
          : BranchworkException.notFound("no such directory: " + dir);
    }
    List<Entry> out = new ArrayList<>();
    if (recursive) {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          if (d.equals(start)) {
            return FileVisitResult.CONTINUE;
          }
          if (isGitDir(d)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          out.add(new Entry(relative(d), true, 0));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
          if (!isGitDir(f)) {
            out.add(new Entry(relative(f), false, attrs.size()));
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } else {
      try (Stream<Path> s = Files.list(start)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (isGitDir(p)) {
            continue;
          }
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          out.add(new Entry(relative(p), a.isDirectory(), a.isDirectory() ? 0 : a.size()));
        }
      }
    }
    out.sort(Comparator.comparing(Entry::path));
    return out;
  }

  public Content read(String path) throws IOException {
    Path file = existingFile(path);
    long size = Files.size(file);
    if (size > maxFileBytes) {
      throw BranchworkException.tooLarge("file is larger than " + maxFileBytes + " bytes");
    }
    byte[] bytes = Files.readAllBytes(file);
    return new Content(bytes, blobId(bytes));
  }

  /**
   * Writes a file. {@code base} null: always; "": only if it does not exist; a blob id: only if
   * the file is still that blob. Answers the new blob id.
   */
  public String write(String path, byte[] content, String base) throws IOException {
    if (content.length > maxFileBytes) {
      throw BranchworkException.tooLarge("file is larger than " + maxFileBytes + " bytes");
    }
    Path file = resolve(path);
    checkBase(path, file, base);
    // One stat for what is there now (nothing, a file, a directory), not one per question.
    BasicFileAttributes there = FileWrites.attributesOrNull(file);
    if (there != null && there.isDirectory()) {
      throw BranchworkException.conflict("a directory is in the way: " + path);
    }
    boolean regular = there != null && there.isRegularFile();
    long old = regular ? there.size() : 0;
    if (treeBytes.get() - old + content.length > maxTreeBytes) {
      throw BranchworkException.tooLarge("the working copy would hold more than " + maxTreeBytes
          + " bytes (limits.maxSnapshotBytes), more than a save could store and a load unpack");
    }
    if (regular && old <= FileWrites.IN_PLACE_MAX_BYTES) {
      FileWrites.overwrite(file, content);
    } else {
      createParents(file.getParent(), path);
      FileWrites.replace(file, content, there != null);
    }
    treeBytes.addAndGet(content.length - old);
    return blobs.id(content);
  }

  public void delete(String path, String base) throws IOException {
    Path file = existingFile(path);
    checkBase(path, file, base);
    long size = Files.size(file);
    Files.delete(file);
    treeBytes.addAndGet(-size);
    pruneEmptyParents(file.getParent());
  }

  /** Moves a file or directory; answers the files moved as (from, to, blob) triples. */
  public List<String[]> move(String from, String to) throws IOException {
    Path src = resolve(from);
    Path dst = resolve(to);
    if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(src)) {
      throw BranchworkException.notFound("no such file or directory: " + from);
    }
    if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
      throw BranchworkException.conflict("already exists: " + to);
    }
    if (dst.startsWith(src)) {
      throw BranchworkException.badRequest("cannot move a directory into itself");
    }
    List<String[]> moved = new ArrayList<>();
    if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
      for (Entry e : list(from, true)) {
        if (!e.dir()) {
          String rest = e.path().substring(from.length());
          moved.add(new String[] {e.path(), to + rest, null});
        }
      }
    } else {
      moved.add(new String[] {from, to, null});
    }
    createParents(dst.getParent(), to);
    Files.move(src, dst);
    pruneEmptyParents(src.getParent());
    for (String[] m : moved) {
      Path p = root.resolve(m[1]);
      if (!Files.isSymbolicLink(p) && Files.size(p) <= maxFileBytes) {
        m[2] = blobId(Files.readAllBytes(p));
      }
    }
    return moved;
  }

  // --- helpers

  private Path resolve(String path) {
    if (path.isEmpty()) {
      return root;
    }
    Path p = root.resolve(path).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw BranchworkException.badRequest("path leaves the workspace");
    }
    // Refuse any existing link on the way, so that no op reads or writes outside the copy.
    Path cur = root;
    for (Path seg : root.relativize(p)) {
      cur = cur.resolve(seg);
      if (Files.isSymbolicLink(cur)) {
        throw BranchworkException.badRequest("path goes through a symbolic link");
      }
      if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
        break;
      }
    }
    return p;
  }

  private Path existingFile(String path) {
    Path file = resolve(path);
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      throw BranchworkException.badRequest("is a directory: " + path);
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw BranchworkException.notFound("no such file: " + path);
    }
    return file;
  }

  private void checkBase(String path, Path file, String base) throws IOException {
    if (base == null) {
      return;
    }
    boolean exists = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
    if (base.isEmpty()) {
      if (exists || Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw BranchworkException.conflict("already exists: " + path);
      }
      return;
    }
    if (!exists) {
      throw BranchworkException.conflict("the file is gone, expected blob " + base);
    }
    String current = blobId(Files.readAllBytes(file));
    if (!current.equals(base)) {
      throw BranchworkException.conflict("the file changed: it is blob " + current + ", not " + base);
    }
  }

  private void createParents(Path parent, String path) throws IOException {
    Path cur = root;
    for (Path seg : root.relativize(parent)) {
      if (seg.toString().isEmpty()) {
        break;
      }
      cur = cur.resolve(seg);
      if (Files.exists(cur, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) {
        throw BranchworkException.conflict("a file is in the way of " + path);
      }
    }
    Files.createDirectories(parent);
  }

  /** Git has no empty directories; removing them keeps listings and status in step with it. */
  private void pruneEmptyParents(Path dir) throws IOException {
    Path d = dir;
    while (d != null && !d.equals(root) && d.startsWith(root)) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException e) {
        return;
      }
      d = d.getParent();
    }
  }

  private boolean isGitDir(Path p) {
    return p.getFileName().toString().equalsIgnoreCase(".git");
  }

  private String relative(Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }
}
