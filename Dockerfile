# The gateway image. PostgreSQL is external here (DATABASE_URL): see docker-compose.yml.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY migrations ./migrations
COPY wsdl ./wsdl
COPY xsd ./xsd
RUN npm ci && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production ESAV_CERTS_DIR=/var/lib/esav/certs ESAV_DATA_DIR=/var/lib/esav/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/wsdl ./wsdl
COPY --from=build /app/xsd ./xsd
RUN mkdir -p /var/lib/esav && chown node:node /var/lib/esav
USER node
VOLUME /var/lib/esav
EXPOSE 8443 9464
CMD ["bin/esav.js", "serve"]
