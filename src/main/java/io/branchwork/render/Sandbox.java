package io.branchwork.render;

import io.branchwork.core.BranchworkException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command line of one render: openscad under rlimits ({@code prlimit}: address space, CPU
 * seconds, file size, open files) and, unless {@code render.sandbox=none}, inside bubblewrap with
 * every namespace unshared (no network), {@code /usr} read-only, the model's files read-only at
 * {@code /work}, an empty {@code /tmp} and one writable directory for the output. Nothing else of
 * the host is there: {@code import("/etc/passwd")} finds no file.
 */
final class Sandbox {

  /** Inside the sandbox: the model's files, and where the mesh goes. */
  static final String IN = "/work";
  static final String OUT = "/out";

  private final RenderSettings settings;
  private final Path openscad;
  private final Path bwrap;
  private final Path prlimit;

  private Sandbox(RenderSettings settings, Path openscad, Path bwrap, Path prlimit) {
    this.settings = settings;
    this.openscad = openscad;
    this.bwrap = bwrap;
    this.prlimit = prlimit;
  }

  /**
   * Finds the binaries and checks that a sandboxed openscad starts, answering the renderer's
   * identity (binary, version, sandbox), or {@code unsupported} saying what to install or set.
   * Blocking: starts openscad once, inside the sandbox.
   */
  static Probed probe(RenderSettings s, Path scratch) throws IOException, InterruptedException {
    Path openscad = which(s.openscad());
    if (openscad == null) {
      throw BranchworkException.unsupported("render is off: no openscad binary '" + s.openscad()
          + "' (install Debian's openscad package, or set render.openscad)");
    }
    Path prlimit = which("prlimit");
    if (prlimit == null) {
      throw BranchworkException.unsupported("render is off: no prlimit to bound a render's memory and time"
          + " (install Debian's util-linux package)");
    }
    Path bwrap = null;
    if (s.sandboxed()) {
      bwrap = which(s.bwrap());
      if (bwrap == null) {
        throw BranchworkException.unsupported("render is off: no sandbox: install bubblewrap ('" + s.bwrap()
            + "', Debian's bubblewrap package), or set render.sandbox=none on a single-user machine");
      }
    }
    Sandbox box = new Sandbox(s, openscad, bwrap, prlimit);
    Files.createDirectories(scratch.resolve("in"));
    Files.createDirectories(scratch.resolve("out"));
    List<String> cmd = box.wrap(scratch, List.of(openscad.toString(), "--version"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(scratch.resolve("version.txt").toFile()).directory(scratch.toFile()).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw BranchworkException.unsupported("render is off: '" + String.join(" ", cmd) + "' did not answer in 30 s");
    }
    String out = Files.readString(scratch.resolve("version.txt"), StandardCharsets.UTF_8).trim();
    String version = out.lines().filter(l -> l.toLowerCase().contains("openscad")).findFirst().orElse("");
    if (p.exitValue() != 0 || version.isEmpty()) {
      throw BranchworkException.unsupported("render is off: " + (s.sandboxed()
          ? "bubblewrap could not start openscad here (" + firstLine(out) + "); check that user namespaces are"
              + " allowed, or set render.sandbox=none on a single-user machine"
          : "openscad --version failed (" + firstLine(out) + ")"));
    }
    return new Probed(box, version.strip() + " at " + openscad + (s.sandboxed() ? " in bubblewrap" : " unconfined")
        + (s.args().isEmpty() ? "" : " with " + String.join(" ", s.args())));
  }

  /** A working sandbox and the identity of its renderer (part of every cache key). */
  record Probed(Sandbox sandbox, String identity) {}

  /** The command that renders {@code entry} (relative to {@code scratch/in}) into {@code scratch/out/model.<format>}. */
  List<String> render(Path scratch, String entry, String format, List<String> defines) {
    boolean boxed = bwrap != null;
    List<String> cmd = new ArrayList<>();
    cmd.add(openscad.toString());
    cmd.addAll(settings.args());
    cmd.add("-o");
    cmd.add((boxed ? OUT : scratch.resolve("out").toString()) + "/model." + format);
    for (String d : defines) {
      cmd.add("-D");
      cmd.add(d);
    }
    cmd.add((boxed ? IN : scratch.resolve("in").toString()) + "/" + entry);
    return wrap(scratch, cmd);
  }

  private List<String> wrap(Path scratch, List<String> command) {
    List<String> cmd = new ArrayList<>();
    cmd.add(prlimit.toString());
    cmd.add("--as=" + settings.memoryBytes());
    // CPU seconds: a backstop behind the wall clock, which kills first.
    cmd.add("--cpu=" + (settings.timeoutMs() / 1000 + 2));
    cmd.add("--fsize=" + settings.maxOutputBytes());
    cmd.add("--nofile=256");
    cmd.add("--core=0");
    cmd.add("--");
    if (bwrap != null) {
      cmd.addAll(List.of(bwrap.toString(), "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
          "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev",
          "--tmpfs", "/tmp", "--ro-bind-try", "/etc/fonts", "/etc/fonts"));
      Path dir = openscad.getParent();
      if (!openscad.startsWith("/usr/")) {
        // A build outside /usr (render.openscad): its own directory, read-only.
        cmd.addAll(List.of("--ro-bind", dir.toString(), dir.toString()));
      }
      cmd.addAll(List.of("--ro-bind", scratch.resolve("in").toString(), IN, "--bind", scratch.resolve("out").toString(),
          OUT, "--chdir", IN, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
          "--setenv", "HOME", "/tmp", "--setenv", "PATH", "/usr/bin", "--setenv", "LANG", "C.UTF-8"));
    }
    cmd.addAll(command);
    return cmd;
  }

  /** The absolute path of an executable: {@code name} itself when it has a slash, else found on the PATH. */
  private static Path which(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name).toAbsolutePath().normalize();
      return Files.isRegularFile(p) && Files.isExecutable(p) ? real(p) : null;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, name);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return real(p.toAbsolutePath());
        }
      }
    }
    return null;
  }

  /** Links resolved, so that the directory bound into the sandbox is where the binary really is. */
  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p;
    }
  }

  private static String firstLine(String s) {
    String line = s.lines().findFirst().orElse("no output");
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
