-- Replays pre-generated Expo manifest requests (one per line: path TAB platform TAB runtime
-- TAB channel TAB eas-client-id TAB expo-current-update-id, "-" for an absent header) with
-- the headers expo-updates sends, cycling through them. Prints the same JSON line as mix.lua.

local requests = {}
local n = 0
local i = 0
local threads = 0

local client_headers = {
  ["accept"] = "multipart/mixed,application/expo+json,application/json",
  ["expo-protocol-version"] = "1",
  ["expo-api-version"] = "1",
  ["expo-updates-environment"] = "BARE",
  ["expo-json-error"] = "true",
  ["expo-embedded-update-id"] = "0b0e7e0f-2c4e-4a55-9d0c-3a7e5c6d7f80",
}

setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

init = function(args)
  for line in io.lines(args[1]) do
    local path, platform, runtime, channel, client, current =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    local headers = {}
    for k, v in pairs(client_headers) do headers[k] = v end
    headers["expo-platform"] = platform
    headers["expo-runtime-version"] = runtime
    if channel ~= "-" then headers["expo-channel-name"] = channel end
    if client ~= "-" then headers["eas-client-id"] = client end
    if current ~= "-" then headers["expo-current-update-id"] = current end
    n = n + 1
    requests[n] = wrk.format("GET", path, headers)
  end
  i = ((tid or 0) * 7919) % n
end

request = function()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end

done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status))
end
