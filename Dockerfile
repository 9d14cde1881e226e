# streamd's image: the daemon on Node 24, for an app added on top (FROM this image, COPY the
# manifest and handlers) or mounted (a volume, a ConfigMap: see helm/streamd). README "Deploy".
#
#   docker build -t streamd .
#   docker run -v "$PWD/manifests/page-views:/app:ro" -e STREAMD_BROKER=kafka://kafka:9092 -p 6066:6066 streamd
#
# The npm steps below are also performed by test/e2e/dockerfile-install.test.ts, which parses this
# file: every RUN is either an npm/npx command (run by the test) or a line it knows (mkdir, chown, ln).
# NODE_VERSION is the Node the suite also runs under (npm run test:node24, the same major).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY cmd ./cmd
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/streamd
# Production dependencies only: esbuild (handlers are bundled at start) and rocksdb-native come
# with their prebuilt binaries for linux-x64/arm64; nothing is compiled.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY config ./config
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/cmd ./dist/cmd
# State (RocksDB stores, member id) on a volume; handlers compile under /tmp (an emptyDir on
# Kubernetes), so /app and /opt/streamd may be read-only; packages an app's handlers import resolve
# from /app at bundle time.
RUN mkdir -p /var/lib/streamd /app && chown 1000:1000 /var/lib/streamd
ENV STREAMD_DATADIR=/var/lib/streamd \
    STREAMD_BUILD_DIR=/tmp/streamd-build \
    STREAMD_WEB_HOST=0.0.0.0 \
    STREAMD_WEB_PORT=6066
VOLUME ["/var/lib/streamd"]
EXPOSE 6066
# The official image's unprivileged `node` user, by number (a securityContext can check runAsNonRoot).
USER 1000:1000
WORKDIR /app
# SIGTERM drains, commits and exits 0 (within settings.shutdownTimeoutMs).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/streamd/dist/cmd/streamd.js"]
CMD ["start", "--manifest", "/app/app.yaml"]
