package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.Map;

/** The hashes of recently seen peer messages, bounded: each message is handled and relayed once. */
final class SeenMessages {
  private final Map<ByteString, Boolean> seen;

  SeenMessages(int capacity) {
    this.seen =
        new LinkedHashMap<>(capacity, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<ByteString, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** True the first time a hash is seen. */
  synchronized boolean firstTime(ByteString hash) {
    return seen.putIfAbsent(hash, Boolean.TRUE) == null;
  }
}
