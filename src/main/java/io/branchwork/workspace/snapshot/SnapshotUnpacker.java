package io.branchwork.workspace.snapshot;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.gitstore.TreeGuard;
import io.branchwork.gitstore.WorkspacePaths;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Unpacks a tar.gz into a fresh directory, refusing anything that could write outside it, read
 * the host through it, or exhaust the disk or the heap. The rules, each checked before the
 * entry is written:
 * <ul>
 *   <li>no absolute name, no {@code ..}, no segment over 255 bytes;</li>
 *   <li>no entry is written through a link: every parent on the way is a real directory;</li>
 *   <li>a hard link becomes a copy of a regular file unpacked before, reached with no link on the
 *       way (so a chain of symlinks cannot make it copy a host file);</li>
 *   <li>a symlink's target is relative, and after the last entry every symlink is resolved through
 *       the tree as it finally is (links followed, with a hop limit): it must stay inside and out
 *       of {@code .git}; no symlink may sit under a {@code .git} directory;</li>
 *   <li>no device, FIFO or unknown type; header data bounded by {@link TarHeaderGuard};</li>
 *   <li>every entry's declared size is checked against what is left of {@code maxBytes} before
 *       a byte of it is written; at most {@code maxEntries} entries.</li>
 * </ul>
 * A refused archive leaves nothing behind. Blocking.
 */
public final class SnapshotUnpacker {

  private static final Set<PosixFilePermission> EXEC = EnumSet.of(PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

  private final long maxBytes;
  private final long maxEntries;

  public SnapshotUnpacker(long maxBytes, long maxEntries) {
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /** Unpacks {@code archive} into {@code target}, which must not exist yet; answers bytes written. */
  public long unpack(Path archive, Path target) throws IOException {
    try (InputStream in = Files.newInputStream(archive)) {
      return unpack(in, target);
    }
  }

  public long unpack(InputStream archive, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Files.createDirectory(target);
    Path root = target.toRealPath();
    try {
      List<Path> links = new ArrayList<>();
      long bytes = extract(archive, root, links);
      for (Path link : links) {
        TreeGuard.requireLinkInside(root, link);
      }
      return bytes;
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteQuietly(root);
      if (e instanceof BranchworkException) {
        throw e;
      }
      throw BranchworkException.badRequest("not a readable tar.gz archive (" + printable(String.valueOf(e.getMessage()))
          + ")");
    }
  }

  private long extract(InputStream raw, Path root, List<Path> links) throws IOException {
    long bytes = 0;
    long entries = 0;
    byte[] buf = new byte[1 << 16];
    // The JDK's gzip reader skips a member's name and comment fields without buffering them.
    try (InputStream gz = new GZIPInputStream(new BufferedInputStream(raw, 1 << 16), 1 << 16);
         TarArchiveInputStream tar = new TarArchiveInputStream(new TarHeaderGuard(gz))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (++entries > maxEntries) {
          throw BranchworkException.tooLarge("archive has more than " + maxEntries
              + " entries (limits.maxSnapshotEntries)");
        }
        String rel = relativeName(entry.getName());
        if (rel.isEmpty()) {
          continue; // the archive's own root, "./"
        }
        Path dest = root.resolve(rel).normalize();
        if (!dest.startsWith(root) || dest.equals(root)) {
          throw refuse(entry, "lands outside the target");
        }
        requireNoLinkOnTheWay(root, dest, entry);
        if (Files.isSymbolicLink(dest) || Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS) && !entry.isDirectory()) {
          throw refuse(entry, "replaces an entry already unpacked");
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
          throw refuse(entry, "is a device or FIFO");
        } else if (entry.isDirectory()) {
          Files.createDirectories(dest);
        } else if (entry.isSymbolicLink()) {
          String link = entry.getLinkName();
          if (link.isEmpty() || link.indexOf('\0') >= 0 || Path.of(link).isAbsolute()
              || link.getBytes(StandardCharsets.UTF_8).length > WorkspacePaths.MAX_PATH_BYTES
              || !dest.getParent().resolve(link).normalize().startsWith(root)) {
            throw refuse(entry, "is a link that leaves the target");
          }
          if (TreeGuard.underGitDir(root, dest)) {
            throw refuse(entry, "is a link inside .git");
          }
          Files.createDirectories(dest.getParent());
          Files.deleteIfExists(dest);
          Files.createSymbolicLink(dest, Path.of(link));
          links.add(dest);
        } else if (entry.isLink()) {
          // Hard links become copies of a file unpacked before, so no inode is shared with anything.
          Path source = root.resolve(relativeName(entry.getLinkName())).normalize();
          if (!source.startsWith(root) || source.equals(root)) {
            throw refuse(entry, "is a hard link to something outside");
          }
          requireNoLinkOnTheWay(root, source, entry);
          if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(entry, "is a hard link to nothing unpacked before");
          }
          bytes = budget(bytes, Files.size(source));
          Files.createDirectories(dest.getParent());
          Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
        } else if (isRegularFile(entry)) {
          bytes = budget(bytes, entry.getSize()); // declared, checked before a byte is written
          Files.createDirectories(dest.getParent());
          long written = 0;
          try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = tar.read(buf)) > 0) {
              written += n;
              if (written > entry.getSize()) {
                throw refuse(entry, "holds more data than its header declares");
              }
              out.write(buf, 0, n);
            }
          }
          if ((entry.getMode() & 0100) != 0) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dest, LinkOption.NOFOLLOW_LINKS);
            perms.addAll(EXEC);
            Files.setPosixFilePermissions(dest, perms);
          }
          Files.getFileAttributeView(dest, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .setTimes(mtime(entry), null, null);
        } else {
          throw refuse(entry, "is a special file of type '" + (char) entry.getLinkFlag() + "'");
        }
      }
    }
    return bytes;
  }

  /**
   * The archive's mtime, so git's index (which records it) stays valid and status does not
   * re-hash the tree. Tar keeps whole seconds; a whole-second mtime makes JGit compare whole
   * seconds only, so a same-size write in that same second would look unmodified to status and
   * commit. A millisecond past the second keeps the comparison exact.
   */
  private static FileTime mtime(TarArchiveEntry entry) {
    Instant t = entry.getLastModifiedTime().toInstant();
    return FileTime.from(t.getNano() == 0 ? t.plusMillis(1) : t);
  }

  private long budget(long used, long more) {
    if (more < 0 || more > maxBytes - used) {
      throw BranchworkException.tooLarge("archive unpacks to more than " + maxBytes
          + " bytes (limits.maxSnapshotBytes)");
    }
    return used + more;
  }

  /** Only plain files: commons-compress's isFile() also says yes to unknown types. */
  private static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
  }

  /** The entry's name without a leading "./"; refuses absolute names, "..", NUL, backslashes, long segments. */
  private static String relativeName(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    if (n.equals(".")) {
      return "";
    }
    if (n.startsWith("/") || n.indexOf('\0') >= 0 || n.indexOf('\\') >= 0) {
      throw BranchworkException.badRequest("archive entry '" + printable(name) + "' has an absolute or odd name");
    }
    for (String seg : n.split("/")) {
      if (seg.equals("..")) {
        throw BranchworkException.badRequest("archive entry '" + printable(name) + "' climbs out with '..'");
      }
      if (seg.getBytes(StandardCharsets.UTF_8).length > WorkspacePaths.MAX_SEGMENT_BYTES) {
        throw BranchworkException.badRequest("archive entry '" + printable(name) + "' has a name segment longer than "
            + WorkspacePaths.MAX_SEGMENT_BYTES + " bytes");
      }
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return n;
  }

  /** Refuses reaching {@code dest} through a link unpacked earlier, the classic two-step escape. */
  private static void requireNoLinkOnTheWay(Path root, Path dest, TarArchiveEntry entry) {
    Path p = root;
    for (Path seg : root.relativize(dest.getParent() == null ? root : dest.getParent())) {
      if (seg.toString().isEmpty()) {
        break;
      }
      p = p.resolve(seg);
      if (Files.isSymbolicLink(p)) {
        throw refuse(entry, "would go through a link");
      }
    }
  }

  private static BranchworkException refuse(TarArchiveEntry entry, String why) {
    return BranchworkException.badRequest("archive entry '" + printable(entry.getName()) + "' " + why);
  }

  private static String printable(String s) {
    return WorkspacePaths.printable(s.length() > 200 ? s.substring(0, 200) + "..." : s);
  }
}
