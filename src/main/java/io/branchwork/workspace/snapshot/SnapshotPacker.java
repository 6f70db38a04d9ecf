package io.branchwork.workspace.snapshot;

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
 * are in sorted order and links are stored as links, never followed. Blocking.
 */
public final class SnapshotPacker {

  private SnapshotPacker() {}

  /** Packs {@code root} into {@code archive}; answers the archive's size in bytes. */
  public static long pack(Path root, Path archive, int gzipLevel) throws IOException {
    GzipParameters params = new GzipParameters();
    params.setCompressionLevel(gzipLevel);
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(archive), 1 << 16);
         GzipCompressorOutputStream gz = new GzipCompressorOutputStream(file, params);
         TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      addChildren(tar, root, "");
      tar.finish();
    }
    return Files.size(archive);
  }

  private static void addChildren(TarArchiveOutputStream tar, Path dir, String prefix) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    }
    for (Path child : children) {
      String name = prefix + child.getFileName().toString();
      BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
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
        addChildren(tar, child, name + "/");
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
