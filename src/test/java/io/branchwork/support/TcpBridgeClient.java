package io.branchwork.support;


import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client of the TCP event-bus bridge on a plain socket, speaking the frame format by hand
 * (4-byte big-endian length, then a JSON object), as a service in any language would.
 */
public final class TcpBridgeClient implements BridgeClient {

  private final Socket socket;
  private final OutputStream out;
  private final BlockingQueue<JsonObject> in = new LinkedBlockingQueue<>();
  private final Promise<Void> closed = Promise.promise();
  private final AtomicInteger replies = new AtomicInteger();

  public TcpBridgeClient(int port) throws IOException {
    this(new Socket("127.0.0.1", port));
  }

  /** Over an already connected socket (a TLS one, say). */
  public TcpBridgeClient(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    Thread reader = new Thread(this::read, "tcp-bridge-client");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (DataInputStream data = new DataInputStream(socket.getInputStream())) {
      while (true) {
        int length = data.readInt();
        byte[] frame = new byte[length];
        data.readFully(frame);
        in.add(new JsonObject(new String(frame, StandardCharsets.UTF_8)));
      }
    } catch (IOException | RuntimeException e) {
      closed.tryComplete();
    }
  }

  /** Writes raw bytes (for malformed frames). */
  public synchronized void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public void writeFrame(JsonObject frame) throws IOException {
    byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
    writeRaw(ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array());
  }

  @Override
  public JsonObject send(String address, String token, JsonObject body) throws Exception {
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", "reply-" + replies.incrementAndGet());
    if (token != null) {
      frame.put("headers", new JsonObject().put("token", token));
    }
    writeFrame(frame);
    return next();
  }

  @Override
  public void register(String address, String token) {
    try {
      writeFrame(new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("token", token)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public BlockingQueue<JsonObject> in() {
    return in;
  }

  @Override
  public Future<Void> closed() {
    return closed.future();
  }

  @Override
  public boolean isMessage(JsonObject frame) {
    return "message".equals(frame.getString("type"));
  }

  @Override
  public boolean isDenied(JsonObject frame) {
    return "err".equals(frame.getString("type")) && "access_denied".equals(frame.getString("message"));
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
