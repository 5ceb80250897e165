// Container health check without curl/wget in the slim image:
//   node /app/healthcheck.mjs http://127.0.0.1:8000/readyz
// exits 0 on a 2xx answer within 3 s, 1 otherwise.
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8000}/healthz`;
const timer = setTimeout(() => process.exit(1), 3000);
fetch(url)
  .then((res) => {
    clearTimeout(timer);
    process.exit(res.ok ? 0 : 1);
  })
  .catch(() => process.exit(1));
