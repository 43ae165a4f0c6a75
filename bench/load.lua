-- wrk script: spreads requests over generated orders and counts answer statuses.
--
--   wrk -tTHREADS ... -s bench/load.lua URL -- METHOD PATH BODY FIRST COUNT THREADS [OFFSET]
--
-- PATH and BODY are templates from bench/data.py ("-" for no body); "{i}" in them becomes
-- a generated order's number in 7 digits. The orders used are FIRST .. FIRST+COUNT-1.
-- wrk runs one Lua state per thread, so thread t takes orders FIRST+t, FIRST+t+THREADS,
-- ...: no two requests share an order until COUNT is used up. That matters for creates,
-- where an order refunded again would answer "nothing left"; the status mix shows it.
-- Several wrk's can share the orders the same way: THREADS counts the threads of all of
-- them, and OFFSET (default 0) is the number of this wrk's first thread among them.
-- At the end one JSON line goes to stdout for bench/run.py.

local threads = {}
local thread_total = 0

function setup(thread)
  thread:set("thread_index", thread_total)
  thread_total = thread_total + 1
  table.insert(threads, thread)
end

function init(args)
  method, path, body = args[1], args[2], args[3]
  if body == "-" then body = nil end
  first, count, thread_count = tonumber(args[4]), tonumber(args[5]), tonumber(args[6])
  thread_index = thread_index + (tonumber(args[7]) or 0)
  sent = 0
  statuses = {}
end

function request()
  -- thread_index was set by setup() before init() ran in this thread.
  local i = string.format("%07d", first + (thread_index + sent * thread_count) % count)
  sent = sent + 1
  local filled_body = body and (body:gsub("{i}", i))
  return wrk.format(method, (path:gsub("{i}", i)), nil, filled_body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local mix = {}
  for status, n in pairs(totals) do
    mix[#mix + 1] = string.format('"%d":%d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"statuses":{%s},'
      .. '"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    table.concat(mix, ","), e.connect + e.read + e.write + e.timeout))
end
