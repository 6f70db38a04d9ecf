package io.branchwork.gateway;

import io.branchwork.support.BridgeClient;
import io.branchwork.support.SockJsBridge;

/** The bridge rules through the SockJS bridge, on SockJS's raw WebSocket transport with the bridge's JSON frames. */
class SockJsBridgeTest extends BridgeRulesSuite {

  @Override
  BridgeClient bridge() throws Exception {
    return new SockJsBridge(wsClient, node.node.port());
  }
}
