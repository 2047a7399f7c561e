-- Shared by the wrk scripts: a thread number for unique ids, and done() reporting one
-- JSON line on stdout for the harness. A script that sorts its answers (flash.lua) keeps
-- the counts `created`, `sold_out` and `other` as globals of each thread; they are summed.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function total(name)
  local sum = 0
  for _, thread in ipairs(threads) do
    sum = sum + (thread:get(name) or 0)
  end
  return sum
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, '
    .. '"p50_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"created": %d, "sold_out": %d, "other": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max,
    total("created"), total("sold_out"), total("other")))
end
