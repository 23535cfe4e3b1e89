// Reads proto/testvectors/v2.json: proto JSON under proto field names, but bytes in lowercase hex
// (not base64) and uint64 as decimal strings (proto/testvectors/README.md, "Conventions").
import { readFileSync } from "node:fs";
import { fromJson, ScalarType, type DescField, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { fromHex } from "../src/index.js";

export const doc = JSON.parse(
  readFileSync(new URL("../../../../proto/testvectors/v2.json", import.meta.url), "utf8"),
) as Record<string, any>;

const base64 = (h: string) => Buffer.from(fromHex(h)).toString("base64");

function convertField(f: DescField, v: JsonValue): JsonValue {
  switch (f.fieldKind) {
    case "scalar":
      return f.scalar === ScalarType.BYTES ? base64(v as string) : v;
    case "message":
      return hexToProtoJson(f.message, v);
    case "list":
      return (v as JsonValue[]).map((item) =>
        f.listKind === "message"
          ? hexToProtoJson(f.message, item)
          : f.listKind === "scalar" && f.scalar === ScalarType.BYTES
            ? base64(item as string)
            : item,
      );
    default:
      return v;
  }
}

function hexToProtoJson(desc: DescMessage, json: JsonValue): JsonValue {
  const out: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(json as Record<string, JsonValue>)) {
    const field = desc.fields.find((f) => f.name === name);
    out[name] = field === undefined ? value : convertField(field, value); // unknown names: fromJson refuses them
  }
  return out;
}

/** A message of the schema from a vector's fields; unknown field names are an error. */
export const message = <D extends DescMessage>(schema: D, json: unknown): MessageShape<D> =>
  fromJson(schema, hexToProtoJson(schema, json as JsonValue));
