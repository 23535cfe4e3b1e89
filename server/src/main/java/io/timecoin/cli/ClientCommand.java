package io.timecoin.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.PeerInfo;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** timed client ...: talks to a node's client API. */
@Command(name = "client", description = "Talk to a node's client API (NodeService).", subcommands = {ClientCommand.Status.class})
public final class ClientCommand implements Runnable {
  @Override
  public void run() {
    System.err.println("timed client: name a command, for example: timed client status --target 127.0.0.1:24101");
  }

  /** timed client status: the node's chain, height and peers. */
  @Command(name = "status", description = "Show where a node and its chain stand.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--target", defaultValue = "127.0.0.1:24101", description = "host:port of the client API (default ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "Speak TLS, trusting this CA (a node's tls/ca.pem).")
    java.nio.file.Path tlsCa;

    @Override
    public Integer call() throws Exception {
      NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target);
      ManagedChannel channel = (tlsCa == null ? builder.usePlaintext()
          : builder.sslContext(io.timecoin.node.tls.TlsContexts.client(tlsCa))).build();
      try {
        GetStatusResponse s = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
            .getStatus(GetStatusRequest.getDefaultInstance());
        HexFormat hex = HexFormat.of();
        System.out.println("chain            " + s.getChainId());
        System.out.println("genesis          " + hex.formatHex(s.getGenesisHash().toByteArray()));
        System.out.println("finalized_height " + s.getFinalizedHeight());
        System.out.println("finalized_hash   " + hex.formatHex(s.getFinalizedHash().toByteArray()));
        System.out.println("round            " + s.getRound());
        System.out.println("syncing          " + s.getSyncing());
        System.out.println("validator        " + s.getValidator() + " (" + hex.formatHex(s.getNodeKey().toByteArray()) + ")");
        System.out.println("peers            " + s.getPeersCount());
        for (PeerInfo p : s.getPeersList()) {
          System.out.println("  " + p.getAddress() + "  height " + p.getHeight() + "  " + hex.formatHex(p.getNodeKey().toByteArray(), 0, 8));
        }
        return 0;
      } catch (StatusRuntimeException e) {
        System.err.println("timed client status: " + target + ": " + e.getStatus().getCode() + " "
            + (e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription())
            + (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE
                ? (tlsCa == null ? " (is the node down, or does it speak TLS? then add --tls-ca NODE_HOME/tls/ca.pem)" : " (is the node up?)")
                : ""));
        return 1;
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
