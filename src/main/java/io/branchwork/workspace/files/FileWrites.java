package io.branchwork.workspace.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * How {@link WorkingCopy#write} puts a file's bytes on disk: in place when the file exists, else
 * a new file; a failed write leaves the old file as it was. Callers have checked the path (no link
 * on the way, nothing outside the copy).
 */
final class FileWrites {

  private FileWrites() {}

  /**
   * What is at {@code file}, links not followed; null when nothing can be read there (as
   * {@link Files#exists} and {@link Files#isDirectory} answer false then: a file in place of a
   * parent directory is then found by the write's parent check, with its own code).
   */
  static BasicFileAttributes attributesOrNull(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
  }

  /** Past this size an existing file is replaced through a new file rather than rewritten in place. */
  static final int IN_PLACE_MAX_BYTES = 256 * 1024;

  /*
   * Why not a temp file renamed over the old one, for each write: on ext4 a rename that replaces
   * a file, and the close of a file opened with O_TRUNC, send the data to the device at once, on
   * the write's own path (auto_da_alloc), and allocating inodes slows down as freed ones pile up
   * (recently_deleted). Together that was most of the server's time in a profile of 4 KiB writes.
   * The working copy needs no crash-atomic replace (a crash rebuilds it from the store); what it
   * keeps is that a write that fails leaves the old file as it was.
   */

  /** Rewrites an existing file in place (no inode made or freed); a failed write puts the old bytes back. */
  static void overwrite(Path file, byte[] content) throws IOException {
    byte[] before = Files.readAllBytes(file);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      try {
        writeAt(ch, content);
      } catch (IOException e) {
        try {
          writeAt(ch, before);
        } catch (IOException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
    }
  }

  /** Writes {@code content} from the start of {@code ch} and cuts the file there. */
  private static void writeAt(FileChannel ch, byte[] content) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(content);
    long at = 0;
    while (buf.hasRemaining()) {
      at += ch.write(buf, at);
    }
    ch.truncate(content.length);
  }

  /**
   * Writes a new file, or replaces a big one: into a new file opened without O_TRUNC, then (for a
   * replace) the old file unlinked and the new one renamed to its free name.
   */
  static void replace(Path file, byte[] content, boolean exists) throws IOException {
    Path target = exists ? Files.createTempFile(file.getParent(), ".bw-", ".tmp") : file;
    FileChannel ch;
    try {
      ch = exists ? FileChannel.open(target, StandardOpenOption.WRITE)
          : FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      if (exists) {
        Files.deleteIfExists(target);
      }
      throw e; // nothing made: a name that exists is never written through
    }
    boolean done = false;
    try (ch) {
      writeAt(ch, content);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(target); // made here, half written
      }
    }
    if (exists) {
      try {
        Files.delete(file);
        Files.move(target, file);
      } finally {
        Files.deleteIfExists(target);
      }
    }
  }
}
