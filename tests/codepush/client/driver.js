// Drives the real `code-push` acquisition SDK (AcquisitionManager) the way react-native-code-push
// does: the same HTTP headers as its request-fetch-adapter, the same calls. One command per run;
// the result is printed as one JSON line.
//
//   node driver.js <sdk dir> check    <config json> <current package json>
//   node driver.js <sdk dir> deploy   <config json> <package json|null> <status> <previous label or app version> <previous key>
//   node driver.js <sdk dir> download <config json> <package json>
//   node driver.js <sdk dir> hash     <folder>
//   node driver.js <sdk dir> rollout  <client ids json> <percent> <release label>
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const [sdkDir, command, ...args] = process.argv.slice(2);
const { AcquisitionManager, AcquisitionStatus } = require(path.join(sdkDir, "node_modules/code-push/script/acquisition-sdk"));
const SDK_VERSION = require(path.join(sdkDir, "node_modules/code-push/package.json")).version;

// react-native-code-push's request-fetch-adapter.js, with Node's fetch.
const requester = {
  request(verb, url, requestBody, callback) {
    if (typeof requestBody === "function") {
      callback = requestBody;
      requestBody = null;
    }
    const method = ["GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"][verb];
    const headers = {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CodePush-Plugin-Name": "react-native-code-push",
      "X-CodePush-Plugin-Version": "9.0.1",
      "X-CodePush-SDK-Version": SDK_VERSION,
    };
    fetch(url, { method, headers, body: requestBody || undefined })
      .then(async (response) => callback(null, { statusCode: response.status, body: await response.text() }))
      .catch((error) => callback(error, null));
  },
};

function manager(config) {
  return new AcquisitionManager(requester, config);
}

function print(error, result) {
  process.stdout.write(JSON.stringify({ error: error ? String(error.message || error) : null, result: result || null }) + "\n");
}

// The package hash exactly as react-native-code-push computes it on the device
// (CodePushUpdateUtils: every file but the signature and macOS metadata, "path:sha256",
// sorted, JSON, SHA-256).
function folderHash(root) {
  const entries = [];
  const walk = (dir) => {
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full).split(path.sep).join("/");
      if (fs.statSync(full).isDirectory()) {
        walk(full);
      } else if (!relative.startsWith("__MACOSX/") && name !== ".DS_Store" && name !== ".codepushrelease") {
        entries.push(relative + ":" + crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex"));
      }
    }
  };
  walk(root);
  entries.sort();
  return crypto.createHash("sha256").update(JSON.stringify(entries)).digest("hex");
}

// code-push-server's rollout-selector.ts, verbatim in behaviour: which ids a rollout admits.
function selectedForRollout(clientIds, rollout, releaseTag) {
  const hashCode = (input) => {
    let hash = 0;
    for (let i = 0; i < input.length; i++) {
      hash = (hash << 5) - hash + input.charCodeAt(i);
    }
    return hash;
  };
  return clientIds.filter((id) => Math.abs(hashCode(id + "-" + releaseTag)) % 100 < rollout);
}

const parse = (text) => JSON.parse(text);
switch (command) {
  case "check":
    manager(parse(args[0])).queryUpdateWithCurrentPackage(parse(args[1]), print);
    break;
  case "deploy": {
    const status = args[2] === "succeeded" ? AcquisitionStatus.DeploymentSucceeded : AcquisitionStatus.DeploymentFailed;
    manager(parse(args[0])).reportStatusDeploy(parse(args[1]), status, args[3] || undefined, args[4] || undefined, print);
    break;
  }
  case "download":
    manager(parse(args[0])).reportStatusDownload(parse(args[1]), print);
    break;
  case "rollout":
    print(null, selectedForRollout(parse(args[0]), Number(args[1]), args[2]));
    break;
  case "hash":
    print(null, folderHash(args[0]));
    break;
  default:
    print(new Error("unknown command " + command));
}
