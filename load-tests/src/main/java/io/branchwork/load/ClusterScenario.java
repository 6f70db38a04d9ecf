package io.branchwork.load;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 7 ({@code --cluster}): two nodes of the fat jar, clustered over loopback on one
 * PostgreSQL schema, with the shipped failure-detection defaults.
 *
 * <ul>
 *   <li><b>remote owner</b>: 4 KiB {@code read} and {@code write} from clients connected to
 *       the node that owns the workspace, and from clients of the other node, whose requests
 *       cross the cluster's event bus;</li>
 *   <li><b>failover</b>: the owner is killed ({@code kill -9}: its sockets close, so peers see
 *       refused connections at once) or frozen ({@code kill -STOP}: sockets stay open and silent,
 *       like a machine that dropped off the network, so only the failure detector's timeout
 *       notices); time until a client of the survivor hears {@code closing}, and until its
 *       reopen is answered from the last saved snapshot (which it checks). The node is then
 *       killed for good and restarted for the next trial.</li>
 * </ul>
 */
final class ClusterScenario {

  private final LoadRunner runner;
  private final Path work;
  private final String schema = "bw_load_cluster_" + Long.toHexString(System.nanoTime());
  private final int[] clusterPorts = new int[2];
  private final int[] httpPorts = new int[2];
  private final ServerProcess[] nodes = new ServerProcess[2];
  private String token;

  ClusterScenario(LoadRunner runner, Path work) {
    this.runner = runner;
    this.work = work;
  }

  void run() throws Exception {
    for (int i = 0; i < 2; i++) {
      clusterPorts[i] = ServerProcess.freePort();
      httpPorts[i] = ServerProcess.freePort();
    }
    try {
      start(0);
      start(1);
      awaitMembers(1, 2);
      Http http = new Http(httpPorts[0]);
      http.post("/api/users", null, new JsonObject().put("username", "load").put("password", "load-password"), 201);
      token = http.post("/api/sessions", null,
          new JsonObject().put("username", "load").put("password", "load-password"), 200).getString("token");
      LoadRunner.log("two clustered nodes up on ports " + httpPorts[0] + " and " + httpPorts[1]);
      remoteOwner(http);
      failover(http, "KILL", runner.o.smoke() ? 1 : 5);
      failover(http, "STOP", runner.o.smoke() ? 1 : 3);
    } finally {
      for (ServerProcess n : nodes) {
        if (n != null) {
          n.close();
        }
      }
      runner.dropSchemas(schema);
    }
  }

  private void start(int i) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of(
        "BRANCHWORK_LOG_LEVEL", "WARN",
        "BRANCHWORK_STORE", "pg",
        "BRANCHWORK_PG_URL", runner.o.pgUrl(),
        "BRANCHWORK_PG_SCHEMA", schema,
        "BRANCHWORK_NODE_TAG", "load-" + i,
        "BRANCHWORK_CLUSTER_ENABLED", "true",
        "BRANCHWORK_CLUSTER_PORT", String.valueOf(clusterPorts[i]),
        "BRANCHWORK_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1]));
    env.putAll(LoadRunner.oneUserManyClients());
    nodes[i] = ServerProcess.start(runner.o.jar(), work.resolve("node-" + i), "1g", env,
        work.resolve("node-" + i + ".log"), httpPorts[i]);
  }

  /** Waits until node {@code i}'s health check counts {@code members} cluster members. */
  private void awaitMembers(int i, int members) throws Exception {
    Http http = new Http(httpPorts[i]);
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject cluster = new JsonObject(http.text("/health")).getJsonObject("cluster");
      if (cluster != null && cluster.getInteger("members") == members) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("node " + i + " did not see " + members + " members");
  }

  private WsConn conn(int node) throws Exception {
    return WsConn.connect(runner.client, httpPorts[node], token).await(30, TimeUnit.SECONDS);
  }

  private static JsonObject open(String project) {
    return new JsonObject().put("op", "open").put("project", project).put("branch", "main");
  }

  // --- requests through the owner's node and through the other node

  private void remoteOwner(Http http) throws Exception {
    http.post("/api/projects", token, new JsonObject().put("id", "cl"), 201);
    WsConn owner = conn(0);
    owner.ok(open("cl")).await(60, TimeUnit.SECONDS); // node 0 registers first: it owns the workspace
    byte[] content = runner.payload();
    owner.ok(new JsonObject().put("op", "write").put("path", "f.bin").put("content", content))
        .await(30, TimeUnit.SECONDS);
    JsonObject read = new JsonObject().put("op", "read").put("path", "f.bin");
    JsonObject write = new JsonObject().put("op", "write").put("path", "f.bin").put("content", content);
    for (int clients : new int[] {1, 16}) {
      for (int node : new int[] {0, 1}) {
        List<WsConn> conns = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          WsConn c = conn(node);
          c.ok(open("cl")).await(60, TimeUnit.SECONDS);
          conns.add(c);
        }
        String where = node == 0 ? "owner's node" : "other node";
        runner.closedLoop("warmup", "read", clients, 1, i -> conns.get(i).call(read).map(r -> r.getBoolean("ok")));
        runner.keep(runner.closedLoop("cluster", "read-4k via " + where + " c=" + clients, clients,
            runner.o.durationS(), i -> conns.get(i).call(read).map(r -> r.getBoolean("ok"))));
        runner.keep(runner.closedLoop("cluster", "write-4k via " + where + " c=" + clients, clients,
            runner.o.durationS(), i -> conns.get(i).call(write).map(r -> r.getBoolean("ok"))));
        conns.forEach(c -> c.ws.close());
      }
    }
    owner.ws.close();
  }

  // --- kill -9 of the owner

  private void failover(Http http, String signal, int trials) throws Exception {
    String how = "kill -" + (signal.equals("KILL") ? "9" : signal);
    Result detect = new Result("cluster", "failover: " + how + " to closing heard on the survivor");
    Result reopen = new Result("cluster", "failover: " + how + " to reopened on the survivor");
    for (int t = 0; t < trials; t++) {
      String project = "fo" + signal.toLowerCase(java.util.Locale.ROOT) + t;
      http.post("/api/projects", token, new JsonObject().put("id", project), 201);
      byte[] saved = runner.payload();
      WsConn victimClient = conn(0);
      victimClient.ok(open(project)).await(60, TimeUnit.SECONDS); // node 0 owns it
      victimClient.ok(new JsonObject().put("op", "write").put("path", "s.bin").put("content", saved))
          .await(30, TimeUnit.SECONDS);
      victimClient.ok(new JsonObject().put("op", "save")).await(30, TimeUnit.SECONDS);
      victimClient.ok(new JsonObject().put("op", "write").put("path", "s.bin").put("content", runner.payload()))
          .await(30, TimeUnit.SECONDS);
      WsConn survivor = conn(1);
      survivor.ok(open(project)).await(60, TimeUnit.SECONDS);

      long killed = System.nanoTime();
      if (signal.equals("KILL")) {
        nodes[0].process.destroyForcibly();
      } else {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(nodes[0].process.pid())).start()
            .waitFor(10, TimeUnit.SECONDS);
      }
      JsonObject closing = null;
      while (closing == null || !"closing".equals(closing.getString("event"))) {
        closing = survivor.events.poll(60, TimeUnit.SECONDS);
        if (closing == null) {
          throw new IllegalStateException("trial " + t + ": no closing event within 60 s");
        }
      }
      detect.record(System.nanoTime() - killed);
      JsonObject reply = survivor.call(open(project)).await(60, TimeUnit.SECONDS);
      while (!Boolean.TRUE.equals(reply.getBoolean("ok")) && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(60)) {
        reply = survivor.call(open(project)).await(60, TimeUnit.SECONDS);
      }
      if (!Boolean.TRUE.equals(reply.getBoolean("ok"))) {
        reopen.errors++;
      } else {
        reopen.record(System.nanoTime() - killed);
        JsonObject got = survivor.ok(new JsonObject().put("op", "read").put("path", "s.bin")).await(30, TimeUnit.SECONDS);
        if (!Arrays.equals(saved, got.getBinary("content"))) {
          reopen.errors++; // not the last saved state
        }
      }
      survivor.ws.close();
      nodes[0].process.destroyForcibly(); // a stopped process dies of SIGKILL too
      nodes[0].process.waitFor(30, TimeUnit.SECONDS);
      start(0); // the same node comes back, with a new member id
      awaitMembers(1, 2);
    }
    detect.extra.put("trials", trials);
    reopen.extra.put("trials", trials);
    runner.keep(detect);
    runner.keep(reopen);
  }
}
