package io.branchwork.workspace.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWritesTest {

  @TempDir
  Path dir;

  private static Object inode(Path p) throws Exception {
    return Files.getAttribute(p, "unix:ino");
  }

  private List<String> names() throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @DisplayName("A small existing file is rewritten in place, shorter or longer, keeping its inode")
  void inPlace() throws Exception {
    Path f = dir.resolve("a.txt");
    FileWrites.replace(f, "a longer first version".getBytes(StandardCharsets.UTF_8), false);
    Object ino = inode(f);
    FileWrites.overwrite(f, "short".getBytes(StandardCharsets.UTF_8));
    assertEquals("short", Files.readString(f));
    FileWrites.overwrite(f, "now a much longer second version".getBytes(StandardCharsets.UTF_8));
    assertEquals("now a much longer second version", Files.readString(f));
    FileWrites.overwrite(f, new byte[0]);
    assertEquals(0, Files.size(f));
    assertEquals(ino, inode(f), "no new file was made");
    assertEquals(List.of("a.txt"), names());
  }

  @Test
  @DisplayName("A big file is replaced through a new file, leaving no temporary file behind")
  void bigReplace() throws Exception {
    Path f = dir.resolve("big.bin");
    byte[] big = new byte[FileWrites.IN_PLACE_MAX_BYTES + 1];
    Arrays.fill(big, (byte) 7);
    FileWrites.replace(f, "small".getBytes(StandardCharsets.UTF_8), false);
    Object ino = inode(f);
    FileWrites.replace(f, big, true);
    assertArrayEquals(big, Files.readAllBytes(f));
    assertNotEquals(ino, inode(f));
    assertEquals(List.of("big.bin"), names());
  }

  @Test
  @DisplayName("Creating a file never writes through a name that already exists")
  void createNew() throws Exception {
    Path f = dir.resolve("new.txt");
    FileWrites.replace(f, "one".getBytes(StandardCharsets.UTF_8), false);
    assertEquals("one", Files.readString(f));
    org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileAlreadyExistsException.class,
        () -> FileWrites.replace(f, "two".getBytes(StandardCharsets.UTF_8), false));
    assertEquals("one", Files.readString(f), "the file is untouched");
  }
}
