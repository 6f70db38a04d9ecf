package io.branchwork.gitstore;

import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.WorkspacePaths;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Config;

/**
 * Makes a {@code .git} directory that came from a user safe to open, before JGit reads a byte of
 * it. Everything JGit or Branchwork later writes under it (reflogs, refs, the index, the compile
 * cache) must land in the working copy, so nothing under {@code .git} may be a link. Nothing in it
 * may make git read elsewhere ({@code commondir}, object alternates) or run or read something
 * ({@code [include]}, filters, hooks paths, attribute or exclude files, diff and merge drivers):
 * the config is rewritten keeping only the settings on a short allow list. Blocking.
 */
public final class GitDirGuard {

  /** A config bigger than this is not a config. */
  static final long MAX_CONFIG_BYTES = 1 << 20;
  /** Files that point git at other directories. */
  private static final List<String> REDIRECTS = List.of("commondir", "gitdir", "objects/info/alternates",
      "objects/info/http-alternates");
  private static final Set<String> CORE_KEYS = Set.of("repositoryformatversion", "filemode", "logallrefupdates",
      "ignorecase", "precomposeunicode", "symlinks", "autocrlf", "eol", "safecrlf", "quotepath", "abbrev",
      "checkstat", "trustctime", "compression", "loosecompression");
  private static final Set<String> REMOTE_KEYS = Set.of("url", "pushurl", "fetch");
  private static final Set<String> BRANCH_KEYS = Set.of("remote", "merge", "rebase");
  /**
   * Extensions that only say how objects and refs are stored. Others are dropped: worktreeConfig
   * would make git read a second config file ({@code config.worktree}) this rewrite never sees.
   */
  private static final Set<String> EXTENSION_KEYS = Set.of("objectformat", "refstorage");

  private GitDirGuard() {}

  /** Checks {@code gitDir} and rewrites its config; {@code bad_request} when it cannot be made safe. */
  public static void sanitize(Path gitDir) throws IOException {
    if (!Files.isDirectory(gitDir, LinkOption.NOFOLLOW_LINKS)) {
      throw BranchworkException.badRequest("the working copy has no .git directory");
    }
    Files.walkFileTree(gitDir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        if (!attrs.isRegularFile()) {
          throw BranchworkException.badRequest(".git/" + name(gitDir, f) + " is "
              + (attrs.isSymbolicLink() ? "a link" : "not a regular file") + "; nothing under .git may be");
        }
        return FileVisitResult.CONTINUE;
      }
    });
    for (String redirect : REDIRECTS) {
      if (Files.exists(gitDir.resolve(redirect), LinkOption.NOFOLLOW_LINKS)) {
        throw BranchworkException.badRequest(".git/" + redirect + " points git at another directory;"
            + " Branchwork does not accept it");
      }
    }
    Path config = gitDir.resolve("config");
    if (Files.exists(config, LinkOption.NOFOLLOW_LINKS)) {
      rewriteConfig(config);
    }
  }

  private static void rewriteConfig(Path file) throws IOException {
    if (Files.size(file) > MAX_CONFIG_BYTES) {
      throw BranchworkException.tooLarge(".git/config is larger than " + MAX_CONFIG_BYTES + " bytes");
    }
    // The base Config never follows [include]: only file-backed configs read included files.
    Config in = new Config();
    String original;
    try {
      original = Files.readString(file, StandardCharsets.UTF_8);
      in.fromText(original);
    } catch (ConfigInvalidException | MalformedInputException e) {
      throw BranchworkException.badRequest(".git/config cannot be parsed: " + WorkspacePaths.printable(
          String.valueOf(e.getMessage())));
    }
    Config out = new Config();
    copy(in, out, "core", null, CORE_KEYS);
    for (String sub : in.getSubsections("remote")) {
      copy(in, out, "remote", sub, REMOTE_KEYS);
    }
    for (String sub : in.getSubsections("branch")) {
      copy(in, out, "branch", sub, BRANCH_KEYS);
    }
    copy(in, out, "extensions", null, EXTENSION_KEYS);
    String text = out.toText();
    if (text.equals(original)) {
      return;
    }
    Path tmp = file.resolveSibling("config.bw-tmp");
    try (OutputStream o = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS)) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void copy(Config in, Config out, String section, String sub, Set<String> keys) {
    for (String key : in.getNames(section, sub)) {
      if (keys.contains(key.toLowerCase(Locale.ROOT))) {
        out.setStringList(section, sub, key, List.of(in.getStringList(section, sub, key)));
      }
    }
  }

  private static String name(Path gitDir, Path p) {
    return WorkspacePaths.printable(gitDir.relativize(p).toString());
  }
}
