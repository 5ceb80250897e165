#!/bin/sh
# The image's entry point: the first argument picks the process. `exec` replaces this shell, so
# node runs as PID 1 and SIGTERM reaches its graceful-shutdown handler directly.
set -eu
cmd="${1:-embedded}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  gateway)  exec node /app/services/api-gateway/dist/src/main.js "$@" ;;
  worker)   exec node /app/services/recipient-worker/dist/src/main.js "$@" ;;
  embedded) exec node /app/dist/scripts/scripts/start-embedded.js "$@" ;;
  *)        exec "$cmd" "$@" ;;
esac
