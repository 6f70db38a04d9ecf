package io.branchwork.workspace.repo;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.PackInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.internal.storage.pack.PackWriter;

/**
 * Packs in and out of a local repository. Blocking. Every pack that enters a repository is
 * parsed, so each object's id is recomputed from its bytes and the pack's checksum is checked: a
 * damaged pack in the store fails the load naming the project and pack, and is never served.
 */
public final class PackFiles {

  private PackFiles() {}

  /**
   * Indexes {@code pack} into {@code repo}'s object database. With {@code checker} every object
   * is also checked as {@code git fsck --strict} would (for packs from outside: imports, pushes).
   */
  public static void install(Repository repo, Path pack, ObjectChecker checker, String what) throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter(); InputStream in = Files.newInputStream(pack)) {
      PackParser parser = ins.newPackParser(in);
      parser.setAllowThin(false);
      parser.setObjectChecker(checker);
      parser.parse(NullProgressMonitor.INSTANCE);
      ins.flush();
    } catch (IOException | RuntimeException e) {
      if (checker != null) {
        throw BranchworkException.badRequest(what + " holds an object git refuses: " + e.getMessage());
      }
      throw new BranchworkException(ErrorCode.INTERNAL, what + " is damaged in the store: " + e.getMessage());
    }
  }

  /**
   * Writes the objects reachable from {@code wants} and not from {@code haves} as one pack;
   * answers what it wrote, or null (and no file content) when there is nothing new.
   */
  public static PackInfo write(Repository repo, Collection<ObjectId> wants, Collection<ObjectId> haves, Path out)
      throws IOException {
    try (PackWriter pw = newWriter(repo)) {
      pw.preparePack(NullProgressMonitor.INSTANCE, java.util.Set.copyOf(wants), java.util.Set.copyOf(haves));
      return finish(pw, out);
    }
  }

  /** Writes exactly {@code objects} (every object of some packs, for compaction) as one pack. */
  public static PackInfo writeObjects(Repository repo, Iterator<RevObject> objects, Path out) throws IOException {
    try (PackWriter pw = newWriter(repo)) {
      pw.preparePack(objects);
      return finish(pw, out);
    }
  }

  private static PackWriter newWriter(Repository repo) {
    PackConfig config = new PackConfig(repo);
    config.setBuildBitmaps(false);
    PackWriter pw = new PackWriter(config, repo.newObjectReader());
    pw.setUseBitmaps(false);
    pw.setThin(false);
    return pw;
  }

  private static PackInfo finish(PackWriter pw, Path out) throws IOException {
    long count = pw.getObjectCount();
    if (count == 0) {
      return null;
    }
    try (OutputStream os = Files.newOutputStream(out)) {
      pw.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, os);
    }
    return new PackInfo(pw.computeName().name(), Files.size(out), (int) count);
  }
}
