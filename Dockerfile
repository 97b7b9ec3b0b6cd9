# The aci-flow worker image: `docker compose up` builds it; see docs/deployment.md.

# --- build: install everything, compile src/ to dist/ and bundle the workflow code, then drop dev dependencies.
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The client package is an npm workspace of the root package: npm ci needs its manifest.
COPY packages/client/package.json ./packages/client/package.json
# --ignore-scripts: `prepare` would build before the sources are copied and provision the dev
# server binary, which a worker never needs; the build runs below instead.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/client/tsconfig.json ./packages/client/tsconfig.json
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
RUN node scripts/build.mjs --force \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled JavaScript, production dependencies and the prebuilt workflow bundle; no sources.
FROM node:20.19.5-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ACI_FLOW_LOG_DIR=/var/log/aci-flow
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# node_modules/@aci-flow/client links here; the worker itself runs on dist/ alone.
COPY --from=build /app/packages ./packages
COPY bin ./bin
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/log/aci-flow && chown node:node /var/log/aci-flow
# The official image's unprivileged user; the worker needs no root for anything.
USER node
# The worker's entry point, src/worker.ts: the pool from ACI_FLOW_POOL, its file from ACI_FLOW_POOL_CONFIG,
# the rest from the variables of docs/deployment.md. It finds dist/workflow-bundle.js next to its compiled
# code and never runs webpack at start. The CLI is `node bin/aci-flow.js <command>` in the same image.
CMD ["node", "dist/worker.js"]
