package io.branchwork.workspace.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.support.Cli;
import io.branchwork.support.Tars;
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
    io.branchwork.core.FileTrees.deleteRecursively(target);
    refused(archive(new Object[] {"evil", TarConstants.LF_LINK, "../../../outside"}), 1 << 20);
  }

  // --- issue 11: links that are inside by name and outside in fact; header and size bombs

  @Test
  @DisplayName("A chain of links each lexically inside (up0 -> ., up1 -> up0/.., ...) that climbs to / is refused")
  void climbingChain() {
    byte[] a = Tars.create().file("ok.txt", "x").climbingChain("", 24).gzip();
    BranchworkException e = refused(a, 1 << 20);
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertTrue(e.getMessage().contains("leads out"), e.getMessage());
  }

  @Test
  @DisplayName("A hard link through the climbing chain to a host file is refused, and the host file is not copied")
  void hardLinkThroughChain() throws IOException {
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "host secret");
    // target is sandbox/a/b/target: four levels of '..' from target reach tmp, where the secret is
    byte[] a = Tars.create().climbingChain("", 4).hardlink("stolen", "up4/secret.txt").gzip();
    BranchworkException e = refused(a, 1 << 20);
    assertTrue(e.getMessage().contains("through a link"), e.getMessage());
    assertEquals("host secret", Files.readString(secret));
    assertEquals(0, strayFiles());
  }

  @Test
  @DisplayName("A link whose meaning a later entry changes (x -> d/.. then d -> .) is refused after the last entry")
  void laterEntryChangesALink() {
    assertEquals(ErrorCode.BAD_REQUEST, refused(Tars.create().symlink("x", "d/..").symlink("d", ".").gzip(), 1 << 20)
        .code());
  }

  @Test
  @DisplayName("No link may sit under .git, even one that stays inside: JGit and the compile cache write there")
  void noLinkUnderGit() {
    refused(Tars.create().dir(".git").symlink(".git/branchwork", "../sub").gzip(), 1 << 20);
    refused(Tars.create().dir("repo/.git").symlink("repo/.git/logs", "../x").gzip(), 1 << 20);
    refused(Tars.create().dir(".GIT").symlink(".GIT/logs", "../x").gzip(), 1 << 20);
  }

  @Test
  @DisplayName("A link into .git from the working tree is refused")
  void noLinkIntoGit() {
    refused(Tars.create().dir(".git").file(".git/config", "").symlink("cfg", ".git/config").gzip(), 1 << 20);
  }

  @Test
  @DisplayName("A GNU long name declaring 1.5 GiB is refused from its header, before a byte of it is read")
  void longNameBomb() throws IOException {
    CountingInput in = new CountingInput(Tars.gzip(Tars.header("././@LongLink", 'L', 1536L << 20)));
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> new SnapshotUnpacker(1 << 20, 1000).unpack(in, target));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(in.count < 4096, "read " + in.count + " bytes");
  }

  @Test
  @DisplayName("A PAX header declaring 2 GiB, a PAX 'size' key and a GNU sparse entry are refused")
  void paxAndSparse() throws IOException {
    assertEquals(ErrorCode.TOO_LARGE, refused(Tars.gzip(Tars.header("PaxHeaders/x", 'x', 2L << 30)), 1 << 20).code());
    byte[] pax = "20 size=99999999999\n".getBytes(StandardCharsets.UTF_8);
    byte[] paxSize = Tars.gzip(Tars.concat(Tars.header("PaxHeaders/x", 'x', pax.length), Tars.pad(pax)));
    assertEquals(ErrorCode.BAD_REQUEST, refused(paxSize, 1 << 20).code());
    assertEquals(ErrorCode.BAD_REQUEST, refused(Tars.gzip(Tars.header("sparse", 'S', 0)), 1 << 20).code());
  }

  @Test
  @DisplayName("A gzip bomb stops at the limit as the bytes arrive: an entry declaring more than is left is refused unwritten")
  void gzipBomb() throws IOException {
    // 64 MiB of zeros declared in one entry compresses to about 64 KiB
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(raw))) {
      TarArchiveEntry e = new TarArchiveEntry("bomb.bin");
      e.setSize(64L << 20);
      t.putArchiveEntry(e);
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        t.write(zeros);
      }
      t.closeArchiveEntry();
    }
    CountingInput in = new CountingInput(raw.toByteArray());
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> new SnapshotUnpacker(1 << 20, 1000).unpack(in, target));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertTrue(e.getMessage().contains("limits.maxSnapshotBytes"), e.getMessage());
    assertTrue(in.count < raw.size() / 4, "read " + in.count + " of " + raw.size() + " compressed bytes");
    assertFalse(Files.exists(target));
  }

  @Test
  @DisplayName("A name segment over 255 bytes is bad_request, not a file-system error")
  void longSegment() {
    BranchworkException e = refused(Tars.create().file("a".repeat(300), "x").gzip(), 1 << 20);
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertTrue(e.getMessage().contains("255"), e.getMessage());
  }

  @Test
  @DisplayName("Packing refuses a tree the unpacker would refuse to load: more bytes or entries than the limits")
  void packRefusesWhatCannotLoad() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("big"));
    Files.write(src.resolve("a.bin"), new byte[3000]);
    Files.write(src.resolve("b.bin"), new byte[3000]);
    Path archive = tmp.resolve("big.tar.gz");
    BranchworkException bytes = assertThrows(BranchworkException.class,
        () -> SnapshotPacker.pack(src, archive, 1, 5000, 100));
    assertEquals(ErrorCode.TOO_LARGE, bytes.code());
    assertTrue(bytes.getMessage().contains("limits.maxSnapshotBytes"), bytes.getMessage());
    BranchworkException entries = assertThrows(BranchworkException.class,
        () -> SnapshotPacker.pack(src, archive, 1, 1 << 20, 1));
    assertTrue(entries.getMessage().contains("limits.maxSnapshotEntries"), entries.getMessage());
    SnapshotPacker.pack(src, archive, 1, 6000, 2);
    new SnapshotUnpacker(6000, 3).unpack(archive, target);
  }

  @Test
  @DisplayName("Whole-second archive mtimes unpack with a fraction, so JGit compares them exactly (a same-size edit in that second is seen)")
  void mtimesNeverWholeSeconds() throws IOException {
    new SnapshotUnpacker(1 << 20, 1000).unpack(new ByteArrayInputStream(archive(file("a.txt", "x"))), target);
    java.time.Instant t = Files.getLastModifiedTime(target.resolve("a.txt")).toInstant();
    assertTrue(t.getNano() != 0, t.toString());
  }

  @Test
  @DisplayName("A link target longer than 4096 bytes (no kernel resolves it; each segment costs a check) is refused")
  void overLongLinkTarget() {
    assertEquals(ErrorCode.BAD_REQUEST, refused(Tars.create().symlink("deep", "d/".repeat(3000) + "x").gzip(), 1 << 20)
        .code());
  }

  /** Counts the (compressed) bytes the unpacker pulled. */
  private static final class CountingInput extends java.io.InputStream {
    final ByteArrayInputStream in;
    long count;

    CountingInput(byte[] bytes) {
      in = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      int n = in.read(b, off, Math.min(len, 4096));
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
