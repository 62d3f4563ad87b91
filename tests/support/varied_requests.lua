-- wrk script: every request is generated from a seed by the generator of
-- tests/support/request_generator.py (which documents it; the two must draw the same numbers in
-- the same order), so the recording backend can regenerate what the client sent and compare.
--
--   wrk -t2 -c16 -d4s -s varied_requests.lua http://127.0.0.1:PORT/ -- FIRST_SEED 2
--
-- Thread t of T sends seeds FIRST_SEED + t, FIRST_SEED + t + T, ...; the seed is also in the path
-- ("/v/<seed>/...") so that a failed request can be found in the gateway's access log.

local MODULUS = 2147483647
local MULTIPLIER = 48271

local METHODS = {"GET", "HEAD", "PUT", "DELETE", "POST"}
local PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~!$'()*+,;=:@"
local QUERY_CHARS = PATH_CHARS .. "/?"
local VALUE_CHARS = {}
for c = 0x21, 0x7e do VALUE_CHARS[#VALUE_CHARS + 1] = string.char(c) end
local HEADER_NAMES = {"X-Alpha", "x-beta", "X-Gamma-Longer-Header-Name", "Accept", "User-Agent",
                      "Cookie", "Cache-Control", "X-Dup", "Authorization", "X-Empty-Or-Not"}
local PATTERN_SIZE = 65536

-- MINSTD; x * MULTIPLIER < 2^47 stays exact in a double.
local x = 1
local function reseed(seed) x = seed % (MODULUS - 1) + 1 end
local function pick(n)
  x = (x * MULTIPLIER) % MODULUS
  return x % n
end

local PATTERN
do
  reseed(12345)
  local bytes = {}
  for i = 1, PATTERN_SIZE do bytes[i] = string.char(pick(256)) end
  PATTERN = table.concat(bytes)
end

local function word(length, chars)
  local out = {}
  for i = 1, length do
    local at = pick(#chars) + 1
    out[i] = chars:sub(at, at)
  end
  return table.concat(out)
end

local function value()
  local bucket = pick(10)
  local length
  if bucket < 7 then
    length = pick(40)
  elseif bucket < 9 then
    length = 40 + pick(400)
  else
    length = 400 + pick(3000)
  end
  local chars = {}
  for i = 1, length do chars[i] = VALUE_CHARS[pick(#VALUE_CHARS) + 1] end
  for i = 2, length - 1 do
    if chars[i] == "~" then chars[i] = " " end
  end
  return table.concat(chars)
end

local function generate(seed)
  reseed(seed)
  local method = METHODS[pick(#METHODS) + 1]
  local target = "/v/" .. string.format("%d", seed)
  for _ = 1, pick(3) do target = target .. "/" .. word(1 + pick(12), PATH_CHARS) end
  if pick(3) > 0 then
    local params = {}
    for i = 0, pick(4) do params[#params + 1] = "p" .. i .. "=" .. word(pick(20), QUERY_CHARS) end
    target = target .. "?" .. table.concat(params, "&")
  end
  local host = "h" .. pick(1000) .. ".test"
  if pick(4) == 0 then host = host .. ":" .. (8000 + pick(100)) end
  local lines = {method .. " " .. target .. " HTTP/1.1", "Host: " .. host,
                 "X-Seed: " .. string.format("%d", seed)}
  for _ = 1, pick(7) do
    local name = HEADER_NAMES[pick(#HEADER_NAMES) + 1]
    lines[#lines + 1] = name .. ": " .. value()
  end
  if pick(6) == 0 then
    lines[#lines + 1] = "Connection: x-hop"
    lines[#lines + 1] = "X-Hop: " .. value()
  end
  local has_body = method == "PUT" or method == "POST" or (method == "DELETE" and pick(4) == 0)
  local framed = ""
  if has_body then
    local bucket = pick(10)
    local size
    if bucket < 2 then
      size = 0
    elseif bucket < 6 then
      size = pick(200)
    elseif bucket < 9 then
      size = 200 + pick(4000)
    else
      size = 4000 + pick(40000)
    end
    local offset = pick(PATTERN_SIZE - size + 1)
    local body = PATTERN:sub(offset + 1, offset + size)
    if pick(4) == 0 then
      local pieces = {}
      local at = 0
      while at < size do
        local length = 1 + pick(math.min(size - at, 8192))
        local extension = ""
        if pick(8) == 0 then extension = ";ext=" .. pick(100) end
        pieces[#pieces + 1] = string.format("%x", length) .. extension .. "\r\n"
        pieces[#pieces + 1] = body:sub(at + 1, at + length) .. "\r\n"
        at = at + length
      end
      pieces[#pieces + 1] = "0\r\n\r\n"
      framed = table.concat(pieces)
      lines[#lines + 1] = "Transfer-Encoding: chunked"
    else
      framed = body
      lines[#lines + 1] = "Content-Length: " .. size
    end
  end
  return table.concat(lines, "\r\n") .. "\r\n\r\n" .. framed
end

local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

-- Arguments: FIRST_SEED and THREADS (wrk's -t; every thread steps over the others' seeds).
local next_seed, step
function init(args)
  step = tonumber(args[2] or "1")
  next_seed = tonumber(args[1] or "1") + (thread_index or 0)
end

function request()
  local seed = next_seed
  next_seed = next_seed + step
  return generate(seed)
end

-- A cross-check of the two generators outside wrk: `luajit varied_requests.lua N` prints request
-- N, byte for byte what `request_generator.py N` prints.
if arg and arg[1] and not wrk then io.write(generate(tonumber(arg[1]))) end
