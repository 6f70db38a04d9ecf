package io.branchwork.workspace.compile;

import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.files.WorkingCopy;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Picks a compiler by the entry's type, hands it the working copy and its state, and keeps the
 * state in memory and under {@code .git/branchwork/compile/} on disk (written without following links), so it travels with every
 * snapshot of the branch. Blocking.
 */
public final class CompileHandler {

  /** Where the compile state lives under {@code .git}. */
  private static final String STATE_DIR = "branchwork/compile";
  private static final List<Compiler> COMPILERS = List.of(new OpenScadCompiler());

  private final WorkingCopy files;
  private final Path gitDir;
  private final Compiler.Limits limits;
  private final Map<String, JsonObject> states = new HashMap<>();

  public CompileHandler(WorkingCopy files, Path gitDir, Compiler.Limits limits) {
    this.files = files;
    this.gitDir = gitDir;
    this.limits = limits;
  }

  /** The working copy's {@code entry} compiled, as the contract answers it. */
  public JsonObject compile(String entry) throws IOException {
    return flatten(entry, path -> {
      try {
        WorkingCopy.Content c = files.read(path);
        return new Compiler.Source(c.bytes(), c.blob());
      } catch (BranchworkException e) {
        return null;
      }
    }).toJson();
  }

  /**
   * {@code entry} compiled from {@code sources} (a commit's tree, say: blob ids are the same, so
   * the parses cached for the working copy serve it too). One at a time: the state is shared.
   */
  public synchronized CompileResult flatten(String entry, Compiler.Sources sources) throws IOException {
    Compiler compiler = COMPILERS.stream().filter(c -> c.accepts(entry)).findFirst()
        .orElseThrow(() -> BranchworkException.badRequest("no compiler for " + entry));
    JsonObject state = states.computeIfAbsent(compiler.name(), this::loadState);
    CompileResult result = compiler.compile(entry, sources, state, limits);
    if (result.recompiled() > 0) {
      saveState(compiler.name(), state);
    }
    return result;
  }

  private JsonObject loadState(String name) {
    Path file = gitDir.resolve(STATE_DIR).resolve(name + ".json");
    try {
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      // A damaged state only costs a compile from nothing.
      org.slf4j.LoggerFactory.getLogger(CompileHandler.class).warn("ignoring compile state {}: {}", file, e.toString());
    }
    return new JsonObject();
  }

  /**
   * Writes the state without following a link anywhere: each directory on the way is created or
   * found as a real directory, the temporary file is new (O_EXCL) and the rename replaces a
   * name, never what a link points at.
   */
  private void saveState(String name, JsonObject state) throws IOException {
    Path dir = gitDir;
    for (String seg : STATE_DIR.split("/")) {
      dir = dir.resolve(seg);
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir); // fails on a link or a file in the way
      }
    }
    Path tmp = dir.resolve(name + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, state.encode().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      Files.move(tmp, dir.resolve(name + ".json"), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
