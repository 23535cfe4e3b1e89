package io.timecoin.canonical;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds protobuf fields a message carries that its schema does not name. Protobuf keeps them and
 * hashes and signatures cover only the canonical bytes, so a relayer could append them without
 * touching anything signed: every message from the network that has one is refused as MALFORMED.
 *
 * <p>The walk reads only the message-typed fields of each type (found once per Descriptor and
 * cached), since only those can hold nested unknown fields; scalar fields cost nothing.
 */
public final class UnknownFields {
  private UnknownFields() {}

  /** Per message type, its message-typed fields; empty for a type that holds no message. */
  private static final ConcurrentHashMap<Descriptor, FieldDescriptor[]> NESTED =
      new ConcurrentHashMap<>();

  /**
   * The path of the first unknown field in {@code message} or any message inside it, for example
   * {@code "block.body.transactions[3].inputs[0].witness#9"} (field 9 of that witness is unknown;
   * {@code "#9"} alone is an unknown field of the message itself); null when there is none.
   */
  public static String find(Message message) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      return "#" + message.getUnknownFields().asMap().keySet().iterator().next();
    }
    for (FieldDescriptor f : nested(message.getDescriptorForType())) {
      if (f.isRepeated()) {
        List<?> elements = (List<?>) message.getField(f); // one reflective call for the whole list
        for (int i = 0; i < elements.size(); i++) {
          String found = find((Message) elements.get(i));
          if (found != null) {
            return under(f.getName() + "[" + i + "]", found);
          }
        }
      } else if (message.hasField(f)) {
        String found = find((Message) message.getField(f));
        if (found != null) {
          return under(f.getName(), found);
        }
      }
    }
    return null;
  }

  /**
   * A path found inside a field, seen from the message holding the field (built only once found).
   */
  private static String under(String field, String inner) {
    return inner.startsWith("#") ? field + inner : field + "." + inner;
  }

  private static FieldDescriptor[] nested(Descriptor type) {
    FieldDescriptor[] known = NESTED.get(type);
    if (known != null) {
      return known;
    }
    List<FieldDescriptor> fields = new ArrayList<>();
    for (FieldDescriptor f : type.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        fields.add(f);
      }
    }
    FieldDescriptor[] made = fields.toArray(new FieldDescriptor[0]);
    NESTED.putIfAbsent(type, made);
    return made;
  }
}
