package io.branchwork.workspace.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.ErrorCode;
import io.branchwork.support.Cli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotUnpackerTest {

  @TempDir
  Path tmp;

  private Path target;
  private Path sandbox;

  @BeforeEach
  void setUp() throws IOException {
    // target sits two levels down in a sandbox, so escapes by ".." land in the sandbox where we look.
    sandbox = Files.createDirectories(tmp.resolve("sandbox"));
    target = sandbox.resolve("a/b/target");
  }

  /** Builds a tar.gz in memory from (name, type, content-or-link) triples. */
  private static byte[] archive(Object[]... entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Object[] e : entries) {
        String name = (String) e[0];
        byte type = (Byte) e[1];
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
        if (type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK) {
          entry.setLinkName((String) e[2]);
        } else if (type == TarConstants.LF_NORMAL) {
          byte[] content = ((String) e[2]).getBytes(StandardCharsets.UTF_8);
          entry.setSize(content.length);
          tar.putArchiveEntry(entry);
          tar.write(content);
          tar.closeArchiveEntry();
          continue;
        }
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static Object[] file(String name, String content) {
    return new Object[] {name, TarConstants.LF_NORMAL, content};
  }

  private static Object[] link(String name, String to) {
    return new Object[] {name, TarConstants.LF_SYMLINK, to};
  }

  private BranchworkException refused(byte[] archive, long maxBytes) {
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> new SnapshotUnpacker(maxBytes, 1000).unpack(new ByteArrayInputStream(archive), target));
    assertFalse(Files.exists(target), "a refused archive left its target behind");
    return e;
  }

  /** Everything in the sandbox except the (now removed) target's parents. */
  private long strayFiles() throws IOException {
    try (Stream<Path> s = Files.walk(sandbox)) {
      return s.filter(p -> !Files.isDirectory(p)).count();
    }
  }

  @Test
  @DisplayName("An entry that climbs out with '..' is refused and nothing is written outside")
  void tarSlip() throws IOException {
    BranchworkException e = refused(archive(file("ok.txt", "fine"), file("../../evil.txt", "pwned")), 1 << 20);
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertEquals(0, strayFiles());
  }

  @Test
  @DisplayName("An absolute entry name is refused")
  void absolute() throws IOException {
    Path abs = tmp.resolve("abs-evil.txt");
    refused(archive(file(abs.toString(), "pwned")), 1 << 20);
    assertFalse(Files.exists(abs));
  }

  @Test
  @DisplayName("A link whose target leaves the directory is refused, relative or absolute")
  void escapingLinks() throws IOException {
    refused(archive(link("up", "../../..")), 1 << 20);
    refused(archive(link("etc", "/etc")), 1 << 20);
    refused(archive(link("d/deep", "../../../x")), 1 << 20);
    assertEquals(0, strayFiles());
  }

  @Test
  @DisplayName("Writing through a link unpacked earlier is refused, even a link that stays inside")
  void writeThroughLink() throws IOException {
    refused(archive(link("inside", "."), file("inside/x.txt", "via link")), 1 << 20);
    assertEquals(0, strayFiles());
  }

  @Test
  @DisplayName("Devices and FIFOs are refused")
  void specialFiles() throws IOException {
    refused(archive(new Object[] {"fifo", TarConstants.LF_FIFO, null}), 1 << 20);
    refused(archive(new Object[] {"dev", TarConstants.LF_CHR, null}), 1 << 20);
    refused(archive(new Object[] {"blk", TarConstants.LF_BLK, null}), 1 << 20);
  }

  @Test
  @DisplayName("An archive that unpacks to more than the limit is too_large and leaves nothing behind")
  void oversize() throws IOException {
    String mb = "x".repeat(1 << 20);
    BranchworkException e = refused(archive(file("a", mb), file("b", mb)), (1 << 20) + 1000);
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertEquals(0, strayFiles());
  }

  @Test
  @DisplayName("Garbage is bad_request, not a crash")
  void garbage() {
    assertEquals(ErrorCode.BAD_REQUEST, refused("not a tarball".getBytes(StandardCharsets.UTF_8), 1 << 20).code());
  }

  @Test
  @DisplayName("Links that stay inside, executables and nested dirs round-trip through pack and the real tar")
  void roundTrip() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.createDirectories(src.resolve("docs/deep"));
    Files.writeString(src.resolve("README.md"), "readme");
    Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho hi\n");
    src.resolve("run.sh").toFile().setExecutable(true);
    Files.createSymbolicLink(src.resolve("docs/deep/readme-link"), Path.of("../../README.md"));
    Path archive = tmp.resolve("a.tar.gz");
    SnapshotPacker.pack(src, archive, 1);

    new SnapshotUnpacker(1 << 20, 1000).unpack(archive, target);
    assertEquals("readme", Files.readString(target.resolve("docs/deep/readme-link")));
    assertTrue(Files.isSymbolicLink(target.resolve("docs/deep/readme-link")));
    assertTrue(Files.isExecutable(target.resolve("run.sh")));

    Path viaTar = Files.createDirectories(tmp.resolve("via-tar"));
    Cli.run(viaTar, "tar", "-xzf", archive.toString());
    assertEquals("readme", Files.readString(viaTar.resolve("README.md")));
    assertTrue(Files.isExecutable(viaTar.resolve("run.sh")));
    assertTrue(Files.isSymbolicLink(viaTar.resolve("docs/deep/readme-link")));
  }

  @Test
  @DisplayName("A hard link to a file unpacked before becomes a copy of it")
  void hardLink() throws IOException {
    byte[] a = archive(file("orig.txt", "same"), new Object[] {"copy.txt", TarConstants.LF_LINK, "orig.txt"});
    new SnapshotUnpacker(1 << 20, 1000).unpack(new ByteArrayInputStream(a), target);
    assertEquals("same", Files.readString(target.resolve("copy.txt")));
    io.branchwork.workspace.files.FileTrees.deleteRecursively(target);
    refused(archive(new Object[] {"evil", TarConstants.LF_LINK, "../../../outside"}), 1 << 20);
  }
}
