package io.branchwork.workspace.snapshot;

import io.branchwork.core.BranchworkException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes a working copy, {@code .git} included, as a tar.gz that {@code tar -xzf} unpacks. Entries
 * are in sorted order and links are stored as links, never followed. A tree past the limits that
 * {@link SnapshotUnpacker} enforces on load is refused with {@code too_large}: what is saved can
 * always be loaded again. Blocking.
 */
public final class SnapshotPacker {

  /** Counts what is packed against the unpacker's limits, counted the way it counts. */
  private static final class Budget {
    final long maxBytes;
    final long maxEntries;
    long bytes;
    long entries;

    Budget(long maxBytes, long maxEntries) {
      this.maxBytes = maxBytes;
      this.maxEntries = maxEntries;
    }

    void entry(long size) {
      if (++entries > maxEntries) {
        throw BranchworkException.tooLarge("the working copy has more than " + maxEntries
            + " entries (limits.maxSnapshotEntries); it could not be loaded again, so it is not saved");
      }
      bytes += size;
      if (bytes > maxBytes) {
        throw BranchworkException.tooLarge("the working copy holds more than " + maxBytes
            + " bytes (limits.maxSnapshotBytes); it could not be loaded again, so it is not saved");
      }
    }
  }

  private SnapshotPacker() {}

  /** Packs {@code root} into {@code archive} with no limits; answers the archive's size in bytes. */
  public static long pack(Path root, Path archive, int gzipLevel) throws IOException {
    return pack(root, archive, gzipLevel, Long.MAX_VALUE, Long.MAX_VALUE);
  }

  /** Packs {@code root} into {@code archive}, refusing more than the load limits; answers the archive's size. */
  public static long pack(Path root, Path archive, int gzipLevel, long maxBytes, long maxEntries) throws IOException {
    Budget budget = new Budget(maxBytes, maxEntries);
    GzipParameters params = new GzipParameters();
    params.setCompressionLevel(gzipLevel);
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(archive), 1 << 16);
         GzipCompressorOutputStream gz = new GzipCompressorOutputStream(file, params);
         TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      addChildren(tar, root, "", budget);
      tar.finish();
    }
    return Files.size(archive);
  }

  private static void addChildren(TarArchiveOutputStream tar, Path dir, String prefix, Budget budget)
      throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    }
    for (Path child : children) {
      String name = prefix + child.getFileName().toString();
      BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      budget.entry(attrs.isRegularFile() ? attrs.size() : 0);
      if (attrs.isSymbolicLink()) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(Files.readSymbolicLink(child).toString());
        e.setModTime(attrs.lastModifiedTime());
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      } else if (attrs.isDirectory()) {
        TarArchiveEntry e = new TarArchiveEntry(name + "/");
        e.setModTime(attrs.lastModifiedTime());
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        addChildren(tar, child, name + "/", budget);
      } else if (attrs.isRegularFile()) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(attrs.size());
        e.setMode(Files.isExecutable(child) ? 0100755 : 0100644);
        e.setModTime(attrs.lastModifiedTime());
        tar.putArchiveEntry(e);
        Files.copy(child, tar);
        tar.closeArchiveEntry();
      }
      // Sockets, FIFOs and devices have no place in a working copy and are left out.
    }
  }
}
