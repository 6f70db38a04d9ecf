package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Await;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class GatewayLimitsTest {

  static TestNode node;
  static String token;

  /** A node per test: the connection cap counts every connection, so no test may see another's. */
  @BeforeEach
  void start(@TempDir Path dir) {
    node = TestNode.start(dir, new JsonObject().put("ws", new JsonObject()
        .put("idleTimeoutMs", 400).put("pingIntervalMs", 100).put("maxConnections", 2)));
    token = node.login("alice");
  }

  @AfterEach
  void stop() {
    node.close();
  }

  /** Opens a WebSocket by hand on a plain socket and then never reads: it answers no ping. */
  private static Socket silentClient() throws IOException {
    Socket s = handshake();
    assertTrue(readHead(s).startsWith("HTTP/1.1 101"));
    return s;
  }

  /** Sends an upgrade request with the bearer token on a plain socket. */
  private static Socket handshake() throws IOException {
    Socket s = new Socket("127.0.0.1", node.node.port());
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  /** The status line and headers of the server's answer. */
  private static String readHead(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed during the handshake: " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /** Reads frames until a close frame; answers its status code (-1 when the socket just ended). */
  private static int awaitCloseFrame(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        return -1;
      }
      int len = in.readUnsignedByte() & 0x7f;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = (int) in.readLong();
      }
      byte[] payload = in.readNBytes(len);
      if ((b0 & 0x0f) == 0x8) {
        return payload.length >= 2 ? ((payload[0] & 0xff) << 8 | (payload[1] & 0xff)) : 1005;
      }
    }
  }

  @Test
  @DisplayName("A connection that answers no ping is closed after ws.idleTimeoutMs and its slot given back")
  void idleConnectionIsClosed() throws Exception {
    try (Socket s = silentClient()) {
      long t0 = System.currentTimeMillis();
      assertEquals(1001, awaitCloseFrame(s));
      assertTrue(System.currentTimeMillis() - t0 >= 300, "closed before the idle timeout");
    }
    Await.until("slot released", 5_000, () -> node.node.services().connections().open() == 0);
  }

  @Test
  @DisplayName("A client that answers pings stays connected past the idle timeout")
  void heartbeatKeepsConnection() {
    try (WsClient c = WsClient.connect(node.vertx, node.node.port(), null)) {
      c.ok("auth", "token", token);
      long t0 = System.currentTimeMillis();
      Await.until("three idle timeouts", 5_000, () -> System.currentTimeMillis() - t0 > 1_200);
      c.ok("ping");
    }
  }

  @Test
  @DisplayName("Past ws.maxConnections the upgrade is refused with 503")
  void connectionCap() throws Exception {
    try (Socket a = handshake(); Socket b = handshake()) {
      assertTrue(readHead(a).startsWith("HTTP/1.1 101"));
      assertTrue(readHead(b).startsWith("HTTP/1.1 101"));
      try (Socket c = handshake()) {
        String refused = readHead(c);
        assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
      }
    }
    Await.until("slots released", 5_000, () -> node.node.services().connections().open() == 0);
    try (Socket again = handshake()) {
      assertTrue(readHead(again).startsWith("HTTP/1.1 101"), "a slot freed by a closed connection is reused");
    }
  }

  /** Opens a SockJS socket by hand over its raw WebSocket transport, unauthenticated. */
  private static Socket sockJs() throws IOException {
    Socket s = new Socket("127.0.0.1", node.node.port());
    s.setSoTimeout(10_000);
    s.getOutputStream().write(("GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  @Test
  @DisplayName("SockJS sockets, unauthenticated ones included, count against ws.maxConnections like /ws connections")
  void sockJsCountsAgainstTheCap() throws Exception {
    try (Socket a = sockJs(); Socket b = sockJs()) {
      assertTrue(readHead(a).startsWith("HTTP/1.1 101"));
      assertTrue(readHead(b).startsWith("HTTP/1.1 101"));
      Await.until("both sockets counted", 5_000, () -> node.node.services().connections().open() == 2);
      try (Socket c = handshake()) {
        String refused = readHead(c);
        assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
      }
      try (Socket d = sockJs()) {
        readHead(d);
        awaitCloseFrame(d); // a close frame or the end of the stream; an open socket times out the read
      }
    }
    Await.until("slots released", 5_000, () -> node.node.services().connections().open() == 0);
    try (Socket again = handshake()) {
      assertTrue(readHead(again).startsWith("HTTP/1.1 101"), "a slot freed by a closed SockJS socket is reused");
    }
  }
}
