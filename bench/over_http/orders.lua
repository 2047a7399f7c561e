-- wrk: POST /v1/orders, a five-line order per request, each with its own order id.
-- wrk -s orders.lua URL -- KEY MEMBERS PREFIX
dofile(os.getenv("JIFEN_BENCH_LUA_DIR") .. "/common.lua")
local counter = 0

function init(args)
  key, members, prefix = args[1], tonumber(args[2]), args[3]
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

local BODY = '{"order_id":"%s","member":"%s","paid":"158.70","store":"3","lines":['
  .. '{"sku":"eggs-12","quantity":1,"unit_price":"15.00","category":"dairy","tags":["daily_special"]},'
  .. '{"sku":"bok-choy","quantity":2,"unit_price":"6.50","category":"vegetables"},'
  .. '{"sku":"pork-500g","quantity":1,"unit_price":"32.00","category":"meat"},'
  .. '{"sku":"rice-10kg","quantity":1,"unit_price":"65.00","category":"grocery"},'
  .. '{"sku":"apples-1kg","quantity":1,"unit_price":"33.70","category":"fruit"}]}'

function request()
  counter = counter + 1
  local member = string.format("B%05d", (counter * 16 + tid) % members)
  local body = string.format(BODY, prefix .. "-" .. tid .. "-" .. counter, member)
  return wrk.format(nil, "/v1/orders", nil, body)
end
