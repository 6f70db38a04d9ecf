package io.branchwork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.config.Config;
import io.branchwork.config.ConfigException;
import io.branchwork.config.ConfigLoader;
import io.branchwork.config.Help;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a newcomer meets at start-up: the help, a mistyped variable, a busy port, a data dir in use. */
@Timeout(120)
class StartupTest {

  @TempDir
  Path dir;

  private record Run(int exit, String out) {}

  /** {@code Main} in a JVM of its own, as {@code java -jar} runs it, with {@code env} added. */
  private Run main(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("BRANCHWORK_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    return new Run(p.exitValue(), out);
  }

  private static List<String> keys(JsonObject o, String prefix) {
    List<String> out = new ArrayList<>();
    for (String name : o.fieldNames()) {
      if (o.getValue(name) instanceof JsonObject child) {
        out.addAll(keys(child, prefix + name + "."));
      } else {
        out.add(prefix + name);
      }
    }
    return out;
  }

  @Test
  @DisplayName("Verifies that --help lists the command line and every setting with its environment variable and default, from conf/README.md")
  void help() throws Exception {
    Run r = main(Map.of(), "--help");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().startsWith("Usage: java -jar branchwork.jar [--conf FILE] [--help]"), r.out());
    List<String> all = keys(ConfigLoader.defaults(), "");
    assertEquals(all.stream().sorted().toList(), Help.settings().keySet().stream().sorted().toList(),
        "conf/README.md documents exactly the keys of conf/default.json");
    for (String key : all) {
      assertTrue(r.out().contains("  " + key + "  (" + ConfigLoader.envName(key) + ", default "), key + " in\n" + r.out());
    }
    assertTrue(r.out().contains("  http.port  (BRANCHWORK_HTTP_PORT, default 8080)"), r.out());
    assertTrue(r.out().contains("BRANCHWORK_LOG_LEVEL"), r.out());
  }

  @Test
  @DisplayName("Verifies that an unknown BRANCHWORK_ variable stops start-up naming it, as an unknown key in a file does, before anything is created")
  void unknownEnvironmentVariable() throws Exception {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("BRANCHWORK_HTTP_PROT", "9000")));
    assertTrue(e.getMessage().contains("BRANCHWORK_HTTP_PROT"), e.getMessage());
    ConfigLoader.load(null, Map.of("BRANCHWORK_LOG_LEVEL", "WARN", "BRANCHWORK_HTTP_PORT", "9000"));
    Run r = main(Map.of("BRANCHWORK_DATA_DIR", dir.resolve("data").toString(), "BRANCHWORK_GC_INTERVALMS", "5"));
    assertEquals(2, r.exit(), r.out());
    assertTrue(r.out().contains("environment variable BRANCHWORK_GC_INTERVALMS names no setting"), r.out());
    assertFalse(Files.exists(dir.resolve("data")), "nothing is created by a node that does not start");
  }

  @Test
  @DisplayName("Verifies that a port in use is named and nothing is created, and a second node on a data dir in use says who holds it and leaves its files alone")
  void portAndDataDirInUse() throws Exception {
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("127.0.0.1", 0));
      Path data = dir.resolve("never");
      JsonObject conf = TestNode.testConfig(data);
      conf.getJsonObject("http").put("port", busy.getLocalPort());
      String why = startFails(conf);
      assertTrue(why.contains("port " + busy.getLocalPort() + " on 127.0.0.1 is in use"), why);
      assertFalse(Files.exists(data), "nothing is created before the port is known to be free");
    }
    Path shared = dir.resolve("shared");
    try (TestNode first = TestNode.start(shared)) {
      Path marker = Files.writeString(shared.resolve("workspaces").resolve("still-here"), "x");
      String why = startFails(TestNode.testConfig(shared));
      assertTrue(why.contains("another Branchwork holds " + shared.toAbsolutePath()), why);
      assertTrue(Files.exists(marker), "the running node's working copies are left alone");
      assertEquals(200, first.http.get("/health", null).status());
    }
    try (TestNode again = TestNode.start(shared)) {
      assertEquals(200, again.http.get("/health", null).status(), "a stopped node gives its data dir back");
    }
  }

  private static String startFails(JsonObject conf) {
    BranchworkMetrics metrics = new BranchworkMetrics();
    Vertx vertx = Main.newVertx(metrics);
    try {
      Exception e = assertThrows(Exception.class,
          () -> Node.start(vertx, Config.of(conf), metrics).await(30, TimeUnit.SECONDS));
      return String.valueOf(e.getMessage());
    } finally {
      vertx.close();
    }
  }
}
