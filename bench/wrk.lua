-- wrk script of bench/run.py. Arguments after "--": expected status, method, pool file (POST
-- bodies, one a line, each used once), Cookie header, CSRF token. Prints one BENCHJSON line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1])
  method = args[2]
  unexpected = 0
  wrk.method = method
  wrk.headers["Cookie"] = args[4]
  if method == "POST" then
    wrk.headers["X-CSRFToken"] = args[5]
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.body = "x=1"
  end
  pool = {}
  if args[3] ~= nil and args[3] ~= "" then
    local i = 0
    for line in io.lines(args[3]) do
      -- each thread takes every other line, so no two requests book the same slot
      if i % 2 == id and line ~= "" then table.insert(pool, line) end
      i = i + 1
    end
  end
  next_body = 1
end

function request()
  if #pool > 0 then
    local body = pool[next_body]
    next_body = next_body + 1
    if next_body > #pool then next_body = 1 end
    return wrk.format(nil, nil, nil, body)
  end
  return wrk.format()
end

function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("unexpected") end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"unexpected": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    bad, e.connect + e.read + e.write + e.timeout))
end
