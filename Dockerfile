# syntax=docker/dockerfile:1
# elector: the leader-election sidecar. Build: docker build -t elector:0.1.0 .
# Stage 1 compiles TypeScript with the dev dependencies; stage 2 carries only dist/ and the
# production dependencies, and runs as a numeric non-root user (so runAsNonRoot can verify it).
#
# Base: Node.js 22 (LTS, maintained until April 2027) on Debian bookworm, pinned by digest so a
# rebuild gets the same bytes; move both FROM lines together when updating. Where the digest came
# from: no Docker engine or registry was reachable when it was chosen, so it was taken from
# public Dockerfiles that pin node:22-bookworm-slim to it (two unrelated projects, one of them
# kept current by Dependabot); check it with `docker buildx imagetools inspect
# node:22-bookworm-slim` before a release, and replace it when the tag moves on.

FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="elector" \
      org.opencontainers.image.description="Leader-election sidecar for Kubernetes: Raft mesh, etcd, ZooKeeper or Lease backends; pod labels, fencing tokens, metrics." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:22-bookworm-slim" \
      org.opencontainers.image.base.digest="sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The node image's "node" user, by number: Kubernetes' runAsNonRoot cannot check a user name.
USER 1000:1000
# 4040: HTTP API (/leader, /readyz, /metrics, ...); 7946: Raft peer port.
EXPOSE 4040 7946
# node is PID 1 and handles SIGTERM itself: it hands leadership over, then exits 0 within
# --shutdown-timeout. It waits for the hook and exec-probe commands it starts, but does not reap
# background processes those commands leave behind: keep hook commands in the foreground, or
# give the pod a reaping init (shareProcessNamespace: true makes the pause container PID 1).
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
