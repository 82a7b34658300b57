// Runs a plan of Amazon ECR calls with the AWS SDK for JavaScript v3 (@aws-sdk/client-ecr, installed in the folder
// TOOLKIT_PEERS_DIR names) and prints one JSON result per step. The tests use it as an independent client of the ECR
// emulator: credentials come from the environment (the SDK's default chain), the endpoint from the plan.
//
// Plan (standard input): {"endpoint": "http://127.0.0.1:port", "region": "us-east-1", "maxAttempts": 3,
//   "steps": [{"operation": "CreateRepository", "input": {...}} | {"operation": "DescribeRepositories", "paginate": true, "pageSize": 2, "input": {...}}]}
// Result (standard output): [{"ok": true, "requestId", "httpStatusCode", "attempts", "output"} | {"ok": true, "pages": [...]}
//   | {"ok": false, "error": {"name", "message", "fault", "httpStatusCode", "requestId", "attempts", ...modelled members}}]
// Dates in outputs are written back as epoch seconds, the form the service sends, so outputs can be checked against the model.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const peers = process.env.TOOLKIT_PEERS_DIR;
if (!peers) {
  throw new Error("TOOLKIT_PEERS_DIR must name the folder whose node_modules holds @aws-sdk/client-ecr");
}

const require = createRequire(path.join(peers, "package.json"));
const ecr = require("@aws-sdk/client-ecr");
const plan = JSON.parse(readFileSync(0, "utf8"));
const client = new ecr.ECRClient({ endpoint: plan.endpoint, region: plan.region, maxAttempts: plan.maxAttempts ?? 3 });

// Outputs without the SDK's $metadata, dates as epoch seconds.
function wire(value) {
  return JSON.parse(JSON.stringify(value, function (key, item) {
    if (key === "$metadata") {
      return undefined;
    }
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : item;
  }));
}

const results = [];
for (const step of plan.steps) {
  try {
    if (step.paginate) {
      const paginate = ecr[`paginate${step.operation}`];
      const pages = [];
      for await (const page of paginate({ client, pageSize: step.pageSize }, step.input ?? {})) {
        pages.push(wire(page));
      }
      results.push({ ok: true, pages });
    } else {
      const output = await client.send(new ecr[`${step.operation}Command`](step.input ?? {}));
      results.push({
        ok: true,
        requestId: output.$metadata.requestId,
        httpStatusCode: output.$metadata.httpStatusCode,
        attempts: output.$metadata.attempts,
        output: wire(output),
      });
    }
  } catch (error) {
    const members = {};
    for (const [name, value] of Object.entries(error)) {
      if (!name.startsWith("$") && name !== "name" && name !== "message" && name !== "stack") {
        members[name] = value;
      }
    }
    results.push({
      ok: false,
      error: {
        ...members,
        name: error.name,
        message: error.message,
        fault: error.$fault,
        httpStatusCode: error.$metadata?.httpStatusCode,
        requestId: error.$metadata?.requestId,
        attempts: error.$metadata?.attempts,
      },
    });
  }
}

process.stdout.write(JSON.stringify(results));
