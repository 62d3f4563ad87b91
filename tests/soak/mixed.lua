-- wrk script for tests/soak/soak.py: a mixed keep-alive load. Route "api" must answer every one
-- of its requests with 2xx; route "errors" answers the 404s and 500s asked of it on purpose.
local counter = 0
local bodies = {}
for i = 0, 7 do
  bodies[i] = string.rep(string.char(97 + i), i * 2048 + 17)  -- 17 bytes to 14 KiB
end

request = function()
  counter = counter + 1
  local kind = counter % 10
  if kind < 4 then
    return wrk.format("GET", "/api/items/" .. counter)
  elseif kind < 6 then
    return wrk.format("POST", "/api/echo", { ["Content-Type"] = "text/plain" },
                      bodies[counter % 8])
  elseif kind == 6 then
    return wrk.format("PUT", "/api/echo?n=" .. counter, nil, bodies[(counter * 3) % 8])
  elseif kind == 7 then
    -- No HEAD: wrk's parser would wait for the body a HEAD response announces but never sends.
    return wrk.format("DELETE", "/api/items/" .. counter)
  elseif kind == 8 then
    return wrk.format("GET", "/status/404")
  else
    return wrk.format("GET", "/status/500")
  end
end
