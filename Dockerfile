# syntax=docker/dockerfile:1
# Build stage: the Rust toolchain compiles a static-enough release binary (rustls, no OpenSSL).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY locales ./locales
COPY benches ./benches
COPY tests ./tests
COPY config ./config
RUN cargo build --release --locked --bin solibot

# Runtime stage: a small Debian with CA certificates and an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin solibot \
 && mkdir -p /data /etc/solibot \
 && chown solibot:solibot /data
COPY --from=build /src/target/release/solibot /usr/local/bin/solibot
COPY config/solibot.toml /etc/solibot/solibot.example.toml

LABEL org.opencontainers.image.title="solibot" \
      org.opencontainers.image.description="Telegram bot that alerts subscribers to new appeals from partner organizations' feeds" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/solibot/solibot"

ENV SOLIBOT_DATA_PATH=/data/solibot.db \
    SOLIBOT_HTTP_LISTEN=0.0.0.0:9090 \
    SOLIBOT_LOG_FORMAT=json
VOLUME /data
WORKDIR /data
USER solibot
EXPOSE 9090
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9090/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/solibot"]
CMD ["run"]
