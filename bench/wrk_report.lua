-- Prints wrk's figures as one JSON line: requests per second, latency percentiles, errors.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  -- Socket errors and timeouts; answers of 400 and above are counted apart (non_2xx).
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status))
end
