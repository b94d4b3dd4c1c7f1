-- Mixed traffic for the soak: each request says what it expects in
-- X-Expect; the server's log of expected and actual statuses is the verdict.
local https = { ["X-Forwarded-Proto"] = "https" }

local function with(headers)
  local h = {}
  for k, v in pairs(https) do h[k] = v end
  for k, v in pairs(headers) do h[k] = v end
  return h
end

local long_chain = "198.51.100.7" .. string.rep(", 127.0.0.1", 200)

local requests = {
  { "/api/projects/", with({ ["X-Forwarded-For"] = "198.51.100.7", ["X-Expect"] = "200" }) },
  { "/api/projects/", with({ ["X-Forwarded-For"] = "203.0.113.9", ["X-Expect"] = "403" }) },
  { "/e/?ip=1", with({ ["X-Forwarded-For"] = "203.0.113.9", ["X-Expect"] = "200" }) },
  { "/batch/", with({ ["X-Forwarded-For"] = "[2001:db8::7]:443", ["X-Expect"] = "200" }) },
  { "/api/projects/", { ["X-Forwarded-For"] = "198.51.100.7", ["X-Expect"] = "301" } },
  { "/api/projects/", with({ ["X-Forwarded-For"] = "198.51.100.7, garbage", ["X-Expect"] = "403" }) },
  { "/api/projects/", with({ ["X-Forwarded-For"] = long_chain, ["X-Expect"] = "200" }) },
  { "/e/../api/projects/", with({ ["X-Forwarded-For"] = "203.0.113.9", ["X-Expect"] = "403" }) },
  { "/_health", { ["X-Expect"] = "404" } },
}

local prepared = {}
local counter = 0

-- `wrk ... -- close`: a connection per request.  wrk.format() with a
-- headers table ignores wrk's own -H headers, so the mode is an argument.
function init(args)
  local close = args[1] == "close"
  for i, r in ipairs(requests) do
    local h = r[2]
    if close then
      h = {}
      for k, v in pairs(r[2]) do h[k] = v end
      h["Connection"] = "close"
    end
    prepared[i] = wrk.format("GET", r[1], h)
  end
end

function request()
  counter = counter + 1
  return prepared[counter % #prepared + 1]
end
