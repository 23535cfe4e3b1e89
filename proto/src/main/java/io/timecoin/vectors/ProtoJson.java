package io.timecoin.vectors;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A protobuf message as the test-vector file writes it: fields by their proto names in field order,
 * bytes as lowercase hex, 64-bit integers as decimal strings (JSON numbers lose precision past
 * 2^53), 32-bit integers as numbers, enums by name; unset message and oneof fields left out.
 */
final class ProtoJson {
  private ProtoJson() {}

  static Map<String, Object> of(Message message) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (!field.isRepeated() && field.hasPresence() && !message.hasField(field)) {
        continue; // an unset message or oneof member; plain scalars are always written
      }
      Object value = message.getField(field);
      if (field.isRepeated()) {
        List<Object> items = new ArrayList<>();
        for (Object item : (List<?>) value) {
          items.add(scalar(field, item));
        }
        out.put(field.getName(), items);
      } else {
        out.put(field.getName(), scalar(field, value));
      }
    }
    return out;
  }

  private static Object scalar(FieldDescriptor field, Object value) {
    return switch (field.getType()) {
      case MESSAGE -> of((Message) value);
      case BYTES -> HexFormat.of().formatHex(((ByteString) value).toByteArray());
      case ENUM -> ((EnumValueDescriptor) value).getName();
      case UINT64, FIXED64 -> Long.toUnsignedString((Long) value);
      case INT64, SINT64, SFIXED64 -> Long.toString((Long) value);
      case UINT32, FIXED32 -> Integer.toUnsignedLong((Integer) value);
      case STRING, BOOL, INT32, SINT32, SFIXED32 -> value;
      default -> throw new IllegalArgumentException("no vector form for " + field.getType());
    };
  }
}
