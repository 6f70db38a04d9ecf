package io.branchwork.config;

import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The validated configuration of one node. Every key is read and range-checked here, once, so a
 * bad value stops start-up with a message that names the key. {@code conf/README.md} documents
 * each key.
 */
public final class Config {

  public enum StoreKind { EMBEDDED, PG }

  private final JsonObject json;

  public final String httpHost;
  public final int httpPort;
  public final int httpInstances;
  public final Path dataDir;
  public final String nodeTag;
  public final StoreKind store;
  public final String pgUrl;
  public final int pgPoolSize;
  public final String pgSchema;
  public final long gcIntervalMs;
  public final long gcGraceMs;
  public final boolean saveOnEvict;
  public final long opTimeoutMs;
  public final int queueLimit;
  public final long loadTimeoutMs;
  public final long cacheBytes;
  public final int heavyOpThreads;
  public final int eventBuffer;
  public final long idempotencyTtlMs;
  public final int idempotencyKeys;
  public final int snapshotKeep;
  public final int snapshotChunkBytes;
  public final int gzipLevel;
  public final long maxSnapshotBytes;
  public final long maxSnapshotEntries;
  public final long maxPushBytes;
  public final int gitThreads;
  public final int gitMirrors;
  public final String bridgeTcpHost;
  public final int bridgeTcpPort;
  public final String bridgeTcpKeyStore;
  public final String bridgeTcpKeyStorePassword;
  public final int maxFileBytes;
  public final int maxFrameBytes;
  public final int maxJsonBodyBytes;
  public final boolean openRegistration;
  public final long tokenTtlMs;
  public final long accessTokenMaxDays;
  public final int passwordIterations;
  public final int minPasswordLength;
  public final long authTimeoutMs;
  public final String emailDomain;
  public final long requestTimeoutMs;
  public final long wsIdleTimeoutMs;
  public final long wsPingIntervalMs;
  public final int wsMaxConnections;
  public final int wsMaxInFlight;
  public final boolean clusterEnabled;
  public final String clusterHost;
  public final int clusterPort;
  public final List<String> clusterMembers;
  public final int clusterBusPort;
  public final long clusterHeartbeatMs;
  public final long clusterFailureTimeoutMs;
  public final int maxConnectionsPerUser;
  public final int maxWorkspacesPerUser;
  public final int maxReferencesPerSocket;
  public final int hashThreads;
  public final int maxPendingHashes;
  public final int loginFailuresPerUser;
  public final int loginFailuresPerAddress;
  public final long loginFailureWindowMs;
  public final int compileMaxOutputBytes;
  public final int compileMaxDepth;
  public final long compileTimeoutMs;
  /** Whether Branchwork's own user names and passwords sign in ({@code auth.local}). */
  public final boolean authLocal;
  /** The OpenID provider's issuer URL; empty: no provider. */
  public final String oidcIssuer;
  public final String oidcClientId;
  public final String oidcClientSecret;
  /** The audience a provider's JWT must name; empty: the client id. */
  public final String oidcAudience;
  public final String oidcUsernameClaim;
  /** What the page's "Sign in with ..." button says; empty: the issuer's host. */
  public final String oidcName;
  public final long oidcSkewSeconds;
  public final long oidcJwksRefreshMs;
  public final long oidcTimeoutMs;
  public final boolean hooksAllowPrivateTargets;
  public final long hooksRetryMs;
  public final long hooksRetryFirstMs;
  public final long hooksRetryMaxMs;
  public final long hooksTimeoutMs;
  public final int hooksConcurrency;
  public final int hooksPerHook;
  public final long hooksPollMs;
  public final int hooksMaxPerProject;
  public final long hooksKeepMs;
  public final int collabMaxDocBytes;
  public final int collabMaxDocs;
  public final int collabHistoryUpdates;
  public final long collabHistoryBytes;
  public final int collabPushesPerSecond;
  public final int diffMaxPatchBytes;
  public final int diffMaxFileBytes;
  public final long diffTimeoutMs;
  public final long logTimeoutMs;
  public final String renderOpenscad;
  public final List<String> renderArgs;
  /** Whether renders run in bubblewrap ({@code render.sandbox=bwrap}); false only by explicit opt-in. */
  public final boolean renderSandboxed;
  public final String renderBwrap;
  public final long renderTimeoutMs;
  public final long renderMemoryBytes;
  public final long renderMaxOutputBytes;
  public final int renderThreads;
  public final int renderPerUser;
  public final long renderCacheBytes;
  /** Bearer token {@code /metrics} asks for; empty: open to anyone who reaches the port. */
  public final String metricsToken;

  Config(JsonObject json) {
    this.json = json;
    httpHost = nonEmpty("http.host");
    httpPort = (int) range("http.port", 0, 65535);
    httpInstances = (int) range("http.instances", 0, 256);
    dataDir = Path.of(nonEmpty("data.dir"));
    String tag = string("node.tag");
    nodeTag = tag.isEmpty() ? defaultTag(httpPort) : tag;
    store = storeKind(string("store"));
    pgUrl = nonEmpty("pg.url");
    pgPoolSize = (int) range("pg.poolSize", 1, 1024);
    pgSchema = nonEmpty("pg.schema");
    if (!pgSchema.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new ConfigException("pg.schema", "must match [a-z_][a-z0-9_]{0,62}, got '" + pgSchema + "'");
    }
    gcIntervalMs = range("gc.intervalMs", 10, Integer.MAX_VALUE);
    gcGraceMs = range("gc.graceMs", 0, Long.MAX_VALUE / 2);
    saveOnEvict = bool("workspace.saveOnEvict");
    opTimeoutMs = range("workspace.opTimeoutMs", 1, Integer.MAX_VALUE);
    queueLimit = (int) range("workspace.queueLimit", 1, 1_000_000);
    loadTimeoutMs = range("workspace.loadTimeoutMs", 1, Integer.MAX_VALUE);
    cacheBytes = range("workspace.cacheBytes", 0, 1L << 40);
    heavyOpThreads = (int) range("workspace.heavyOpThreads", 1, 256);
    eventBuffer = (int) range("workspace.eventBuffer", 0, 1_000_000);
    idempotencyTtlMs = range("workspace.idempotencyTtlMs", 1000, 86_400_000L * 7);
    idempotencyKeys = (int) range("workspace.idempotencyKeys", 1, 10_000_000);
    snapshotKeep = (int) range("snapshot.keep", 1, 10_000);
    snapshotChunkBytes = (int) range("snapshot.chunkBytes", 4096, 64L << 20);
    gzipLevel = (int) range("snapshot.gzipLevel", 0, 9);
    maxSnapshotBytes = range("limits.maxSnapshotBytes", 1024, Long.MAX_VALUE / 2);
    maxSnapshotEntries = range("limits.maxSnapshotEntries", 1, Integer.MAX_VALUE);
    maxPushBytes = range("limits.maxPushBytes", 1024, Long.MAX_VALUE / 2);
    gitThreads = (int) range("git.threads", 1, 256);
    gitMirrors = (int) range("git.mirrors", 1, 100_000);
    bridgeTcpHost = nonEmpty("bridge.tcp.host");
    bridgeTcpPort = (int) range("bridge.tcp.port", 0, 65535);
    bridgeTcpKeyStore = string("bridge.tcp.tls.keyStore");
    bridgeTcpKeyStorePassword = string("bridge.tcp.tls.keyStorePassword");
    maxFileBytes = (int) range("limits.maxFileBytes", 1, Integer.MAX_VALUE - 1024);
    maxFrameBytes = (int) range("limits.maxFrameBytes", 1024, Integer.MAX_VALUE);
    maxJsonBodyBytes = (int) range("limits.maxJsonBodyBytes", 1024, 64L << 20);
    openRegistration = bool("auth.openRegistration");
    tokenTtlMs = range("auth.tokenTtlMs", 1000, Long.MAX_VALUE / 4);
    accessTokenMaxDays = range("auth.accessTokenMaxDays", 1, 36500);
    passwordIterations = (int) range("auth.passwordIterations", 1, 100_000_000);
    minPasswordLength = (int) range("auth.minPasswordLength", 1, 1024);
    authTimeoutMs = range("auth.timeoutMs", 1, Integer.MAX_VALUE);
    emailDomain = nonEmpty("git.emailDomain");
    requestTimeoutMs = range("bus.requestTimeoutMs", 1, Integer.MAX_VALUE);
    wsIdleTimeoutMs = range("ws.idleTimeoutMs", 100, Integer.MAX_VALUE);
    wsPingIntervalMs = range("ws.pingIntervalMs", 50, Integer.MAX_VALUE);
    wsMaxConnections = (int) range("ws.maxConnections", 1, 10_000_000);
    wsMaxInFlight = (int) range("ws.maxInFlight", 1, 100_000);
    clusterEnabled = bool("cluster.enabled");
    clusterHost = nonEmpty("cluster.host");
    clusterPort = (int) range("cluster.port", 1, 65535);
    clusterMembers = Arrays.stream(string("cluster.members").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    clusterBusPort = (int) range("cluster.busPort", 0, 65535);
    clusterHeartbeatMs = range("cluster.heartbeatMs", 1000, 60_000);
    clusterFailureTimeoutMs = range("cluster.failureTimeoutMs", 2000, 600_000);
    maxConnectionsPerUser = (int) range("limits.maxConnectionsPerUser", 1, 10_000_000);
    maxWorkspacesPerUser = (int) range("limits.maxWorkspacesPerUser", 1, 10_000_000);
    maxReferencesPerSocket = (int) range("limits.maxReferencesPerSocket", 1, 1_000_000);
    hashThreads = (int) range("auth.hashThreads", 1, 64);
    maxPendingHashes = (int) range("auth.maxPendingHashes", 1, 100_000);
    loginFailuresPerUser = (int) range("auth.loginFailuresPerUser", 1, 1_000_000);
    loginFailuresPerAddress = (int) range("auth.loginFailuresPerAddress", 1, 1_000_000);
    loginFailureWindowMs = range("auth.loginFailureWindowMs", 1000, 86_400_000);
    compileMaxOutputBytes = (int) range("compile.maxOutputBytes", 1024, Integer.MAX_VALUE / 4);
    compileMaxDepth = (int) range("compile.maxDepth", 1, 1000);
    compileTimeoutMs = range("compile.timeoutMs", 10, Integer.MAX_VALUE);
    authLocal = bool("auth.local");
    oidcIssuer = string("auth.oidc.issuer").trim();
    oidcClientId = string("auth.oidc.clientId").trim();
    oidcClientSecret = string("auth.oidc.clientSecret");
    oidcAudience = string("auth.oidc.audience").trim();
    oidcUsernameClaim = nonEmpty("auth.oidc.usernameClaim");
    oidcName = string("auth.oidc.name").trim();
    oidcSkewSeconds = range("auth.oidc.skewSeconds", 0, 600);
    oidcJwksRefreshMs = range("auth.oidc.jwksRefreshMs", 1000, 86_400_000);
    oidcTimeoutMs = range("auth.oidc.timeoutMs", 100, 600_000);
    if (!oidcIssuer.isEmpty() && oidcClientId.isEmpty()) {
      throw new ConfigException("auth.oidc.clientId", "must be set with auth.oidc.issuer");
    }
    if (!oidcIssuer.isEmpty() && !oidcIssuer.startsWith("https://") && !oidcIssuer.startsWith("http://")) {
      throw new ConfigException("auth.oidc.issuer", "must be an http(s) URL");
    }
    if (!authLocal && oidcIssuer.isEmpty()) {
      throw new ConfigException("auth.local", "nobody could sign in: set auth.oidc.issuer or keep auth.local true");
    }
    hooksAllowPrivateTargets = bool("hooks.allowPrivateTargets");
    hooksRetryMs = range("hooks.retryHours", 0, 24 * 365) * 3_600_000L;
    hooksRetryFirstMs = range("hooks.retryFirstMs", 10, 86_400_000);
    hooksRetryMaxMs = range("hooks.retryMaxMs", hooksRetryFirstMs, 86_400_000);
    hooksTimeoutMs = range("hooks.timeoutMs", 100, 600_000);
    hooksConcurrency = (int) range("hooks.concurrency", 1, 10_000);
    hooksPerHook = (int) range("hooks.perHook", 1, hooksConcurrency);
    hooksPollMs = range("hooks.pollMs", 10, 3_600_000);
    hooksMaxPerProject = (int) range("hooks.maxPerProject", 1, 1000);
    hooksKeepMs = range("hooks.keepDays", 1, 3650) * 86_400_000L;
    collabMaxDocBytes = (int) range("collab.maxDocBytes", 1, Integer.MAX_VALUE / 4);
    collabMaxDocs = (int) range("collab.maxDocsPerWorkspace", 1, 100_000);
    collabHistoryUpdates = (int) range("collab.historyUpdates", 1, 1_000_000);
    collabHistoryBytes = range("collab.historyBytes", 1024, 1L << 34);
    collabPushesPerSecond = (int) range("collab.pushesPerSecond", 1, 1_000_000);
    diffMaxPatchBytes = (int) range("diff.maxPatchBytes", 1024, Integer.MAX_VALUE / 4);
    diffMaxFileBytes = (int) range("diff.maxFileBytes", 1024, Integer.MAX_VALUE / 4);
    diffTimeoutMs = range("diff.timeoutMs", 10, Integer.MAX_VALUE);
    logTimeoutMs = range("log.timeoutMs", 10, Integer.MAX_VALUE);
    metricsToken = string("metrics.token");
    renderOpenscad = nonEmpty("render.openscad");
    renderArgs = Arrays.stream(string("render.args").split(" ")).filter(s -> !s.isEmpty()).toList();
    renderSandboxed = switch (string("render.sandbox")) {
      case "bwrap" -> true;
      case "none" -> false;
      default -> throw new ConfigException("render.sandbox", "expected 'bwrap' or 'none'");
    };
    renderBwrap = nonEmpty("render.bwrap");
    renderTimeoutMs = range("render.timeoutMs", 100, Integer.MAX_VALUE);
    renderMemoryBytes = range("render.memoryBytes", 64L << 20, 1L << 40);
    renderMaxOutputBytes = range("render.maxOutputBytes", 1L << 16, 1L << 40);
    renderThreads = (int) range("render.threads", 1, 256);
    renderPerUser = (int) range("render.perUser", 1, 10_000);
    renderCacheBytes = range("render.cacheBytes", 0, 1L << 44);
    if (requestTimeoutMs <= Math.max(Math.max(compileTimeoutMs, diffTimeoutMs), Math.max(logTimeoutMs,
        renderTimeoutMs))) {
      // A bounded op must answer before its caller gives up, or the bound protects nobody.
      throw new ConfigException("bus.requestTimeoutMs",
          "must be longer than compile.timeoutMs, render.timeoutMs, diff.timeoutMs and log.timeoutMs");
    }
    if (clusterEnabled) {
      if (store != StoreKind.PG) {
        throw new ConfigException("cluster.enabled", "a cluster needs the PostgreSQL store that every node"
            + " shares: set store to 'pg' (BRANCHWORK_STORE=pg) and pg.url (BRANCHWORK_PG_URL)");
      }
      if (clusterMembers.isEmpty()) {
        throw new ConfigException("cluster.members", "must name at least one host:port");
      }
      if (clusterFailureTimeoutMs < 2 * clusterHeartbeatMs) {
        throw new ConfigException("cluster.failureTimeoutMs", "must be at least twice cluster.heartbeatMs");
      }
    }
  }

  /** The defaults with {@code overrides} merged in (keys as in {@code conf/default.json}). */
  public static Config of(JsonObject overrides) {
    JsonObject merged = ConfigLoader.defaults();
    ConfigLoader.merge(merged, overrides, "");
    return new Config(merged);
  }

  /** A copy of the effective configuration, for logs and tests. */
  public JsonObject json() {
    return json.copy();
  }

  private Object value(String key) {
    JsonObject node = json;
    String[] parts = key.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    return node.getValue(parts[parts.length - 1]);
  }

  private String string(String key) {
    return (String) value(key);
  }

  private String nonEmpty(String key) {
    String s = string(key);
    if (s.isBlank()) {
      throw new ConfigException(key, "must not be empty");
    }
    return s;
  }

  private boolean bool(String key) {
    return (Boolean) value(key);
  }

  private long range(String key, long min, long max) {
    long v = ((Number) value(key)).longValue();
    if (v < min || v > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  private static StoreKind storeKind(String s) {
    switch (s) {
      case "embedded":
        return StoreKind.EMBEDDED;
      case "pg":
        return StoreKind.PG;
      default:
        throw new ConfigException("store", "expected 'embedded' or 'pg', got '" + s + "'");
    }
  }

  private static String defaultTag(int port) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "localhost";
    }
    return host + ":" + port;
  }
}
