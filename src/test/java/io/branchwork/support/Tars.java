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

  // --- raw tar blocks, for headers no well-behaved writer makes

  /** One ustar header block of {@code type} declaring {@code size}, with a valid checksum. */
  public static byte[] header(String name, char type, long size) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, n.length);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    String octal = Long.toOctalString(size);
    if (octal.length() <= 11) {
      put(h, 124, "0".repeat(11 - octal.length()) + octal);
    } else {
      h[124] = (byte) 0x80; // base-256
      for (int i = 0; i < 8; i++) {
        h[135 - i] = (byte) (size >>> (8 * i));
      }
    }
    put(h, 136, "00000000000");
    h[156] = (byte) type;
    put(h, 257, "ustar");
    h[262] = 0;
    put(h, 263, "00");
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    return h;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }

  public static byte[] pad(byte[] data) {
    return java.util.Arrays.copyOf(data, (data.length + 511) / 512 * 512);
  }

  public static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** The blocks, gzipped, with no end marker (a truncated stream: a guard must act on the header alone). */
  public static byte[] gzip(byte[] blocks) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
      gz.write(blocks);
    }
    return out.toByteArray();
  }
}
