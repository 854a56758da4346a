-- Replays pre-generated update checks (one per line: path TAB x-dimension TAB if-none-match,
-- "-" for an absent header), cycling through them; each thread starts at its own offset.
-- Prints one JSON line of results at the end.

local requests = {}
local n = 0
local i = 0
local threads = 0

local sdk_headers = {
  ["cache-control"] = "no-cache",
  ["x-airborne-version"] = "1.4.2",
  ["x-package-version"] = "3",
  ["x-config-version"] = "41",
  ["x-os-version"] = "14",
  ["x-client-id"] = "bench-integrator",
}

setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

init = function(args)
  for line in io.lines(args[1]) do
    local path, xdim, inm = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    local headers = {}
    for k, v in pairs(sdk_headers) do headers[k] = v end
    if xdim ~= "-" then headers["x-dimension"] = xdim end
    if inm ~= "-" then headers["if-none-match"] = inm end
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
