package io.branchwork.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * The frames a session sends, flushed once per event-loop turn instead of once per frame.
 *
 * <p>Why: a round of a busy workspace releases at once the answers of its writes and, to every
 * other session, one {@code changed} event per write (15 frames per write at 16 clients). Vert.x
 * flushes each frame written outside a read of its own connection, one {@code write(2)} each (and
 * a wake-up of the client for each). Here a frame is written to the channel unflushed and one
 * flush is queued behind the tasks already waiting on the event loop, so the frames of a round that
 * reach a session together leave in one write. The frames and their order are exactly those of
 * {@link ServerWebSocket#writeBinaryMessage}; only the TCP segments differ.
 *
 * <p>It writes to the connection's Netty context (Vert.x's {@link WebSocketInternal}, the hook it
 * offers integrations), which Vert.x's own writes pass through too. It falls back to the plain
 * Vert.x write whenever that could reorder frames or needs Vert.x's framing: off the connection's
 * event loop, past the frame size (Vert.x splits such a message), when the socket is closed, and
 * while the channel is not writable (Vert.x may hold frames back in its queue then). Frames
 * written this way are not counted in Vert.x's own bytes-written metric of the HTTP server.
 */
final class FrameOut {

  private final ServerWebSocket ws;
  private final ChannelHandlerContext chctx;
  private final int maxFrameBytes;
  private boolean flushQueued;

  FrameOut(ServerWebSocket ws, int maxFrameBytes) {
    this.ws = ws;
    this.chctx = ws instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
    this.maxFrameBytes = maxFrameBytes;
  }

  void write(Buffer frame) {
    if (chctx == null || frame.length() > maxFrameBytes || !chctx.executor().inEventLoop() || ws.isClosed()
        || ws.writeQueueFull() || !chctx.channel().isWritable()) {
      ws.writeBinaryMessage(frame);
      return;
    }
    chctx.write(new BinaryWebSocketFrame(((BufferInternal) frame).getByteBuf()), chctx.voidPromise());
    if (!flushQueued) {
      flushQueued = true;
      chctx.executor().execute(this::flush);
    }
  }

  private void flush() {
    flushQueued = false;
    chctx.flush();
  }
}
