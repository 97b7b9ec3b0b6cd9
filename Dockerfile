# The aci-flow worker image: `docker compose up` builds it; see docs/deployment.md.

# --- build: install everything, bundle the workflow code, then drop dev dependencies.
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall step provisions the dev server binary, which a worker never needs.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY deploy/bundle-workflows.ts ./deploy/bundle-workflows.ts
RUN node -r tsx/cjs deploy/bundle-workflows.ts dist/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies, sources (run through tsx) and the workflow bundle.
FROM node:20.19.5-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ACI_FLOW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    ACI_FLOW_LOG_DIR=/var/log/aci-flow
WORKDIR /app
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/log/aci-flow && chown node:node /var/log/aci-flow
# The official image's unprivileged user; the worker needs no root for anything.
USER node
ENTRYPOINT ["node", "bin/aci-flow.js"]
CMD ["worker", "--pool", "default-pool"]
