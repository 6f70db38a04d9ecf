package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.BridgeClient;
import io.branchwork.support.Cli;
import io.branchwork.support.TcpBridgeClient;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bridge rules through the TCP bridge (the suite), and what is the TCP bridge's own: the frame
 * format's bounds (a malformed frame or a 2 GiB length header closes that connection and harms
 * nothing else), ping, TLS, and the README's Python session run as written.
 */
class TcpBridgeTest extends BridgeRulesSuite {

  @Override
  BridgeClient bridge() throws Exception {
    return new TcpBridgeClient(node.node.tcpBridgePort());
  }

  @Test
  @DisplayName("Verifies that ping answers pong, and that each malformed frame (not JSON, not an object, length 0, past limits.maxFrameBytes, a 2 GiB header) closes only its own connection")
  void framesAreBounded() throws Exception {
    try (TcpBridgeClient c = new TcpBridgeClient(node.node.tcpBridgePort())) {
      c.writeFrame(new JsonObject().put("type", "ping"));
      assertEquals("pong", c.next().getString("type"));
    }
    try (TcpBridgeClient bystander = new TcpBridgeClient(node.node.tcpBridgePort())) {
      byte[][] hostile = {
          frame("not json at all".getBytes(StandardCharsets.UTF_8)),
          frame("[1,2,3]".getBytes(StandardCharsets.UTF_8)),
          frame("\"a string\"".getBytes(StandardCharsets.UTF_8)),
          ByteBuffer.allocate(4).putInt(0).array(),
          ByteBuffer.allocate(8).putInt(17 * 1024 * 1024).putInt(0).array(),
          ByteBuffer.allocate(8).putInt(0x80000000).putInt(0).array(),
          ByteBuffer.allocate(8).putInt(0x7fffffff).putInt(0).array(),
      };
      for (byte[] bytes : hostile) {
        try (TcpBridgeClient c = new TcpBridgeClient(node.node.tcpBridgePort())) {
          c.writeRaw(bytes);
          c.closed().await(10, TimeUnit.SECONDS);
        }
      }
      JsonObject reply = bystander.send("allocator", owner, new JsonObject().put("op", "register")
          .put("project", "br").put("branch", "main").put("holder", "bystander"));
      assertTrue(bystander.isMessage(reply), reply::encode);
      assertTrue(bystander.isMessage(bystander.send("workspace.br.main", owner, new JsonObject().put("op", "list"))));
    }
  }

  @Test
  @DisplayName("Verifies that publish, an unknown frame type and a frame without a type are refused with an err frame, and the connection goes on")
  void typesOutsideTheProtocolAreRefused() throws Exception {
    try (TcpBridgeClient c = new TcpBridgeClient(node.node.tcpBridgePort())) {
      c.writeFrame(new JsonObject().put("type", "publish").put("address", "workspace.br.main")
          .put("headers", new JsonObject().put("token", owner)).put("body", new JsonObject().put("op", "list")));
      assertTrue(c.isDenied(c.next()), "publish is refused");
      c.writeFrame(new JsonObject().put("type", "shout").put("replyAddress", "r1"));
      JsonObject unknown = c.next();
      assertEquals("err", unknown.getString("type"), unknown::encode);
      assertEquals("unknown_type", unknown.getString("message"));
      c.writeFrame(new JsonObject().put("address", "allocator"));
      assertEquals("unknown_type", c.next().getString("message"));
      assertTrue(c.isMessage(c.send("allocator", owner, new JsonObject().put("op", "register")
          .put("project", "br").put("branch", "main").put("holder", "after"))));
    }
  }

  private static byte[] frame(byte[] payload) {
    return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
  }

  @Test
  @DisplayName("Verifies that past ws.maxInFlight requests waiting for replies, a connection's next request is refused as overloaded, and answered again once replies came")
  void inFlightIsBounded() throws Exception {
    int port = TestNode.freePort();
    try (TestNode small = TestNode.start(dir.resolve("inflight-data"), new JsonObject()
        .put("ws", new JsonObject().put("maxInFlight", 1))
        .put("workspace", new JsonObject().put("opTimeoutMs", 3000))
        .put("bridge", new JsonObject().put("tcp", new JsonObject().put("port", port))))) {
      String token = small.login("ida");
      var key = small.openNewProject(token, "fl", "h");
      // Another session holds the lock: a write through the bridge waits for it, in flight.
      small.ws(key, "ida", "lock", new JsonObject().put("holder", "someone-else"));
      try (TcpBridgeClient c = new TcpBridgeClient(small.node.tcpBridgePort())) {
        JsonObject write = new JsonObject().put("op", "write").put("path", "w.txt").put("content", "aGk=");
        c.writeFrame(new JsonObject().put("type", "send").put("address", key.address())
            .put("headers", new JsonObject().put("token", token)).put("body", write).put("replyAddress", "first"));
        c.writeFrame(new JsonObject().put("type", "send").put("address", key.address())
            .put("headers", new JsonObject().put("token", token)).put("body", write).put("replyAddress", "second"));
        JsonObject refused = c.next();
        assertEquals("second", refused.getString("address"), refused::encode);
        assertEquals("overloaded", refused.getString("message"), refused::encode);
        JsonObject first = c.next();
        assertEquals("first", first.getString("address"), first::encode);
        assertEquals("err", first.getString("type"), "the lock wait ran out: " + first.encode());
        JsonObject again = c.send(key.address(), token, new JsonObject().put("op", "list"));
        assertTrue(c.isMessage(again), again::encode);
      }
    }
  }

  @Test
  @DisplayName("Verifies the bridge over TLS (bridge.tcp.tls.keyStore, a certificate made by keytool for this test)")
  void tls() throws Exception {
    Path keyStore = dir.resolve("bridge.p12");
    Cli.run(dir, "keytool", "-genkeypair", "-alias", "bridge", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
        "-storepass", "changeit", "-keypass", "changeit");
    int port = TestNode.freePort();
    try (TestNode tlsNode = TestNode.start(dir.resolve("tls-data"), new JsonObject().put("bridge", new JsonObject()
        .put("tcp", new JsonObject().put("port", port).put("tls", new JsonObject()
            .put("keyStore", keyStore.toString()).put("keyStorePassword", "changeit")))))) {
      String token = tlsNode.login("tess");
      tlsNode.createProject(token, "tls");
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(keyStore)) {
        trusted.load(in, "changeit".toCharArray());
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", tlsNode.node.tcpBridgePort());
      socket.startHandshake();
      try (TcpBridgeClient c = new TcpBridgeClient(socket)) {
        JsonObject reg = c.send("allocator", token, new JsonObject().put("op", "register").put("project", "tls")
            .put("branch", "main").put("holder", "t"));
        assertTrue(c.isMessage(reg), reg::encode);
        assertEquals("workspace.tls.main", reg.getJsonObject("body").getString("address"));
      }
      // A plain-text client gets nothing from a TLS port.
      try (TcpBridgeClient plain = new TcpBridgeClient(tlsNode.node.tcpBridgePort())) {
        plain.writeFrame(new JsonObject().put("type", "ping"));
        plain.closed().await(10, TimeUnit.SECONDS);
        assertTrue(plain.in().isEmpty());
      }
    }
  }

  @Test
  @DisplayName("Verifies that the README's Python session (standard library only) runs as written against the bridge")
  void readmePythonSession() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("```python\n", readme.indexOf("## TCP event-bus bridge"));
    assertTrue(start > 0, "the README shows a Python session in its TCP bridge section");
    String script = readme.substring(start + "```python\n".length(), readme.indexOf("```", start + 10));
    Path file = dir.resolve("session.py");
    Files.writeString(file, script);
    node.createProject(owner, "py");
    Cli.Result r = Cli.exec(dir, "env", "BW_BRIDGE=127.0.0.1:" + node.node.tcpBridgePort(),
        "BW_TOKEN=" + owner, "BW_PROJECT=py", "python3", file.toString());
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("hello.txt"), r.out());
    assertTrue(r.out().contains("changed"), r.out());
  }
}
