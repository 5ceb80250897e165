# syntax=docker/dockerfile:1.7
#
# One image for every process of the Qubicle recipient service; the command picks which:
#   docker run IMAGE gateway     # services/api-gateway   (needs AMQP_URL, AUTH_TOKEN_SECRET)
#   docker run IMAGE worker      # services/recipient-worker (needs AMQP_URL; MONGODB_URL in production)
#   docker run IMAGE embedded    # gateway + worker in one process (in-process bus + SQLite by default)
#
# Build stage: `npm ci` (with the dev dependencies: TypeScript), `tsc -b` compiles every workspace
# to dist/ (the packages' default export is ./dist/src/index.js), then the dev dependencies are
# pruned. Runtime stage: the same Debian base (better-sqlite3 is a native module built against its
# glibc), plain `node` on compiled JavaScript — no tsx, no TypeScript, no transpiling at start —
# running as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# toolchain for native modules when no prebuilt binary matches (better-sqlite3)
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/transport/package.json libs/transport/
COPY libs/runtime/package.json libs/runtime/
COPY services/api-gateway/package.json services/api-gateway/
COPY services/recipient-worker/package.json services/recipient-worker/
RUN npm ci --no-audit --no-fund
# everything the root tsconfig references (libs, services, scripts, test, tools, bench…); .dockerignore
# keeps node_modules, dist, local data and secrets out
COPY . .
RUN npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf libs/*/dist/test services/*/dist/test dist/scripts/test libs/*/src services/*/src libs/*/test services/*/test \
 && find . -name '*.tsbuildinfo' -delete

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/libs libs
COPY --from=build --chown=root:root /app/services services
COPY --from=build --chown=root:root /app/dist/scripts/scripts dist/scripts/scripts
COPY --chown=root:root deploy/docker/entrypoint.sh /usr/local/bin/qubicle
COPY --chown=root:root deploy/docker/healthcheck.mjs /app/healthcheck.mjs
# the embedded mode's SQLite file (SQLITE_PATH=./data/qubicle.db) and its token secret live here
RUN chmod 0755 /usr/local/bin/qubicle && mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# gateway: PORT (8000); worker: METRICS_PORT (9100)
EXPOSE 8000 9100
ENTRYPOINT ["/usr/local/bin/qubicle"]
CMD ["embedded"]
