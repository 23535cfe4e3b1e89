package io.timecoin.node;

import io.grpc.Server;
import java.io.IOException;

/** Starting the node's gRPC ports, with the message an operator needs when one cannot listen. */
final class Ports {
  private Ports() {}

  static void listen(Server server, String address, String what) throws IOException {
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot listen on "
              + address
              + " ("
              + what
              + " port): "
              + rootMessage(e)
              + "; is another node running there? (--base-port moves the ports)",
          e);
    }
  }

  static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
