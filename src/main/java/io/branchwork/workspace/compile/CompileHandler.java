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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks a compiler by the entry's type, hands it the working copy and its state, and keeps the
 * state in memory and under {@code .git/branchwork/compile/} on disk, so it travels with every
 * snapshot of the branch. Blocking.
 */
public final class CompileHandler {

  private static final List<Compiler> COMPILERS = List.of(new OpenScadCompiler());

  private final WorkingCopy files;
  private final Path stateDir;
  private final Map<String, JsonObject> states = new HashMap<>();

  public CompileHandler(WorkingCopy files, Path gitDir) {
    this.files = files;
    this.stateDir = gitDir.resolve("branchwork").resolve("compile");
  }

  public JsonObject compile(String entry) throws IOException {
    Compiler compiler = COMPILERS.stream().filter(c -> c.accepts(entry)).findFirst()
        .orElseThrow(() -> BranchworkException.badRequest("no compiler for " + entry));
    JsonObject state = states.computeIfAbsent(compiler.name(), this::loadState);
    CompileResult result = compiler.compile(entry, path -> {
      try {
        WorkingCopy.Content c = files.read(path);
        return new Compiler.Source(c.bytes(), c.blob());
      } catch (BranchworkException e) {
        return null;
      }
    }, state);
    if (result.recompiled() > 0) {
      saveState(compiler.name(), state);
    }
    return result.toJson();
  }

  private JsonObject loadState(String name) {
    Path file = stateDir.resolve(name + ".json");
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

  private void saveState(String name, JsonObject state) throws IOException {
    Files.createDirectories(stateDir);
    Path tmp = Files.createTempFile(stateDir, name, ".tmp");
    Files.writeString(tmp, state.encode(), StandardCharsets.UTF_8);
    Files.move(tmp, stateDir.resolve(name + ".json"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
