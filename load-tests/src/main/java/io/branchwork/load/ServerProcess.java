package io.branchwork.load;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Branchwork server under test: the fat jar in a process of its own, on a free loopback port. */
final class ServerProcess implements AutoCloseable {

  final int port;
  final Process process;

  private ServerProcess(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  static ServerProcess start(Path jar, Path dataDir, String heap, Map<String, String> env, Path log) throws Exception {
    return start(jar, dataDir, heap, env, log, freePort());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts the server on {@code port} and waits for its health check. */
  static ServerProcess start(Path jar, Path dataDir, String heap, Map<String, String> env, Path log, int port)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap));
    // Extra JVM flags for the measured server, e.g. a flight recording: -Dload.serverJvmArgs="-XX:StartFlightRecording=..."
    String extra = System.getProperty("load.serverJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.split("\\s+")));
    }
    cmd.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    pb.environment().put("BRANCHWORK_HTTP_PORT", String.valueOf(port));
    pb.environment().put("BRANCHWORK_DATA_DIR", dataDir.toString());
    Process p = pb.start();
    ServerProcess server = new ServerProcess(port, p);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the server exited; see " + log);
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return server;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    server.close();
    throw new IllegalStateException("the server did not become healthy within 60 s; see " + log);
  }

  /** Heap in use after a full GC, read from the server's own /metrics. */
  long heapAfterGc(Http http) throws Exception {
    new ProcessBuilder("jcmd", String.valueOf(process.pid()), "GC.run").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
    long used = 0;
    for (String line : http.text("/metrics").split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        used += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return used;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
