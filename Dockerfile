# simple-edge: a non-root image with a health check (O6). Build: docker build -t simple-edge .
# Run:  docker run -p 5060:5060/udp -p 5060:5060 -p 5061:5061 -p 127.0.0.1:9060:9060 \
#         -v $PWD/edge.yaml:/app/config/edge.yaml:ro -v $PWD/certs:/app/certs -v edge-state:/app/var simple-edge
# docs/OPERATIONS.md, "Container", says more.

# Build: compile TypeScript, then install the production dependencies alone (better-sqlite3 compiles
# its native module here, where the compiler is).
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY test/support ./test/support
RUN npm run build && npm ci --omit=dev

# Run: the slim image, the compiled code, production node_modules, the configuration; no compiler.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY web ./web
COPY config/default.yaml ./config/default.yaml
COPY config/container.yaml ./config/edge.yaml
RUN mkdir -p /app/certs /app/var && chown -R node:node /app/certs /app/var
USER node
VOLUME ["/app/certs", "/app/var"]
EXPOSE 5060/udp 5060/tcp 5061/tcp 9060/tcp
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9060/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/simple-edge.js"]
CMD ["start", "--config", "config/edge.yaml"]
