-- wrk: POST /v1/redemptions, one claim of a flash-sale reward per request, each request by
-- the next member (so no claim is refused by the one-per-member limit before the sale is
-- sold out) under its own Idempotency-Key. Answers are sorted: 201 created, a refusal
-- saying reward_out_of_stock, anything else.
-- wrk -s flash.lua URL -- KEY MEMBERS PREFIX REWARD THREADS
dofile(os.getenv("JIFEN_BENCH_LUA_DIR") .. "/common.lua")
local counter = 0
created, sold_out, other = 0, 0, 0

function init(args)
  key, members, prefix, reward, nthreads =
    args[1], tonumber(args[2]), args[3], args[4], tonumber(args[5])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  local n = counter * nthreads + tid - 1
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. n
  local body = string.format('{"member":"F%05d","reward":"%s"}', n % members, reward)
  return wrk.format(nil, "/v1/redemptions", nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif body:find("reward_out_of_stock", 1, true) then
    sold_out = sold_out + 1
  else
    other = other + 1
  end
end
