package io.branchwork.workspace.repo;

import io.branchwork.store.Content;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a pack for the store is written: in memory while it is small (a durability round's pack,
 * a merge of small packs), in a temporary file once it passes {@link #IN_MEMORY_MAX} (a round
 * that wrote big files). A round that made and deleted a temporary file each time paid for it in
 * the file system's inode allocation (see {@link Content}). Blocking; one writer.
 */
final class PackOut extends OutputStream {

  /** Bytes kept in memory before the rest goes to a file. */
  static final int IN_MEMORY_MAX = 8 << 20;

  private final Path tmpDir;
  private final int limit;
  private final Bytes memory = new Bytes();
  private Path file;
  private OutputStream fileOut;
  private boolean closed;

  PackOut(Path tmpDir) {
    this(tmpDir, IN_MEMORY_MAX);
  }

  PackOut(Path tmpDir, int limit) {
    this.tmpDir = tmpDir;
    this.limit = limit;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (fileOut == null && (long) memory.size() + len > limit) {
      file = Files.createTempFile(tmpDir, "pack-", ".pack");
      fileOut = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
      memory.writeTo(fileOut);
      memory.reset();
    }
    if (fileOut != null) {
      fileOut.write(b, off, len);
    } else {
      memory.write(b, off, len);
    }
  }

  @Override
  public void flush() throws IOException {
    if (fileOut != null) {
      fileOut.flush();
    }
  }

  /** Ends the writing: the file, if any, is complete. */
  @Override
  public void close() throws IOException {
    if (fileOut != null && !closed) {
      closed = true;
      fileOut.close();
    }
  }

  /** What was written (after {@link #close}); valid until {@link #discard}. */
  Content content() {
    return file != null ? Content.file(file) : memory.content();
  }

  /** Whether the pack went to a file. */
  boolean spilled() {
    return file != null;
  }

  /** Drops the temporary file, if any. Blocking. */
  void discard() throws IOException {
    try {
      close();
    } catch (IOException e) {
      // dropped anyway
    }
    if (file != null) {
      Files.deleteIfExists(file);
    }
  }

  /** {@link #discard} off the event loop, when there is a file to delete. */
  Future<Void> discard(Vertx vertx) {
    return file == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      discard();
      return null;
    }, false);
  }

  /** What a write into a {@link PackOut} makes. */
  @FunctionalInterface
  interface Writing<T> {
    T write(PackOut out) throws Exception;
  }

  /**
   * Runs {@code writing} into a new {@link PackOut} under {@code tmpDir} and closes it; on
   * failure, drops what it wrote. Blocking.
   */
  static <T> T write(Path tmpDir, Writing<T> writing) throws Exception {
    PackOut out = new PackOut(tmpDir);
    try (out) {
      return writing.write(out);
    } catch (Exception e) {
      out.discard();
      throw e;
    }
  }

  /** A byte array stream whose array is handed to the store as it is, not copied. */
  private static final class Bytes extends ByteArrayOutputStream {
    Content content() {
      return Content.bytes(buf, count);
    }
  }
}
