package io.branchwork.gitstore;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/** Opening and creating repositories the safe way. Blocking. */
public final class Repos {

  private Repos() {}

  /**
   * Opens the repository of the working copy at {@code workTree}, with nothing executable, after
   * {@link GitDirGuard} has made its {@code .git} safe to read and write. Its config is then the
   * guard's allow list over empty user and system layers ({@link GitEnvironment}): no filter,
   * hooks path, fsmonitor or signing setting is left to drop.
   */
  public static Repository open(Path workTree) throws IOException {
    Path gitDir = workTree.resolve(Constants.DOT_GIT);
    GitDirGuard.sanitize(gitDir);
    Repository repo = new FileRepositoryBuilder()
        .setFS(NoExecFS.INSTANCE)
        .setGitDir(gitDir.toFile())
        .setWorkTree(workTree.toFile())
        .setMustExist(true)
        .build();
    ensurePackedRefs(gitDir);
    return repo;
  }

  /** What git itself writes at the top of a {@code packed-refs} file; with no ref after it, the file lists none. */
  private static final String PACKED_REFS_HEADER = "# pack-refs with: peeled fully-peeled sorted \n";

  /**
   * Gives the repository a {@code packed-refs} file (empty of refs) if it has none. Why: JGit
   * reads a missing {@code packed-refs} again at every ref lookup, each time failing to open it
   * and filling in the stack trace of a {@code FileNotFoundException}; every persistence round
   * resolves HEAD, and that was 4% of the server's CPU under 16 writers. An existing file is kept
   * as of its last read until its stat changes, as git does.
   */
  private static void ensurePackedRefs(Path gitDir) throws IOException {
    try {
      // CREATE_NEW (O_EXCL) neither follows nor replaces whatever is at the path.
      Files.writeString(gitDir.resolve(Constants.PACKED_REFS), PACKED_REFS_HEADER, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException present) {
      // the repository has one (git or JGit packed its refs): that one is the file
    }
  }

  /** A new, empty repository at {@code workTree} on the unborn {@code branch}, with nothing executable. */
  public static Repository init(Path workTree, String branch) throws IOException, GitAPIException {
    Git.init().setFs(NoExecFS.INSTANCE).setDirectory(workTree.toFile()).setInitialBranch(branch).call().close();
    return open(workTree);
  }

  /** A new bare repository at {@code gitDir}, with nothing executable. */
  public static Repository initBare(Path gitDir) throws IOException, GitAPIException {
    try (Git git = Git.init().setFs(NoExecFS.INSTANCE).setBare(true).setGitDir(gitDir.toFile()).call()) {
      return new FileRepositoryBuilder().setFS(NoExecFS.INSTANCE).setGitDir(gitDir.toFile()).setMustExist(true).build();
    }
  }

  /**
   * A new bare repository at {@code gitDir} that reads the objects of {@code objects} (another
   * repository's object directory) as its own and writes new ones to itself only, as git's
   * alternates do: a scratch repository to receive a push into without copying the project.
   */
  public static Repository initBareOver(Path gitDir, Path objects) throws IOException, GitAPIException {
    initBare(gitDir).close();
    return new FileRepositoryBuilder().setFS(NoExecFS.INSTANCE).setGitDir(gitDir.toFile())
        .addAlternateObjectDirectory(objects.toFile()).setMustExist(true).build();
  }

  /** A new repository on {@code branch} with one empty commit by {@code author}; answers its id. */
  public static String createWithEmptyCommit(Path workTree, String branch, PersonIdent author)
      throws IOException, GitAPIException {
    try (Git git = Git.init().setFs(NoExecFS.INSTANCE).setDirectory(workTree.toFile())
        .setInitialBranch(branch).call()) {
      return git.commit().setAllowEmpty(true).setNoVerify(true).setSign(false)
          .setAuthor(author).setCommitter(author).setMessage("Initial commit").call().name();
    }
  }

  /** The commit HEAD points at, or {@code null} on an unborn branch. */
  public static String head(Repository repo) throws IOException {
    ObjectId id = repo.resolve(Constants.HEAD);
    return id == null ? null : id.name();
  }

  /** The short name of the branch HEAD is on; {@code null} for a detached HEAD. */
  public static String currentBranch(Repository repo) throws IOException {
    Ref head = repo.exactRef(Constants.HEAD);
    if (head == null || !head.isSymbolic()) {
      return null;
    }
    return Repository.shortenRefName(head.getTarget().getName());
  }

  public static PersonIdent ident(String user, String emailDomain) {
    return new PersonIdent(user, user + "@" + emailDomain);
  }
}
