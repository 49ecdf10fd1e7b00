# syntax=docker/dockerfile:1
# One image for every chatbatch service (api, worker, mock-api, cli); the compose file picks
# the command. Build: docker build -t chatbatch .
# Node 22 (an active LTS); the code also runs on Node 20.19 and later (package.json engines).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The package's `prepare` script runs tsc, and the sources are not here yet: build below.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json tsconfig.console.json ./
COPY scripts/console-assets.mjs ./scripts/console-assets.mjs
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts again: `prepare` would run tsc, which is a dev dependency. dist comes
# from the build stage instead.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY examples ./examples
# Health checks: the slim image has node but no curl or wget.
COPY deploy/docker/http-check.mjs ./http-check.mjs
RUN ln -s /app/dist/cli/main.js /usr/local/bin/chatbatch
USER node
# api, mock-api, worker /metrics
EXPOSE 3000 4010 9464
ENTRYPOINT ["chatbatch"]
CMD ["--help"]
