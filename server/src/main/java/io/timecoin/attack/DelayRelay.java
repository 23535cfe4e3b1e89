package io.timecoin.attack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP relay on 127.0.0.1 that holds every chunk for a fixed delay: the link between two honest
 * validators, slower than the attacker's direct link to each (so its tampered copy of a proposal
 * arrives before the genuine one, as it would from a peer with a better route). It can be cut
 * (every open connection closed, new ones refused) and healed: a partition of real sockets.
 */
public final class DelayRelay implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final long delayMillis;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  public DelayRelay(int targetPort, long delayMillis) throws IOException {
    this.targetPort = targetPort;
    this.delayMillis = delayMillis;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon("relay-" + server.getLocalPort(), this::acceptLoop);
  }

  /** A relay without delay. */
  public DelayRelay(int targetPort) throws IOException {
    this(targetPort, 0);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Closes every open connection and refuses new ones until {@link #heal}. */
  public void cut() {
    cut = true;
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  public void heal() {
    cut = false;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        if (cut) {
          closeQuietly(in);
          continue;
        }
        Socket out;
        try {
          out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        } catch (IOException e) {
          in.close(); // the target is down: the dialing node retries
          continue;
        }
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        // closed
      }
    }
  }

  private record Chunk(long due, byte[] bytes) {}

  private void pump(Socket from, Socket to) {
    LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    Chunk end = new Chunk(0, null);
    daemon(
        "relay-read",
        () -> {
          byte[] buf = new byte[64 * 1024];
          try (InputStream i = from.getInputStream()) {
            for (int n; (n = i.read(buf)) >= 0; ) {
              queue.add(
                  new Chunk(System.nanoTime() + delayMillis * 1_000_000, Arrays.copyOf(buf, n)));
            }
          } catch (IOException ignored) {
            // either side closed
          }
          queue.add(end);
        });
    daemon(
        "relay-write",
        () -> {
          try (OutputStream o = to.getOutputStream()) {
            for (Chunk c; (c = queue.take()) != end; ) {
              long wait = c.due - System.nanoTime();
              if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
              }
              o.write(c.bytes);
            }
          } catch (IOException | InterruptedException ignored) {
            // either side closed
          } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
          }
        });
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
