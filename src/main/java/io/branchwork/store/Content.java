package io.branchwork.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bytes for the store to keep: a file (an archive, a pushed or big pack) or, for the small packs
 * of the write path, an array in memory, which spares each durability round a temporary file
 * made and deleted (on a file system without a journal, ext4 scans past every inode freed in the
 * last half minute when it makes a new one: a tenth of a busy server's time).
 */
public sealed interface Content {

  /** Opens the bytes from the start (blocking for a file). */
  InputStream open() throws IOException;

  static Content file(Path path) {
    return new InFile(path);
  }

  /** The first {@code length} bytes of {@code bytes}, which the caller no longer changes. */
  static Content bytes(byte[] bytes, int length) {
    return new InMemory(bytes, length);
  }

  record InFile(Path path) implements Content {
    @Override
    public InputStream open() throws IOException {
      return Files.newInputStream(path);
    }
  }

  record InMemory(byte[] bytes, int length) implements Content {
    public InMemory {
      if (length < 0 || length > bytes.length) {
        throw new IllegalArgumentException("length " + length + " outside an array of " + bytes.length);
      }
    }

    @Override
    public InputStream open() {
      return new ByteArrayInputStream(bytes, 0, length);
    }
  }
}
