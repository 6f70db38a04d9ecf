package io.branchwork.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Defaults match the contract: 127.0.0.1:8080, ./data, embedded store, GC 20 s / 120 s")
  void defaults() {
    Config c = ConfigLoader.load(null, Map.of());
    assertEquals("127.0.0.1", c.httpHost);
    assertEquals(8080, c.httpPort);
    assertEquals(Path.of("./data"), c.dataDir);
    assertEquals(Config.StoreKind.EMBEDDED, c.store);
    assertEquals(20_000, c.gcIntervalMs);
    assertEquals(120_000, c.gcGraceMs);
    assertEquals(5, c.snapshotKeep);
    assertEquals(16 << 20, c.maxFrameBytes);
    assertTrue(c.saveOnEvict);
  }

  @Test
  @DisplayName("Environment variables BRANCHWORK_<KEY_IN_UPPER_SNAKE> override single keys")
  void environment() {
    Config c = ConfigLoader.load(null, Map.of(
        "BRANCHWORK_HTTP_HOST", "0.0.0.0",
        "BRANCHWORK_HTTP_PORT", "9090",
        "BRANCHWORK_DATA_DIR", "/var/lib/bw",
        "BRANCHWORK_STORE", "pg",
        "BRANCHWORK_PG_URL", "postgresql://db/bw",
        "BRANCHWORK_GC_INTERVAL_MS", "1000",
        "BRANCHWORK_GC_GRACE_MS", "5000",
        "BRANCHWORK_CLUSTER_ENABLED", "true",
        "BRANCHWORK_WORKSPACE_SAVE_ON_EVICT", "false"));
    assertEquals("0.0.0.0", c.httpHost);
    assertEquals(9090, c.httpPort);
    assertEquals(Path.of("/var/lib/bw"), c.dataDir);
    assertEquals(Config.StoreKind.PG, c.store);
    assertEquals("postgresql://db/bw", c.pgUrl);
    assertEquals(1000, c.gcIntervalMs);
    assertEquals(5000, c.gcGraceMs);
    assertTrue(c.clusterEnabled);
    assertEquals(false, c.saveOnEvict);
    assertEquals("BRANCHWORK_LIMITS_MAX_FRAME_BYTES", ConfigLoader.envName("limits.maxFrameBytes"));
  }

  @Test
  @DisplayName("A bad value stops start-up with a message that names the key")
  void badValuesNameTheKey() {
    assertMessage("gc.intervalMs", Map.of("BRANCHWORK_GC_INTERVAL_MS", "soon"));
    assertMessage("http.port", Map.of("BRANCHWORK_HTTP_PORT", "70000"));
    assertMessage("store", Map.of("BRANCHWORK_STORE", "mongo"));
    assertMessage("cluster.enabled", Map.of("BRANCHWORK_CLUSTER_ENABLED", "yes"));
    assertMessage("cluster.failureTimeoutMs", Map.of("BRANCHWORK_CLUSTER_FAILURE_TIMEOUT_MS", "1000"));
    // a sandbox is never turned off by a typo, and a render must answer before its caller gives up
    assertMessage("render.sandbox", Map.of("BRANCHWORK_RENDER_SANDBOX", "off"));
    assertMessage("render.memoryBytes", Map.of("BRANCHWORK_RENDER_MEMORY_BYTES", "1024"));
    assertMessage("bus.requestTimeoutMs", Map.of("BRANCHWORK_RENDER_TIMEOUT_MS", "30000"));
    // live documents: no bound may be switched off by a zero or a negative
    assertMessage("collab.maxDocBytes", Map.of("BRANCHWORK_COLLAB_MAX_DOC_BYTES", "0"));
    assertMessage("collab.maxDocsPerWorkspace", Map.of("BRANCHWORK_COLLAB_MAX_DOCS_PER_WORKSPACE", "-1"));
    assertMessage("collab.historyUpdates", Map.of("BRANCHWORK_COLLAB_HISTORY_UPDATES", "0"));
    assertMessage("collab.historyBytes", Map.of("BRANCHWORK_COLLAB_HISTORY_BYTES", "10"));
    assertMessage("collab.pushesPerSecond", Map.of("BRANCHWORK_COLLAB_PUSHES_PER_SECOND", "0"));
  }

  @Test
  @DisplayName("Sign-in and webhook settings that cannot work are refused at start by name: local users off with no provider, an issuer without a client id or not a URL, retries that end before they start")
  void integrationsRefusedByName() {
    assertMessage("auth.local", Map.of("BRANCHWORK_AUTH_LOCAL", "false"));
    assertMessage("auth.oidc.clientId", Map.of("BRANCHWORK_AUTH_OIDC_ISSUER", "https://id.example.com"));
    assertMessage("auth.oidc.issuer", Map.of("BRANCHWORK_AUTH_OIDC_ISSUER", "id.example.com",
        "BRANCHWORK_AUTH_OIDC_CLIENT_ID", "bw"));
    assertMessage("hooks.retryMaxMs", Map.of("BRANCHWORK_HOOKS_RETRY_FIRST_MS", "5000",
        "BRANCHWORK_HOOKS_RETRY_MAX_MS", "1000"));
    assertMessage("hooks.concurrency", Map.of("BRANCHWORK_HOOKS_CONCURRENCY", "0"));
    Config c = ConfigLoader.load(null, Map.of("BRANCHWORK_AUTH_LOCAL", "false",
        "BRANCHWORK_AUTH_OIDC_ISSUER", "https://id.example.com", "BRANCHWORK_AUTH_OIDC_CLIENT_ID", "bw"));
    assertEquals(false, c.authLocal);
    assertEquals(72 * 3_600_000L, c.hooksRetryMs);
  }

  @Test
  @DisplayName("A cluster without the PostgreSQL store is refused with a message that says what to set")
  void clusterNeedsPostgres() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("BRANCHWORK_CLUSTER_ENABLED", "true")));
    assertTrue(e.getMessage().contains("cluster.enabled") && e.getMessage().contains("BRANCHWORK_STORE=pg"),
        e.getMessage());
  }

  @Test
  @DisplayName("A --conf file overrides the defaults; unknown keys and wrong types are refused by name")
  void confFile() throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{\"gc\":{\"graceMs\":1234},\"snapshot\":{\"keep\":2}}");
    Config c = ConfigLoader.load(f, Map.of("BRANCHWORK_SNAPSHOT_KEEP", "3"));
    assertEquals(1234, c.gcGraceMs);
    assertEquals(3, c.snapshotKeep, "the environment wins over the file");
    Files.writeString(f, "{\"gc\":{\"graceMS\":1}}");
    assertEquals("config key 'gc.graceMS': unknown key",
        assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of())).getMessage());
    Files.writeString(f, "{\"http\":{\"port\":\"eighty\"}}");
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of())).getMessage().contains("http.port"));
    Files.writeString(f, "{not json");
    assertTrue(assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of())).getMessage().contains("--conf"));
  }

  private static void assertMessage(String key, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, env));
    assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
  }
}
