package io.branchwork.render;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One openscad process for one {@link RenderJob}, blocking, on the render pool: the model's files
 * are written into a fresh scratch directory, the sandboxed command runs until it exits or the
 * job's deadline, when its whole process tree is killed ({@code too_large}); its log is read
 * within bounds; a mesh goes into the cache. The scratch directory is always deleted.
 */
final class RenderRun {

  /** Lines and bytes of openscad's log that are read (a model can print without end). */
  static final int MAX_LOG_LINES = 500;
  static final int MAX_LOG_BYTES = 256 * 1024;
  private static final int MAX_LINE = 2000;

  private final RenderSettings settings;
  private final Sandbox sandbox;
  private final RenderCache cache;
  /** The node's running render processes, killed when it closes. */
  private final Set<Process> running;

  RenderRun(RenderSettings settings, Sandbox sandbox, RenderCache cache, Set<Process> running) {
    this.settings = settings;
    this.sandbox = sandbox;
    this.cache = cache;
    this.running = running;
  }

  Rendered run(RenderJob job, String key, long deadlineNanos) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    if (t0 - deadlineNanos >= 0) {
      throw BranchworkException.overloaded("no render slot came free within render.timeoutMs ("
          + settings.timeoutMs() + " ms); try again");
    }
    Path scratch = settings.tmpRoot().resolve("render-" + UUID.randomUUID());
    try {
      Files.createDirectories(scratch.resolve("out"));
      write(scratch.resolve("in"), job.entry(), job.source().getBytes(StandardCharsets.UTF_8));
      for (Map.Entry<String, byte[]> f : job.files().entrySet()) {
        write(scratch.resolve("in"), f.getKey(), f.getValue());
      }
      Path logFile = scratch.resolve("log.txt");
      Process p = new ProcessBuilder(sandbox.render(scratch, job.entry(), job.format(), job.defines()))
          .directory(scratch.toFile()).redirectErrorStream(true).redirectOutput(logFile.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      running.add(p);
      boolean exited;
      try {
        exited = p.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      } finally {
        if (p.isAlive()) {
          kill(p); // timed out, or this thread was interrupted: the work stops with the op
        }
        running.remove(p);
      }
      if (!exited) {
        throw BranchworkException.tooLarge("the render took longer than render.timeoutMs (" + settings.timeoutMs()
            + " ms) and was stopped");
      }
      List<String> log = readLog(logFile);
      int exit = p.exitValue();
      if (exit >= 128) {
        // Killed by a signal: bad_alloc past --as (SIGABRT), SIGXCPU, SIGXFSZ past --fsize.
        throw BranchworkException.tooLarge("the render went past its bounds (render.memoryBytes "
            + settings.memoryBytes() + ", render.maxOutputBytes " + settings.maxOutputBytes()
            + ", CPU time) and was stopped (exit " + exit + ")");
      }
      List<Rendered.Diagnostic> diags = new ArrayList<>(OpenScadLog.diagnostics(log));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Path mesh = scratch.resolve("out").resolve("model." + job.format());
      long bytes = Files.isRegularFile(mesh, LinkOption.NOFOLLOW_LINKS) ? Files.size(mesh) : -1;
      if (exit != 0 || bytes <= 0) {
        if (diags.stream().noneMatch(d -> d.severity().equals("error"))) {
          String last = log.isEmpty() ? "openscad exited with " + exit : log.get(log.size() - 1).strip();
          diags.add(new Rendered.Diagnostic(0, "error", last.equals("Current top level object is empty.")
              ? "the model is empty: nothing to render" : last));
        }
        return new Rendered(null, job.format(), 0, false, ms, OpenScadLog.stats(log), log, diags);
      }
      Rendered r = new Rendered(key, job.format(), bytes, false, ms, OpenScadLog.stats(log), log, diags);
      cache.put(r, mesh, job.project());
      return r;
    } finally {
      FileTrees.deleteRecursively(scratch);
    }
  }

  /** The whole tree: bubblewrap, and openscad inside it. */
  private static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(5, TimeUnit.SECONDS);
  }

  /** Writes {@code path} (a workspace path, checked by the caller) under {@code root}, creating its directories. */
  private static void write(Path root, String path, byte[] content) throws IOException {
    Path target = root.resolve(path).normalize();
    if (!target.startsWith(root) || path.startsWith("/")) {
      throw BranchworkException.badRequest("render input outside the model: " + path);
    }
    Files.createDirectories(target.getParent());
    Files.write(target, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  }

  /** The first lines of the log, within {@link #MAX_LOG_LINES} and {@link #MAX_LOG_BYTES}, invalid UTF-8 replaced. */
  static List<String> readLog(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(MAX_LOG_BYTES);
    }
    return new String(head, StandardCharsets.UTF_8).lines().limit(MAX_LOG_LINES)
        .map(l -> l.length() > MAX_LINE ? l.substring(0, MAX_LINE) + "…" : l).toList();
  }
}
