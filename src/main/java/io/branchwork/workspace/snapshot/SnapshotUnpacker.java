package io.branchwork.workspace.snapshot;

import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.files.FileTrees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a tar.gz into a fresh directory, refusing anything that could write outside it or
 * exhaust the disk: absolute names, {@code ..}, links whose target leaves the directory, writes
 * through links, devices and FIFOs, more than {@code maxBytes} unpacked or {@code maxEntries}
 * entries. A refused archive leaves nothing behind. Blocking.
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
      return extract(archive, root);
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteQuietly(root);
      if (e instanceof BranchworkException) {
        throw e;
      }
      throw BranchworkException.badRequest("not a readable tar.gz archive (" + e.getMessage() + ")");
    }
  }

  private long extract(InputStream raw, Path root) throws IOException {
    long bytes = 0;
    long entries = 0;
    byte[] buf = new byte[1 << 16];
    try (GzipCompressorInputStream gz = new GzipCompressorInputStream(new BufferedInputStream(raw, 1 << 16), true);
         TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (++entries > maxEntries) {
          throw BranchworkException.tooLarge("archive has more than " + maxEntries + " entries");
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
          Path linkTarget = Path.of(link);
          if (link.isEmpty() || link.indexOf('\0') >= 0 || linkTarget.isAbsolute()
              || !dest.getParent().resolve(linkTarget).normalize().startsWith(root)) {
            throw refuse(entry, "is a link that leaves the target");
          }
          Files.createDirectories(dest.getParent());
          Files.deleteIfExists(dest);
          Files.createSymbolicLink(dest, linkTarget);
        } else if (entry.isLink()) {
          // Hard links become copies of a file unpacked before, so no inode is shared with anything.
          Path source = root.resolve(relativeName(entry.getLinkName())).normalize();
          if (!source.startsWith(root) || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(entry, "is a hard link to nothing unpacked before");
          }
          bytes += Files.size(source);
          if (bytes > maxBytes) {
            throw BranchworkException.tooLarge("archive unpacks to more than " + maxBytes + " bytes");
          }
          Files.createDirectories(dest.getParent());
          Files.copy(source, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else if (isRegularFile(entry)) {
          Files.createDirectories(dest.getParent());
          try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = tar.read(buf)) > 0) {
              bytes += n;
              if (bytes > maxBytes) {
                throw BranchworkException.tooLarge("archive unpacks to more than " + maxBytes + " bytes");
              }
              out.write(buf, 0, n);
            }
          }
          if ((entry.getMode() & 0100) != 0) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dest);
            perms.addAll(EXEC);
            Files.setPosixFilePermissions(dest, perms);
          }
          // Keep the archive's mtime: git's index records it, and a mismatch makes every status
          // and commit re-hash the whole working tree.
          Files.setLastModifiedTime(dest, FileTime.from(entry.getLastModifiedDate().toInstant()));
        } else {
          throw refuse(entry, "is a special file of type '" + (char) entry.getLinkFlag() + "'");
        }
      }
    }
    return bytes;
  }

  /** Only plain files: commons-compress's isFile() also says yes to unknown types. */
  private static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
  }

  /** The entry's name without a leading "./"; refuses absolute names, "..", NUL and backslashes. */
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
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return n;
  }

  /** Refuses writing through a link unpacked earlier, the classic two-step escape. */
  private static void requireNoLinkOnTheWay(Path root, Path dest, TarArchiveEntry entry) {
    Path p = root;
    for (Path seg : root.relativize(dest.getParent() == null ? root : dest.getParent())) {
      if (seg.toString().isEmpty()) {
        break;
      }
      p = p.resolve(seg);
      if (Files.isSymbolicLink(p)) {
        throw refuse(entry, "would be written through a link");
      }
    }
  }

  private static BranchworkException refuse(TarArchiveEntry entry, String why) {
    return BranchworkException.badRequest("archive entry '" + printable(entry.getName()) + "' " + why);
  }

  private static String printable(String s) {
    String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return t.replaceAll("\\p{Cntrl}", "?");
  }
}
