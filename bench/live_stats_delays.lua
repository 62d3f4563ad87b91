-- wrk script for bench/live_stats.sh: each request asks the echo backend to wait 1 to 20 ms,
-- so that latencies spread over a range whose percentiles both sides can measure.
math.randomseed(7)
request = function()
  return wrk.format("GET", "/delay/" .. math.random(1, 20))
end
