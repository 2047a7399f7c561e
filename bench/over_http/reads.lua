-- wrk: GET a member's balance, or their history (PATH_SUFFIX "/entries"), round robin.
-- wrk -s reads.lua URL -- KEY MEMBERS SUFFIX
dofile(os.getenv("JIFEN_BENCH_LUA_DIR") .. "/common.lua")
local counter = 0

function init(args)
  key, members, suffix = args[1], tonumber(args[2]), args[3] or ""
  if suffix == "-" then suffix = "" end
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  counter = counter + 1
  local member = string.format("B%05d", (counter * 16 + tid) % members)
  return wrk.format("GET", "/v1/members/" .. member .. suffix)
end
