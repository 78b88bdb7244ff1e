# Tipline server image. Multi-stage: build the browser bundle and the server in one stage,
# run with production dependencies only, as a non-root user, on a read-only root filesystem
# (only /data is written). Tor is NOT in this image: run it on the host or as a sidecar
# (docs/OPERATIONS.md, "Container"). Run it with --read-only, a volume on /data and the
# recipients file mounted read-only; with podman, build with --format docker to keep the
# HEALTHCHECK. Tested by test/container/image.test.ts.
FROM docker.io/library/node:20-slim AS build
WORKDIR /src
# better-sqlite3 compiles its native addon when no prebuilt one can be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build:client && npm run build:server && npm prune --omit=dev
# Keep only better-sqlite3's compiled addon (prebuilt or just compiled): its C sources, the
# object files and its test extension are ~26 MB the server never loads.
RUN cd node_modules/better-sqlite3 \
 && test -f build/Release/better_sqlite3.node \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/

FROM docker.io/library/node:20-slim
# SQLITE_TMPDIR: the root file system is read-only and there is no writable /tmp; the one-time
# VACUUM of a migrating data directory (src/server/store/db.ts) needs a temporary file.
ENV NODE_ENV=production \
    TIPLINE_HOST=0.0.0.0 \
    TIPLINE_PORT=3000 \
    TIPLINE_DATA_DIR=/data \
    TIPLINE_CLIENT_DIR=/app/dist/client \
    SQLITE_TMPDIR=/data
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.TIPLINE_PORT+'/robots.txt').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Editor public keys are mounted, never baked in: -v ./recipients.txt:/etc/tipline/recipients.txt:ro
ENV TIPLINE_RECIPIENTS=/etc/tipline/recipients.txt
CMD ["node", "dist/server/start.mjs"]
