package io.branchwork.gitstore;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.PackInfo;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.util.io.CountingOutputStream;

/**
 * Packs in and out of a local repository. Blocking. A pack is stored with its index behind it
 * ({@link PackInfo#bytes()} is the pack's part). A pack from outside is parsed object by object
 * and checked as {@code git fsck --strict} would; a pack from the store has its checksums
 * recomputed over every byte: a damaged pack fails the load naming the project and pack, and is
 * never served.
 */
public final class PackFiles {

  private PackFiles() {}

  /**
   * Indexes the pack at the start of {@code file} ({@code packBytes} long) into {@code repo}'s
   * object database, recomputing every object's id from its bytes. With {@code checker} every
   * object is also checked as {@code git fsck --strict} would (for packs from outside: imports).
   */
  public static void install(Repository repo, Path file, long packBytes, ObjectChecker checker, String what)
      throws IOException {
    parse(repo, () -> new Limited(Files.newInputStream(file), packBytes), checker, what);
  }

  /** Opens the bytes of a pack to parse. */
  @FunctionalInterface
  private interface PackBytes {
    InputStream open() throws IOException;
  }

  /**
   * Parses the pack {@code bytes} opens into {@code repo}, every object's id recomputed and the
   * pack's checksum checked (and, with {@code checker}, every object checked too): a failure is
   * {@code bad_request} for a pack from outside (with a checker), else the stored pack is damaged.
   */
  private static void parse(Repository repo, PackBytes bytes, ObjectChecker checker, String what) throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter(); InputStream in = bytes.open()) {
      PackParser parser = ins.newPackParser(in);
      parser.setAllowThin(false);
      parser.setObjectChecker(checker);
      parser.parse(NullProgressMonitor.INSTANCE);
      ins.flush();
    } catch (IOException | RuntimeException e) {
      if (checker != null) {
        throw BranchworkException.badRequest(what + " holds an object git refuses: " + e.getMessage());
      }
      throw damaged(what, e.getMessage());
    }
  }

  /**
   * Installs a pack as the store keeps it: the pack ({@code packBytes}) followed by the index
   * Branchwork wrote for it. Instead of re-indexing (inflating and hashing every object), the
   * pack's trailing checksum is recomputed over its bytes, the index's own checksum over its
   * bytes, and the index must name the pack's checksum: any byte damaged in the store fails the
   * open, naming the pack. A stored pack without an index is indexed as {@link #install} does.
   * {@code file} must be named {@code <pack id>.pack}: the installed pack takes that name.
   */
  public static void installStored(Repository repo, Path file, long packBytes, String what) throws IOException {
    long size = Files.size(file);
    if (size < packBytes + 2L * CHECKSUM + 8) {
      install(repo, file, packBytes, null, what);
      return;
    }
    ObjectDirectory db = (ObjectDirectory) repo.getObjectDatabase();
    Path dir = db.getPackDirectory().toPath();
    Files.createDirectories(dir);
    String base = "pack-" + file.getFileName().toString().replace(".pack", "");
    Path pack = dir.resolve(base + ".pack");
    Path idx = dir.resolve(base + ".idx");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] packSum = copyChecked(in, packBytes, pack, what);
      byte[] idxTail = new byte[2 * CHECKSUM];
      copyChecked(in, size - packBytes, idx, what + " (its index)");
      try (var raf = new RandomAccessFile(idx.toFile(), "r")) {
        raf.seek(size - packBytes - 2L * CHECKSUM);
        raf.readFully(idxTail);
      }
      if (!Arrays.equals(packSum, 0, CHECKSUM, idxTail, 0, CHECKSUM)) {
        throw damaged(what, "its index names another pack");
      }
    } catch (BranchworkException e) {
      Files.deleteIfExists(pack);
      Files.deleteIfExists(idx);
      throw e;
    }
    db.openPack(pack.toFile());
  }

  /**
   * Indexes a pack as the store keeps it ({@code stored}: the pack's {@code packBytes}, then its
   * index, which is not needed here) into an in-memory repository, recomputing every object's id
   * and the pack's checksum: damage fails naming the pack.
   */
  public static void installInMemory(Repository repo, byte[] stored, long packBytes, String what) throws IOException {
    if (packBytes > stored.length) {
      throw damaged(what, "it is cut short");
    }
    parse(repo, () -> new ByteArrayInputStream(stored, 0, (int) packBytes), null, what);
  }

  private static final int CHECKSUM = 20;

  /**
   * Copies {@code length} bytes of {@code in} to {@code to}, hashing all but the last 20, which
   * must be that hash (git's trailing checksum of packs and indexes); answers it.
   */
  private static byte[] copyChecked(InputStream in, long length, Path to, String what) throws IOException {
    MessageDigest sha1 = Constants.newMessageDigest();
    byte[] buf = new byte[64 * 1024];
    byte[] trailer = new byte[CHECKSUM];
    long left = length;
    try (OutputStream out = Files.newOutputStream(to)) {
      while (left > 0) {
        int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
        if (n == 0) {
          throw damaged(what, "it is cut short");
        }
        out.write(buf, 0, n);
        // Bytes before the last 20 are hashed; the last 20 (wherever the reads split them) kept.
        long start = length - left;
        int body = (int) Math.max(0, Math.min(n, length - CHECKSUM - start));
        sha1.update(buf, 0, body);
        if (n > body) {
          System.arraycopy(buf, body, trailer, (int) (start + body - (length - CHECKSUM)), n - body);
        }
        left -= n;
      }
    }
    byte[] computed = sha1.digest();
    if (!Arrays.equals(computed, trailer)) {
      throw damaged(what, "its checksum does not match its bytes");
    }
    return trailer;
  }

  private static BranchworkException damaged(String what, String why) {
    return new BranchworkException(ErrorCode.INTERNAL, what + " is damaged in the store: " + why);
  }

  /** At most {@code left} bytes of a stream: the pack part of a stored pack and index. */
  private static final class Limited extends FilterInputStream {
    private long left;

    Limited(InputStream in, long left) {
      super(in);
      this.left = left;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  /**
   * Writes the objects reachable from {@code wants} and not from {@code haves} as one pack;
   * answers what it wrote, or null (and no file content) when there is nothing new.
   */
  public static PackInfo write(Repository repo, Collection<ObjectId> wants, Collection<ObjectId> haves, Path out)
      throws IOException {
    try (OutputStream os = Files.newOutputStream(out)) {
      return write(repo, wants, haves, os);
    }
  }

  /** {@link #write(Repository, Collection, Collection, Path)} to a stream: nothing written when null. */
  public static PackInfo write(Repository repo, Collection<ObjectId> wants, Collection<ObjectId> haves,
      OutputStream out) throws IOException {
    try (PackWriter pw = newWriter(repo, false)) {
      pw.preparePack(NullProgressMonitor.INSTANCE, Set.copyOf(wants), Set.copyOf(haves));
      return finish(pw, out);
    }
  }

  /**
   * Writes exactly {@code objects} (every object of some packs, for compaction) as one pack;
   * {@code deltas}: search for new deltas among them (existing deltas are kept either way).
   */
  public static PackInfo writeObjects(Repository repo, Iterator<RevObject> objects, OutputStream out, boolean deltas)
      throws IOException {
    try (PackWriter pw = newWriter(repo, deltas)) {
      pw.preparePack(objects);
      return finish(pw, out);
    }
  }

  /**
   * {@code deltas}: search for deltas between the new objects. Not for a round's pack: it holds a
   * handful of new objects whose earlier versions are in other packs (no delta can reach them),
   * and the search was a tenth of a write's worker time; compaction, which merges packs, does
   * (when the merge is small). Without a search, the deltas the objects have are still reused.
   */
  private static PackWriter newWriter(Repository repo, boolean deltas) {
    PackConfig config = new PackConfig(repo);
    config.setBuildBitmaps(false);
    config.setDeltaCompress(deltas);
    PackWriter pw = new PackWriter(config, repo.newObjectReader());
    pw.setUseBitmaps(false);
    pw.setThin(false);
    return pw;
  }

  /** The pack, then its index right behind it, so that a load installs both instead of re-indexing. */
  private static PackInfo finish(PackWriter pw, OutputStream out) throws IOException {
    long count = pw.getObjectCount();
    if (count == 0) {
      return null;
    }
    CountingOutputStream counted = new CountingOutputStream(
        new BufferedOutputStream(out, 64 * 1024));
    pw.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, counted);
    long packBytes = counted.getCount();
    pw.writeIndex(counted);
    counted.flush();
    return new PackInfo(pw.computeName().name(), packBytes, (int) count);
  }
}
