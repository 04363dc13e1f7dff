-- wrk script for bench/load.py: sends the session cookie (and, for a POST, the form body
-- with its CSRF token) given in the environment, and prints one parseable result line.
local cookie = os.getenv("PHT_COOKIE")
local body = os.getenv("PHT_BODY")
local csrf = os.getenv("PHT_CSRF")

if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-CSRFToken"] = csrf
  wrk.headers["Referer"] = "http://127.0.0.1/"
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "PHT_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%.0f "
      .. "non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.status, e.connect + e.read + e.write + e.timeout
  ))
end
