package io.branchwork.gitstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.support.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pack as the store keeps it (pack, then its index) installs by checksums, and any damaged byte is refused. */
class PackFilesTest {

  @TempDir
  Path dir;

  private PackInfo packed(Path out) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Cli.run(src, "git", "init", "-q", "-b", "main");
    Files.writeString(src.resolve("a.txt"), "alpha\n".repeat(1000));
    // incompressible, so the pack spans several of the installer's 64 KiB reads
    byte[] noise = new byte[300 * 1024];
    new java.util.Random(7).nextBytes(noise);
    Files.write(src.resolve("noise.bin"), noise);
    Cli.run(src, "git", "add", ".");
    Cli.run(src, "git", "-c", "user.name=x", "-c", "user.email=x@y", "commit", "-q", "-m", "one");
    try (Repository repo = Repos.open(src)) {
      return PackFiles.write(repo, List.of(repo.resolve(Constants.HEAD)), List.of(), out);
    }
  }

  @Test
  @DisplayName("Verifies that a stored pack installs with its index and every object reads back")
  void installsStored() throws Exception {
    PackInfo info = packed(dir.resolve("x.pack"));
    Path stored = dir.resolve(info.id() + ".pack");
    Files.move(dir.resolve("x.pack"), stored);
    assertTrue(Files.size(stored) > info.bytes(), "the index rides behind the pack");
    try (Repository target = Repos.initBare(dir.resolve("t.git"))) {
      PackFiles.installStored(target, stored, info.bytes(), "pack " + info.id());
      ObjectId blob = ObjectId.fromString(Cli.run(dir.resolve("src"), "git", "rev-parse", "HEAD:a.txt").trim());
      assertArrayEquals("alpha\n".repeat(1000).getBytes(StandardCharsets.UTF_8), target.open(blob).getBytes());
    }
  }

  @Test
  @DisplayName("Verifies that one damaged byte in the pack or in its index fails with internal, naming the pack")
  void damagedBytesAreRefused() throws Exception {
    PackInfo info = packed(dir.resolve("x.pack"));
    byte[] good = Files.readAllBytes(dir.resolve("x.pack"));
    for (long at : new long[] {info.bytes() / 2, good.length - 30, good.length - 1}) {
      byte[] bad = good.clone();
      bad[(int) at] ^= 0x20;
      Path stored = dir.resolve(info.id() + ".pack");
      Files.write(stored, bad);
      Path repoDir = Files.createTempDirectory(dir, "t");
      try (Repository target = Repos.initBare(repoDir.resolve("t.git"))) {
        BranchworkException e = assertThrows(BranchworkException.class,
            () -> PackFiles.installStored(target, stored, info.bytes(), "pack " + info.id() + " of project p"));
        assertEquals(ErrorCode.INTERNAL, e.code());
        assertTrue(e.getMessage().contains(info.id()) && e.getMessage().contains("project p"), e.getMessage());
      }
    }
  }
}
