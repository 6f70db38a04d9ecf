package io.branchwork.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

/**
 * A raw WebSocket echo in a JVM of its own, like the server under test: the ceiling for a read,
 * measured across processes (the in-process echo shares the harness's JVM and event loops).
 * Usage: {@code java -cp ... io.branchwork.load.EchoServer PORT}; prints "listening" when ready.
 */
public final class EchoServer {

  private EchoServer() {}

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    vertx.createHttpServer(new HttpServerOptions().setMaxWebSocketFrameSize(1 << 20))
        .webSocketHandler(ws -> ws.binaryMessageHandler(ws::writeBinaryMessage))
        .listen(Integer.parseInt(args[0]), "127.0.0.1")
        .onSuccess(s -> System.out.println("listening"))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
