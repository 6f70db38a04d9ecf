package io.branchwork.support;

import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Branchwork node in a JVM of its own (as {@code java -jar} runs it, with a bounded heap): what
 * a test needs to kill a node, or to watch what it costs. Its log goes to
 * {@code target/forked-nodes/}.
 */
public final class ForkedNode implements AutoCloseable {

  public final int port;
  public final Http http;
  private final Path dir;
  private final Path confFile;
  private final String heap;
  private Process process;
  private Path log;

  /** A node configured as {@link TestNode#testConfig} plus {@code overrides}, not started yet. */
  public ForkedNode(Path dir, String heap, JsonObject overrides) throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    this.dir = dir;
    this.heap = heap;
    JsonObject conf = TestNode.testConfig(dir.resolve("data"));
    TestNode.deepMerge(conf, overrides);
    conf.put("http", new JsonObject().put("port", port).put("instances", 1));
    confFile = dir.resolve("node.json");
    Files.writeString(confFile, conf.encodePrettily());
    http = new Http("http://127.0.0.1:" + port);
  }

  /** Starts the node (run {@code run}'s log is {@code node-<run>.log}) and waits until it answers. */
  public ForkedNode start(int run) throws Exception {
    // Under target/, not the test's temporary directory: a failed run leaves its evidence.
    Path logs = Path.of("target", "forked-nodes");
    Files.createDirectories(logs);
    log = logs.resolve(port + "-node-" + run + ".log").toAbsolutePath();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError"));
    // The access Hazelcast asks for, for a node that joins a cluster (the surefire JVM has it too).
    for (String arg : System.getProperty("hazelcast.jvm.args", "").split(" ")) {
      if (!arg.isBlank()) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.branchwork.Main", "--conf", confFile.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    process = p;
    Await.until("the node to answer /health (log: " + log + ")", 120_000, () -> {
      if (!p.isAlive()) {
        throw new AssertionError("the node exited; its log is " + log);
      }
      try {
        return http.get("/health", null).status() == 200;
      } catch (RuntimeException e) {
        return false;
      }
    });
    return this;
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the node did not die");
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (alive()) {
      kill();
    }
  }
}
