package io.branchwork.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds tar.gz archives in memory, from real directories and from hand-made (hostile) entries. */
public final class Tars {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  private Tars() {
    try {
      tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  public static Tars create() {
    return new Tars();
  }

  /** A git repository on {@code branch} with one commit of {@code main.scad}, made by the real git. */
  public static Path repo(Path dir, String branch) throws IOException {
    Files.createDirectories(dir);
    Cli.run(dir, "git", "init", "-q", "-b", branch);
    Files.writeString(dir.resolve("main.scad"), "cube(1);\n");
    Cli.run(dir, "git", "add", ".");
    Cli.run(dir, "git", "commit", "-q", "-m", "first");
    return dir;
  }

  /** Every directory, file and link under {@code root}, named relative to it, links as links. */
  public Tars tree(Path root) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.sorted().toList();
    }
    for (Path p : all) {
      if (p.equals(root)) {
        continue;
      }
      String name = root.relativize(p).toString();
      if (Files.isSymbolicLink(p)) {
        symlink(name, Files.readSymbolicLink(p).toString());
      } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        dir(name);
      } else {
        file(name, Files.readAllBytes(p));
      }
    }
    return this;
  }

  public Tars dir(String name) {
    return entry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"), null);
  }

  public Tars file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  public Tars file(String name, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    return entry(e, content);
  }

  public Tars symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    return entry(e, null);
  }

  public Tars hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return entry(e, null);
  }

  /** The chain {@code up0 -> .}, {@code up<i> -> up<i-1>/..}: each lexically inside, together it climbs {@code n} levels. */
  public Tars climbingChain(String prefix, int n) {
    symlink(prefix + "up0", ".");
    for (int i = 1; i <= n; i++) {
      symlink(prefix + "up" + i, "up" + (i - 1) + "/..");
    }
    return this;
  }

  private Tars entry(TarArchiveEntry e, byte[] content) {
    try {
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return this;
  }

  public byte[] gzip() {
    try {
      tar.finish();
      tar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
